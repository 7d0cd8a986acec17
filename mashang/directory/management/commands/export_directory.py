from django.core.management.base import BaseCommand

from mashang.directory.exchange import export_directory


class Command(BaseCommand):
    help = (
        "Write the directory as the import template (.xlsx): on an empty database an empty "
        "template with its notes, otherwise every division, unit, position and member of staff."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file to write")

    def handle(self, *args, file, **options):
        export_directory(file)
        self.stdout.write(f"已导出组织目录：{file}")
