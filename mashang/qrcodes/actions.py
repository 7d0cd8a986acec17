"""Writes on placements: scans, retirement and reissue (the old code keeps its history)."""

from django.db import connection, transaction
from django.utils import timezone

from mashang.core.audit import audit

from .choices import PlacementStatus
from .models import Placement


class PlacementError(ValueError):
    pass


def record_scan(placement: Placement) -> None:
    """One more scan of the code, counted in the database (two scans at once both count).

    One fixed statement: compiling the ORM's UPDATE was a sixth of the form page's time on
    every scan (bench/load_profile.py form)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(Placement._meta.db_table)} SET {qn('scan_count')} = "
            f"{qn('scan_count')} + 1, {qn('last_scanned_at')} = %s WHERE {qn('id')} = %s",
            [connection.ops.adapt_datetimefield_value(timezone.now()), placement.pk],
        )


@transaction.atomic
def retire_placement(placement: Placement, reason: str, *, acting_user) -> Placement:
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.status == PlacementStatus.RETIRED:
        raise PlacementError("此二维码已停用。")
    placement.status = PlacementStatus.RETIRED
    placement.retired_at = timezone.now()
    placement.retired_reason = reason[:120]
    placement.save(update_fields=["status", "retired_at", "retired_reason"])
    audit("placement_retired", actor=acting_user, obj=placement, detail=reason)
    return placement


@transaction.atomic
def reissue_placement(placement: Placement, *, acting_user, reason: str = "换发") -> Placement:
    """Retire the code and make a new one for the same wall, kind and addressee."""
    old = Placement.objects.select_for_update().get(pk=placement.pk)
    if old.replaced_by_id:
        raise PlacementError("此二维码已换发过，请对新码操作。")
    new = Placement.objects.create(
        kind=old.kind,
        division=old.division,
        place_unit=old.place_unit,
        place_label=old.place_label,
        addressee_unit=old.addressee_unit,
    )
    if old.status != PlacementStatus.RETIRED:
        old.status = PlacementStatus.RETIRED
        old.retired_at = timezone.now()
        old.retired_reason = reason[:120]
    old.replaced_by = new
    old.save(update_fields=["status", "retired_at", "retired_reason", "replaced_by"])
    audit("placement_reissued", actor=acting_user, obj=old, detail=f"新码 {new.pk}")
    return new
