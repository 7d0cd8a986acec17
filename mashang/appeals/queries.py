"""Read paths for citizens: what a person who filed or proved their phone may see."""

from django.http import Http404

from .models import Appeal, AppealEvent

SESSION_TRACKED = "tracked_appeals"
SESSION_PHONE = "track_phone_index"
SESSION_RECEIPTS = "receipts"


def remember_tracked(session, appeal: Appeal) -> None:
    ids = set(session.get(SESSION_TRACKED, []))
    ids.add(appeal.pk)
    session[SESSION_TRACKED] = sorted(ids)[-50:]


def get_appeal_for_citizen(session, number: str) -> Appeal:
    """The appeal if this browser proved a right to it (query code, phone code, or filed it)."""
    appeal = Appeal.objects.select_related("division").filter(number=number).first()
    if appeal is None:
        raise Http404("没有找到这条诉求")
    allowed = appeal.pk in session.get(SESSION_TRACKED, [])
    phone_index = session.get(SESSION_PHONE)
    if phone_index and appeal.phone_index == phone_index:
        allowed = True
    if not allowed:
        raise Http404("没有找到这条诉求")
    return appeal


def public_timeline(appeal: Appeal):
    """Only events meant for the citizen: never internal notes or handlers' names."""
    return list(AppealEvent.objects.filter(appeal=appeal, is_public=True)
                .order_by("at", "id").values("at", "public_text"))


def appeals_for_phone(phone_index: str):
    return Appeal.objects.filter(phone_index=phone_index).select_related("division").order_by(
        "-received_at")[:50]
