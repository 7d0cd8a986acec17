"""What a citizen must bring, for their case (情形): the checklist the guide and its PDF show.

A material (or a bundle's member item) tied to 情形 options is needed when one of them is
chosen; it is left out once every question it depends on is answered otherwise; while a
question is unanswered it stays on the list, marked with the case it is for.
A bundle asks its own questions and its items' questions, the same question text asked once.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from .choices import MaterialSource
from .models import Bundle, BundleItem, CaseQuestion, ItemVersion
from .queries import BundleView, bundle_views, version_detail_qs


@dataclass
class Option:
    value: str
    label: str
    ids: set[int] = field(default_factory=set)


@dataclass
class Question:
    key: str
    text: str
    multiple: bool
    options: list[Option]
    chosen: set[str] = field(default_factory=set)

    @property
    def answered(self) -> bool:
        return bool(self.chosen)

    @property
    def answer_labels(self) -> list[str]:
        return [o.label for o in self.options if o.value in self.chosen]


@dataclass
class Line:
    name: str
    form: str = ""
    copies: int = 1
    required: bool = True
    may_be_missing: bool = False
    e_license: str = ""
    cases: list[str] = field(default_factory=list)  # shown while the question is unanswered
    items: list[str] = field(default_factory=list)  # bundle: which items ask for it
    reason: str = ""  # why the applicant need not bring it


@dataclass
class Checklist:
    questions: list[Question]
    bring: list[Line]
    not_needed: list[Line]

    @property
    def all_answered(self) -> bool:
        return all(q.answered for q in self.questions)

    @property
    def missing_allowed(self) -> list[Line]:
        return [line for line in self.bring if line.may_be_missing]


def merge_questions(questions: list[CaseQuestion], params) -> list[Question]:
    """One question per text, one option per label; answers read from `params` (a QueryDict)."""
    merged: dict[str, Question] = {}
    for q in questions:
        mq = merged.get(q.text)
        if mq is None:
            mq = merged[q.text] = Question(f"c{len(merged) + 1}", q.text, q.multiple, [])
        mq.multiple = mq.multiple or q.multiple
        for o in q.options.all():
            opt = next((x for x in mq.options if x.label == o.label), None)
            if opt is None:
                opt = Option(str(len(mq.options) + 1), o.label)
                mq.options.append(opt)
            opt.ids.add(o.pk)
    out = list(merged.values())
    for mq in out:
        values = {o.value for o in mq.options}
        chosen = [v for v in params.getlist(mq.key) if v in values]
        mq.chosen = set(chosen if mq.multiple else chosen[:1])
    return out


def needed(option_ids: set[int], questions: list[Question]) -> tuple[bool, list[str]]:
    """(still on the list, the cases it is for when not yet decided)."""
    if not option_ids:
        return True, []
    relevant = [q for q in questions if any(o.ids & option_ids for o in q.options)]
    chosen = {i for q in relevant for o in q.options if o.value in q.chosen for i in o.ids}
    if chosen & option_ids:
        return True, []
    if relevant and all(q.answered for q in relevant):
        return False, []
    labels = [o.label for q in relevant for o in q.options if o.ids & option_ids]
    return True, labels


def version_for_guide(item_code: str) -> ItemVersion | None:
    """The version in force of a published item, with every child loaded."""
    from .queries import in_force

    return (
        version_detail_qs()
        .filter(in_force(), item__code=item_code, item__retired_on__isnull=True)
        .order_by("-effective_from", "-number")
        .first()
    )


def item_checklist(version: ItemVersion, params) -> Checklist:
    questions = merge_questions(list(version.questions.all()), params)
    bring, not_needed = [], []
    for m in version.materials.all():
        keep, cases = needed({o.pk for o in m.case_options.all()}, questions)
        if not keep:
            continue
        line = Line(
            name=m.name,
            form=m.get_form_display(),
            copies=m.copies,
            required=m.required,
            may_be_missing=m.may_be_missing,
            e_license=m.material_type.e_license_type,
            cases=cases,
        )
        if m.source == MaterialSource.GOVERNMENT or m.material_type.government_holds:
            line.reason = "政府部门已掌握，共享获取"
            not_needed.append(line)
        elif m.source == MaterialSource.E_LICENSE:
            line.reason = (
                f"窗口从电子证照库调取{('（' + line.e_license + '）') if line.e_license else ''}"
            )
            not_needed.append(line)
        else:
            bring.append(line)
    return Checklist(questions, bring, not_needed)


@dataclass
class BundleGuide:
    view: BundleView  # only the member items that apply to this case
    all_members: int
    skipped: list[str]  # member items left out for this case
    checklist: Checklist


def bundle_guide(bundle: Bundle, params) -> BundleGuide:
    # Members with their 情形 options loaded up front (bundle_views keeps a loaded list as is).
    loaded = Bundle.objects.filter(pk=bundle.pk).prefetch_related(
        Prefetch(
            "members",
            queryset=BundleItem.objects.select_related("item").prefetch_related("case_options"),
        ),
        "steps",
    )
    full = bundle_views(list(loaded))[0]
    own = list(bundle.questions.prefetch_related("options"))
    member_ids = [v.pk for v in full.versions]
    item_questions = list(
        CaseQuestion.objects.filter(version_id__in=member_ids)
        .prefetch_related("options")
        .order_by("order", "id")
    )
    questions = merge_questions(own + item_questions, params)
    by_item = {v.item_id: v for v in full.versions}
    members, versions, skipped = [], [], []
    for m in full.members:
        if m.item_id not in by_item:
            continue
        keep, _cases = needed({o.pk for o in m.case_options.all()}, questions)
        if keep:
            members.append(m)
            versions.append(by_item[m.item_id])
        else:
            skipped.append(m.item.name)
    view = BundleView(bundle, members, versions, full.steps, full.missing)
    bring, not_needed = [], []
    for mm in view.merged_materials():
        keep, cases = needed(mm.case_option_ids, questions)
        if not keep:
            continue
        name = mm.name
        if mm.material_type.code == "application_form" and len(mm.item_names) > 1:
            name = f"{bundle.name}申请表（一张表）"
        line = Line(
            name=name,
            form=mm.form,
            copies=mm.copies,
            required=mm.required,
            may_be_missing=mm.may_be_missing,
            e_license=mm.e_license,
            cases=cases,
            items=mm.item_names,
            reason=mm.dropped,
        )
        (not_needed if mm.dropped else bring).append(line)
    return BundleGuide(view, len(full.members), skipped, Checklist(questions, bring, not_needed))
