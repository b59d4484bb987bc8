"""Pictures drawn with Pillow, so the repository carries no binary images.

Article photos are calm landscapes seeded by the slug; region images are the site's own
default picture for a region. Both are deterministic and cached in memory.
"""

from __future__ import annotations

import colorsys
import io
import math
import random
from functools import cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

ARTICLE_IMAGE_SIZE = (1200, 675)
Color = tuple[int, int, int]
SKY_HUES = ((0.53, 0.62), (0.04, 0.10), (0.68, 0.76))  # day blue, dawn amber, dusk violet

# Region slug -> (deep, light, ink): the gradient's two ends and the colour of the lettering.
REGION_PALETTES: dict[str, tuple[Color, Color, Color]] = {
    "africa": ((122, 59, 29), (217, 142, 72), (248, 234, 214)),
    "americas": ((15, 76, 69), (63, 154, 130), (231, 244, 238)),
    "asia": ((90, 31, 58), (192, 86, 111), (251, 230, 234)),
    "europe": ((29, 45, 90), (88, 116, 184), (230, 236, 248)),
    "middle-east": ((107, 74, 18), (212, 166, 74), (251, 241, 220)),
    "oceania": ((11, 61, 92), (42, 160, 184), (226, 246, 249)),
    "world": ((35, 40, 47), (91, 103, 118), (238, 241, 244)),
}


def _hsv(hue: float, saturation: float, value: float) -> Color:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def _gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return ImageOps.colorize(mask, black=top, white=bottom)


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, quality=85)
    return buffer.getvalue()


@cache
def render_article_image(slug: str) -> bytes:
    """A 1200x675 JPEG landscape (sky, sun, three ridges) that differs from slug to slug."""
    rng = random.Random(slug)  # noqa: S311 - seeds a picture, not a secret
    width, height = ARTICLE_IMAGE_SIZE
    low, high = rng.choice(SKY_HUES)
    hue = rng.uniform(low, high)
    image = _gradient(ARTICLE_IMAGE_SIZE, _hsv(hue, 0.45, 0.80), _hsv(hue + 0.04, 0.15, 0.98))
    draw = ImageDraw.Draw(image, "RGBA")
    sun_x, sun_y, radius = rng.randint(150, 1050), rng.randint(110, 280), rng.randint(45, 95)
    draw.ellipse((sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius),
                 fill=(*_hsv(0.12, 0.22, 1.0), 215))
    land_hue = rng.uniform(0.22, 0.5)
    for layer in range(3):
        base = height * (0.52 + 0.14 * layer)
        amplitude = rng.uniform(25, 70) / (layer + 1)
        frequency, phase = rng.uniform(0.004, 0.012), rng.uniform(0, math.tau)
        ridge = [(x, base + amplitude * math.sin(frequency * x + phase)
                  + amplitude * 0.4 * math.sin(frequency * 2.7 * x + phase * 1.9))
                 for x in range(0, width + 20, 20)]
        colour = _hsv(land_hue + 0.04 * layer, 0.35 + 0.1 * layer, 0.62 - 0.16 * layer)
        draw.polygon([*ridge, (width, height), (0, height)], fill=(*colour, 255))
    return _encode(image, "JPEG")


def _fitting_font(text: str, max_width: int, size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=size)
    while size > 12 and font.getlength(text) > max_width:
        size = int(size * 0.9)
        font = ImageFont.load_default(size=size)
    assert isinstance(font, ImageFont.FreeTypeFont)  # load_default(size=) needs FreeType
    return font


def _draw_globe(draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int,
                ink: Color) -> None:
    cx, cy = centre
    line = (*ink, 70)
    stroke = max(2, radius // 90)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=line, width=stroke)
    for degrees in (35, 65):
        half = round(radius * math.cos(math.radians(degrees)))
        draw.ellipse((cx - half, cy - radius, cx + half, cy + radius), outline=line, width=stroke)
    draw.line((cx, cy - radius, cx, cy + radius), fill=line, width=stroke)
    for degrees in (-60, -30, 0, 30, 60):
        y = cy - round(radius * math.sin(math.radians(degrees)))
        half = round(radius * math.cos(math.radians(degrees)))
        draw.line((cx - half, y, cx + half, y), fill=line, width=stroke)


@cache
def render_region_image(slug: str, title: str, size: tuple[int, int] = (1200, 675)) -> bytes:
    """The site's own PNG picture for a region: its colours, a globe and its name.

    An unknown slug gets the "world" colours, so a new region never lacks a picture.
    """
    deep, light, ink = REGION_PALETTES.get(slug, REGION_PALETTES["world"])
    width, height = size
    image = _gradient(size, deep, light)
    draw = ImageDraw.Draw(image, "RGBA")
    _draw_globe(draw, (round(width * 0.74), round(height * 0.46)), round(height * 0.42), ink)
    margin = round(width * 0.06)
    font = _fitting_font(title, round(width * 0.8), round(height * 0.13))
    baseline = height - margin
    draw.text((margin, baseline), title, font=font, fill=(*ink, 255), anchor="ls")
    rule_y = baseline - round(font.size * 1.25)
    draw.line((margin, rule_y, margin + round(width * 0.08), rule_y), fill=(*ink, 200),
              width=max(2, height // 160))
    return _encode(image, "PNG")
