"""The written documents of an application, laid out and numbered by `mashang.documents`.

Each kind may be printed only once the application has reached the step it records; the
文号 is given on first printing and kept for every reprint.
"""

from django.utils import timezone

from mashang.documents import numbering, pdf

from .choices import Decision, MaterialState, Status

KINDS = {
    # kind: (title, 文号 prefix)
    "acceptance": ("受理通知书", "受"),
    "correction": ("补正材料一次性告知书", "补"),
    "commitment": ("容缺受理承诺书", "诺"),
    "refusal": ("不予受理决定书", "不受"),
    "decision": ("行政许可决定书", "决"),
    "completion": ("办结通知书（领取凭证）", "结"),
}


def available(application) -> list[str]:
    """The documents this application has reached."""
    out = []
    if application.accepted_at and application.status not in (Status.SUBMITTED,):
        out.append("acceptance")
    if hasattr(application, "correction_notice"):
        out.append("correction")
    if application.commitment_signed:
        out.append("commitment")
    if application.status == Status.REFUSED:
        out.append("refusal")
    if application.decided_at and application.decision and application.status != Status.REFUSED:
        out.append("decision")
    if application.status == Status.COMPLETED and application.decision:
        out.append("completion")
    return out


def document_title(application, kind: str) -> str:
    """The document's name as a link says it (the decision says which way it went)."""
    if kind == "decision":
        return (
            "准予行政许可决定书"
            if application.decision == Decision.APPROVE
            else "不予行政许可决定书"
        )
    return KINDS[kind][0]


def _date(dt) -> str:
    return f"{timezone.localtime(dt):%Y年%m月%d日}" if dt else ""


def build(application, kind: str) -> tuple[pdf.Document, object]:
    prefix = KINDS[kind][1]
    title = document_title(application, kind)
    issued = numbering.issue(f"application:{application.pk}:{kind}", kind, prefix, title)
    who = application.applicant_label
    head = f"申请编号：{application.number}　事项：{application.title}"
    paragraphs: list[str] = []
    table: list[list[str]] = []
    materials = list(application.materials.all())
    if kind == "acceptance":
        paragraphs = [
            f"你（单位）于{_date(application.received_at)}提出的“{application.title}”申请，"
            f"经审查，申请材料齐全、符合法定形式，本机关决定予以受理。",
            f"本事项承诺办结时限至{_date(application.promised_due_at)}（工作日计算，"
            f"法定时限至{_date(application.legal_due_at)}）。",
            head,
        ]
        table = [["材料", "状态"]] + [[m.name, m.get_state_display()] for m in materials]
    elif kind == "correction":
        notice = application.correction_notice
        paragraphs = [
            f"你（单位）提出的“{application.title}”申请，经审查，申请材料不齐全或不符合法定形式。"
            "根据《中华人民共和国行政许可法》第三十二条，现一次性告知需要补正的全部内容如下：",
            head,
            "补正期间办理时限暂停计算。请通过“我的办件”上传或到任一综合窗口提交补正材料。",
        ]
        table = [["序号", "材料", "问题"]] + [
            [str(i), item["name"], item["problem"]] for i, item in enumerate(notice.items, 1)
        ]
    elif kind == "commitment":
        owed = [m.name for m in materials if m.state == MaterialState.DEFERRED] or [
            m.name for m in materials if m.may_be_missing
        ]
        paragraphs = [
            f"本人（单位）{who}申请办理“{application.title}”，因以下次要材料暂缺，申请容缺受理：",
            f"本人承诺于{_date(application.supplement_due_at) or '约定期限'}前补齐上述材料，"
            "并对所提交材料的真实性负责。逾期未补齐的，本申请视为撤回。",
            head,
            "承诺人（签字）：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿＿＿",
        ]
        table = [["容缺材料"]] + [[name] for name in owed]
    elif kind == "refusal":
        paragraphs = [
            f"你（单位）于{_date(application.received_at)}提出的“{application.title}”申请，"
            f"经审查，决定不予受理。理由：{application.refusal_reason}",
            f"依据：{application.refusal_basis}",
            "如不服本决定，可自收到本决定书之日起六十日内依法申请行政复议，"
            "或者六个月内依法提起行政诉讼。",
            head,
        ]
    elif kind == "decision":
        if application.decision == Decision.APPROVE:
            paragraphs = [
                f"你（单位）提出的“{application.title}”申请，经审查，符合法定条件、标准，"
                "根据《中华人民共和国行政许可法》第三十八条第一款，决定准予。",
                application.result_text,
            ]
        else:
            paragraphs = [
                f"你（单位）提出的“{application.title}”申请，经审查，决定不予准予。"
                f"理由：{application.decision_reason}",
                "如不服本决定，可自收到本决定书之日起六十日内依法申请行政复议，"
                "或者六个月内依法提起行政诉讼。",
            ]
        paragraphs.append(head)
        if application.is_bundle:
            table = [["事项", "审查单位", "决定"]] + [
                [p.title, p.unit.name, p.get_decision_display()]
                for p in application.parts.select_related("unit")
            ]
    elif kind == "completion":
        paragraphs = [
            f"你（单位）申请的“{application.title}”已于{_date(application.completed_at)}办结，"
            f"送达方式：{application.get_delivery_display()}。",
            "窗口领取时请出示本凭证和申请人身份证件。欢迎对本次服务作出评价。",
            head,
        ]
    document = pdf.Document(
        title=title,
        number=issued.number,
        recipient=who,
        paragraphs=[p for p in paragraphs if p],
        table=table,
        issuer=application.unit.name if kind == "decision" else "衡南县政务服务中心",
        date=_date(issued.issued_at),
        footer="本文书由衡南县码上办政务服务平台生成，编号可在政务服务中心核验。",
    )
    return document, issued
