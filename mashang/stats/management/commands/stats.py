import json

from django.core.management.base import BaseCommand, CommandError

from mashang.catalog.queries import catalog_figures
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
    help = (
        "Print the headline metrics (appeals received in [from, to); by default up to yesterday "
        "24:00, as the pages count), for scripts and monitors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="JSON (the only format)")
        parser.add_argument("--from", dest="since", help="first day, inclusive (YYYY-MM-DD)")
        parser.add_argument(
            "--to", dest="until", help="last day, exclusive (YYYY-MM-DD); default: today"
        )
        parser.add_argument("--division", help="a division code: that subtree only")
        parser.add_argument(
            "--seed",
            action="store_true",
            help="the demo's generated year (598 effective, 94.31 %% satisfied), on any day",
        )

    def handle(self, *args, since=None, until=None, division=None, seed=False, **options):
        subtree = None
        if division:
            subtree = Division.objects.filter(code=division).first()
            if subtree is None:
                raise CommandError(f"没有区划代码为 {division} 的区划")
        start, end = _day(since, "from"), _day(until, "to")
        if seed:
            from mashang.stats.models import DemoSeed

            period = DemoSeed.objects.first()
            if period is None:
                raise CommandError("没有演示数据：先运行 manage.py load_demo")
            start, end = period.since, period.until
        start, end = metrics.period(start, end)
        from mashang.stats.facts import Figures

        figures = Figures(since=start, until=end, division=subtree)
        values = figures.headline()
        out = {
            "from": f"{start.astimezone(metrics.SHANGHAI):%Y-%m-%d}" if start else None,
            "to": f"{end.astimezone(metrics.SHANGHAI):%Y-%m-%d}",
            "period": metrics.period_label(start, end),
            "division": division,
            "accusations": figures.accusations(),
            "metrics": {
                m.key: {"label": m.label, "value": values.get(m.key), "formula": m.formula}
                for m in metrics.METRICS
            },
            "counts": {k: values[k] for k in metrics.COUNTS},
            # The service catalogue as it stands today (not bound to the period above).
            "catalog": catalog_figures(),
        }
        from mashang.stats.sections import SECTIONS

        # Other pillars' figures over the same period (division does not apply to them).
        for key, section in SECTIONS.items():
            out[key] = section.figures(since=start, until=end)
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2, default=str))
