"""Time the catalogue's Excel round trip for the demo's 1,033 items on throwaway SQLite databases.

Loads the demo catalogue, exports it, imports the file into a second fresh database (every row
checked, then written), imports it again (nothing changes), and prints the figures.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    tmp = tempfile.TemporaryDirectory(prefix="mashang-bench-catalog-")
    os.environ["VAR_DIR"] = tmp.name
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mashang.settings"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from mashang.catalog.demo import load_demo_catalog
    from mashang.catalog.excel import export_catalog, import_catalog
    from mashang.catalog.models import Bundle, FormField, Item, MaterialType, Topic
    from mashang.catalog.queries import catalog_figures
    from mashang.directory.choices import DivisionLevel
    from mashang.directory.demo import _create_units
    from mashang.directory.models import Division

    with tmp:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        province = Division.objects.create(
            code="430000", name="湖南省", level=DivisionLevel.PROVINCE
        )
        city = Division.objects.create(
            code="430400", name="衡阳市", level=DivisionLevel.CITY, parent=province
        )
        county = Division.objects.create(
            code="430422", name="衡南县", level=DivisionLevel.COUNTY, parent=city
        )
        _create_units(county, [], [])
        start = time.perf_counter()
        load_demo_catalog()
        print(f"demo catalogue loaded in {time.perf_counter() - start:.2f} s")
        figures = catalog_figures()
        print(
            f"figures: units={figures['units']} items={figures['items']} "
            f"bundles={figures['bundles']} reductions={figures['reductions']}"
        )
        path = Path(tmp.name) / "catalog.xlsx"
        start = time.perf_counter()
        counts = export_catalog(path)
        print(
            f"export: items={counts['items']} bundles={counts['bundles']} "
            f"seconds={time.perf_counter() - start:.2f} KB={path.stat().st_size / 1e3:.0f}"
        )
        # A fresh catalogue in the same county: no items, no dictionaries.
        Bundle.objects.all().delete()
        Item.objects.all().delete()
        MaterialType.objects.all().delete()
        FormField.objects.all().delete()
        Topic.objects.all().delete()
        start = time.perf_counter()
        with open(path, "rb") as fh:
            report = import_catalog(fh)
        seconds = time.perf_counter() - start
        print(f"import into an empty catalogue: {report.summary} seconds={seconds:.2f}")
        for line in report.errors[:10]:
            print("  ", line)
        start = time.perf_counter()
        with open(path, "rb") as fh:
            report = import_catalog(fh)
        print(
            f"import again (all unchanged): {report.summary} seconds={time.perf_counter() - start:.2f}"
        )
        print(f"figures after the round trip: {catalog_figures()['reductions']}")
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
