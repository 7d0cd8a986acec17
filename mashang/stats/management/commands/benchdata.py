import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mashang.core.progress import progress
from mashang.stats.generate import Plan, generate


class Command(BaseCommand):
    help = (
        "Generate realistic data for benchmarks: N appeals (with their events unless "
        "--no-events) over the last two years, and/or N applications (办件, with 一件事 parts, "
        "ratings and events) over the last year across the catalogue. Needs the demo county "
        "(and the demo catalogue for applications)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, default=0)
        parser.add_argument("--applications", type=int, default=0)
        parser.add_argument(
            "--no-events", action="store_true", help="rows only (much faster for millions)"
        )
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, appeals, applications, no_events, seed, **options):
        if appeals < 0 or applications < 0 or not (appeals or applications):
            raise CommandError("请给出 --appeals N 或 --applications N（正整数）")
        if appeals:
            self._appeals(appeals, no_events, 7 if seed is None else seed)
        if applications:
            self._applications(applications, no_events, 13 if seed is None else seed)

    def _appeals(self, appeals, no_events, seed):
        from mashang.qrcodes.models import Placement

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

    def _applications(self, applications, no_events, seed):
        from mashang.applications.generate import generate_applications

        start = time.perf_counter()
        bar = progress(total=applications, desc="生成办件", unit="件", stream=self.stderr)
        try:
            made = generate_applications(
                applications,
                now=timezone.now(),
                seed=seed,
                events=not no_events,
                tick=bar.update,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(
            f"已生成 {made:,} 件办件，用时 {time.perf_counter() - start:.1f} 秒"
            "（统计日汇总由 worker 或 manage.py rollups 更新）"
        )
