"""帮代办: a proxy (the hall's 帮代办员 or a 村级代办员) files on someone's behalf.

Open Forms keeps who acts, for whom and under which mandate on the record; so do we: an
`ProxyAuthorisation` (scope, expiry, the signed or photographed letter) and, for each
application filed under it, a `ProxyFiling` the application's pages show.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from mashang.appeals.intake import normalise_phone, phone_error
from mashang.applications import actions as application_actions
from mashang.applications.choices import Channel
from mashang.core.idcodes import id_number_ok
from mashang.directory.choices import Role, UnitKind

from .models import ProxyAuthorisation, ProxyFiling
from .workflow import TicketError

MAX_VALIDITY = timedelta(days=366)


def authorisations_for(user):
    """A proxy sees their own; hall managers and administrators see all."""
    qs = ProxyAuthorisation.objects.select_related("proxy")
    if user.has_role(Role.HALL_MANAGER, Role.ADMIN):
        return qs
    return qs.filter(proxy=user)


@transaction.atomic
def authorise(
    *,
    proxy,
    principal_name: str,
    principal_phone: str,
    principal_id_number: str = "",
    scope: str,
    expires_on: date,
    letter,
    items=(),
    today: date | None = None,
) -> ProxyAuthorisation:
    """Record an authorisation; `letter` is a file already checked by `uploads.clean_material`."""
    today = today or timezone.localdate()
    errors = {}
    name = (principal_name or "").strip()
    if not name or len(name) > 30:
        errors["principal_name"] = "请填写委托人姓名（30字以内）"
    phone = normalise_phone(principal_phone)
    problem = phone_error(phone)
    if problem:
        errors["principal_phone"] = problem
    id_number = (principal_id_number or "").strip().upper()
    if id_number and not application_actions.ID_RE.match(id_number):
        errors["principal_id_number"] = "身份证号应为18位"
    elif id_number and not id_number_ok(id_number):
        errors["principal_id_number"] = application_actions.ID_CHECK_MESSAGE
    scope = (scope or "").strip()
    if len(scope) < 2 or len(scope) > 200:
        errors["scope"] = "请填写委托办理的事项范围（200字以内）"
    if expires_on is None or expires_on <= today:
        errors["expires_on"] = "有效期至应晚于今天"
    elif expires_on > today + MAX_VALIDITY:
        errors["expires_on"] = "授权有效期最长一年"
    if letter is None:
        errors["letter"] = "请上传签字或拍照的授权委托书"
    if errors:
        raise application_actions.FilingError(errors)
    auth = ProxyAuthorisation(
        proxy=proxy,
        principal_name=name,
        principal_phone=phone,
        principal_id_number=id_number,
        scope=scope,
        expires_on=expires_on,
    )
    auth.letter.save(letter.content.name, letter.content, save=False)
    auth.save()
    if items:
        auth.items.set(items)
    return auth


def _channel(proxy) -> str:
    unit = proxy.unit
    if unit is not None and unit.kind in (UnitKind.TOWNSHIP, UnitKind.VILLAGE):
        return Channel.STATION
    return Channel.WINDOW


@transaction.atomic
def file_for(
    authorisation: ProxyAuthorisation,
    *,
    proxy,
    item=None,
    bundle=None,
    form=None,
    received=None,
    today: date | None = None,
    plan=None,
    id_number: str = "",
):
    """File an application for the principal; the filing records who acted for whom. With
    `plan` (the 情形 picked, `applications.actions.filing_plan`), only that 情形's materials;
    `id_number` is the principal's, read from their card when the authorisation has none."""
    today = today or timezone.localdate()
    auth = ProxyAuthorisation.objects.select_for_update().get(pk=authorisation.pk)
    if auth.proxy_id != proxy.pk:
        raise TicketError("这份授权不是委托给您的。")
    if auth.revoked_at is not None:
        raise TicketError("这份授权已撤销。")
    if auth.expires_on < today:
        raise TicketError(f"这份授权已于{auth.expires_on:%Y年%m月%d日}到期，请重新办理授权。")
    allowed = set(auth.items.values_list("pk", flat=True))
    if allowed and (item is None or item.pk not in allowed):
        raise TicketError("该事项不在授权范围内。")
    id_number = auth.principal_id_number or (id_number or "").strip().upper()
    if id_number and not application_actions.ID_RE.match(id_number):
        raise application_actions.FilingError(
            {"applicant_id_number": "身份证号应为18位，最后一位可以是数字或X"}
        )
    if id_number and not id_number_ok(id_number):
        raise application_actions.FilingError(
            {"applicant_id_number": application_actions.ID_CHECK_MESSAGE}
        )
    applicant = application_actions.Applicant(
        name=auth.principal_name,
        phone=auth.principal_phone,
        id_number=id_number,
    )
    application = application_actions.file_application(
        applicant=applicant,
        channel=_channel(proxy),
        item=item,
        bundle=bundle,
        form=form or {},
        received=received or set(),
        acting_user=proxy,
        plan=plan,
    )
    ProxyFiling.objects.create(application=application, authorisation=auth, proxy=proxy)
    return application


@transaction.atomic
def revoke(authorisation: ProxyAuthorisation, *, user) -> ProxyAuthorisation:
    auth = authorisations_for(user).select_for_update().get(pk=authorisation.pk)
    if auth.revoked_at is None:
        auth.revoked_at = timezone.now()
        auth.save(update_fields=["revoked_at"])
    return auth
