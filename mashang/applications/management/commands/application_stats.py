import json

from django.core.management.base import BaseCommand, CommandError

from mashang.applications.metrics import figures
from mashang.stats.metrics import local_midnight, period, period_label


class Command(BaseCommand):
    help = "Applications' figures (办件统计) as JSON: the same definitions as the figures page."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="JSON (the only format)")
        parser.add_argument("--from", dest="since", help="first day, inclusive (YYYY-MM-DD)")
        parser.add_argument("--to", dest="until", help="last day, exclusive (YYYY-MM-DD)")

    def handle(self, *args, since=None, until=None, **options):
        try:
            start = local_midnight(since) if since else None
            # The one default period of every figure (截至昨日), as the page and stats --json.
            start, end = period(start, local_midnight(until) if until else None)
        except ValueError as exc:
            raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        out = {
            "from": since,
            "to": until,
            "period": period_label(start, end),
            **figures(start, end),
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
