"""Checks for files the public uploads: images are re-encoded, PDFs are vetted.

The API is two functions and their results:

    image = check_image(upload, client_name=upload.name)   # -> CheckedImage, or MediaRejected
    pdf = check_pdf(upload, client_name=upload.name)        # -> CheckedPdf, or MediaRejected

`upload` is anything with `.read()` (a Django UploadedFile) or plain bytes. The result's
`content` is what to store and `name` the only name to store it under (random, made here; the
client's name is never used). `MediaRejected.message` is a sentence fit to show next to the
form field. Limits are a frozen `ImageLimits` / `max_bytes` argument, so each caller sets its own.

What an image goes through, in this order, and why:
1. at most `max_bytes` are read: a bigger file is refused without reading the rest;
2. the type is sniffed from the first bytes (JPEG, PNG, WebP signatures), never from the name
   or the browser's Content-Type: an SVG or an HTML page renamed `.png` has no such signature;
3. Pillow opens it, which parses the header only; width, height and pixel count are checked
   against the limits before a single pixel is decoded, so a decompression bomb (a tiny file
   declaring 50,000 × 50,000 pixels) costs nothing;
4. the first frame is decoded, turned upright by its EXIF orientation, and copied into a new
   image that carries no metadata (EXIF, GPS, XMP, ICC, text chunks), then encoded afresh.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import uuid
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO

from PIL import Image, ImageOps

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB
# Pillow's own guard: it refuses outright past twice this, whatever a caller's limits say.
Image.MAX_IMAGE_PIXELS = 60_000_000

_SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("JPEG", b"\xff\xd8\xff", 0),
    ("PNG", b"\x89PNG\r\n\x1a\n", 0),
    ("WEBP", b"WEBP", 8),  # after "RIFF" and a four-byte length
)
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp",
                 "pdf": "application/pdf"}
# Client names are not used, but one that tries to climb out of a folder is a sign of an attack.
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f]|^\.|\.\.")
# Active content a PDF reader would run; a release needs none of it.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|SubmitForm)\b")
# A name may write any of its characters as #xx: a reader takes "/J#61vaScript" for /JavaScript.
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# A PDF 1.5 object stream packs objects (actions among them) out of sight of a byte search.
_PDF_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
_PDF_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
_PDF_FLATE_ONLY = re.compile(rb"/Filter\s*(?:/FlateDecode|\[\s*/FlateDecode\s*\])")
PDF_DICTIONARY_MAX = 4096  # bytes between "obj" and "stream" a stream's dictionary may take
PDF_UNPACKED_MAX = 64 * MB  # what one object stream may inflate to: no decompression bomb


class MediaRejected(ValueError):
    """An upload that must not be stored; `message` says why, in words for the uploader."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_width: int = 8000
    max_height: int = 8000
    max_pixels: int = 40_000_000
    min_width: int = 200
    min_height: int = 150
    formats: tuple[str, ...] = ("JPEG", "PNG", "WEBP")


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    name: str  # "<32 hex digits>.jpg": made here, safe as a storage name
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class CheckedPdf:
    content: bytes
    name: str  # "<32 hex digits>.pdf"
    content_type: str = "application/pdf"


def check_image(upload: IO[bytes] | bytes, *, client_name: str = "",
                limits: ImageLimits = ImageLimits()) -> CheckedImage:
    """The upload re-encoded without metadata, or MediaRejected."""
    _check_client_name(client_name)
    data = _read_capped(upload, limits.max_bytes)
    kind = sniff_image(data)
    if kind is None or kind not in limits.formats:
        raise MediaRejected("This file is not a JPEG, PNG or WebP image.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[kind]) as im:
                _check_dimensions(im.size, limits)
                im.seek(0)
                im.load()
                clean = _without_metadata(upright(im), kind)
        except MediaRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaRejected("This image has too many pixels.") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise MediaRejected("This image is damaged or incomplete.") from exc
    ext = _EXTENSIONS[kind]
    return CheckedImage(content=_encode(clean, kind), name=f"{uuid.uuid4().hex}.{ext}",
                        content_type=CONTENT_TYPES[ext], width=clean.width, height=clean.height)


def check_pdf(upload: IO[bytes] | bytes, *, client_name: str = "",
              max_bytes: int = DEFAULT_MAX_BYTES) -> CheckedPdf:
    """The PDF as sent, under a new name, or MediaRejected.

    A PDF is not re-encoded: it is refused unless it starts with the PDF signature, ends with an
    end-of-file marker, and names none of the active features (scripts, launch actions,
    embedded files, forms). Serve it as a download, never inline from the site's origin.
    """
    _check_client_name(client_name)
    data = _read_capped(upload, max_bytes)
    if not data.startswith(b"%PDF-"):
        raise MediaRejected("This file is not a PDF document.")
    if b"%%EOF" not in data[-2048:]:
        raise MediaRejected("This PDF is damaged or incomplete.")
    for part in chain((data,), _pdf_object_streams(data)):  # each stream checked, then let go
        if _PDF_ACTIVE.search(_pdf_names(part)):
            raise MediaRejected("This PDF contains scripts, forms or attachments; please send "
                                "a plain PDF.")
    return CheckedPdf(content=data, name=f"{uuid.uuid4().hex}.pdf")


def _pdf_names(data: bytes) -> bytes:
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes.fromhex(m[1].decode()), data)


def _pdf_object_streams(data: bytes) -> Iterator[bytes]:
    """What the PDF's object streams hold, inflated, one at a time. One packed in any other way
    than plain Flate (another filter, a predictor, encryption) cannot be checked: refused."""
    for start in _PDF_STREAM_START.finditer(data):
        opened = data.rfind(b"obj", max(0, start.start() - PDF_DICTIONARY_MAX), start.start())
        header = _pdf_names(data[opened:start.start()]) if opened != -1 else b""
        if not _PDF_OBJECT_STREAM.search(header):
            continue
        end = data.find(b"endstream", start.end())
        content = b""
        if _PDF_FLATE_ONLY.search(header) and b"/DecodeParms" not in header and end != -1:
            inflate = zlib.decompressobj()
            with contextlib.suppress(zlib.error):
                content = inflate.decompress(data[start.end():end], PDF_UNPACKED_MAX)
            if inflate.unconsumed_tail:  # larger than the cap
                content = b""
        if not content:
            raise MediaRejected("Part of this PDF is packed in a way that cannot be checked; "
                                "please save it again as a plain PDF (“Print to PDF”).")
        yield content


def sniff_image(data: bytes) -> str | None:
    """"JPEG", "PNG" or "WEBP" from the file's first bytes, else None."""
    for kind, signature, offset in _SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            if kind == "WEBP" and not data.startswith(b"RIFF"):
                continue
            return kind
    return None


def _check_client_name(name: str) -> None:
    if name and _UNSAFE_NAME.search(name):
        raise MediaRejected("The file's name is not acceptable; rename it (letters, digits, "
                            "a single extension) and try again.")


def _read_capped(upload: IO[bytes] | bytes, max_bytes: int) -> bytes:
    if isinstance(upload, bytes):
        data = upload[:max_bytes + 1]
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise MediaRejected(f"This file is larger than {_size_words(max_bytes)}.")
    if not data:
        raise MediaRejected("This file is empty.")
    return data


def _size_words(n: int) -> str:
    return f"{n // MB} MB" if n >= MB else f"{-(-n // 1024)} KB"


def _check_dimensions(size: tuple[int, int], limits: ImageLimits) -> None:
    width, height = size
    if width * height > limits.max_pixels:
        raise MediaRejected(f"This image has {width:,} × {height:,} pixels; the most we take is "
                            f"{limits.max_pixels // 1_000_000} million pixels.")
    if width > limits.max_width or height > limits.max_height:
        raise MediaRejected(f"This image is {width:,} × {height:,} pixels; it may be at most "
                            f"{limits.max_width:,} × {limits.max_height:,}.")
    if width < limits.min_width or height < limits.min_height:
        raise MediaRejected(f"This image is {width} × {height} pixels; it must be at least "
                            f"{limits.min_width} × {limits.min_height}.")


def upright(im: Image.Image) -> Image.Image:
    """A copy turned as the picture's EXIF orientation says; unturned when that metadata cannot
    be read (a tag of the wrong type, a cut block): a damaged tag must not cost the picture."""
    try:
        return ImageOps.exif_transpose(im)
    except (struct.error, ValueError, TypeError, KeyError, IndexError, SyntaxError, OSError):
        return im.copy()


def _without_metadata(im: Image.Image, kind: str) -> Image.Image:
    """A new image holding only the pixels: nothing of the original's info travels with it."""
    has_alpha = im.mode in {"RGBA", "LA", "PA"} or "transparency" in im.info
    mode = "RGBA" if has_alpha and kind != "JPEG" else ("L" if im.mode in {"1", "L"} else "RGB")
    pixels = im.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


def _encode(im: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        im.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    elif kind == "PNG":
        im.save(out, format="PNG", optimize=True)
    else:
        im.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()
