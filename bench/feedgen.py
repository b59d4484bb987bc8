"""Deterministic invented feeds: half RSS 2.0, half Atom, about 35 items each.

Every value comes from one seeded random.Random, so the same seed gives byte-identical feeds.
The text is invented (random words), with a real country named now and then so that the
enrichment stage has places to find, as it would in real news.

Three kinds of item (ITEM_KINDS):
- "publisher" (the default): the whole article marked up as a publishing system writes it
  into its feed (WordPress's content:encoded, say): two to six paragraphs with links in and
  out of the site (an outgoing one with target and rel), emphasis, a figure with a srcset of
  four sizes and a caption, now and then a heading, a quotation or a list; beside it a
  one-paragraph excerpt (RSS description, Atom summary). About 4.6 KB of feed an item.
- "short": one to three paragraphs with a link and some emphasis half the time, as a news
  site's description; no excerpt beside it. About 1.9 KB.
- "long": three to eight such paragraphs, the RSS items as content:encoded beside a
  one-sentence description. About 3.9 KB.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

SEED = 20250611
FEED_COUNT = 500
ITEMS_LOW, ITEMS_HIGH = 30, 40  # items per feed, inclusive: about 35 on average
NEWEST = datetime(2025, 6, 10, 18, 0, tzinfo=UTC)
ITEM_KINDS = ("publisher", "short", "long")

WORDS = """
the of and to in a is that for on with as was by at from it an be are has have this which
said after over its their new more government officials minister people year years week city
council report plan police court people country region election vote party leaders talks deal
market prices workers union strike water power energy climate flood drought harvest farmers
school students hospital health doctors border trade tariffs exports port ship rail road bridge
budget tax spending debt bank rates inflation growth jobs housing rent village district province
capital protest march rally statement agency ministry parliament bill law reform ruling judge
appeal investigation inquiry mayor governor president opposition coalition campaign survey
residents families community local national foreign aid refugees camp ceasefire troops security
fire storm season rainfall coast river valley mountain mine oil gas solar wind grid outage
record highest lowest since first last during while before under against between across
announced confirmed warned expected agreed rejected approved delayed opened closed launched
""".split()
NAME_PARTS = ("ka ra mi lo ven tor sa del ne ba chi or um ta li no vas ar el pe quin do ri"
              " gal mor sun fen bra hal ze").split()
COUNTRIES = ("Kenya", "Brazil", "Indonesia", "Canada", "Ghana", "Peru", "Vietnam", "Norway",
             "Morocco", "Chile", "Nepal", "Portugal", "Uganda", "Mexico", "Philippines")
SECTIONS = ("world", "politics", "business", "climate", "health", "science", "local", "sport")


@dataclass(frozen=True)
class Feed:
    path: str  # where the server serves it, e.g. /feeds/0007.xml
    kind: str  # "rss" or "atom"
    body: bytes
    content_type: str
    item_count: int
    last_modified: datetime


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(NAME_PARTS) for _ in range(parts)).capitalize()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(10, 24))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"in {rng.choice(COUNTRIES)}")
    if rng.random() < 0.4:
        words.insert(rng.randrange(len(words)), _name(rng, 3))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice("....!?")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


def _body_html(rng: random.Random, link: str, *, long: bool) -> str:
    """A "short" or "long" item's body: paragraphs with little markup."""
    count = rng.randint(3, 8) if long else rng.randint(1, 3)
    paragraphs = [escape(_paragraph(rng)) for _ in range(count)]
    if rng.random() < 0.5:  # a tagged link and some emphasis, as real descriptions have
        words = paragraphs[0].split(" ")
        at = rng.randrange(len(words))
        words[at] = f'<a href="{link}?ref=feed&amp;utm_source=rss">{words[at]}</a>'
        paragraphs[0] = " ".join(words)
        paragraphs[1:] = [f"<em>{p[:40]}</em>{p[40:]}" for p in paragraphs[1:]]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _marked_up(rng: random.Random, text: str, host: str) -> str:
    """text with up to three of its words linked (on the site or off it) and some emphasis."""
    words = text.split(" ")
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(words))
        if words[at].startswith("<"):
            continue
        topic = rng.choice(WORDS)
        if rng.random() < 0.5:
            words[at] = f'<a href="https://{host}/tag/{topic}/">{words[at]}</a>'
        else:
            elsewhere = f"https://www.{_name(rng, 2).lower()}.example/{topic}?utm_source={host}"
            words[at] = (f'<a href="{escape(elsewhere)}" target="_blank" '
                         f'rel="noreferrer noopener">{words[at]}</a>')
    for tag in ("strong", "em"):
        at = rng.randrange(len(words))
        if rng.random() < 0.4 and not words[at].startswith("<"):
            words[at] = f"<{tag}>{words[at]}</{tag}>"
    return " ".join(words)


def _figure(rng: random.Random, host: str, picture: str) -> str:
    image = f"https://{host}/wp-content/uploads/2025/06/{picture}"
    srcset = ", ".join(f"{image}-{w}x{w * 2 // 3}.jpg {w}w" for w in (300, 768, 1024, 1536))
    return (f'<figure class="wp-block-image size-large"><img loading="lazy" decoding="async" '
            f'width="1024" height="682" src="{image}-1024x682.jpg" '
            f'alt="{escape(_sentence(rng)[:60])}" class="wp-image-{rng.randint(1000, 99999)}" '
            f'srcset="{srcset}" sizes="(max-width: 1024px) 100vw, 1024px" />'
            f'<figcaption class="wp-element-caption">{escape(_sentence(rng))} Photo: '
            f"{_name(rng, 2)} {_name(rng, 3)}</figcaption></figure>")


def _publisher_body(rng: random.Random, host: str, picture: str) -> tuple[str, str]:
    """A "publisher" item: (its excerpt, its whole article), both HTML."""
    count = rng.randint(2, 6)
    paragraphs = [_marked_up(rng, escape(_paragraph(rng)), host) for _ in range(count)]
    parts = []
    for number, paragraph in enumerate(paragraphs):
        parts.append(f"<p>{paragraph}</p>")
        if number == 0 and rng.random() < 0.7:
            parts.append(_figure(rng, host, picture))
        if number == count // 2 and rng.random() < 0.5:
            parts.append(f'<h2 class="wp-block-heading">{escape(_sentence(rng)[:50])}</h2>')
        if number == count // 2 and rng.random() < 0.3:
            parts.append(f'<blockquote class="wp-block-quote"><p>{escape(_sentence(rng))}</p>'
                         f"<cite>{_name(rng, 2)} {_name(rng, 3)}</cite></blockquote>")
        if number == count - 2 and rng.random() < 0.3:
            points = "".join(f"<li>{escape(_sentence(rng))}</li>"
                             for _ in range(rng.randint(2, 4)))
            parts.append(f'<ul class="wp-block-list">{points}</ul>')
    first = escape(_paragraph(rng).split(". ")[0])
    excerpt = f"<p>{first} [&#8230;]</p>"
    return excerpt, "".join(parts)


@dataclass(frozen=True)
class _Item:
    guid: str
    link: str
    title: str
    author: str
    email: str
    published: datetime
    updated: datetime
    summary_html: str  # the excerpt beside the body, or one sentence
    body_html: str
    image: str
    categories: tuple[str, ...]


def _items(rng: random.Random, number: int, host: str, count: int, *,
           kind: str) -> list[_Item]:
    items = []
    when = NEWEST - timedelta(minutes=rng.randint(0, 600))
    for index in range(count):
        title_words = [rng.choice(WORDS) for _ in range(rng.randint(6, 12))]
        title_words.insert(rng.randrange(len(title_words)), _name(rng, 2))
        title = " ".join(title_words)
        title = title[0].upper() + title[1:]
        section = rng.choice(SECTIONS)
        slug = "-".join(w.lower() for w in title_words[:8])
        link = f"https://{host}/{section}/{when:%Y/%m/%d}/{slug}-{number}-{index}"
        first, last = _name(rng, 2), _name(rng, 3)
        if kind == "publisher":
            summary, body = _publisher_body(rng, host, f"{number}-{index}")
        else:
            body = _body_html(rng, link, long=kind == "long")
        image = (f"https://cdn.{host}/images/{number}/{index}.jpg" if rng.random() < 0.5 else "")
        story = hashlib.sha1(link.encode(), usedforsecurity=False).hexdigest()[:16]
        items.append(_Item(
            guid=f"tag:{host},2025:story-{story}",
            link=link,
            title=title,
            author=f"{first} {last}",
            email=f"{first.lower()}.{last.lower()}@{host}",
            published=when,
            updated=when + timedelta(minutes=rng.randint(0, 90)),
            summary_html=(summary if kind == "publisher" else escape(_sentence(rng))),
            body_html=body,
            image=image,
            categories=tuple(rng.sample(SECTIONS, rng.randint(1, 3))),
        ))
        when -= timedelta(minutes=rng.randint(15, 240))
    return items


def _rss(host: str, title: str, items: list[_Item], *, kind: str) -> str:
    beside = kind != "short"  # the body as content:encoded beside the summary
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        + ('xmlns:content="http://purl.org/rss/1.0/modules/content/" ' if beside else "")
        + 'xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel><title>{escape(title)}</title><link>https://{host}/</link>\n"
        f"<description>News from {escape(title)}</description><language>en</language>\n"
        f"<lastBuildDate>{format_datetime(items[0].updated)}</lastBuildDate>\n"
    ]
    for number_in_feed, item in enumerate(items):
        byline = (f"<dc:creator>{escape(item.author)}</dc:creator>" if number_in_feed % 2
                  else f"<author>{item.email} ({escape(item.author)})</author>")
        image = (f'<media:content url="{item.image}" medium="image" width="1200" height="800"/>'
                 if item.image else "")
        cats = "".join(f"<category>{c}</category>" for c in item.categories)
        text = (f"<description>{escape(item.summary_html)}</description>\n"
                f"<content:encoded>{escape(item.body_html)}</content:encoded>" if beside
                else f"<description>{escape(item.body_html)}</description>")
        out.append(
            f"<item><title>{escape(item.title)}</title><link>{item.link}</link>\n"
            f'<guid isPermaLink="false">{item.guid}</guid>{byline}\n'
            f"<pubDate>{format_datetime(item.published)}</pubDate>{cats}{image}\n"
            f"{text}</item>\n"
        )
    out.append("</channel></rss>\n")
    return "".join(out)


def _atom(host: str, title: str, items: list[_Item]) -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
        f"<title>{escape(title)}</title><id>tag:{host},2025:feed</id>\n"
        f'<link rel="alternate" type="text/html" href="https://{host}/"/>\n'
        f'<link rel="self" href="https://{host}/feed.atom"/>\n'
        f"<updated>{items[0].updated.isoformat()}</updated>\n"
    ]
    for item in items:
        image = (f'<link rel="enclosure" type="image/jpeg" href="{item.image}"/>'
                 if item.image else "")
        cats = "".join(f'<category term="{c}"/>' for c in item.categories)
        out.append(
            f'<entry><title type="html">{escape(item.title)}</title>\n'
            f'<link rel="alternate" type="text/html" href="{item.link}"/>{image}\n'
            f"<id>{item.guid}</id>\n"
            f"<author><name>{escape(item.author)}</name></author>\n"
            f"<published>{item.published.isoformat()}</published>"
            f"<updated>{item.updated.isoformat()}</updated>{cats}\n"
            f'<summary type="html">{escape(item.summary_html)}</summary>\n'
            f'<content type="html">{escape(item.body_html)}</content></entry>\n'
        )
    out.append("</feed>\n")
    return "".join(out)


def feed_path(number: int) -> str:
    """Where feed `number` is served: the even-numbered ones are RSS 2.0, the odd ones Atom."""
    return f"/feeds/{number:04d}.{'atom' if number % 2 else 'rss'}"


def generate(count: int = FEED_COUNT, seed: int = SEED, *,
             items: str = ITEM_KINDS[0]) -> list[Feed]:
    """`count` feeds, half RSS 2.0 and half Atom (see feed_path), with `items` of a kind
    in ITEM_KINDS (see above)."""
    if items not in ITEM_KINDS:
        raise ValueError(f"no item kind {items!r}: {', '.join(ITEM_KINDS)}")
    rng = random.Random(seed)  # noqa: S311 - invented text, not secrets
    feeds = []
    for number in range(count):
        host = f"www.{_name(rng, 3).lower()}-{number}.example"
        name = _name(rng, 3)
        title = f"The {name} {rng.choice(('Herald', 'Times', 'Post', 'Courier', 'Ledger'))}"
        entries = _items(rng, number, host, rng.randint(ITEMS_LOW, ITEMS_HIGH), kind=items)
        if number % 2 == 0:
            kind, ctype = "rss", "application/rss+xml"
            text = _rss(host, title, entries, kind=items)
        else:
            kind, text, ctype = "atom", _atom(host, title, entries), "application/atom+xml"
        feeds.append(Feed(
            path=feed_path(number),
            kind=kind,
            body=text.encode("utf-8"),
            content_type=f"{ctype}; charset=utf-8",
            item_count=len(entries),
            last_modified=entries[0].updated.replace(microsecond=0),
        ))
    return feeds
