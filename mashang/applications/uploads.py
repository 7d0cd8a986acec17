"""Applicants' materials: PDF, JPG or PNG, checked by content; images re-encoded, PDFs refused
when they carry scripts, launch actions or embedded files (also inside compressed streams).

Images go through the appeals' `clean_photo` (size cap, pixel cap against decompression bombs,
full decode, re-encoding without metadata). Nothing is written until every file passes.
"""

import re
import zlib
from dataclasses import dataclass

from django.core.files.base import ContentFile

from mashang.appeals.photos import PhotoError, clean_photo

MAX_BYTES = 10 * 1024 * 1024
MAX_INFLATED = 50 * 1024 * 1024  # all streams of one PDF, decompressed: a bomb stops here
ACTIVE = (
    b"/javascript",
    b"/js",
    b"/launch",
    b"/embeddedfile",
    b"/embeddedfiles",
    b"/richmedia",
    b"/xfa",
    b"/submitform",
    b"/importdata",
    b"/gotoe",
)
NAME = re.compile(rb"/[^\s/<>\[\]()]+")
HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


class UploadError(ValueError):
    pass


@dataclass
class CleanFile:
    content: ContentFile
    content_type: str

    @property
    def size(self) -> int:
        return self.content.size


def clean_material(upload, label: str = "材料") -> CleanFile:
    """One checked file, or UploadError with a message the applicant can act on."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_BYTES:
        raise UploadError(f"{label}超过 10 MB，请压缩后再上传")
    if size == 0:
        raise UploadError(f"{label}是空文件，请重新选择")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise UploadError(f"{label}超过 10 MB，请压缩后再上传")
        _check_pdf(data, label)
        return CleanFile(ContentFile(data, name="material.pdf"), "application/pdf")
    if not (head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n")):
        raise UploadError(f"{label}不是 PDF、JPG 或 PNG 文件，请重新选择")
    try:
        photo = clean_photo(upload, label=label)
    except PhotoError as exc:
        raise UploadError(str(exc)) from exc
    return CleanFile(photo.content, "image/jpeg")


def _names(blob: bytes) -> set[bytes]:
    return {HEX.sub(lambda m: bytes([int(m.group(1), 16)]), n).lower() for n in NAME.findall(blob)}


def _check_pdf(data: bytes, label: str) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise UploadError(f"{label}不是完整的 PDF 文件，请重新导出后上传")
    names = _names(data)
    inflated = 0
    for raw in STREAM.findall(data):
        try:
            d = zlib.decompressobj()
            out = d.decompress(raw, MAX_INFLATED - inflated + 1)
        except zlib.error:
            continue  # not a Flate stream (images): nothing to read in it
        inflated += len(out)
        if inflated > MAX_INFLATED:
            raise UploadError(f"{label}解压后过大，请换一个文件")
        names |= _names(out)
    if any(name in names for name in ACTIVE):
        raise UploadError(f"{label}含有脚本或附件等不安全内容，请另存为普通 PDF 后上传")
