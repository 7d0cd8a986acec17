import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mashang.core.progress import progress
from mashang.stats.generate import Plan, generate


class Command(BaseCommand):
    help = (
        "Generate N realistic appeals (with their events unless --no-events) over the last "
        "two years, for benchmarks. Needs the directory and placements (the demo county)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, required=True)
        parser.add_argument(
            "--no-events", action="store_true", help="appeal rows only (much faster for millions)"
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, appeals, no_events, seed, **options):
        from mashang.qrcodes.models import Placement

        if appeals <= 0:
            raise CommandError("--appeals 须为正整数")
        if not Placement.objects.exists():
            raise CommandError("没有二维码张贴点：请先载入县域数据（演示县）")
        plan = Plan(
            effective=int(appeals * 0.9),
            invalid=int(appeals * 0.05),
            merged=int(appeals * 0.03),
            open_share=0.05,
        )
        plan.accusations = appeals - plan.effective - plan.invalid - plan.merged
        now = timezone.now()
        start = time.perf_counter()
        bar = progress(total=appeals, desc="生成诉求", unit="件", stream=self.stderr)
        counts = generate(
            plan,
            start=now - timedelta(days=730),
            end=now - timedelta(hours=1),
            seed=seed,
            batch=5000,
            events=not no_events,
            tick=bar.update,
        )
        bar.close()
        self.stdout.write(
            f"已生成 {sum(counts.values()):,} 件诉求 {counts}，"
            f"用时 {time.perf_counter() - start:.1f} 秒"
        )
