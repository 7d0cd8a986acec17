"""Who sees which application, decided once; every list and action starts here."""

from django.http import Http404

from mashang.core.audit import audit
from mashang.directory.choices import Role

from .models import Application, ApplicationEvent

SESSION_PHONE = "my_phone_index"


def applications_for(user):
    """Window clerks (any window accepts any item), supervision, county leaders and
    administrators see every application; a unit's reviewers and leader only their unit's."""
    qs = Application.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    roles = user.role_set
    if roles & {Role.WINDOW_CLERK, Role.ADMIN, Role.SUPERVISOR, Role.COUNTY_LEADER}:
        return qs
    if roles & {Role.REVIEWER, Role.UNIT_LEADER} and user.unit_id:
        return qs.filter(unit_id=user.unit_id)
    return qs.none()


def get_application_for_user(user, pk, *, request=None) -> Application:
    """The application or 404; every look at an applicant's data is audited."""
    application = (
        applications_for(user)
        .select_related("unit", "item", "version", "bundle", "parent", "window_unit")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404("没有找到这个办件，或您无权查看")
    audit("application_viewed", actor=user, obj=application, request=request)
    return application


def applications_for_phone(phone_index: str):
    """An applicant's own applications (bundle parts shown through their parent)."""
    return (
        Application.objects.filter(phone_index=phone_index, parent__isnull=True)
        .select_related("unit")
        .order_by("-received_at")[:50]
    )


def get_application_for_applicant(session, number: str) -> Application:
    phone_index = session.get(SESSION_PHONE)
    application = (
        Application.objects.filter(number=number, parent__isnull=True)
        .select_related("unit", "version", "bundle")
        .first()
    )
    if application is None or not phone_index or application.phone_index != phone_index:
        raise Http404("没有找到这个办件")
    return application


def public_timeline(application: Application):
    ids = [application.pk, *application.parts.values_list("pk", flat=True)]
    return list(
        ApplicationEvent.objects.filter(application_id__in=ids)
        .exclude(public_text="")
        .order_by("at", "id")
        .values("at", "public_text")
    )
