"""Lead images: resized to a few widths under server-made names, bad files refused."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Template
from PIL import Image
from tests.test_media_checks import damaged_exif_jpeg

from newsdesk.articles import images
from newsdesk.media_checks import MediaRejected


def _jpeg(width: int, height: int, *, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "teal").save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_large_image_is_stored_at_every_width(media: Path) -> None:
    url = "https://harbourgazette.example/photos/../quay.jpg?x=<script>"
    stored = images.lead_image_store(image_url=url, content=_jpeg(2400, 1600))
    assert [(r.width, r.height) for r in stored.renditions] == [(480, 320), (800, 533),
                                                                (1200, 800)]
    assert stored.src.endswith("-800x533.jpg")
    assert stored.srcset.count("w, ") == 2 and stored.srcset.endswith(" 1200w")
    for rendition in stored.renditions:
        assert rendition.url.startswith("/media/leads/")
        assert "quay" not in rendition.url and "script" not in rendition.url
        file = media / rendition.url.removeprefix("/media/")
        with Image.open(file) as im:
            assert im.format == "JPEG" and im.size == (rendition.width, rendition.height)
    assert images.lead_image(url) == stored


def test_a_small_image_is_never_enlarged(media: Path) -> None:
    stored = images.lead_image_store(image_url="https://x.example/a.png",
                                     content=_jpeg(640, 360, mode="RGBA", fmt="PNG"))
    assert [r.width for r in stored.renditions] == [480, 640]


@pytest.mark.parametrize("content", [b"<svg onload=alert(1)></svg>", b"\xff\xd8\xff" + b"0" * 50,
                                     _jpeg(40, 40)])
def test_unusable_files_are_refused(media: Path, content: bytes) -> None:
    with pytest.raises(MediaRejected):
        images.lead_image_store(image_url="https://x.example/b.jpg", content=content)
    assert images.lead_image("https://x.example/b.jpg") is None


def test_the_template_filter_gives_src_and_srcset(media: Path) -> None:
    images.lead_image_store(image_url="https://x.example/c.jpg", content=_jpeg(1000, 500))
    html = Template("{% load lead_images %}{% with i=url|lead_image %}"
                    "<img src='{{ i.src }}' srcset='{{ i.srcset }}' width='{{ i.width }}'>"
                    "{% endwith %}").render(Context({"url": "https://x.example/c.jpg"}))
    assert "480w" in html and "1000w" in html and "width='1000'" in html


def test_region_images_are_resized_from_the_static_files(media: Path) -> None:
    europe = images.region_image("europe")
    assert europe is not None
    assert [r.width for r in europe.renditions] == [480, 800, 1200]
    assert images.region_image("atlantis") is None


def test_a_publisher_photo_with_damaged_exif_is_stored(media: Path) -> None:
    stored = images.lead_image_store(image_url="https://x.example/exif.jpg",
                                     content=damaged_exif_jpeg((1000, 600)))

    assert [(r.width, r.height) for r in stored.renditions][-1] == (1000, 600)
