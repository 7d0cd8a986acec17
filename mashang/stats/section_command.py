"""The base of every pillar's `<section>_stats --json` command: one period rule, one output."""

import json

from django.core.management.base import BaseCommand, CommandError

from .metrics import local_midnight, period, period_label


class SectionStatsCommand(BaseCommand):
    """Prints `figures(since, until)` over the default period of every figure (截至昨日)."""

    figures = None  # staticmethod(figures(since, until) -> dict) in the subclass

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="JSON (the only format)")
        parser.add_argument("--from", dest="since", help="first day, inclusive (YYYY-MM-DD)")
        parser.add_argument("--to", dest="until", help="last day, exclusive (YYYY-MM-DD)")

    def handle(self, *args, since=None, until=None, **options):
        try:
            start, end = period(
                local_midnight(since) if since else None,
                local_midnight(until) if until else None,
            )
        except ValueError as exc:
            raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        out = {"from": since, "to": until, "period": period_label(start, end)}
        out.update(self.figures(start, end))
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2, default=str))
