"""A few demo appeals in every state, made through the real intake and actions, so each demo
login finds work on its pages. Called by the demo county loader (embedded demo mode only)."""

import uuid
from datetime import timedelta

from django.utils import timezone

from mashang.directory.models import Staff, Unit
from mashang.notifications.models import Message, MessageStatus
from mashang.qrcodes.choices import QRKind
from mashang.qrcodes.models import Placement

from . import actions, intake
from .choices import Rating

SAMPLES = [
    # (placement kind, place filter, type, content)
    (
        QRKind.BUREAU,
        "县住房和城乡建设局",
        "complaint",
        "小区门口下水道井盖缺失两周，老人小孩经过很危险。",
    ),
    (
        QRKind.BUREAU,
        "县住房和城乡建设局",
        "help",
        "老房子屋顶漏雨，家里只有两位老人，想申请危房改造。",
    ),
    (
        QRKind.BUREAU,
        "县住房和城乡建设局",
        "consult",
        "农村自建房需要办理哪些审批手续？要带什么材料？",
    ),
    (
        QRKind.BUREAU,
        "县住房和城乡建设局",
        "complaint",
        "工地夜间施工噪音很大，晚上十二点还在打桩。",
    ),
    (
        QRKind.BUREAU,
        "县住房和城乡建设局",
        "suggestion",
        "建议在县城老街增设公共厕所，方便赶集的群众。",
    ),
    (
        QRKind.BUREAU,
        "县住房和城乡建设局",
        "complaint",
        "小区电梯经常停运，物业不处理，请住建局督促。",
    ),
    (QRKind.BUREAU, "县住房和城乡建设局", "help", "村里的公租房分配名单一直没有公示，想问问进度。"),
    (QRKind.TOWNSHIP, None, "help", "组里的水渠堵了一个月，田里的水排不出去，请帮忙疏通。"),
    (QRKind.TOWNSHIP, None, "complaint", "村道上的路灯坏了三个月，晚上走路很不方便。"),
    (QRKind.COUNTY_MAYOR, None, "suggestion", "希望县里统筹解决镇上中学校车不足的问题。"),
    (QRKind.TOWNSHIP, None, "consult", "请问今年的耕地地力保护补贴什么时候发放？"),
    (QRKind.TOWNSHIP, None, "complaint", "有人在河道边倾倒建筑垃圾，已经堆了很大一片。"),
]


def _file(placement, type_, content, phone, *, anonymous=False):
    data = intake.validate_intake(
        type=type_, content=content, phone=phone, name="演示群众", anonymous=anonymous
    )
    result = intake.start_intake(placement, data, token=uuid.uuid4().hex, ip="demo")
    if result.appeal is None:
        result = intake.confirm_intake(result.draft, result.sms_code)
    return result.appeal


def load_demo_appeals() -> int:
    def person(username):
        return Staff.objects.get(username=username)

    desk, handler = person("dispatcher"), person("handler")
    supervisor, officer = person("supervisor"), person("discipline")
    housing = Unit.objects.get(name="县住房和城乡建设局")
    made = []
    for i, (kind, label, type_, content) in enumerate(SAMPLES):
        qs = Placement.objects.filter(kind=kind, status="active")
        if label:
            qs = qs.filter(place_label=label)
        placement = qs.order_by("id")[i * 37 % max(qs.count(), 1)]
        made.append(_file(placement, type_, content, f"1397000{i:04d}"))
    # 0-1 and 7-10 wait at the desk; the others move along the road.
    for appeal in made[2:7]:
        actions.dispatch_appeal(appeal, housing, acting_user=desk)
    for appeal in made[4:7]:
        actions.accept_appeal(appeal, acting_user=handler)
    actions.request_extension(
        made[4], "需协调供电部门迁移线路", timezone.now() + timedelta(days=4), acting_user=handler
    )
    actions.reply_appeal(made[5], "已安排维保单位检修电梯，并约谈物业公司。", acting_user=handler)
    actions.reply_appeal(made[6], "公租房名单已在村务公开栏公示，公示期7天。", acting_user=handler)
    actions.record_callback(made[6], Rating.SATISFIED, True, acting_user=supervisor)
    actions.invalidate_appeal(
        made[11], "属紧急污染情况，已转告环保执法热线12369处理", acting_user=desk
    )
    discipline = Placement.objects.filter(kind=QRKind.DISCIPLINE).order_by("id").first()
    _file(
        discipline,
        "accusation",
        "某站所负责人在危房改造验收中收受好处费，有转账记录。",
        "",
        anonymous=True,
    )
    handled = _file(
        discipline, "accusation", "某村干部在低保评定中优亲厚友，把名额给了亲戚。", "13970009999"
    )
    actions.accept_accusation(handled, acting_user=officer)
    # History, not news: nobody should be texted when the demo starts.
    Message.objects.filter(channel="sms").update(
        status=MessageStatus.DELIVERED, sent_at=timezone.now()
    )
    return len(made) + 2
