"""Posters: every printed code scans back to its placement, the font is embedded, PNGs zip up."""

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from mashang.qrcodes.choices import PlacementStatus, QRKind
from mashang.qrcodes.models import Placement
from mashang.qrcodes.posters import (
    PAGE_SIZES,
    PosterFontWarning,
    font_status,
    placement_url,
    write_png_zip,
    write_posters_pdf,
)

WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"缺少 {name}（apt-get install poppler-utils） / {name} not installed")
    return path


def qr_decoder():
    try:
        from pyzbar.pyzbar import decode
    except (ImportError, OSError):  # pyzbar missing, or libzbar0 missing underneath it
        pytest.skip("缺少 pyzbar 或 libzbar0 / pyzbar or libzbar0 not installed")
    return decode


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout


def decoded_urls(image: Image.Image) -> list[str]:
    decode = qr_decoder()
    return [symbol.data.decode() for symbol in decode(image) if symbol.type == "QRCODE"]


def render_pages(pdf: Path, tmp_path: Path) -> list[Path]:
    """Rasterise every page at 100 dpi with poppler; pages in order."""
    require_tool("pdftoppm")
    prefix = tmp_path / "page"
    run("pdftoppm", "-r", "100", "-png", str(pdf), str(prefix))
    pages = tmp_path.glob("page-*.png")
    return sorted(pages, key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def pdf_pages(pdf: Path) -> int:
    require_tool("pdfinfo")
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(pdf)), re.M).group(1))


@pytest.fixture
def placements(county):
    """Seven active placements of every kind, county to hamlet, and one retired poster."""
    u = county.units
    rows = [
        (QRKind.BUREAU, county.county, "县住房和城乡建设局", u.housing),
        (QRKind.BUREAU, county.county, "县水利局", u.water),
        (QRKind.TOWNSHIP, county.town_a, "茶市镇便民服务中心", u.town_a),
        (QRKind.TOWNSHIP, county.village_a, "新塘村便民服务站", u.town_a),
        (QRKind.TOWNSHIP, county.hamlet_a, "老屋场党小组", u.town_a),
        (QRKind.DISCIPLINE, county.county, "政务服务大厅", u.discipline),
        (QRKind.COUNTY_MAYOR, county.town_b, "冠市镇便民服务中心", u.county_gov),
        (QRKind.COUNTY_SECRETARY, county.county, "政务服务大厅", u.county_party),
    ]
    created = [
        Placement.objects.create(
            kind=kind, division=division, place_label=label, addressee_unit=unit
        )
        for kind, division, label, unit in rows
    ]
    Placement.objects.create(
        kind=QRKind.TOWNSHIP,
        division=county.village_a,
        place_label="新塘村旧址",
        addressee_unit=u.town_a,
        status=PlacementStatus.RETIRED,
    )
    return created


def ordered(queryset):
    return queryset.select_related("division", "addressee_unit").order_by(
        "division__code", "kind", "id"
    )


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_every_qr_code_in_the_pdf_scans_back_to_its_placement_url(placements, tmp_path, size):
    chosen = ordered(Placement.objects.filter(pk__in=[p.pk for p in placements[:6]]))
    expected = [placement_url(p) for p in chosen]
    assert len({p.kind for p in chosen}) >= 3
    pdf = tmp_path / f"posters-{size}.pdf"

    assert write_posters_pdf(chosen, pdf, size=size) == 6

    pages = render_pages(pdf, tmp_path)
    assert [decoded_urls(Image.open(page)) for page in pages] == [[url] for url in expected]
    width, height = re.search(
        r"Page size:\s+([\d.]+) x ([\d.]+) pts", run("pdfinfo", str(pdf))
    ).groups()
    assert (float(width), float(height)) == pytest.approx(PAGE_SIZES[size], abs=0.1)


def test_pdf_embeds_the_chinese_font_and_its_text_can_be_extracted(placements, tmp_path):
    require_tool("pdffonts")
    require_tool("pdftotext")
    pdf = tmp_path / "posters.pdf"
    write_posters_pdf(ordered(Placement.objects.filter(pk__in=[placements[0].pk])), pdf)

    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts, "no fonts in the PDF"
    for line in fonts:  # name type encoding emb sub uni object-id
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    text = run("pdftotext", "-layout", str(pdf), "-")
    assert "局长“码”上办" in text
    assert "衡南县“清”易通·“码”上办" in text
    assert "县住房和城乡建设局" in text
    assert "受理对象：县住房和城乡建设局局长" in text
    code = placements[0].manual_code
    assert f"手动输入码：{code[:4]} {code[4:]}" in text
    assert font_status()["embedded"] is True


def test_poster_font_comes_from_poster_font_path_when_set(monkeypatch):
    if not Path(WQY).is_file():
        pytest.skip("缺少 fonts-wqy-microhei / fonts-wqy-microhei not installed")
    monkeypatch.setenv("POSTER_FONT_PATH", WQY)
    monkeypatch.setenv("POSTER_FONT_SEARCH", "0")

    status = font_status()

    assert status == {"embedded": True, "path": WQY, "message": status["message"]}
    assert "POSTER_FONT_PATH" in status["message"]


@pytest.mark.parametrize(
    "env",
    [
        {"POSTER_FONT_PATH": "/nonexistent/fonts/missing.ttc", "POSTER_FONT_SEARCH": "0"},
        {"POSTER_FONT_PATH": "none"},
    ],
)
def test_without_a_chinese_font_posters_fall_back_to_stsong_and_warn(
    placements, tmp_path, monkeypatch, env
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pdf = tmp_path / "fallback.pdf"

    with pytest.warns(PosterFontWarning, match="fonts-wqy-microhei"):
        pages = write_posters_pdf(ordered(Placement.objects.filter(pk=placements[2].pk)), pdf)

    assert pages == 1
    assert pdf_pages(pdf) == 1
    status = font_status()
    assert status["embedded"] is False and status["path"] is None
    assert "POSTER_FONT_PATH" in status["message"]
    require_tool("pdffonts")
    fonts = run("pdffonts", str(pdf))
    assert "STSong-Light" in fonts
    assert "WenQuanYi" not in fonts


def test_png_zip_holds_one_scannable_png_per_placement_and_a_listing(placements, tmp_path):
    chosen = ordered(Placement.objects.filter(status=PlacementStatus.ACTIVE))
    archive = tmp_path / "codes.zip"

    assert write_png_zip(chosen, archive, scale=6) == len(placements)

    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        listing = zf.read("清单.csv")
        images = {
            name: Image.open(io.BytesIO(zf.read(name))) for name in names if name.endswith(".png")
        }
    expected = {f"{p.division.code}-{p.kind}-{p.manual_code}.png": placement_url(p) for p in chosen}
    assert set(images) == set(expected)
    for name, image in images.items():
        assert decoded_urls(image) == [expected[name]], name
    assert listing.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(listing.decode("utf-8-sig"))))
    assert rows[0][0] == "文件"
    by_file = {row[0]: row for row in rows[1:]}
    assert set(by_file) == set(expected)
    housing = next(p for p in chosen if p.place_label == "县住房和城乡建设局")
    row = by_file[f"{housing.division.code}-{housing.kind}-{housing.manual_code}.png"]
    assert "局长“码”上办" in row
    assert "县住房和城乡建设局局长" in row
    assert placement_url(housing) in row
    assert housing.manual_code in row


def test_posters_are_drawn_from_one_query_however_many_pages(placements, django_assert_num_queries):
    out = io.BytesIO()
    with django_assert_num_queries(1):
        pages = write_posters_pdf(Placement.objects.all(), out, size="A5")
    assert pages == len(placements) + 1
    assert out.getvalue().startswith(b"%PDF")


def test_posters_refuse_an_empty_selection_and_unknown_paper(db):
    with pytest.raises(ValueError, match="没有"):
        write_posters_pdf(Placement.objects.none(), io.BytesIO())
    with pytest.raises(ValueError, match="纸张"):
        write_posters_pdf([], io.BytesIO(), size="A3")


def test_command_prints_only_the_active_placements_of_the_division_subtree(
    county, placements, tmp_path
):
    require_tool("pdftotext")
    out = tmp_path / "茶市镇.pdf"
    stdout = io.StringIO()

    call_command("posters", out=str(out), division=county.town_a.code, stdout=stdout)

    assert pdf_pages(out) == 3  # town centre, village station, hamlet; not the retired one
    text = run("pdftotext", str(out), "-")
    for label in ("茶市镇便民服务中心", "新塘村便民服务站", "老屋场党小组"):
        assert label in text
    assert "冠市镇便民服务中心" not in text and "新塘村旧址" not in text
    assert "3 页" in stdout.getvalue() and "字节" in stdout.getvalue()


def test_command_includes_retired_placements_on_request(county, placements, tmp_path):
    out = tmp_path / "all.pdf"
    call_command("posters", out=str(out), size="a5", include_retired=True, stdout=io.StringIO())
    assert pdf_pages(out) == len(placements) + 1


def test_command_writes_the_png_zip_when_out_ends_with_zip(county, placements, tmp_path):
    out = tmp_path / "codes.zip"
    call_command("posters", out=str(out), division=county.town_b.code, stdout=io.StringIO())
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == sorted(
            ["清单.csv", f"{county.town_b.code}-county_mayor-{placements[6].manual_code}.png"]
        )


def test_command_rejects_an_unknown_division_code(placements, tmp_path):
    with pytest.raises(CommandError, match="未找到区划代码"):
        call_command("posters", out=str(tmp_path / "x.pdf"), division="999999")
    assert not (tmp_path / "x.pdf").exists()


def test_command_refuses_when_nothing_is_left_to_print(county, tmp_path):
    with pytest.raises(CommandError, match="没有符合条件"):
        call_command("posters", out=str(tmp_path / "x.pdf"), division=county.town_b.code)
