import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mashang.directory.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo_county


class Command(BaseCommand):
    help = "Load the demo county 衡南县 (embedded demo mode only; does nothing if already loaded)."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="print the demo logins")
        parser.add_argument(
            "--if-demo",
            action="store_true",
            help="outside demo mode, do nothing instead of failing (make run)",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            if options["if_demo"]:
                self.stdout.write("生产模式：不载入演示数据。")
                return
            raise CommandError("演示数据只能在内置演示模式（未设置 DATABASE_URL）下载入。")
        start = time.perf_counter()
        result = load_demo_county()
        elapsed = time.perf_counter() - start
        if result.created:
            self.stdout.write(f"演示县已载入，用时 {elapsed:.1f} 秒：{result.counts}")
        else:
            self.stdout.write(f"演示县已存在，未作改动：{result.counts}")
        # The service catalogue registers as one more demo part (it needs the county's units).
        from mashang.catalog.demo import load_demo_catalog

        start = time.perf_counter()
        if load_demo_catalog():
            elapsed = time.perf_counter() - start
            self.stdout.write(f"演示事项库已载入，用时 {elapsed:.1f} 秒。")
        from mashang.catalog.guide_synonyms import load_guide_synonyms

        load_guide_synonyms()  # everyday phrasings for the 办事指南 search (idempotent)
        # Applications need the catalogue: one more demo part, registered the same way.
        from mashang.applications.demo import load_demo_applications

        made = load_demo_applications()
        if made:
            self.stdout.write(f"演示办件已载入：{made} 件。")
        # The hall floor (zones, windows, stations, a month of queue history): one more part.
        from mashang.hall.demo import load_demo_hall

        halls = load_demo_hall()
        if halls:
            self.stdout.write(f"演示大厅与便民服务站已载入：{halls} 个。")
        if options["logins"]:
            self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
            for username, label in DEMO_LOGINS:
                self.stdout.write(f"  {username:<12} {label}")
