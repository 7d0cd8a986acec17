import json

from django.core.management.base import BaseCommand, CommandError

from mashang.directory.models import Division
from mashang.stats import metrics


def _day(value: str | None, name: str):
    if not value:
        return None
    try:
        return metrics.local_midnight(value)
    except ValueError as exc:
        raise CommandError(f"--{name} 应为 2026-01-31 这样的日期") from exc


class Command(BaseCommand):
    help = "Print the headline metrics (appeals received in [from, to)), for scripts and monitors."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="JSON (the only format)")
        parser.add_argument("--from", dest="since", help="first day, inclusive (YYYY-MM-DD)")
        parser.add_argument("--to", dest="until", help="last day, exclusive (YYYY-MM-DD)")
        parser.add_argument("--division", help="a division code: that subtree only")

    def handle(self, *args, since=None, until=None, division=None, **options):
        subtree = None
        if division:
            subtree = Division.objects.filter(code=division).first()
            if subtree is None:
                raise CommandError(f"没有区划代码为 {division} 的区划")
        start, end = _day(since, "from"), _day(until, "to")
        from mashang.stats.facts import Figures

        values = Figures(since=start, until=end, division=subtree).headline()
        out = {
            "from": since,
            "to": until,
            "division": division,
            "accusations": metrics.accusation_count(since=start, until=end),
            "metrics": {
                m.key: {"label": m.label, "value": values.get(m.key), "formula": m.formula}
                for m in metrics.METRICS
            },
            "counts": {k: values[k] for k in metrics.COUNTS},
        }
        from mashang.stats.sections import SECTIONS

        # Other pillars' figures over the same period (division does not apply to them).
        for key, section in SECTIONS.items():
            out[key] = section.figures(since=start, until=end)
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
