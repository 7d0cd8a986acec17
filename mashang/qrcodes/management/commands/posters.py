"""manage.py posters: print-ready QR posters (PDF) or a zip of PNG codes for a division."""

import time
import warnings
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mashang.core.progress import progress
from mashang.directory.models import Division
from mashang.qrcodes.choices import PlacementStatus
from mashang.qrcodes.models import Placement
from mashang.qrcodes.posters import (
    PAGE_SIZES,
    PosterFontWarning,
    font_status,
    write_png_zip,
    write_posters_pdf,
)


class Command(BaseCommand):
    help = (
        "生成二维码海报：每个张贴点一页 PDF（--out 以 .zip 结尾时生成 PNG 压缩包）；"
        "默认全部使用中的张贴点，可用 --division 限定某区划及其下级。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="输出文件：.pdf 海报，或 .zip 二维码图片")
        parser.add_argument("--division", help="区划代码：只生成该区划及其下级的张贴点")
        parser.add_argument(
            "--size",
            default="A4",
            type=str.upper,
            choices=sorted(PAGE_SIZES),
            help="纸张尺寸（默认 A4）",
        )
        parser.add_argument("--include-retired", action="store_true", help="包括已停用的张贴点")
        parser.add_argument(
            "--scale", type=int, default=10, help="PNG 每个模块的像素数（仅 .zip，默认 10）"
        )

    def handle(self, *args, **options):
        placements = Placement.objects.select_related("division", "addressee_unit")
        if options["division"]:
            division = Division.objects.filter(code=options["division"].strip()).first()
            if division is None:
                raise CommandError(f"未找到区划代码为 {options['division']} 的区划。")
            placements = placements.filter(division__path__startswith=division.path)
        if not options["include_retired"]:
            placements = placements.filter(status=PlacementStatus.ACTIVE)
        placements = placements.order_by("division__code", "kind", "id")
        if not placements.exists():
            raise CommandError("没有符合条件的二维码张贴点，未生成文件。")

        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        # A bar with an ETA on a terminal (a county's posters take a while); silent in logs.
        placements = progress(
            placements.iterator(chunk_size=1000),
            total=placements.count(),
            desc="生成海报" if out.suffix.lower() != ".zip" else "生成二维码图片",
            unit="张",
            stream=self.stderr,
        )
        if out.suffix.lower() == ".zip":
            count = write_png_zip(placements, out, scale=options["scale"])
            elapsed = time.perf_counter() - start
            self.stdout.write(
                f"已生成 {out}：{count} 张二维码图片（另附清单.csv），"
                f"{out.stat().st_size:,} 字节，用时 {elapsed:.1f} 秒。"
            )
            return
        with warnings.catch_warnings():  # reported once below, in the command's own words
            warnings.simplefilter("ignore", PosterFontWarning)
            pages = write_posters_pdf(placements, out, size=options["size"])
        elapsed = time.perf_counter() - start
        self.stdout.write(
            f"已生成 {out}：{pages} 页（{options['size']}），"
            f"{out.stat().st_size:,} 字节，用时 {elapsed:.1f} 秒。"
        )
        status = font_status()
        if status["embedded"]:
            self.stdout.write(f"字体：{status['message']}")
        else:
            self.stderr.write(self.style.WARNING(f"字体警告：{status['message']}"))
