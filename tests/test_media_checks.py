"""Uploaded images and PDFs: sniffed by content, bounded before decoding, re-encoded bare."""

from __future__ import annotations

import io
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from newsdesk.media_checks import (
    ImageLimits,
    MediaRejected,
    check_image,
    check_pdf,
    sniff_image,
)

SERVER_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf)$")
SMALL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def picture(fmt: str, size: tuple[int, int] = (640, 480), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 60, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def damaged_exif_jpeg(size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG whose EXIF says "turn me" (Orientation 6) beside a tag of the wrong type (0x0152,
    a number, written as the text "Cam"): Pillow cannot read that block."""
    entries = [(0x0112, 3, 1, struct.pack("<HH", 6, 0)), (0x0152, 2, 4, b"Cam\x00")]
    ifd = (struct.pack("<H", len(entries))
           + b"".join(struct.pack("<HHI", tag, kind, count) + value
                      for tag, kind, count, value in entries)
           + struct.pack("<I", 0))
    return picture("JPEG", size, exif=b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd)


@pytest.fixture(scope="session")
def bomb_png(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real, valid 50,000 × 50,000 PNG (1 bit per pixel, all black): a few hundred KB on
    disk, 2.5 billion pixels once decoded."""
    side = 50_000
    row = b"\x00" + bytes(side // 8)
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", compressed) + \
        _chunk(b"IEND", b"")
    path: Path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(data)
    return data


@pytest.mark.parametrize("fmt, ext", [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_each_allowed_type_is_re_encoded_under_a_server_made_name(fmt: str, ext: str) -> None:
    checked = check_image(picture(fmt), client_name=f"holiday photo.{ext}")
    assert SERVER_NAME.match(checked.name) and checked.name.endswith(f".{ext}")
    assert "holiday" not in checked.name
    with Image.open(io.BytesIO(checked.content)) as im:
        assert im.format == fmt and im.size == (640, 480)


def test_two_uploads_never_share_a_name() -> None:
    data = picture("PNG")
    assert check_image(data).name != check_image(data).name


def test_jpeg_metadata_is_gone_and_orientation_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x010F] = "SecretCam Ltd"  # camera maker
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS: where the photo was taken
    original = picture("JPEG", exif=exif.tobytes(), comment=b"private note")
    assert b"SecretCam" in original

    checked = check_image(original)
    assert b"SecretCam" not in checked.content and b"private note" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as im:
        assert len(im.getexif()) == 0
        assert "exif" not in im.info and "comment" not in im.info
        assert im.size == (480, 640)  # turned upright, as the camera meant it


def test_png_text_chunks_and_icc_profile_are_gone() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Hidden Person <hidden@example.org>")
    original = picture("PNG", pnginfo=info, icc_profile=b"fake-icc-profile-bytes")
    checked = check_image(original)
    assert b"Hidden Person" not in checked.content and b"fake-icc" not in checked.content


def test_decompression_bomb_is_refused_without_decoding(bomb_png: bytes,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(self: Image.Image) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    started = time.perf_counter()
    with pytest.raises(MediaRejected, match="pixels"):
        check_image(bomb_png, client_name="bomb.png")
    assert time.perf_counter() - started < 1.0


def test_too_many_pixels_under_pillows_own_guard_is_refused_before_decoding(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = picture("PNG", size=(7000, 7000))  # 49 million pixels: more than the 40 allowed
    monkeypatch.setattr(ImageFile.ImageFile, "load",
                        lambda self: (_ for _ in ()).throw(AssertionError("decoded")))
    with pytest.raises(MediaRejected, match="7,000 × 7,000 pixels; the most we take is 40 million"):
        check_image(data)


def test_too_wide_and_too_small_are_refused() -> None:
    with pytest.raises(MediaRejected, match="at most 8,000 × 8,000"):
        check_image(picture("PNG", size=(9000, 200)))
    with pytest.raises(MediaRejected, match="at least 200 × 150"):
        check_image(picture("PNG", size=(50, 50)))


def test_size_cap_is_enforced_before_anything_else() -> None:
    with pytest.raises(MediaRejected, match="larger than 10 MB"):
        check_image(b"\x89PNG\r\n\x1a\n" + bytes(10 * 1024 * 1024))
    with pytest.raises(MediaRejected, match="larger than 2 KB"):
        check_image(picture("PNG", size=(800, 600)), limits=ImageLimits(max_bytes=2048))


@pytest.mark.parametrize("name, content", [
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("photo.png", b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script>"),
    ("anim.png", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04"),
    ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00"),
])
def test_content_that_is_not_an_allowed_image_is_refused(name: str, content: bytes) -> None:
    with pytest.raises(MediaRejected, match="not a JPEG, PNG or WebP image"):
        check_image(content, client_name=name)


@pytest.mark.parametrize("name", ["../../x.png", "..\\..\\x.png", "/etc/x.png", ".htaccess",
                                  "x.png\x00.html"])
def test_a_name_that_climbs_out_of_its_folder_is_refused(name: str) -> None:
    with pytest.raises(MediaRejected, match="name is not acceptable"):
        check_image(picture("PNG"), client_name=name)


def test_a_truncated_image_is_refused() -> None:
    data = picture("PNG", size=(800, 600))
    with pytest.raises(MediaRejected, match="damaged or incomplete"):
        check_image(data[: len(data) // 2])


def test_sniffing_ignores_the_name() -> None:
    assert sniff_image(picture("JPEG")) == "JPEG"
    assert sniff_image(picture("WEBP")) == "WEBP"
    assert sniff_image(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None


def test_a_plain_pdf_is_kept_under_a_server_made_name() -> None:
    checked = check_pdf(SMALL_PDF, client_name="annual report.pdf")
    assert checked.content == SMALL_PDF and SERVER_NAME.match(checked.name)


@pytest.mark.parametrize("content, message", [
    (b"<html>not a pdf</html>", "not a PDF"),
    (SMALL_PDF.replace(b"%%EOF", b""), "damaged or incomplete"),
    (SMALL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(x)>>"),
     "scripts, forms or attachments"),
    (SMALL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/AA<</O<</S/Launch>>>>"),
     "scripts, forms or attachments"),
    (SMALL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/J#61vaScript/J#53(x)>>"),
     "scripts, forms or attachments"),
])
def test_a_pdf_that_is_not_plain_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(MediaRejected, match=message):
        check_pdf(content, client_name="report.pdf")


def object_stream_pdf(objects: bytes, *, filters: bytes = b"/Filter/FlateDecode",
                      data: bytes | None = None) -> bytes:
    """A PDF 1.5 whose objects 3 and 4 are packed in a compressed object stream."""
    packed = zlib.compress(objects) if data is None else data
    return (b"%PDF-1.5\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"5 0 obj<</Type/ObjStm/N 2/First 8" + filters
            + b"/Length " + str(len(packed)).encode() + b">>stream\n" + packed
            + b"\nendstream\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


PLAIN_OBJECTS = b"3 0 4 22 <</S/GoTo/D[0/Fit]>> <</Producer(Office)>>"


def test_a_pdf_with_plain_compressed_objects_is_kept() -> None:
    content = object_stream_pdf(PLAIN_OBJECTS)
    assert check_pdf(content, client_name="report.pdf").content == content


@pytest.mark.parametrize("content, message", [
    (object_stream_pdf(b"3 0 4 37 <</S/JavaScript/JS(app.alert(1))>> <<>>"),
     "scripts, forms or attachments"),
    (object_stream_pdf(b"3 0 4 37 <</S/J#61vaScript/JS(app.alert(1))>> <<>>"),
     "scripts, forms or attachments"),
    (object_stream_pdf(PLAIN_OBJECTS, filters=b"/Filter/LZWDecode", data=b"\x80\x0b\x60"),
     "cannot be checked"),
    (object_stream_pdf(PLAIN_OBJECTS, data=b"not deflated at all"), "cannot be checked"),
])
def test_a_script_packed_in_a_compressed_object_stream_is_found(content: bytes,
                                                                 message: str) -> None:
    with pytest.raises(MediaRejected, match=message):
        check_pdf(content, client_name="report.pdf")


def test_a_photo_with_damaged_exif_is_kept_unturned() -> None:
    checked = check_image(damaged_exif_jpeg(), client_name="quay.jpg")

    assert (checked.width, checked.height) == (640, 480)
    assert b"Cam" not in checked.content
