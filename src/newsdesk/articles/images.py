"""Lead images resized to a few widths, for `srcset`: stored under MEDIA_ROOT with names made here.

    lead_image_store(image_url=..., content=bytes)  # decode, resize, write -> LeadImage
    lead_image_fetch(image_url=...)                 # fetch (the ingest fetcher's guards) + store
    lead_image(image_url)                           # what is stored, for a page -> LeadImage|None
    region_image(slug)                              # the site's own image for a region

A publisher's image is fetched once, after its article is stored (never inside the store's
transaction), decoded under the upload checks' limits (type from the bytes, pixel cap before
decoding), turned upright, flattened to RGB and written as progressive JPEGs at WIDTHS (never
wider than the original) to `media/leads/<k[:2]>/<k>-<width>x<height>.jpg`, where k is a hash of
the image's URL. Nothing of the original's metadata or name travels with it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from PIL import Image

from newsdesk.media_checks import ImageLimits, MediaRejected, sniff_image, upright

log = logging.getLogger("newsdesk.articles.images")

WIDTHS = (480, 800, 1200)
QUALITY = 80
LIMITS = ImageLimits(max_bytes=15 * 1024 * 1024, max_width=12000, max_height=12000,
                     max_pixels=50_000_000, min_width=100, min_height=60)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NAME = re.compile(r"^(?P<key>[0-9a-f]{32})-(?P<w>\d+)x(?P<h>\d+)\.jpg$")
FOLDER = "leads"


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class LeadImage:
    renditions: tuple[Rendition, ...]  # narrowest first

    @property
    def src(self) -> str:
        """The fallback `src`: the widest rendition up to 800 px."""
        fitting = [r for r in self.renditions if r.width <= 800]
        return (fitting[-1] if fitting else self.renditions[0]).url

    @property
    def srcset(self) -> str:
        return ", ".join(f"{r.url} {r.width}w" for r in self.renditions)

    @property
    def width(self) -> int:
        return self.renditions[-1].width

    @property
    def height(self) -> int:
        return self.renditions[-1].height


def image_key(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:32]


def _folder(key: str) -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER / key[:2]


def _stored(key: str) -> LeadImage | None:
    try:
        names = os.listdir(_folder(key))
    except FileNotFoundError:
        return None
    renditions = []
    for name in names:
        match = _NAME.match(name)
        if match and match["key"] == key:
            renditions.append(Rendition(
                url=f"{settings.MEDIA_URL}{FOLDER}/{key[:2]}/{name}",
                width=int(match["w"]), height=int(match["h"])))
    renditions.sort(key=lambda r: r.width)
    return LeadImage(tuple(renditions)) if renditions else None


def lead_image(image_url: str) -> LeadImage | None:
    """The stored renditions of a publisher's image, or None (not fetched, or unusable)."""
    return _stored(image_key(image_url)) if image_url else None


def _decode(content: bytes) -> Image.Image:
    if len(content) > LIMITS.max_bytes:
        raise MediaRejected("This image is too large.")
    kind = sniff_image(content)
    if kind is None:
        raise MediaRejected("This file is not a JPEG, PNG or WebP image.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content), formats=[kind]) as im:
                width, height = im.size
                if (width * height > LIMITS.max_pixels or width < LIMITS.min_width
                        or height < LIMITS.min_height):
                    raise MediaRejected(f"An image of {width} × {height} pixels is not used.")
                im.seek(0)
                im.load()
                turned = upright(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaRejected("This image has too many pixels.") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise MediaRejected("This image is damaged or incomplete.") from exc
    if turned.mode in {"RGBA", "LA", "PA", "P"}:
        rgba = turned.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return turned.convert("RGB")


def _store(key: str, content: bytes) -> LeadImage:
    image = _decode(content)
    folder = _folder(key)
    folder.mkdir(parents=True, exist_ok=True)
    widths = [w for w in WIDTHS if w < image.width]
    if image.width <= WIDTHS[-1]:
        widths.append(image.width)  # the original size, when it is not above the widest
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize(
            (width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        resized.save(out, format="JPEG", quality=QUALITY, optimize=True, progressive=True)
        tmp = folder / f".{uuid.uuid4().hex}.tmp"
        tmp.write_bytes(out.getvalue())
        os.replace(tmp, folder / f"{key}-{width}x{height}.jpg")
    stored = _stored(key)
    assert stored is not None
    return stored


def lead_image_store(*, image_url: str, content: bytes) -> LeadImage:
    """Resize the image's bytes to WIDTHS and store them; MediaRejected for an unusable file."""
    return _store(image_key(image_url), content)


def lead_image_fetch(*, image_url: str) -> LeadImage | None:
    """Fetch a publisher's image (through the ingest fetcher, with its deadline, size cap and
    private-address guard) and store its renditions; None when it cannot be had. Call it
    after the article's transaction: it waits on the network."""
    from newsdesk.ingest.errors import FetchError
    from newsdesk.ingest.fetch import fetch
    from newsdesk.sources.services import fetch_options

    existing = lead_image(image_url)
    if existing is not None or not image_url.startswith(("http://", "https://")):
        return existing
    try:
        result = fetch(image_url, options=fetch_options())
        return lead_image_store(image_url=image_url, content=result.content)
    except (FetchError, MediaRejected) as exc:
        log.info("lead image %s not used: %s", image_url, exc)
        return None


def region_image(slug: str) -> LeadImage | None:
    """The site's own image for a region (static/newsdesk/regions/<slug>.png), resized once;
    None for a slug that is no region's (it never names a file: "../x" is no slug)."""
    if not _SLUG.fullmatch(slug):
        return None
    key = image_key(f"region:{slug}")
    stored = _stored(key)
    if stored is not None:
        return stored
    found = finders.find(f"newsdesk/regions/{slug}.png")
    if not found or not isinstance(found, str):
        return None
    try:
        return _store(key, Path(found).read_bytes())
    except MediaRejected:
        return None
