"""Every change to an application: one function per transition of `workflow`.

Each runs in one transaction: lock the row, check the transition for this person
(`workflow.authorize`) and that they may see it (`queries.applications_for`), write the change
and an event row, and queue the applicant's SMS and the unit's message in the same transaction.
A bundle's parent carries acceptance, correction, refusal, withdrawal and delivery for all its
parts; each part is decided by its own unit, and the parent is decided when the last part is.
"""

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mashang.appeals.choices import BAD_RATINGS, Rating
from mashang.catalog.choices import ItemType, MaterialSource
from mashang.catalog.queries import bundle_view, current_version
from mashang.core.crypto import blind_index
from mashang.core.idcodes import credit_code_ok, id_number_ok
from mashang.core.storage import files_follow_rows
from mashang.deadlines import calendar
from mashang.documents.numbering import next_value
from mashang.notifications.outbox import queue_sms, queue_unit_message

from .choices import (
    ApplicantKind,
    Channel,
    Decision,
    Delivery,
    Event,
    MaterialState,
    RatingKind,
    Status,
)
from .models import (
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    CorrectionNotice,
    MaterialFile,
    ServiceRating,
)
from .queries import applications_for
from .uploads import CleanFile
from .workflow import TransitionError, authorize

WARN_AT = 0.75
ID_RE = re.compile(r"^\d{17}[\dX]$")
# GB 11643: the 18th character is a check digit over the first 17 (`core.idcodes`).
ID_CHECK_MESSAGE = "身份证号码校验位不正确，请核对"
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
DATE_RE = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
NUMBER_RE = re.compile(r"^\d{1,12}(\.\d{1,4})?$")


def field_options(field) -> list[str]:
    """A choice field's options (the dictionary writes them separated by 、)."""
    return [o.strip() for o in (getattr(field, "choices", "") or "").split("、") if o.strip()]


# --- helpers ----------------------------------------------------------------------------------


def _lock(application, name, user=None, *, as_applicant=False, system=False):
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if user is not None and not applications_for(user).filter(pk=locked.pk).exists():
        raise TransitionError("您无权处理这个办件。")
    return locked, authorize(locked, name, user, as_applicant=as_applicant, system=system)


def _event(application, kind, user, old, *, note="", public_text="") -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        actor=user if getattr(user, "pk", None) else None,
        old_status=old,
        new_status=application.status,
        note=note,
        public_text=public_text[:300],
    )


# The SMS that send the applicant to 我的办件 carry its short absolute address.
MY_LINK_TEMPLATES = frozenset({"application_received", "application_correction"})


def my_link() -> str:
    """我的办件 as an SMS prints it: SITE_URL + /my/ (short; the page asks for the phone)."""
    return settings.SITE_URL.rstrip("/") + reverse("my_list")


def _sms(application, template: str, **params) -> None:
    if template in MY_LINK_TEMPLATES:
        params.setdefault("link", my_link())
    queue_sms(application.applicant_phone, template, {"number": application.number, **params})


def _text(value: str, label: str, minimum: int = 2, maximum: int = 1000) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise TransitionError(f"请填写{label}。")
    if len(value) > maximum:
        raise TransitionError(f"{label}不能超过{maximum}字。")
    return value


def _day(dt: datetime) -> str:
    return f"{timezone.localtime(dt):%Y年%m月%d日}"


def _parts(application) -> list[Application]:
    return list(Application.objects.select_for_update().filter(parent=application).order_by("id"))


def next_number(now=None) -> str:
    """SQ4304222026000123: county, year, serial (one series for every channel)."""
    county = getattr(settings, "COUNTY_CODE", "430422")
    year = timezone.localtime(now).year
    return f"SQ{county}{year}{next_value(f'application:{county}:{year}'):06d}"


def promised_days(application) -> int:
    """The promised limit in working days. A part of a 一件事 is capped by the bundle's limit:
    the bundle promises the citizen the whole result by then, so no part may be promised
    later than the whole (its own item's limit still applies when shorter)."""
    if application.is_bundle:
        return application.bundle.promised_limit_days
    own = application.version.promised_limit_days
    if application.parent_id is not None and application.bundle_id is not None:
        return min(own, application.bundle.promised_limit_days)
    return own


def legal_days(application) -> int:
    if application.is_bundle:
        return max(p.version.legal_limit_days for p in application.parts.select_related("version"))
    return application.version.legal_limit_days


def _run_clock(application, start: datetime, due: datetime) -> None:
    span = calendar.working_minutes_between(start, due)
    application.due_at = due
    application.warn_at = calendar.add_working_minutes(start, span * WARN_AT) if span else due
    application.warned_at = application.overdue_at = None


def due_after(start: datetime, days: int) -> datetime:
    """The close of office on the `days`-th working day after `start` (行政许可法 art. 82).

    0 days (即办) means by the close of the working day it was accepted on; accepted after the
    close or on a day off (a 05:43 online acceptance, a Sunday), by the close of the next
    working day: a 即办 limit never runs out before the hall has opened."""
    if days > 0:
        return calendar.add_working_days(start, days)
    local = start.astimezone(calendar.SHANGHAI)
    close = datetime.combine(local.date(), calendar.office_hours()[-1][1], calendar.SHANGHAI)
    if calendar.is_workday(local.date()) and local < close:
        return close
    return calendar.add_working_days(start, 1)


def _start_clock(application, now: datetime) -> None:
    """The promised limit from acceptance, in working days (行政许可法 art. 82)."""
    application.accepted_at = now
    application.promised_due_at = due_after(now, promised_days(application))
    application.legal_due_at = due_after(now, legal_days(application))
    _run_clock(application, now, application.promised_due_at)


def _working_days(start: datetime, end: datetime) -> float:
    """Working days between two moments, in office time (a day = one day's office hours)."""
    per_day = sum(
        (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute) for a, b in calendar.office_hours()
    )
    return round(calendar.working_minutes_between(start, end) / per_day, 2)


def _record_days(application, now) -> None:
    application.promised_days = promised_days(application)
    application.days_used = _working_days(application.accepted_at, now)


def _stop_clock(application) -> None:
    application.due_at = application.warn_at = None
    application.warned_at = application.overdue_at = None


def _pause(application, now) -> None:
    application.paused_at = now
    _stop_clock(application)


def _resume(application, now) -> None:
    """The limit moves on by the working time waited (补正 / 中止 do not count)."""
    if application.paused_at is None:
        return
    waited = calendar.working_minutes_between(application.paused_at, now)
    application.promised_due_at = calendar.add_working_minutes(application.promised_due_at, waited)
    application.legal_due_at = calendar.add_working_minutes(application.legal_due_at, waited)
    application.paused_at = None
    _run_clock(application, now, application.promised_due_at)


# --- filing -------------------------------------------------------------------------------------


CODE_PURPOSE = "apply"


def send_applicant_code(phone: str, *, ip: str) -> str:
    """An SMS code proving the applicant's phone (the appeals' codes and limits; raises
    `RateLimited`). Returns the code (shown only in the demo)."""
    from mashang.appeals.intake import send_code

    return send_code(CODE_PURPOSE, blind_index(phone), phone, ip=ip or "unknown")


@dataclass
class Applicant:
    name: str
    phone: str
    id_number: str = ""
    kind: str = ApplicantKind.PERSON
    firm_name: str = ""
    firm_uscc: str = ""


class FilingError(Exception):
    """Validation failed: `errors` maps a field to a message the applicant can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def validate_applicant(
    *, name, phone, id_number="", kind=ApplicantKind.PERSON, firm_name="", firm_uscc=""
) -> Applicant:
    from mashang.appeals.intake import normalise_phone, phone_error

    errors = {}
    name = (name or "").strip()
    if not name:
        errors["applicant_name"] = "请填写申请人姓名"
    elif len(name) > 30:
        errors["applicant_name"] = "姓名不能超过30字"
    phone = normalise_phone(phone)
    problem = phone_error(phone)
    if problem:
        errors["applicant_phone"] = problem
    id_number = (id_number or "").strip().upper()
    if not ID_RE.match(id_number):
        errors["applicant_id_number"] = "身份证号应为18位，最后一位可以是数字或X"
    elif not id_number_ok(id_number):
        errors["applicant_id_number"] = ID_CHECK_MESSAGE
    if kind == ApplicantKind.FIRM:
        firm_name = (firm_name or "").strip()
        firm_uscc = (firm_uscc or "").strip().upper()
        if not firm_name:
            errors["firm_name"] = "请填写企业名称"
        if not USCC_RE.match(firm_uscc):
            errors["firm_uscc"] = "统一社会信用代码应为18位数字或大写字母"
    elif kind != ApplicantKind.PERSON:
        errors["applicant_kind"] = "请选择个人或企业"
    if errors:
        raise FilingError(errors)
    return Applicant(name, phone, id_number, kind, firm_name, firm_uscc)


@dataclass
class ChecklistEntry:
    material_type: object
    name: str
    required: bool
    may_be_missing: bool
    # The applicant need not bring it (government holds it, the bundle makes it, the form is
    # it): True, or the reason why in words.
    shared: bool | str

    @classmethod
    def of(cls, m) -> "ChecklistEntry":
        """The entry of one of an item version's materials."""
        return cls(
            m.material_type,
            m.name,
            m.required,
            m.may_be_missing,
            m.source != MaterialSource.APPLICANT or m.material_type.government_holds,
        )


def checklist(item=None, bundle=None) -> list[ChecklistEntry]:
    """The materials of an item (or a bundle's merged set), in every 情形."""
    if bundle is not None:
        view = bundle_view(bundle)
        return [
            ChecklistEntry(m.material_type, m.name, m.required, m.may_be_missing, not m.brought)
            for m in view.merged_materials()
            if m.always
        ]
    version = current_version(item)
    entries = []
    for m in version.materials.select_related("material_type").prefetch_related("case_options"):
        if m.case_options.all():
            continue
        entries.append(ChecklistEntry.of(m))
    return entries


def form_fields(item=None, bundle=None) -> list[tuple[object, bool]]:
    """(FormField, required) of the form: the item's, or the bundle's merged dictionary."""
    if bundle is not None:
        return [(m.field, m.required) for m in bundle_view(bundle).merged_fields()]
    version = current_version(item)
    return [(vf.field, vf.required) for vf in version.form_fields.select_related("field")]


# Dictionary fields the applicant block already collects (姓名, 身份证号 …): asked once, in the
# applicant block, and stored under the field's code too, so documents and exports that read
# the item's fields still find them. code → (Applicant attribute, the applicant block's input).
APPLICANT_FIELDS = {
    "applicant_name": ("name", "applicant_name"),
    "contact_name": ("name", "applicant_name"),
    "id_number": ("id_number", "applicant_id_number"),
    "phone": ("phone", "applicant_phone"),
    "company_name": ("firm_name", "firm_name"),
    "uscc": ("firm_uscc", "firm_uscc"),
}
FIRM_ATTRS = {"firm_name", "firm_uscc"}


def asked_fields(fields) -> list[tuple[object, bool]]:
    """The fields the form asks for itself: those the applicant block collects drop out."""
    return [(f, r) for f, r in fields if f.code not in APPLICANT_FIELDS]


def firm_required(fields) -> bool:
    """The item (or bundle) is applied for in a firm's name: its form requires firm fields."""
    return any(r and APPLICANT_FIELDS.get(f.code, ("",))[0] in FIRM_ATTRS for f, r in fields)


def validate_form(fields, answers: dict, applicant: "Applicant | None" = None) -> dict:
    """Check the answers; with `applicant`, the fields it already holds are taken from it
    (and a missing one is reported on the applicant block's input)."""
    errors, clean = {}, {}
    for f, required in fields:
        if applicant is not None and f.code in APPLICANT_FIELDS:
            attr, key = APPLICANT_FIELDS[f.code]
            as_firm = applicant.kind == ApplicantKind.FIRM
            value = "" if attr in FIRM_ATTRS and not as_firm else getattr(applicant, attr, "")
            value = str(value or "").strip()
            if required and not value:
                if attr in FIRM_ATTRS and not as_firm:
                    errors["applicant_kind"] = "本事项须以企业名义申请，申请人类型请选择“企业”"
                else:
                    errors[key] = f"请填写{f.label}"
            clean[f.code] = value
            continue
        value = str(answers.get(f.code, "") or "").strip()
        if required and not value:
            errors[f"f_{f.code}"] = f"请填写{f.label}"
        elif f.max_length and len(value) > f.max_length:
            errors[f"f_{f.code}"] = f"{f.label}不能超过{f.max_length}字"
        elif len(value) > 500:
            errors[f"f_{f.code}"] = f"{f.label}不能超过500字"
        elif value and f.kind == "id_number" and not ID_RE.match(value.upper()):
            errors[f"f_{f.code}"] = f"{f.label}应为18位，最后一位可以是数字或X"
        elif value and f.kind == "id_number" and not id_number_ok(value.upper()):
            errors[f"f_{f.code}"] = f"{f.label}校验位不正确，请核对"
        elif value and f.kind == "phone" and not PHONE_RE.match(value):
            errors[f"f_{f.code}"] = f"{f.label}应为以1开头的11位数字"
        elif value and f.kind == "uscc" and not credit_code_ok(value.upper()):
            errors[f"f_{f.code}"] = f"{f.label}应为18位，请核对营业执照上的代码"
        elif value and f.kind == "choice" and value not in field_options(f):
            errors[f"f_{f.code}"] = f"{f.label}请从{'、'.join(field_options(f))}中选择"
        elif value and f.kind == "date" and not DATE_RE.match(value):
            errors[f"f_{f.code}"] = f"{f.label}应为日期，如2026-01-31"
        elif value and f.kind == "number" and not NUMBER_RE.match(value):
            errors[f"f_{f.code}"] = f"{f.label}应为数字"
        clean[f.code] = value
    if errors:
        raise FilingError(errors)
    return clean


# --- 情形: what this applicant must file -------------------------------------------------------


@dataclass
class FilingPlan:
    """The form and checklist for the 情形 the applicant chose (the guide's questions).

    `questions` are the guide's merged questions with the answers read from the request;
    `entries` and `fields` are what applies in that 情形, and `versions` the bundle's members
    that apply (None for an item)."""

    questions: list
    entries: list[ChecklistEntry]
    fields: list[tuple[object, bool]]
    versions: list | None = None

    @property
    def answered(self) -> bool:
        return all(q.answered for q in self.questions)

    @property
    def asked_fields(self) -> list[tuple[object, bool]]:
        return asked_fields(self.fields)

    @property
    def firm_required(self) -> bool:
        return firm_required(self.fields)

    @property
    def case_params(self) -> list[tuple[str, str]]:
        """The answers as the guide's query parameters (c1=2 …), to pass them on."""
        return [(q.key, v) for q in self.questions for v in sorted(q.chosen)]

    @property
    def case_summary(self) -> str:
        return "；".join(f"{q.text}{'、'.join(q.answer_labels)}" for q in self.questions)


# Online, the form the applicant fills in is the 申请表: it is not uploaded a second time.
APPLICATION_FORM = "application_form"
FILLED_ONLINE = "网上填写的申请表即为此表"


def _online(entry: ChecklistEntry) -> ChecklistEntry:
    if entry.material_type.code == APPLICATION_FORM and not entry.shared:
        entry.shared = FILLED_ONLINE
    return entry


def filing_plan(item=None, bundle=None, params=None) -> FilingPlan:
    """What to ask and which materials to collect online for the 情形 in `params` (a QueryDict
    with the guide's answers). The same rule as the guide's checklist (`catalog.checklist`): a
    material tied to 情形 options is needed only when one of them is chosen; the 申请表 is the
    form itself."""
    from django.http import QueryDict

    from mashang.catalog.checklist import bundle_guide, merge_questions, needed, version_for_guide

    params = params if params is not None else QueryDict()
    if bundle is not None:
        guide = bundle_guide(bundle, params)
        questions = guide.checklist.questions
        entries = []
        for mm in guide.view.merged_materials():
            if not needed(mm.case_option_ids, questions)[0]:
                continue
            name = mm.name
            if mm.material_type.code == "application_form" and len(mm.item_names) > 1:
                name = f"{bundle.name}申请表（一张表）"
            entries.append(
                _online(
                    ChecklistEntry(
                        mm.material_type, name, mm.required, mm.may_be_missing, mm.dropped
                    )
                )
            )
        fields = [(m.field, m.required) for m in guide.view.merged_fields()]
        return FilingPlan(questions, entries, fields, list(guide.view.versions))
    version = version_for_guide(item.code)
    if version is None:
        raise FilingError({"item": "该事项暂不可办理"})
    questions = merge_questions(list(version.questions.all()), params)
    entries = [
        _online(ChecklistEntry.of(m))
        for m in version.materials.all()
        if needed({o.pk for o in m.case_options.all()}, questions)[0]
    ]
    fields = [(vf.field, vf.required) for vf in version.form_fields.all()]
    return FilingPlan(questions, entries, fields)


def window_plan(item=None, bundle=None, params=None) -> FilingPlan:
    """The online form's plan for the 情形 the clerk picked (`filing_plan`): only that
    情形's materials and fields. At a counter the 申请表 is the paper the applicant signs, so
    it stays on the checklist like any other material (online it is the form itself)."""
    plan = filing_plan(item, bundle, params)
    for entry in plan.entries:
        if entry.shared == FILLED_ONLINE:
            entry.shared = False
    return plan


def field_rows(plan, values, errors) -> list[tuple]:
    """(field, required, value, error, options) of the fields the form asks for itself."""
    return [
        (
            f,
            r,
            values.get(f"f_{f.code}", ""),
            errors.get(f"f_{f.code}"),
            field_options(f) if f.kind == "choice" else [],
        )
        for f, r in plan.asked_fields
    ]


def check_plan(plan: FilingPlan, files: dict | None = None, *, uploads_required: bool) -> None:
    """Every 情形 question answered; online, every required material that is not 可容缺 and
    that the applicant brings is uploaded. Raises FilingError listing every problem."""
    errors = {}
    for q in plan.questions:
        if not q.answered:
            errors[f"case_{q.key}"] = f"请先回答办理情形：{q.text}"
    if uploads_required:
        files = files or {}
        for e in plan.entries:
            if e.required and not e.shared and not e.may_be_missing:
                if not files.get(e.material_type.pk):
                    errors.setdefault(f"file_{e.material_type.pk}", f"请上传{e.name}")
    if errors:
        raise FilingError(errors)


@files_follow_rows()  # a refused upload (disk full) leaves no file behind the rolled-back rows
@transaction.atomic
def file_application(
    *,
    applicant: Applicant,
    channel: str,
    item=None,
    bundle=None,
    form: dict | None = None,
    files: dict | None = None,
    received: set | None = None,
    delivery: str = Delivery.PICKUP,
    post_address: str = "",
    acting_user=None,
    token: str | None = None,
    plan: FilingPlan | None = None,
) -> Application:
    """A new application in 待预审 (with its parts for a bundle) and its material checklist.

    `files` maps a material type id to CleanFile list (uploads or scans); `received` holds the
    material type ids the window saw as originals without a scan. Online filing has no user.
    With `plan` (the applicant's 情形), the checklist and a bundle's parts are the plan's: a
    material of another 情形 is not asked for; without it, the materials of every 情形.
    """
    if token:
        found = Application.objects.filter(submission_token=token).first()
        if found is not None:
            return found
    if (item is None) == (bundle is None):
        raise FilingError({"item": "请选择一个事项或一件事"})
    if delivery not in Delivery.values:
        raise FilingError({"delivery": "请选择送达方式"})
    if delivery == Delivery.POST and len((post_address or "").strip()) < 5:
        raise FilingError({"post_address": "邮寄送达请填写详细地址"})
    files = files or {}
    received = received or set()
    now = timezone.now()
    common = dict(
        channel=channel,
        status=Status.SUBMITTED,
        applicant_kind=applicant.kind,
        applicant_name=applicant.name,
        applicant_phone=applicant.phone,
        applicant_id_number=applicant.id_number,
        phone_index=blind_index(applicant.phone),
        firm_name=applicant.firm_name,
        firm_uscc=applicant.firm_uscc,
        form_json=json.dumps(form or {}, ensure_ascii=False),
        delivery=delivery,
        post_address=post_address.strip() if delivery == Delivery.POST else "",
        received_at=now,
        received_by=acting_user,
        window_unit=acting_user.unit if acting_user else None,
    )
    if plan is not None and not plan.answered:
        check_plan(plan, uploads_required=False)
    if bundle is not None:
        members = plan.versions if plan is not None else bundle_view(bundle).versions
        if not members:
            raise FilingError({"item": "该一件事暂不可办理"})
        application = Application.objects.create(
            number=next_number(now),
            bundle=bundle,
            unit=bundle.lead_unit,
            title=bundle.name,
            level="bundle",
            submission_token=token,
            **common,
        )
        for v in members:
            Application.objects.create(
                number=next_number(now),
                parent=application,
                bundle=bundle,
                item=v.item,
                version=v,
                unit=v.item.unit,
                title=v.name,
                level=v.level,
                **common,
            )
    else:
        version = current_version(item)
        if version is None:
            raise FilingError({"item": "该事项暂不可办理"})
        application = Application.objects.create(
            number=next_number(now),
            item=item,
            version=version,
            unit=item.unit,
            title=version.name,
            level=version.level,
            submission_token=token,
            **common,
        )
    entries = plan.entries if plan is not None else checklist(item, bundle)
    for order, entry in enumerate(entries):
        mine = files.get(entry.material_type.pk, [])
        if entry.shared:
            state = MaterialState.SHARED
        elif mine or entry.material_type.pk in received:
            state = MaterialState.RECEIVED
        else:
            state = MaterialState.MISSING
        material = ApplicationMaterial.objects.create(
            application=application,
            material_type=entry.material_type,
            name=entry.name,
            required=entry.required,
            may_be_missing=entry.may_be_missing,
            state=state,
            original_seen=entry.material_type.pk in received,
            copy_taken=entry.material_type.pk in received,
            order=order,
        )
        _attach(material, mine)
    online = acting_user is None
    _event(
        application,
        Event.SUBMITTED if online else Event.RECEIVED,
        acting_user,
        "",
        note=f"办理情形：{plan.case_summary}" if plan is not None and plan.questions else "",
        public_text="网上申请已提交，等待预审" if online else "窗口已收件",
    )
    if online:
        _sms(application, "application_received")
    return application


def check_filing(
    plan: FilingPlan,
    answers: dict,
    given: Applicant,
    *,
    files: dict | None = None,
    uploads_required: bool = False,
    validated: bool = False,
) -> tuple[Applicant, dict]:
    """Every check of a filing at once, so the applicant sees all that is wrong: the applicant
    block (`given`, validated unless `validated`, e.g. a proxy's principal), the form's fields
    of this plan (those the applicant block holds taken from it, even when it has a mistake of
    its own) and the plan's 情形 and materials. Returns (applicant, form); raises FilingError
    with every problem, the applicant block's first. Online, API, window and 帮代办 all use it."""
    errors: dict[str, str] = {}
    applicant = given if validated else None
    if not validated:
        try:
            applicant = validate_applicant(**vars(given))
        except FilingError as exc:
            errors.update(exc.errors)
    form: dict = {}
    problems = []
    try:
        form = validate_form(plan.fields, answers, applicant or _as_typed(given))
    except FilingError as exc:
        problems.append(exc.errors)
    try:
        check_plan(plan, files, uploads_required=uploads_required)
    except FilingError as exc:
        problems.append(exc.errors)
    for found in problems:
        for key, message in found.items():
            errors.setdefault(key, message)
    if errors:
        raise FilingError(errors)
    return applicant, form


def _as_typed(given: Applicant) -> Applicant:
    """The applicant block as typed (trimmed), for the form's fields it holds when the block
    itself has a mistake: its own error is reported once, on the block."""
    from mashang.appeals.intake import normalise_phone

    return Applicant(
        name=(given.name or "").strip(),
        phone=normalise_phone(given.phone or ""),
        id_number=(given.id_number or "").strip().upper(),
        kind=given.kind,
        firm_name=(given.firm_name or "").strip(),
        firm_uscc=(given.firm_uscc or "").strip().upper(),
    )


def _attach(material: ApplicationMaterial, files: list[CleanFile]) -> None:
    """Store files already checked by `uploads.clean_material` (callers check them all first)."""
    for f in files:
        saved = MaterialFile(material=material, content_type=f.content_type, size=f.size)
        saved.file.save(f.content.name, f.content, save=False)
        saved.save()


def missing_materials(application) -> list[ApplicationMaterial]:
    return [
        m
        for m in application.materials.all()
        if m.required and m.state not in (MaterialState.RECEIVED, MaterialState.SHARED)
    ]


# --- acceptance ---------------------------------------------------------------------------------


def _cascade(parent, status, **fields) -> list[Application]:
    parts = _parts(parent)
    for part in parts:
        old = part.status
        part.status = status
        for k, v in fields.items():
            setattr(part, k, v)
        part.save()
        ApplicationEvent.objects.create(
            application=part, kind="cascade", old_status=old, new_status=status
        )
    return parts


def _accept_parts(parent, now, user, status=Status.ACCEPTED) -> None:
    for part in _parts(parent):
        old = part.status
        part.status = status
        part.accepted_by = user
        _start_clock(part, now)
        part.save()
        _event(part, Event.ACCEPT, user, old, note="一件事总件受理")
        queue_unit_message(
            part.unit,
            "unit_application",
            {"number": part.number, "item": part.title, "date": _day(part.promised_due_at)},
        )


@transaction.atomic
def accept_application(application, *, acting_user) -> Application:
    """受理: every required material is in; the promised limit starts now."""
    application, t = _lock(application, "accept", acting_user)
    missing = missing_materials(application)
    if missing:
        names = "、".join(m.name for m in missing)
        raise TransitionError(f"材料不齐（{names}），请一次性告知补正，或对可容缺材料容缺受理。")
    old, now = application.status, timezone.now()
    application.status = t.target
    application.accepted_by = acting_user
    application.window_unit = application.window_unit or acting_user.unit
    _start_clock(application, now)
    application.save()
    _event(
        application,
        Event.ACCEPT,
        acting_user,
        old,
        public_text=f"已受理，承诺{_day(application.promised_due_at)}前办结",
    )
    if application.is_bundle:
        _accept_parts(application, now, acting_user)
    else:
        queue_unit_message(
            application.unit,
            "unit_application",
            {
                "number": application.number,
                "item": application.title,
                "date": _day(application.promised_due_at),
            },
        )
    _sms(application, "application_accepted", date=_day(application.promised_due_at))
    return application


@transaction.atomic
def finish_instantly(application, *, acting_user, result_text: str = "") -> Application:
    """即办件 (马上办): accepted, decided and finished at the window in one action."""
    application, t = _lock(application, "instant", acting_user)
    if application.is_bundle or application.version.item_type != ItemType.INSTANT:
        raise TransitionError("只有即办件可以当场办结。")
    if missing_materials(application):
        raise TransitionError("材料不齐，不能当场办结。")
    old, now = application.status, timezone.now()
    application.status = t.target
    application.instant = True
    application.accepted_by = acting_user
    application.window_unit = acting_user.unit
    application.accepted_at = application.decided_at = application.completed_at = now
    application.promised_due_at = application.legal_due_at = now
    application.promised_days, application.days_used = 0, 0.0
    application.decision = Decision.APPROVE
    application.result_text = (result_text or "").strip()[:1000] or "当场办结"
    application.rating_token = secrets.token_urlsafe(24)
    application.save()
    _event(application, Event.INSTANT, acting_user, old, public_text="已当场办结")
    _sms(application, "application_completed", link=_rating_link(application))
    return application


@transaction.atomic
def accept_with_deferral(
    application, *, acting_user, days: int, commitment_signed: bool
) -> Application:
    """容缺受理: only materials the item marks 可容缺 may be missing; a signed commitment;
    a supplement deadline no later than the promised limit; the review starts now."""
    application, t = _lock(application, "defer", acting_user)
    missing = missing_materials(application)
    if not missing:
        raise TransitionError("材料齐全，请直接受理。")
    not_deferrable = [m.name for m in missing if not m.may_be_missing]
    if not_deferrable:
        raise TransitionError(f"以下材料不可容缺：{'、'.join(not_deferrable)}。请一次性告知补正。")
    if not commitment_signed:
        raise TransitionError("容缺受理须由申请人签署承诺书。")
    limit = promised_days(application)
    if not isinstance(days, int) or days < 1 or days > max(limit, 1):
        raise TransitionError(f"补齐期限应为1至{max(limit, 1)}个工作日（不超过承诺时限）。")
    old, now = application.status, timezone.now()
    for m in missing:
        m.state = MaterialState.DEFERRED
        m.save(update_fields=["state"])
    application.status = t.target
    application.commitment_signed = True
    application.accepted_by = acting_user
    application.window_unit = application.window_unit or acting_user.unit
    _start_clock(application, now)
    application.supplement_due_at = calendar.add_working_days(now, days)
    application.save()
    names = "、".join(m.name for m in missing)
    due = _day(application.supplement_due_at)
    _event(
        application,
        Event.DEFER,
        acting_user,
        old,
        note=f"容缺材料：{names}",
        public_text=f"已容缺受理，请于{due}前补齐：{names}，逾期视为撤回申请",
    )
    if application.is_bundle:
        _accept_parts(application, now, acting_user, Status.DEFERRED)
    else:
        queue_unit_message(
            application.unit,
            "unit_application",
            {"number": application.number, "item": application.title, "date": due},
        )
    _sms(application, "application_deferred", date=due, materials=names[:40])
    return application


@transaction.atomic
def request_correction(application, problems: dict, *, acting_user, note: str = "") -> Application:
    """补正: one notice listing every missing or wrong material at once (一次性告知).

    `problems` maps ApplicationMaterial ids to what is wrong ("" for missing). Only one notice
    per application; during review the clock stops until the applicant supplements."""
    application, t = _lock(application, "correction", acting_user)
    if CorrectionNotice.objects.filter(application=application).exists():
        raise TransitionError("已一次性告知过补正，不能再次要求补正。")
    materials = {m.pk: m for m in application.materials.all()}
    if application.parent_id:  # a part's materials are the bundle's, kept on the parent
        materials = {m.pk: m for m in application.parent.materials.all()}
    chosen = {int(k): (v or "").strip() for k, v in problems.items() if int(k) in materials}
    for m in missing_materials(application.parent or application):
        chosen.setdefault(m.pk, "")
    if not chosen:
        raise TransitionError("请勾选需要补正的材料，并写明问题。")
    old, now = application.status, timezone.now()
    items = []
    for pk, problem in chosen.items():
        m = materials[pk]
        m.state = MaterialState.WRONG if problem else MaterialState.MISSING
        m.problem = problem[:200] or "未提交"
        m.save(update_fields=["state", "problem"])
        items.append({"material": pk, "name": m.name, "problem": m.problem})
    CorrectionNotice.objects.create(application=application, issued_by=acting_user, items=items)
    if application.status == Status.ACCEPTED:
        _pause(application, now)
    application.status = t.target
    application.corrections += 1
    application.save()
    names = "、".join(i["name"] for i in items)
    _event(
        application,
        Event.CORRECTION,
        acting_user,
        old,
        note=(note or "").strip()[:300],
        public_text=f"需补正材料：{names}（一次性告知）",
    )
    target = application.parent or application
    _sms(target, "application_correction")
    return application


def _correction_target(application):
    """Where the materials live: a part's are on its parent."""
    return application.parent if application.parent_id else application


@files_follow_rows()
@transaction.atomic
def supplement(
    application,
    files: dict | None = None,
    *,
    received: set | None = None,
    acting_user=None,
    as_applicant: bool = False,
) -> Application:
    """The applicant uploads (or the window receives) what was missing; the same application
    goes on: back to 预审 or review, the clock moved on by the time waited."""
    application, t = _lock(application, "supplement", acting_user, as_applicant=as_applicant)
    files, received = files or {}, received or set()
    holder = _correction_target(application)
    open_states = OPEN_STATES
    changed, replaced = [], []
    for m in holder.materials.filter(state__in=open_states):
        mine = files.get(m.pk, [])
        if mine or m.pk in received:
            if mine and m.state == MaterialState.WRONG:
                # 补正 replaces the rejected file: the notice keeps what was wrong, the event
                # how many files went; the material lists only what is received now.
                dropped = _drop_files(m)
                if dropped:
                    replaced.append(f"{m.name}替换退回的文件{dropped}份")
            _attach(m, mine)
            m.state = MaterialState.RECEIVED
            m.problem = ""
            m.original_seen = m.original_seen or m.pk in received
            m.save(update_fields=["state", "problem", "original_seen"])
            changed.append(m.name)
    if not changed:
        raise TransitionError("请上传或收取需要补充的材料。")
    old, now = application.status, timezone.now()
    still = holder.materials.filter(state__in=open_states, required=True).exists()
    if not still:
        if application.status == Status.CORRECTION:
            CorrectionNotice.objects.filter(application=application).update(resolved_at=now)
            if application.accepted_at:
                application.status = Status.ACCEPTED
                _resume(application, now)
            else:
                application.status = Status.SUBMITTED
        elif application.status == Status.DEFERRED:
            application.status = Status.ACCEPTED
            application.supplement_due_at = None
            if application.is_bundle:
                for part in _parts(application):
                    if part.status == Status.DEFERRED:
                        part.status = Status.ACCEPTED
                        part.save(update_fields=["status", "updated_at"])
        application.save()
    _event(
        application,
        Event.SUPPLEMENT,
        acting_user,
        old,
        note=("、".join(changed) + ("；" + "、".join(replaced) if replaced else ""))[:300],
        public_text=f"已补充材料：{'、'.join(changed)}",
    )
    return application


@files_follow_rows()
@transaction.atomic
def add_materials(application, files: dict, *, as_applicant: bool = True) -> Application:
    """待预审 (not yet accepted): the applicant adds a missing material or replaces the file of
    one already uploaded; the status does not change. `files` maps ApplicationMaterial ids to
    checked files; a material of the bundle lives on its parent."""
    application, _t = _lock(application, "add_materials", as_applicant=as_applicant)
    changed = []
    for m in application.materials.exclude(state=MaterialState.SHARED).order_by("order", "id"):
        mine = files.get(m.pk, [])
        if not mine:
            continue
        _drop_files(m)
        _attach(m, mine)
        m.state = MaterialState.RECEIVED
        m.problem = ""
        m.save(update_fields=["state", "problem"])
        changed.append(m.name)
    if not changed:
        raise TransitionError("请选择要上传的材料文件。")
    names = "、".join(changed)
    _event(
        application,
        Event.MATERIALS,
        None,
        application.status,
        note=names,
        public_text=f"已上传材料：{names}",
    )
    return application


def _drop_files(material) -> int:
    """Delete a material's files (rows now, stored files once the transaction commits)."""
    count = 0
    for old in material.files.all():
        name, storage = old.file.name, old.file.storage
        old.delete()
        transaction.on_commit(lambda n=name, st=storage: st.delete(n))
        count += 1
    return count


OPEN_STATES = (MaterialState.MISSING, MaterialState.WRONG, MaterialState.DEFERRED)


@dataclass
class UploadRule:
    """What the applicant may upload now: `mode` is "add" (待预审: any material they bring,
    missing or to replace), "supplement" (补正 / 容缺: the listed ones), or "" with `message`
    saying why not; `target` is the application the action runs on (a part in 补正)."""

    mode: str
    target: Application | None
    message: str
    material_ids: frozenset = frozenset()


def upload_rule(application) -> UploadRule:
    """The one rule for an applicant's uploads after filing, for the page and the API."""
    holder = application.parent or application
    if application.status == Status.SUBMITTED:
        ids = holder.materials.exclude(state=MaterialState.SHARED).values_list("pk", flat=True)
        return UploadRule("add", application, "", frozenset(ids))
    targets = [application, *application.parts.all()] if application.is_bundle else [application]
    target = next((t for t in targets if t.status in (Status.CORRECTION, Status.DEFERRED)), None)
    if target is not None:
        ids = holder.materials.filter(state__in=OPEN_STATES).values_list("pk", flat=True)
        return UploadRule("supplement", target, "", frozenset(ids))
    if application.status in (Status.ACCEPTED, Status.SUSPENDED):
        message = "办件已受理，正在审查，不能再更换材料；如需补充，审查部门会一次性告知。"
    elif application.status in (Status.DECIDED, Status.COMPLETED):
        message = "办件已作出决定，不能再上传材料。"
    else:
        message = f"办件状态为“{application.get_status_display()}”，不能再上传材料。"
    return UploadRule("", None, message)


@transaction.atomic
def upload_as_applicant(application, files: dict) -> Application:
    """The applicant's upload (page or API) under `upload_rule`: refused whole, with a clear
    message, when a file is for a material that may not be uploaded now."""
    rule = upload_rule(application)
    if not rule.mode:
        raise TransitionError(rule.message)
    if not files:
        raise TransitionError("请选择要上传的材料文件。")
    stray = set(files) - rule.material_ids
    if stray:
        raise TransitionError(
            "这份材料现在不需要上传。"
            if rule.mode == "add"
            else "补正或容缺期间只能上传告知书列出的材料。"
        )
    if rule.mode == "add":
        return add_materials(rule.target, files, as_applicant=True)
    return supplement(rule.target, files, as_applicant=True)


@transaction.atomic
def refuse_acceptance(application, reason: str, basis: str, *, acting_user) -> Application:
    """不予受理, with the reason and its legal basis, as a written decision."""
    application, t = _lock(application, "refuse", acting_user)
    reason = _text(reason, "不予受理理由", 4, 500)
    basis = _text(basis, "法律依据", 4, 200)
    old, now = application.status, timezone.now()
    application.status = t.target
    application.refusal_reason = reason
    application.refusal_basis = basis
    application.decided_at = application.completed_at = now
    application.save()
    if application.is_bundle:
        _cascade(application, Status.REFUSED, completed_at=now)
    _event(
        application, Event.REFUSE, acting_user, old, note=basis, public_text=f"不予受理：{reason}"
    )
    _sms(application, "application_refused", reason=reason[:40])
    return application


# --- review, decision, delivery -------------------------------------------------------------------


@transaction.atomic
def decide(
    application,
    decision: str,
    reason: str = "",
    *,
    acting_user,
    result_text: str = "",
    result_file=None,
) -> Application:
    """准予 / 不予 by the reviewing unit; a refusal states its reasons. A bundle's parent is
    decided when its last part is."""
    application, t = _lock(application, "decide", acting_user)
    if decision not in Decision.values:
        raise TransitionError("请选择准予或不予。")
    if decision == Decision.REFUSE:
        reason = _text(reason, "不予许可的理由", 4, 1000)
    old, now = application.status, timezone.now()
    application.status = t.target
    application.decision = decision
    application.decision_reason = (reason or "").strip()[:1000]
    application.result_text = (result_text or "").strip()[:1000]
    application.decided_at = now
    _record_days(application, now)
    if result_file is not None:
        application.result_file.save(f"{application.number}.pdf", result_file, save=False)
    _stop_clock(application)
    application.save()
    label = Decision(decision).label
    _event(
        application,
        Event.DECIDE,
        acting_user,
        old,
        note=reason,
        public_text=f"{application.title}：{label}",
    )
    if application.parent_id:
        parent = Application.objects.select_for_update().get(pk=application.parent_id)
        if not parent.parts.exclude(status=Status.DECIDED).exists():
            old_parent = parent.status
            parent.status = Status.DECIDED
            parent.decided_at = now
            _record_days(parent, now)
            parent.decision = (
                Decision.APPROVE
                if not parent.parts.filter(decision=Decision.REFUSE).exists()
                else Decision.REFUSE
            )
            _stop_clock(parent)
            parent.save()
            _event(
                parent, Event.DECIDE, None, old_parent, public_text="各部门均已作出决定，待统一出件"
            )
            _sms(
                parent, "application_decided", decision="详见结果", delivery=_delivery_text(parent)
            )
    else:
        _sms(
            application, "application_decided", decision=label, delivery=_delivery_text(application)
        )
    return application


def _delivery_text(application) -> str:
    return {
        Delivery.PICKUP: "请携带身份证到政务服务中心综合窗口领取",
        Delivery.POST: "结果将邮寄送达",
        Delivery.ELECTRONIC: "请在“我的办件”下载电子结果",
    }[application.delivery]


def _rating_link(application) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("my_rate", args=[application.rating_token])


@transaction.atomic
def deliver(application, *, acting_user, note: str = "") -> Application:
    """送达 (pickup at the window, post, or the electronic result) and 办结."""
    application, t = _lock(application, "deliver", acting_user)
    old, now = application.status, timezone.now()
    application.status = t.target
    application.completed_at = now
    application.rating_token = secrets.token_urlsafe(24)
    application.save()
    if application.is_bundle:
        _cascade(application, Status.COMPLETED, completed_at=now)
    _event(
        application,
        Event.DELIVER,
        acting_user,
        old,
        note=(note or "").strip()[:300],
        public_text=f"已办结（{application.get_delivery_display()}）",
    )
    _sms(application, "application_completed", link=_rating_link(application))
    return application


@transaction.atomic
def withdraw(application, reason: str = "", *, acting_user=None, as_applicant=False) -> Application:
    """撤回 by the applicant (online, or in person at the window) before the decision."""
    application, t = _lock(application, "withdraw", acting_user, as_applicant=as_applicant)
    return _end(application, t.target, Event.WITHDRAW, acting_user, (reason or "").strip()[:300])


@transaction.atomic
def lapse(application) -> Application:
    """容缺 deadline passed without the material: treated as withdrawn, and the applicant told."""
    application, t = _lock(application, "lapse", system=True)
    return _end(application, t.target, Event.LAPSE, None, "容缺材料逾期未补齐，视为撤回申请")


def _end(application, target, kind, user, reason) -> Application:
    old, now = application.status, timezone.now()
    application.status = target
    application.completed_at = now
    application.supplement_due_at = None
    _stop_clock(application)
    application.save()
    if application.is_bundle:
        for part in _parts(application):
            part.status = target
            part.completed_at = now
            _stop_clock(part)
            part.save()
    _event(application, kind, user, old, note=reason, public_text=f"申请已撤回。{reason}".strip())
    _sms(application, "application_withdrawn", reason=reason[:40])
    return application


@transaction.atomic
def suspend(application, reason: str, *, acting_user) -> Application:
    """中止 where the law allows (e.g. a hearing, an expert review): the clock stops."""
    application, t = _lock(application, "suspend", acting_user)
    reason = _text(reason, "中止理由", 4, 300)
    old = application.status
    application.status = t.target
    _pause(application, timezone.now())
    application.save()
    _event(
        application, Event.SUSPEND, acting_user, old, note=reason, public_text=f"审查中止：{reason}"
    )
    return application


@transaction.atomic
def resume(application, *, acting_user) -> Application:
    application, t = _lock(application, "resume", acting_user)
    old = application.status
    application.status = t.target
    _resume(application, timezone.now())
    application.save()
    _event(application, Event.RESUME, acting_user, old, public_text="恢复审查")
    return application


@transaction.atomic
def extend(application, days: int, reason: str, *, acting_user) -> Application:
    """One extension, approved by the unit's leader, never past the legal limit."""
    application, _t = _lock(application, "extend", acting_user)
    from mashang.directory.choices import Role

    if not acting_user.has_role(Role.UNIT_LEADER):
        raise TransitionError("延长期限须由单位负责人批准。")
    if application.extended:
        raise TransitionError("已延长过一次期限。")
    reason = _text(reason, "延期理由", 4, 300)
    if not isinstance(days, int) or days < 1:
        raise TransitionError("请填写延长的工作日数。")
    new_due = calendar.add_working_days(application.promised_due_at, days)
    if new_due > application.legal_due_at:
        raise TransitionError("延长后的期限不能超过法定时限。")
    application.promised_due_at = new_due
    application.extended = True
    _run_clock(application, timezone.now(), new_due)
    application.save()
    _event(
        application,
        Event.EXTEND,
        acting_user,
        application.status,
        note=reason,
        public_text=f"办理期限延长至{_day(new_due)}：{reason}",
    )
    return application


@transaction.atomic
def add_note(application, text: str, *, acting_user) -> Application:
    application, _t = _lock(application, "note", acting_user)
    _event(application, Event.NOTE, acting_user, application.status, note=_text(text, "备注"))
    return application


# --- 好差评 ---------------------------------------------------------------------------------------


@transaction.atomic
def rate_application(token: str, rating: str, comment: str = "") -> ServiceRating:
    """一事一评 by the SMS link after 办结; a 差评 must be answered within 1 working day."""
    if not token:
        raise TransitionError("评价链接无效。")
    application = Application.objects.select_for_update().filter(rating_token=token).first()
    if application is None or application.status != Status.COMPLETED:
        raise TransitionError("评价链接无效或办件尚未办结。")
    if rating not in Rating.values:
        raise TransitionError("请选择评价等级。")
    if ServiceRating.objects.filter(application=application, kind=RatingKind.APPLICATION).exists():
        raise TransitionError("此办件已评价过（一事一评）。")
    now = timezone.now()
    bad = rating in BAD_RATINGS
    row = ServiceRating.objects.create(
        kind=RatingKind.APPLICATION,
        application=application,
        unit=application.unit,
        clerk=application.accepted_by,
        rating=rating,
        comment=(comment or "").strip()[:300],
        contact_due_at=calendar.add_working_days(now, 1) if bad else None,
    )
    application.rating = rating
    application.save(update_fields=["rating", "updated_at"])
    ApplicationEvent.objects.create(
        application=application,
        kind=Event.RATING,
        new_status=application.status,
        note=Rating(rating).label,
        public_text=f"您的评价：{Rating(rating).label}",
    )
    if bad:
        queue_unit_message(
            application.unit, "application_bad_rating", {"number": application.number}
        )
    return row


@transaction.atomic
def rate_window(*, clerk, rating: str, comment: str = "", application=None) -> ServiceRating:
    """一次一评 at the window: the applicant rates this visit, and the clerk who served them."""
    if rating not in Rating.values:
        raise TransitionError("请选择评价等级。")
    if clerk is None or clerk.unit_id is None:
        raise TransitionError("请选择窗口人员。")
    bad = rating in BAD_RATINGS
    return ServiceRating.objects.create(
        kind=RatingKind.WINDOW,
        application=application,
        unit=clerk.unit,
        clerk=clerk,
        rating=rating,
        comment=(comment or "").strip()[:300],
        contact_due_at=calendar.add_working_days(timezone.now(), 1) if bad else None,
    )


@transaction.atomic
def handle_bad_rating(rating: ServiceRating, *, acting_user, rectification: str) -> ServiceRating:
    """差评: contacted, rectified and called back (安阳 art. 52), recorded by supervision."""
    from mashang.directory.choices import Role

    if not acting_user.has_role(Role.SUPERVISOR, Role.ADMIN):
        raise TransitionError("只有效能督查员可以处理差评。")
    row = ServiceRating.objects.select_for_update().get(pk=rating.pk)
    if row.rating not in BAD_RATINGS:
        raise TransitionError("这不是差评。")
    if row.called_back_at:
        raise TransitionError("此差评已回访。")
    now = timezone.now()
    row.contacted_at = row.contacted_at or now
    row.rectification = _text(rectification, "整改情况", 4, 1000)
    row.called_back_at = now
    row.save()
    if row.application_id:
        ApplicationEvent.objects.create(
            application_id=row.application_id,
            kind=Event.BAD_RATING_CONTACT,
            actor=acting_user,
            note=row.rectification,
        )
    return row


__all__ = [
    "Applicant",
    "Channel",
    "FilingError",
    "TransitionError",
    "accept_application",
    "accept_with_deferral",
    "add_materials",
    "check_plan",
    "check_filing",
    "filing_plan",
    "send_applicant_code",
    "upload_as_applicant",
    "upload_rule",
    "decide",
    "deliver",
    "file_application",
    "finish_instantly",
    "lapse",
    "refuse_acceptance",
    "request_correction",
    "supplement",
    "withdraw",
]
