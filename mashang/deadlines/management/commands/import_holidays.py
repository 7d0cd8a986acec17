import csv
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mashang.deadlines.models import Holiday

TRUE = {"1", "班", "上班", "workday", "true", "yes"}
FALSE = {"0", "休", "放假", "holiday", "false", "no"}


class Command(BaseCommand):
    help = "Import holidays and make-up working days from a CSV: date,休|班,name (UTF-8)."

    def add_arguments(self, parser):
        parser.add_argument("csv_file")

    def handle(self, *args, csv_file, **options):
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
        self.stdout.write(f"已导入 {len(rows)} 天。")
