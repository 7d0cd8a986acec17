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
    DISPATCH = "dispatch", "派单"
    ACCEPT = "accept", "受理"
    RETURN = "return", "退回"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_DECIDED = "extension_decided", "延期审批"
    ASK_CITIZEN = "ask_citizen", "向群众询问"
    REPLY = "reply", "办结答复"
    CALLBACK = "callback", "回访"
    REHANDLE = "rehandle", "重办"
    CLOSE = "close", "结案"
    INVALIDATE = "invalidate", "无效"
    MERGE = "merge", "合并"
    ACCEPT_ACCUSATION = "accept_accusation", "纪委受理"
    CONCLUDE_ACCUSATION = "conclude_accusation", "纪委办结"
    BAD_RATING_CONTACT = "bad_rating_contact", "差评联系"
    OVERDUE = "overdue", "超时"
    ORDER = "order", "督办"
    ORDER_ANSWER = "order_answer", "督办答复"
    NOTE = "note", "内部备注"
    CITIZEN_INFO = "citizen_info", "群众补充信息"
    CITIZEN_RATING = "citizen_rating", "群众评价"


class Rating(models.TextChoices):
    """好差评 (国办发〔2019〕51号): the last two are 差评."""

    VERY_SATISFIED = "5", "非常满意"
    SATISFIED = "4", "满意"
    BASICALLY_SATISFIED = "3", "基本满意"
    DISSATISFIED = "2", "不满意"
    VERY_DISSATISFIED = "1", "非常不满意"


SATISFIED_RATINGS = {Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED}
BAD_RATINGS = {Rating.DISSATISFIED, Rating.VERY_DISSATISFIED}


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO = "co", "协办"


class ExtensionStatus(models.TextChoices):
    LEADER = "leader", "待单位负责人审核"
    PENDING = "pending", "待分拨中心审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"


# Limits the form and the API both enforce (server-side).
CONTENT_MIN = 10
CONTENT_MAX = 2000
PLACE_MAX = 200
NAME_MAX = 30
MAX_PHOTOS = 6


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"
    COMPLEX = "complex", "复杂"
