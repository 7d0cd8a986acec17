from django.db import models


class AppealType(models.TextChoices):
    CONSULT = "consult", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    SUGGESTION = "suggestion", "建议"
    ACCUSATION = "accusation", "检举控告"


class AppealStatus(models.TextChoices):
    PENDING_DISPATCH = "pending_dispatch", "待分拨"
    DISPATCHED = "dispatched", "已派单"
    ACCEPTED = "accepted", "办理中"
    COMPLETED = "completed", "已办结"
    CLOSED = "closed", "已回访"
    INVALID = "invalid", "无效"
    MERGED = "merged", "已合并"
    ACCUSATION_NEW = "accusation_new", "待纪委受理"
    DISCIPLINE_HANDLING = "discipline_handling", "纪委处置中"
    DISCIPLINE_DONE = "discipline_done", "纪委办结"


class Channel(models.TextChoices):
    QR = "qr", "扫码"
    API = "api", "接口"
    OPEN311 = "open311", "Open311"


class EventKind(models.TextChoices):
    RECEIVED = "received", "诉求已提交"
    NOTE = "note", "内部备注"
    CITIZEN_INFO = "citizen_info", "群众补充信息"


# Limits the form and the API both enforce (server-side).
CONTENT_MIN = 10
CONTENT_MAX = 2000
PLACE_MAX = 200
NAME_MAX = 30
MAX_PHOTOS = 6
