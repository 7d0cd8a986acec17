from django.core.management.base import BaseCommand, CommandError

from mashang.directory.choices import DivisionLevel
from mashang.directory.models import Division
from mashang.qrcodes.placements import generate_placements


class Command(BaseCommand):
    help = (
        "Create the QR placements the placement rule asks for in a county (after importing "
        "or changing the directory); existing placements are kept, nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--county", help="the county's division code (default: the only county)"
        )

    def handle(self, *args, county=None, **options):
        counties = Division.objects.filter(level=DivisionLevel.COUNTY)
        if county:
            counties = counties.filter(code=county)
        found = list(counties[:2])
        if not found:
            raise CommandError("没有找到县级区划：请先导入组织目录（manage.py import_directory）。")
        if len(found) > 1:
            raise CommandError("有多个县级区划：请用 --county 指定区划代码。")
        made = generate_placements(found[0])
        self.stdout.write(f"{found[0].name}：新增 {made} 个张贴点。")
