"""OPML import and export: what is imported, what is reported by line, what is refused."""

from __future__ import annotations

import time
import tracemalloc

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from newsdesk.desk.models import AuditEntry
from newsdesk.sources.models import Source
from newsdesk.sources.services import OpmlError, opml_export, opml_import

pytestmark = pytest.mark.django_db


def opml(outlines: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
            "<head><title>Reading list</title></head>\n<body>\n"
            '<outline text="Regional">\n' + "\n".join(outlines) + "\n</outline>\n</body>\n</opml>\n"
            ).encode()


def feed(n: int, url: str | None = None) -> str:
    url = url or f"https://paper{n}.example/feed.xml"
    return f'<outline type="rss" text="Paper {n}" xmlUrl="{url}" htmlUrl="https://paper{n}.example/"/>'


def fifty_with_three_duplicates_and_two_bad() -> bytes:
    lines = [feed(n) for n in range(45)]
    lines.insert(10, feed(3))  # the same feed twice in the file
    lines.insert(20, feed(7))
    lines.append(feed(99, "https://already.example/rss"))  # a source we follow already
    lines.append(feed(100, "javascript:alert(1)"))
    lines.append(feed(101, "not a url at all"))
    assert len(lines) == 50
    return opml(lines)


def test_fifty_feeds_with_three_duplicates_and_two_bad_urls_import_45_and_report_5(
    editor: User,
) -> None:
    Source.objects.create(feed_url="https://already.example/rss", name="Already")
    report = opml_import(data=fifty_with_three_duplicates_and_two_bad(), actor=editor)

    assert len(report.created) == 45
    assert Source.objects.count() == 46
    reasons = sorted((p.reason, p.url) for p in report.problems)
    assert reasons == [
        ("already a source", "https://already.example/rss"),
        ("already a source", "https://paper3.example/feed.xml"),
        ("already a source", "https://paper7.example/feed.xml"),
        ("not a valid http(s) URL", "javascript:alert(1)"),
        ("not a valid http(s) URL", "not a url at all"),
    ]
    # Each problem names its line in the file (the header takes five lines).
    lines = {p.url: p.line for p in report.problems}
    assert lines["javascript:alert(1)"] == 5 + 49
    imported = Source.objects.get(feed_url="https://paper12.example/feed.xml")
    assert (imported.name, imported.domain, imported.active) == ("Paper 12", "paper12.example",
                                                                  True)
    assert AuditEntry.objects.filter(action="imported", actor=editor).count() == 45


def test_the_same_feed_written_with_capitals_or_a_fragment_is_one_feed(editor: User) -> None:
    Source.objects.create(feed_url="https://already.example/rss", name="Already")
    data = opml([feed(1, "HTTPS://PAPER.EXAMPLE/Feed.xml"), feed(2, "https://paper.example/Feed.xml"),
                 feed(3, "https://paper.example/Feed.xml#latest"),
                 feed(4, "https://Already.example/rss")])

    report = opml_import(data=data, actor=editor)

    assert [s.feed_url for s in report.created] == ["https://paper.example/Feed.xml"]
    assert [p.reason for p in report.problems] == ["already a source"] * 3


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://x.example/feed"/></body></opml>
"""


def test_a_billion_laughs_file_is_refused_quickly_with_bounded_memory(editor: User) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(OpmlError, match="DTD or entities"):
        opml_import(data=BILLION_LAUGHS, actor=editor)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 0.5
    assert peak < 5 * 1024 * 1024  # expanded, lol9 alone would be 3 GB
    assert not Source.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    (b"<opml><body><outline xmlUrl='https://a.example/f'></body>", "not well-formed"),
    (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    (b'<!DOCTYPE opml SYSTEM "http://127.0.0.1/evil.dtd"><opml/>', "DTD"),
])
def test_broken_oversized_or_external_files_are_refused_in_words(
    editor: User, data: bytes, message: str
) -> None:
    with pytest.raises(OpmlError, match=message):
        opml_import(data=data, actor=editor)


@pytest.mark.parametrize("encoding", ["Shift_JIS", "GB18030", "windows-1251", "UTF-8"])
def test_a_file_in_its_declared_encoding_imports_with_its_titles(
    editor: User, encoding: str
) -> None:
    titles = {"Shift_JIS": "東京新聞", "GB18030": "南方日报", "windows-1251": "Новая газета",
              "UTF-8": "Καθημερινή"}
    data = (f'<?xml version="1.0" encoding="{encoding}"?>\n<opml version="2.0"><body>'
            f'<outline text="{titles[encoding]}" xmlUrl="https://news.example/feed.xml"/>'
            "</body></opml>").encode(encoding)

    report = opml_import(data=data, actor=editor)

    assert [source.name for source in report.created] == [titles[encoding]]


@pytest.mark.parametrize(("data", "message"), [
    (b'<?xml version="1.0" encoding="klingon"?><opml/>', "encoding 'klingon'"),
    (b'<?xml version="1.0" encoding="hex"?><opml/>', "encoding 'hex'"),
    (b'<?xml version="1.0" encoding="Shift_JIS"?><opml><body><outline text="\x82"/></body></opml>',
     "not written in Shift_JIS"),
    (b'<?xml version="1.0" encoding="UTF-32"?><opml/>', "not written in UTF-32"),
    ('<?xml version="1.0" encoding="UTF-32"?><opml/>'.encode("utf-32"), "not well-formed"),
])
def test_a_file_whose_encoding_cannot_be_read_is_refused_in_words(
    editor: User, data: bytes, message: str
) -> None:
    with pytest.raises(OpmlError, match=message):
        opml_import(data=data, actor=editor)


def test_export_lists_every_source_and_reimports_as_duplicates(editor: User) -> None:
    Source.objects.create(feed_url="https://a.example/feed?x=1&y=2", name="A & B <news>",
                          home_url="https://a.example/")
    exported = opml_export()
    assert b'xmlUrl="https://a.example/feed?x=1&amp;y=2"' in exported
    assert b'text="A &amp; B &lt;news&gt;"' in exported
    report = opml_import(data=exported, actor=editor)
    assert report.created == []
    assert [p.reason for p in report.problems] == ["already a source"]


def test_the_import_page_reports_each_skipped_line(editor_client: Client) -> None:
    Source.objects.create(feed_url="https://already.example/rss", name="Already")
    upload = SimpleUploadedFile("list.opml", fifty_with_three_duplicates_and_two_bad(),
                                content_type="text/x-opml")
    response = editor_client.post(reverse("admin:sources_source_opml_import"), {"opml": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Imported 45, skipped 5" in page
    assert "javascript:alert(1)" in page and "not a valid http(s) URL" in page


def test_the_import_page_says_why_a_hostile_file_was_refused(editor_client: Client) -> None:
    upload = SimpleUploadedFile("lol.opml", BILLION_LAUGHS, content_type="text/x-opml")
    response = editor_client.post(reverse("admin:sources_source_opml_import"), {"opml": upload})
    assert "declares a DTD or entities" in response.content.decode()
    assert not Source.objects.exists()


def test_the_export_is_a_download(editor_client: Client) -> None:
    Source.objects.create(feed_url="https://a.example/feed", name="A")
    response = editor_client.get(reverse("admin:sources_source_opml_export"))
    assert response["Content-Disposition"] == 'attachment; filename="sources.opml"'
    assert b"https://a.example/feed" in response.content
