from django.db import models


class HallKind(models.TextChoices):
    CENTRE = "centre", "县政务服务中心"
    TOWNSHIP = "township", "乡镇（街道）便民服务中心"
    VILLAGE = "village", "村（社区）便民服务站"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", "等候中"
    CALLED = "called", "已叫号"
    SERVING = "serving", "办理中"
    HOLD = "hold", "暂停（待补材料）"
    DONE = "done", "已办结"
    NO_SHOW = "no_show", "过号"
    CANCELLED = "cancelled", "已取消"


OPEN_TICKET = {TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.HOLD}


class Lane(models.TextChoices):
    """Why a ticket goes first; empty for the ordinary line."""

    ORDINARY = "", "普通"
    ELDERLY = "elderly", "70岁以上老人"
    DISABLED = "disabled", "残疾人"
    PREGNANT = "pregnant", "孕妇"
    VETERAN = "veteran", "退役军人"
    APPOINTMENT = "appointment", "预约签到"


class Segment(models.TextChoices):
    """A ticket's life as timed segments (Service BC): every figure derives from them."""

    WAITING = "waiting", "等候"
    CALLED = "called", "叫号待到窗"
    SERVING = "serving", "办理"
    HOLD = "hold", "暂停"


class TicketSource(models.TextChoices):
    KIOSK = "kiosk", "取号机"
    PHONE = "phone", "手机扫码"
    APPOINTMENT = "appointment", "预约签到"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    CHECKED_IN = "checked_in", "已签到"
    CANCELLED = "cancelled", "已取消"
    NO_SHOW = "no_show", "爽约"


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", "待安排"
    SCHEDULED = "scheduled", "已安排"
    DONE = "done", "已上门办理"
    CANCELLED = "cancelled", "已取消"


class VisitReason(models.TextChoices):
    ELDERLY = "elderly", "高龄老人"
    DISABLED = "disabled", "残疾人"
    ILL = "ill", "重病患者"


class RequestChannel(models.TextChoices):
    PHONE = "phone", "手机"
    HOTLINE = "hotline", "热线"
    STATION = "station", "村级便民服务站"
