import time

from django.core.management.base import BaseCommand, CommandError

from mashang.catalog.excel import import_catalog


class Command(BaseCommand):
    help = (
        "Import a catalogue workbook: every row is checked first; nothing is written if any is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file to read")

    def handle(self, *args, file, **options):
        start = time.perf_counter()
        try:
            with open(file, "rb") as fh:
                report = import_catalog(fh)
        except OSError as exc:
            raise CommandError(f"无法打开文件：{exc}") from exc
        for line in report.errors:
            self.stderr.write(line)
        if not report.ok:
            raise CommandError(report.summary)
        self.stdout.write(f"{report.summary}（用时 {time.perf_counter() - start:.1f} 秒）")
