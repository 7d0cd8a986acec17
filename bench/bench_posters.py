"""Time the county's posters (PDF, A4) and PNG zip on a fresh throwaway demo database."""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30
TARGET_MB = 20


def main() -> int:
    """Load the demo county into a temporary SQLite database and print the figures."""
    tmp = tempfile.TemporaryDirectory(prefix="mashang-bench-posters-")
    # Before django.setup(): a fresh SQLite database under the temp dir, never a real one.
    os.environ["VAR_DIR"] = tmp.name
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mashang.settings"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    from mashang.directory.demo import COUNTY_CODE, load_demo_county
    from mashang.directory.models import Division
    from mashang.qrcodes.choices import PlacementStatus
    from mashang.qrcodes.models import Placement
    from mashang.qrcodes.posters import font_status, write_png_zip, write_posters_pdf

    with tmp:
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        load_demo_county()
        print(f"demo county loaded in {time.perf_counter() - start:.2f} s")
        county = Division.objects.get(code=COUNTY_CODE)
        placements = (
            Placement.objects.select_related("division", "addressee_unit")
            .filter(division__path__startswith=county.path, status=PlacementStatus.ACTIVE)
            .order_by("division__code", "kind", "id")
        )
        count = placements.count()
        status = font_status()
        print(f"font: embedded={status['embedded']} path={status['path']}")

        pdf = Path(tmp.name) / "posters-A4.pdf"
        start = time.perf_counter()
        pages = write_posters_pdf(placements, pdf, size="A4")
        seconds = time.perf_counter() - start
        size = pdf.stat().st_size
        print(
            f"PDF A4: placements={count} pages={pages} seconds={seconds:.2f} "
            f"MB={size / 1e6:.2f} KB/page={size / 1e3 / pages:.2f}"
        )
        ok = seconds < TARGET_SECONDS and size < TARGET_MB * 1e6
        print(f"  target < {TARGET_SECONDS} s and < {TARGET_MB} MB: {'met' if ok else 'MISSED'}")

        archive = Path(tmp.name) / "codes.zip"
        start = time.perf_counter()
        pngs = write_png_zip(placements, archive)
        zip_seconds = time.perf_counter() - start
        zip_size = archive.stat().st_size
        print(
            f"PNG zip (scale 10): files={pngs} seconds={zip_seconds:.2f} "
            f"MB={zip_size / 1e6:.2f} KB/file={zip_size / 1e3 / pngs:.2f}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
