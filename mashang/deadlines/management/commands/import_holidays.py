import csv
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mashang.deadlines.models import CalendarYear, Holiday

TRUE = {"1", "班", "上班", "workday", "true", "yes"}
FALSE = {"0", "休", "放假", "holiday", "false", "no"}


class Command(BaseCommand):
    help = "Import holidays and make-up working days from a CSV: date,休|班,name (UTF-8)."

    def add_arguments(self, parser):
        parser.add_argument("csv_file")
        parser.add_argument(
            "--complete",
            action="store_true",
            help="the file is the State Council's whole schedule for its years: confirm them",
        )

    def handle(self, *args, csv_file, complete=False, **options):
        rows = []
        with open(csv_file, encoding="utf-8-sig", newline="") as f:
            for n, row in enumerate(csv.reader(f), start=1):
                if not row or row[0].strip().startswith("#") or row[0].strip() == "date":
                    continue
                try:
                    day = date.fromisoformat(row[0].strip())
                except ValueError as exc:
                    raise CommandError(
                        f"第{n}行：日期“{row[0]}”应为 2027-01-01 这样的格式"
                    ) from exc
                kind = (row[1] if len(row) > 1 else "").strip().lower()
                if kind not in TRUE | FALSE:
                    raise CommandError(f"第{n}行：第二列应为“休”或“班”")
                name = row[2].strip() if len(row) > 2 else ""
                rows.append((day, kind in TRUE, name))
        with transaction.atomic():  # all rows or none
            for day, workday, name in rows:
                Holiday.objects.update_or_create(
                    date=day, defaults={"is_workday": workday, "name": name}
                )
            years = sorted({day.year for day, _w, _n in rows}) if complete else []
            for year in years:
                CalendarYear.objects.get_or_create(
                    year=year, defaults={"confirmed_by": "import_holidays"}
                )
        self.stdout.write(f"已导入 {len(rows)} 天。")
        if years:
            self.stdout.write(f"已确认 {'、'.join(map(str, years))} 年的节假日安排完整。")
        else:
            self.stdout.write(
                "该年尚未确认完整：期限仍为暂定。核对无误后加 --complete 再导入一次。"
            )
