"""Citizens' photos: only real JPEG/PNG/WebP images, ≤ 10 MB, re-encoded with no metadata.

Re-encoding drops EXIF (GPS, phone model) and anything hidden in the file; a size check before
decoding and a pixel cap stop decompression bombs.
"""

from dataclasses import dataclass
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # e.g. 8,000 × 6,000: more than any phone camera
MAX_SIDE = 2560
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoError(ValueError):
    pass


@dataclass
class CleanPhoto:
    content: ContentFile
    width: int
    height: int

    @property
    def size(self) -> int:
        return self.content.size


def clean_photo(upload, label: str = "照片") -> CleanPhoto:
    """Validate and re-encode one upload; raise PhotoError with a message the citizen can act on."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_BYTES:
        raise PhotoError(f"{label}超过 10 MB，请换一张或压缩后再上传")
    if size == 0:
        raise PhotoError(f"{label}是空文件，请重新选择")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError(f"{label}超过 10 MB，请换一张或压缩后再上传")
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise PhotoError(f"{label}不是 JPG 或 PNG 图片，请重新选择")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise PhotoError(f"{label}的尺寸过大，请换一张照片")
            probe.load()  # a full decode: truncated or corrupt files fail here
            image = ImageOps.exif_transpose(probe)
            image = _flatten(image)
    except PhotoError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise PhotoError(f"{label}的尺寸过大，请换一张照片") from exc
        raise PhotoError(f"{label}无法识别或已损坏，请重新拍照上传") from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= : metadata dropped
    return CleanPhoto(ContentFile(out.getvalue(), name="photo.jpg"), image.width, image.height)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha, and palette images need converting."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
