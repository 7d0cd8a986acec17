"""Every uploaded image goes through here: limits, then the header, then (only then) pixels.

The order is the defence against cheap denial of service (issue 11): a client over its rate
limit costs nothing but the check; a file whose header declares too many pixels is refused
before one pixel is decoded; only what passes both is decoded, re-encoded as a fresh JPEG with
no metadata segment at all (EXIF, XMP, ICC, COM, APPn) and scaled to MAX_SIDE.

Routes that take files call `accept_images(uploads, limits=[...], ...)`; the citizen form,
which checks its limits only once the other fields are valid, splits the same steps into
`inspect_images` (cheap, during validation) and `decode_images` (after its limits).
"""

from dataclasses import dataclass
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from .ratelimit import check

MAX_BYTES = 10 * 1024 * 1024
# JPEG is decoded at a reduced scale (`Image.draft`, DCT scaling): a 50-megapixel phone photo
# costs what a 12.5-megapixel one does. PNG and WebP have no such shortcut, so their cap is
# lower: a 4,000 × 4,000 screenshot passes, a 7,000 × 7,000 "black square" bomb does not.
# Both stay well below Pillow's own bomb limit (89 megapixels).
MAX_PIXELS = {"JPEG": 50_000_000, "PNG": 16_000_000, "WEBP": 16_000_000}
MAX_SIDE = 2560
ALLOWED_FORMATS = set(MAX_PIXELS)


class PhotoError(ValueError):
    pass


@dataclass
class PendingImage:
    """An upload whose size, format and declared dimensions passed; no pixel decoded yet."""

    upload: object
    label: str
    format: str
    width: int
    height: int


@dataclass
class CleanPhoto:
    content: ContentFile
    width: int
    height: int

    @property
    def size(self) -> int:
        return self.content.size


def inspect_image(upload, label: str = "照片") -> PendingImage:
    """Byte size, format and the header's dimensions; raises PhotoError. Decodes nothing."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_BYTES:
        raise PhotoError(f"{label}超过 10 MB，请换一张或压缩后再上传")
    if size == 0:
        raise PhotoError(f"{label}是空文件，请重新选择")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:  # reads the header only
            fmt = probe.format
            width, height = probe.size
    except Image.DecompressionBombError as exc:
        raise PhotoError(f"{label}的尺寸过大，请换一张照片") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"{label}无法识别或已损坏，请重新拍照上传") from exc
    if fmt not in ALLOWED_FORMATS:
        raise PhotoError(f"{label}不是 JPG 或 PNG 图片，请重新选择")
    if width * height > MAX_PIXELS[fmt]:
        raise PhotoError(f"{label}的尺寸过大，请换一张照片")
    return PendingImage(upload, label, fmt, width, height)


def inspect_images(uploads, *, max_count: int) -> list[PendingImage]:
    uploads = [u for u in uploads if u]
    if len(uploads) > max_count:
        raise PhotoError(f"最多上传{max_count}张照片，您选了{len(uploads)}张")
    return [inspect_image(u, label=f"第{i}张照片") for i, u in enumerate(uploads, start=1)]


def decode_image(pending: PendingImage) -> CleanPhoto:
    """The expensive part: decode, orient, flatten, scale, re-encode without any metadata."""
    label = pending.label
    try:
        pending.upload.seek(0)
        with Image.open(pending.upload) as image:
            if image.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale while the long side stays ≥ MAX_SIDE.
                f = min(1.0, MAX_SIDE / max(image.size))
                image.draft("RGB", (int(image.width * f), int(image.height * f)))
            image.load()  # a full decode: truncated or corrupt files fail here
            image = ImageOps.exif_transpose(image)
            image = _flatten(image)
    except Image.DecompressionBombError as exc:
        raise PhotoError(f"{label}的尺寸过大，请换一张照片") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"{label}无法识别或已损坏，请重新拍照上传") from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # A new image from the pixels alone: Pillow writes `info` back (a JPEG COM segment
    # survives as info["comment"]), so nothing of the original's metadata may travel along.
    bare = Image.new("RGB", image.size)
    bare.paste(image)
    buffer = BytesIO()
    bare.save(buffer, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(ContentFile(buffer.getvalue(), name="photo.jpg"), bare.width, bare.height)


def decode_images(pending: list[PendingImage]) -> list[CleanPhoto]:
    return [decode_image(p) for p in pending]


def accept_images(
    uploads, *, limits: list[tuple[str, int, int]], limit_message: str, max_count: int
) -> list[CleanPhoto]:
    """For a route that takes files: its rate limits first (RateLimited), then the headers,
    then the pixels (PhotoError). `limits` are ratelimit rules counted once per request."""
    check(limits, limit_message)
    return decode_images(inspect_images(uploads, max_count=max_count))


def clean_photo(upload, label: str = "照片") -> CleanPhoto:
    """One upload, header then pixels (for callers that already checked their limits)."""
    return decode_image(inspect_image(upload, label))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha, and palette images need converting."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
