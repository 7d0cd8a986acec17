import uuid

from django.core.management.base import BaseCommand
from django.utils import timezone

from mashang.appeals.models import Appeal
from mashang.core.progress import progress
from mashang.deadlines.calendar import SHANGHAI, month_batches
from mashang.stats.facts import _today, rebuild
from mashang.stats.models import FactsState


class Command(BaseCommand):
    help = (
        "Rebuild the roll-ups of every past day, a month at a time — the appeals' (DailyFact, "
        "UnitDayFact, MonthlyFact) and those of every statistics section that keeps its own "
        "(applications, the hall) — e.g. after a restore or an import of history. The worker "
        "keeps them up to date afterwards."
    )

    def handle(self, *args, **options):
        self._appeals()
        from mashang.stats.sections import SECTIONS

        # The pillars that keep their own roll-ups (applications, the hall) rebuild them too.
        for section in SECTIONS.values():
            if section.rebuild is not None:
                bar = progress(desc=f"重建{section.label}日汇总", unit="月", stream=self.stderr)
                written = section.rebuild(tick=bar.update)
                bar.close()
                self.stdout.write(f"{section.label}日汇总已重建：{written} 行。")

    def _appeals(self):
        today = _today()
        first = Appeal.objects.order_by("received_at").values_list("received_at", flat=True).first()
        if first is None:
            rebuild()
            self.stdout.write("没有诉求：日汇总已清空。")
            return
        months = month_batches(first.astimezone(SHANGHAI).date(), today)
        started = timezone.now()
        written = 0
        for days in progress(months, desc="重建日汇总", unit="月", stream=self.stderr):
            written += rebuild(days)
        FactsState.objects.update_or_create(
            pk=1, defaults={"built_at": started, "built_until": today, "version": uuid.uuid4()}
        )
        self.stdout.write(f"日汇总已重建：{len(months)} 个月，{written} 行。")
