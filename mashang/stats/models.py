"""Daily roll-ups of the metrics' counts: what the dashboards read at county scale.

One row per (day received, township, QR kind, appeal type) with the count of every condition
in `metrics.COUNTS` (and the same per month, for periods of years), and one per (day, lead
unit) for the unit ranking: narrow tables stay small where one wide one would hold nearly a row
per appeal. The worker rebuilds the days whose appeals changed since its last build; today's
appeals are always counted live.
"""

import uuid

from django.db import models


class Counts(models.Model):
    """One column per condition of `metrics.COUNTS`, plus 督办 orders."""

    received = models.PositiveIntegerField(default=0)
    effective = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    completed_on_time = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    dispatched_on_time = models.PositiveIntegerField(default=0)
    acknowledged = models.PositiveIntegerField(default=0)
    acknowledged_on_time = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    bad_rectified = models.PositiveIntegerField(default=0)
    rehandled = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyFact(Counts):
    day = models.DateField(db_index=True)
    township = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    type = models.CharField(max_length=12)

    class Meta:
        verbose_name = "统计日汇总"
        verbose_name_plural = "统计日汇总"
        indexes = [models.Index(fields=["day", "township"])]


class MonthlyFact(Counts):
    """The DailyFact rows of one month summed (`day` is the month's first day): a period of
    years reads a few hundred rows per month instead of a few hundred per day. Rebuilt with
    the days of its month; read only for months wholly inside a period (facts.Figures)."""

    day = models.DateField(db_index=True)
    township = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    type = models.CharField(max_length=12)

    class Meta:
        verbose_name = "统计月汇总"
        verbose_name_plural = "统计月汇总"


class UnitDayFact(Counts):
    """The same counts per day and lead unit (appeals not yet dispatched have no unit)."""

    day = models.DateField(db_index=True)
    unit_id = models.BigIntegerField(db_index=True)


class AccusationFact(models.Model):
    """How many accusations (检举控告) were received per day (or month), township and QR kind:
    their number alone, shown beside the figures to those allowed to see it
    (metrics.accusation_count); nothing of what they say."""

    day = models.DateField(db_index=True)
    township = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    accusations = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class AccusationDayFact(AccusationFact):
    """Per day; built and read like DailyFact."""

    class Meta:
        verbose_name = "检举控告件数日汇总"
        verbose_name_plural = "检举控告件数日汇总"


class AccusationMonthFact(AccusationFact):
    """The AccusationDayFact rows of one month summed (`day` is the month's first day), read
    like MonthlyFact."""

    class Meta:
        verbose_name = "检举控告件数月汇总"
        verbose_name_plural = "检举控告件数月汇总"


class FactsState(models.Model):
    """When the roll-ups were last brought up to date (one row), and their version: a new one
    with every write to them, in the same transaction, so figures cached under a version
    (facts.Figures) are those of the roll-ups it names."""

    built_at = models.DateTimeField(null=True, blank=True)
    built_until = models.DateField(null=True, blank=True)  # facts cover days before this
    version = models.UUIDField(default=uuid.uuid4)


class DemoSeed(models.Model):
    """The period the demo's generated year covers (one row, written by the demo loader), so
    `manage.py stats --seed` reproduces the seed's figures on any later day."""

    since = models.DateTimeField()
    until = models.DateTimeField()

    class Meta:
        verbose_name = "演示数据期间"
        verbose_name_plural = "演示数据期间"
