"""The representative icon rule (DESIGN.md): PNG or JPEG by content, at most 50 KB, 120 x 120 px."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, UnidentifiedImageError

MAX_ICON_BYTES = 50 * 1024
ICON_SIZE = (120, 120)
_CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class CheckedIcon:
    data: bytes
    content_type: str


def check_icon(data: bytes) -> CheckedIcon | str:
    """The icon ready to store, or a message saying why it is refused.

    The file name and the browser's content type are ignored: Pillow reads the bytes. The
    size in pixels is read from the header before any pixel is decoded, so a decompression
    bomb is refused without being decompressed.
    """
    if not data:
        return "The file is empty."
    if len(data) > MAX_ICON_BYTES:
        return f"The icon is {_kilobytes(len(data))}; use at most 50 KB."
    try:
        with Image.open(BytesIO(data), formats=tuple(_CONTENT_TYPES)) as image:
            image_format, size = image.format, image.size
            if size != ICON_SIZE:
                width, height = size
                return f"The icon is {width} x {height} px; it must be exactly 120 x 120 px."
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return "This file is not a PNG or JPEG image (the content decides, not the file name)."
    except (OSError, SyntaxError, ValueError):
        return "This image is damaged or incomplete; export it again as PNG or JPEG."
    return CheckedIcon(data, _CONTENT_TYPES[image_format])


def _kilobytes(size: int) -> str:
    return f"{size / 1024:.1f} KB"
