from django.core.management.base import BaseCommand

from mashang.catalog.excel import export_catalog


class Command(BaseCommand):
    help = (
        "Write the catalogue in force today to an Excel file (items, materials, steps, bundles …)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file to write")

    def handle(self, *args, file, **options):
        counts = export_catalog(file)
        self.stdout.write(f"已导出事项{counts['items']}个、一件事{counts['bundles']}个到 {file}")
