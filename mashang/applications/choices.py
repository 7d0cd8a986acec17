from django.db import models


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待预审"
    CORRECTION = "correction", "待补正"
    ACCEPTED = "accepted", "审查中"
    DEFERRED = "deferred", "容缺受理（待补齐）"
    SUSPENDED = "suspended", "已中止"
    DECIDED = "decided", "待送达"
    COMPLETED = "completed", "已办结"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"


FINAL = {Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN}
BEFORE_ACCEPTANCE = {Status.SUBMITTED, Status.CORRECTION}
UNDER_REVIEW = {Status.ACCEPTED, Status.DEFERRED}


class Channel(models.TextChoices):
    ONLINE = "online", "网上申请"
    WINDOW = "window", "综合窗口"
    STATION = "station", "便民服务站"
    API = "api", "接口"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "个人"
    FIRM = "firm", "企业"


class Decision(models.TextChoices):
    APPROVE = "approve", "准予"
    REFUSE = "refuse", "不予"


class Delivery(models.TextChoices):
    PICKUP = "pickup", "窗口领取"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子证照（网上下载）"


class MaterialState(models.TextChoices):
    RECEIVED = "received", "已收取"
    MISSING = "missing", "缺少"
    WRONG = "wrong", "需更正"
    DEFERRED = "deferred", "容缺后补"
    SHARED = "shared", "共享获取"


class RatingKind(models.TextChoices):
    APPLICATION = "application", "一事一评"
    WINDOW = "window", "一次一评（窗口）"


class Event(models.TextChoices):
    SUBMITTED = "submitted", "网上提交"
    RECEIVED = "received", "窗口收件"
    ACCEPT = "accept", "受理"
    INSTANT = "instant", "即办"
    DEFER = "defer", "容缺受理"
    CORRECTION = "correction", "一次性告知补正"
    SUPPLEMENT = "supplement", "补充材料"
    MATERIALS = "materials", "上传材料"
    REFUSE = "refuse", "不予受理"
    DECIDE = "decide", "决定"
    DELIVER = "deliver", "送达办结"
    WITHDRAW = "withdraw", "撤回"
    LAPSE = "lapse", "容缺逾期视为撤回"
    SUSPEND = "suspend", "中止"
    RESUME = "resume", "恢复"
    EXTEND = "extend", "延长期限"
    OVERDUE = "overdue", "超时"
    RATING = "rating", "评价"
    BAD_RATING_CONTACT = "bad_rating_contact", "差评回访"
    PRINT = "print", "打印文书"
    NOTE = "note", "内部备注"


MAX_FILES_PER_MATERIAL = 5
