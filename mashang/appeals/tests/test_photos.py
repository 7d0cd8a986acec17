import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mashang.appeals.photos import MAX_BYTES, PhotoError, clean_photo

from .conftest import jpeg, png


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (26.0, 53.0, 0.0)
    return exif


def test_a_jpeg_is_reencoded_without_exif_or_gps():
    upload = jpeg(exif=gps_exif())
    assert b"PhoneMaker" in upload.read()
    clean = clean_photo(upload)
    data = clean.content.read()
    assert b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert image.size == (64, 48)


def test_a_png_with_transparency_becomes_a_jpeg():
    clean = clean_photo(png())
    with Image.open(io.BytesIO(clean.content.read())) as image:
        assert image.format == "JPEG" and image.mode == "RGB"


def test_large_photos_are_scaled_down_to_2560():
    clean = clean_photo(jpeg(4000, 3000))
    assert (clean.width, clean.height) == (2560, 1920)


def test_a_truncated_jpeg_is_refused():
    data = jpeg(400, 300).read()
    upload = SimpleUploadedFile("cut.jpg", data[: len(data) // 2], content_type="image/jpeg")
    with pytest.raises(PhotoError, match="无法识别或已损坏"):
        clean_photo(upload)


def png_declaring(width, height) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb's calling card."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_png_declaring_20000_by_20000_is_refused():
    upload = SimpleUploadedFile("bomb.png", png_declaring(20000, 20000), content_type="image/png")
    with pytest.raises(PhotoError, match="尺寸过大"):
        clean_photo(upload)


def test_a_file_over_10_mb_is_refused_before_decoding():
    upload = SimpleUploadedFile(
        "big.jpg", b"\xff\xd8" + b"0" * (50 * 1024 * 1024), content_type="image/jpeg"
    )
    assert upload.size > MAX_BYTES
    with pytest.raises(PhotoError, match="超过 10 MB"):
        clean_photo(upload)


def test_an_html_file_named_jpg_is_refused():
    upload = SimpleUploadedFile(
        "photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )
    with pytest.raises(PhotoError, match="无法识别"):
        clean_photo(upload)


def test_a_gif_is_not_accepted():
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    with pytest.raises(PhotoError, match="不是 JPG 或 PNG"):
        clean_photo(SimpleUploadedFile("a.gif", buf.getvalue(), content_type="image/gif"))


def test_an_empty_file_is_refused():
    with pytest.raises(PhotoError, match="空文件"):
        clean_photo(SimpleUploadedFile("a.jpg", b"", content_type="image/jpeg"))
