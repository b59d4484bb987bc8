"""Write the extraction set: each story of stories.txt rendered into a publisher's layout.

    python tests/data/extraction/generate.py

Every page is written beside `<name>.expected.json`, the result a careful editor would cut from
it by hand: the body by block ("[h2] ", "[ul] ", "[table] ", "[blockquote] " mark the blocks
that are not paragraphs), the pull quotes with the index of the block each stands before, and
the metadata. The expected result is right by construction: the generator knows which of the
text it wrote is the article and which is the page around it. Output is deterministic.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def esc(text: str) -> str:
    return html.escape(text, quote=True)


# -- stories ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    kind: str  # p h2 h3 ul ol table bq pq fig
    text: str = ""
    items: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    credit: str = ""


@dataclass(frozen=True)
class Story:
    key: str
    lang: str
    title: str
    standfirst: str
    authors: tuple[str, ...]
    date: str
    lead_caption: str
    lead_credit: str
    blocks: tuple[Block, ...]

    @property
    def author(self) -> str:
        return ", ".join(self.authors)

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.date)


def load_stories() -> dict[str, Story]:
    stories: dict[str, Story] = {}
    for chunk in (HERE / "stories.txt").read_text("utf-8").split("\n=== ")[1:]:
        key, *lines = chunk.strip().splitlines()
        fields: dict[str, str] = {}
        blocks: list[Block] = []
        for line in lines:
            name, _, value = line.partition(": ")
            if name in ("lang", "title", "standfirst", "author", "date", "lead"):
                fields[name] = value
            elif name in ("p", "h2", "h3", "bq", "pq"):
                blocks.append(Block(name, value))
            elif name in ("ul", "ol"):
                blocks.append(Block(name, items=tuple(value.split(" | "))))
            elif name == "table":
                rows = tuple(tuple(c.strip() for c in r.split(" ; ")) for r in value.split(" | "))
                blocks.append(Block(name, rows=rows))
            elif name == "fig":
                caption, credit = value.split(" || ")
                blocks.append(Block(name, caption, credit=credit))
        caption, credit = fields["lead"].split(" || ")
        stories[key.strip()] = Story(
            key=key.strip(), lang=fields["lang"], title=fields["title"],
            standfirst=fields["standfirst"], authors=tuple(fields["author"].split(" | ")),
            date=fields["date"], lead_caption=caption, lead_credit=credit, blocks=tuple(blocks))
    return stories


def expected_text(block: Block) -> str:
    if block.kind == "p":
        return block.text
    if block.kind in ("h2", "h3"):
        return f"[{block.kind}] {block.text}"
    if block.kind == "bq":
        return f"[blockquote] {block.text}"
    if block.kind in ("ul", "ol"):
        return f"[{block.kind}] " + " ".join(block.items)
    if block.kind == "table":
        return "[table] " + " ".join(" ".join(row) for row in block.rows)
    raise ValueError(block.kind)


# -- page parts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Publisher:
    name: str
    domain: str
    path: str  # the article's path on the site

    @property
    def base(self) -> str:
        return f"https://{self.domain}"

    @property
    def url(self) -> str:
        return self.base + self.path


@dataclass(frozen=True)
class Layout:
    """The knobs one page turns. Defaults give a plain, well-marked article page."""

    template: str = "generic"  # wordpress drupal ghost newswire thinktank ngo gov blog magazine
    body_tag: str = '<div class="article-body">'
    p: str = "<p>{}</p>"  # how a paragraph is written; {} is the escaped text
    split_every: int = 0  # close and reopen the body container every N blocks (ads between)
    lead: str = "figure"  # figure wp-caption drupal image-div picture amp hero og-only
    lead_where: str = "header"  # header (after h1) | body (first thing in the body)
    credit: str = "span"  # span text text-paren copyright sibling data jsonld
    credit_word: str = "Photo: "
    fig: str = "figure"  # figure wp-caption caption-para ghost drupal div-credit
    pq: str = "blockquote"  # blockquote aside wp-block ghost-alt drupal div hashed q-cite
    title: str = "og"  # og og-suffix og-social title-only
    author: str = "meta"  # meta byline byline-role byline-caps jsonld rel-multi itemprop text
    date: str = "meta"  # meta jsonld time time-updated-first text-en text-fr text-es microdata
    canonical: str = "link"  # link relative og none
    inserts: tuple[tuple[int, str], ...] = ()  # (before block index, box kind)
    after: tuple[str, ...] = ("share", "related")  # what follows the body inside the article
    chrome: tuple[str, ...] = ()  # cookie paywall-modal sidebar-about most-read comments
    dateline: str = ""  # a newswire's prefix to the first paragraph
    jsonld_body: str = ""  # "" | extra (also in HTML) | only (HTML shows a teaser)
    og_image: str = "same"  # same | crop (a social crop of the lead) | none
    served_query: str = "?utm_source=rss&utm_medium=feed"
    wrap_after: int = 0  # blocks from this index on sit in a metered-paywall wrapper
    wrap_tag: str = '<div class="article-body--paywalled" data-meter="true">'


@dataclass
class Page:
    name: str
    story: Story
    pub: Publisher
    layout: Layout
    notes: str  # what makes this page hard
    site_rule: dict[str, Any] = field(default_factory=dict)


LOREM_NAV = ("News", "Sport", "Business", "Opinion", "Culture", "What's on", "Obituaries")


def nav(pub: Publisher) -> str:
    links = "".join(f'<li><a href="/{t.lower().replace(" ", "-").replace("&#x27;", "")}/">'
                    f"{esc(t)}</a></li>" for t in LOREM_NAV)
    return (f'<header class="masthead"><a class="logo" href="/">{esc(pub.name)}</a>'
            f'<nav class="primary"><ul>{links}</ul></nav>'
            f'<form class="search" action="/search"><input name="q" placeholder="Search">'
            f"<button>Search</button></form></header>")


def footer(pub: Publisher) -> str:
    return (f'<footer class="site-footer"><p>© 2025 {esc(pub.name)}. All rights reserved. '
            f'Registered office: 4 Chapel Yard.</p><ul><li><a href="/about">About us</a></li>'
            f'<li><a href="/privacy">Privacy</a></li><li><a href="/complaints">Complaints</a>'
            f"</li></ul></footer>")


def image_url(pub: Publisher, story: Story, n: int = 0, ext: str = "jpg") -> str:
    suffix = "" if n == 0 else f"-{n}"
    return f"{pub.base}/media/2025/06/{story.key}{suffix}-1200.{ext}"


def credit_markup(layout: Layout, caption: str, credit: str) -> str:
    """The caption with its credit, written the way this publisher writes it."""
    word = layout.credit_word
    if layout.credit == "span":
        return f'{esc(caption)} <span class="credit">{esc(word + credit)}</span>'
    if layout.credit == "text":
        return f"{esc(caption)} {esc(word + credit)}"
    if layout.credit == "text-paren":
        return f"{esc(caption.rstrip('.'))} ({esc(word + credit)})"
    if layout.credit == "copyright":
        return f"{esc(caption)} © {esc(credit)}"
    if layout.credit == "pipe":
        return f"{esc(caption.rstrip('.'))} | {esc(word + credit)}"
    return esc(caption)  # sibling, data, jsonld: the credit is written elsewhere


def expected_caption(layout: Layout, caption: str) -> str:
    if layout.credit in ("text-paren", "pipe"):
        return caption.rstrip(".")
    return caption


def figure(layout: Layout, style: str, src: str, alt: str, caption: str, credit: str,
           *, lead: bool = False) -> str:
    cap = credit_markup(layout, caption, credit)
    credit_el = (f'<span class="image-credit">{esc(credit)}</span>'
                 if layout.credit == "sibling" else "")
    data = f' data-credit="{esc(credit)}"' if layout.credit == "data" else ""
    if style == "wp-caption":
        return (f'<div class="wp-caption aligncenter" style="width: 1034px">'
                f'<img class="size-large" src="{src}" alt="{esc(alt)}" width="1024" height="683">'
                f'<p class="wp-caption-text">{cap}</p></div>')
    if style == "drupal":
        return (f'<div class="field field--name-field-image field--type-image">'
                f'<img src="{src}" alt="{esc(alt)}" loading="lazy"></div>'
                f'<div class="field field--name-field-image-caption">{esc(caption)}</div>'
                f'<div class="field field--name-field-image-credit">{esc(credit)}</div>')
    if style == "image-div":
        return (f'<div class="media media--image"><img src="{src}" alt="{esc(alt)}">'
                f'<div class="media__caption">{cap}</div>{credit_el}</div>')
    if style == "picture":
        webp = src.replace(".jpg", ".webp")
        return (f'<figure class="lead-media"><picture>'
                f'<source type="image/webp" data-srcset="{webp} 1200w">'
                f'<img class="lazyload" src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E" '
                f'data-src="{src}" alt="{esc(alt)}"></picture>'
                f'<noscript><img src="{src}" alt="{esc(alt)}"></noscript>'
                f"<figcaption>{cap}{credit_el}</figcaption></figure>")
    if style == "amp":
        return (f'<figure class="lead"><amp-img src="{src}" width="1200" height="800" '
                f'layout="responsive" alt="{esc(alt)}"></amp-img>'
                f"<figcaption>{cap}</figcaption></figure>")
    if style == "ghost":
        return (f'<figure class="kg-card kg-image-card kg-card-hascaption">'
                f'<img src="{src}" class="kg-image" alt="{esc(alt)}" loading="lazy" '
                f'width="2000" height="1333"><figcaption><span style="white-space: pre-wrap;">'
                f"{cap}</span></figcaption></figure>")
    if style == "caption-para":  # an old editor: the picture in one paragraph, caption in the next
        return (f'<p><img src="{src}" alt="{esc(alt)}" width="640"></p>'
                f"<p><em>{cap}</em></p>")
    if style == "div-credit":
        return (f'<div class="inline-image"><img src="{src}" alt="{esc(alt)}">'
                f'<p class="inline-image__caption">{esc(caption)}</p>'
                f'<p class="inline-image__credit">{esc(layout.credit_word + credit)}</p></div>')
    if style == "hero":
        return (f'<div class="hero" style="background:#222"{data}>'
                f'<img src="{src}" alt="{esc(alt)}">'
                f'<div class="hero__caption">{cap}</div>{credit_el}</div>')
    # figure
    lazy = (f'src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="{src}"'
            if layout.template == "lazy" else f'src="{src}"')
    return (f'<figure class="{"lead-image" if lead else "inline-figure"}"{data}>'
            f'<img {lazy} alt="{esc(alt)}"><figcaption>{cap}{credit_el}</figcaption></figure>')


def pull_quote(style: str, text: str) -> str:
    inner = esc(text)
    if style == "aside":
        return f'<aside class="pull-quote"><p>{inner}</p></aside>'
    if style == "wp-block":
        return (f'<figure class="wp-block-pullquote"><blockquote><p>{inner}</p>'
                f"<cite>From the interview</cite></blockquote></figure>")
    if style == "ghost-alt":
        return f'<blockquote class="kg-blockquote-alt">{inner}</blockquote>'
    if style == "drupal":
        return (f'<div class="paragraph paragraph--type--pull-quote">'
                f'<div class="field field--name-field-quote">{inner}</div></div>')
    if style == "div":
        return f'<div class="quote-callout" role="note"><span>{inner}</span></div>'
    if style == "hashed":
        return f'<div class="sc-4b2f9e kQzPrT"><p class="sc-91ad0c">{inner}</p></div>'
    if style == "plain-blockquote":  # no class at all: the repeated sentence gives it away
        return f"<blockquote><p>{inner}</p></blockquote>"
    return f'<blockquote class="pullquote"><p>{inner}</p></blockquote>'


def box(kind: str, pub: Publisher, lang: str) -> str:
    """Things publishers put inside the article that are not the article."""
    if kind == "newsletter-form":
        return ('<div class="story-insert"><h3>Get the morning briefing</h3>'
                f"<p>The day's news from {esc(pub.name)}, in your inbox before seven. "
                "Free, and you can unsubscribe at any time.</p>"
                '<form action="/subscribe" method="post"><label>Email address '
                '<input type="email" name="email"></label><button>Sign me up</button></form>'
                "</div>")
    if kind == "newsletter-link":
        return ('<div class="wp-block-group is-style-callout"><h3>Never miss a story</h3>'
                "<p>Our free weekly email brings the week's best reporting from the valleys, "
                "with the letters page and the events diary.</p>"
                '<p><a class="wp-block-button__link" href="/newsletters/weekly">'
                "Choose your newsletters</a></p></div>")
    if kind == "signup-para":  # a newswire's one-line plug between paragraphs
        return ('<p class="text__text">The Morning Wire newsletter brings you the top stories '
                'every weekday. <a href="/newsletters/morning-wire">Sign up here.</a></p>')
    if kind == "donate":
        return ('<aside class="support-panel"><h3>Before you go</h3>'
                f"<p>{esc(pub.name)} has no owner and no paywall. Everything we publish is paid "
                "for by readers who can afford to give, so that everyone can read it.</p>"
                '<p><a class="button" href="/donate?src=inline">Give £5 a month</a> '
                '<a class="button" href="/donate?once=1">Give once</a></p></aside>')
    if kind == "donate-ngo":
        return ('<div class="cta-block"><h3>£10 keeps a filter running for a year</h3>'
                "<p>Clean water changes everything for a school. Your gift today will reach "
                "the next five schools on our list.</p>"
                '<a class="btn btn-primary" href="/give/water">Donate now</a></div>')
    if kind == "related-list":
        heads = ("Ferry fares frozen for island residents", "Harbour dredging to start in "
                 "autumn", "Council tax: what your band will pay this year")
        items = "".join(f'<li><a href="/news/{i}">{esc(h)}</a></li>' for i, h in enumerate(heads))
        return f'<div class="inline-list"><h4>More on this story</h4><ul>{items}</ul></div>'
    if kind == "readmore":
        label = {"fr": "À lire aussi", "es": "Lea también", "ar": "اقرأ أيضاً",
                 "he": "קראו גם", "ru": "Читайте также"}.get(lang, "Read more")
        head = {"fr": "Le festival des lanternes revient en juillet",
                "es": "El ayuntamiento aprueba el presupuesto de cultura",
                "ar": "افتتاح سوق المزارعين الأسبوعي في المدينة",
                "he": "פסטיבל הקיץ חוזר לפארק העירוני",
                "ru": "В районе отремонтируют дорогу к станции"}.get(
                    lang, "Plans for a new health centre go on show")
        return f'<p><strong>{esc(label)}:</strong> <a href="/news/more-1">{esc(head)}</a></p>'
    if kind == "readmore-caps":
        return ('<p><strong>READ MORE: <a href="/news/2025/05/hospital-car-park">Hospital car '
                "park charges to rise in July</a></strong></p>")
    if kind == "gallery":
        shots = (("Judging the heaviest apple.", "Rosa Lind"),
                 ("The wooden press in the pressing tent.", "Rosa Lind"),
                 ("Morris dancers under umbrellas.", "Tom Achterberg"))
        cards = "".join(
            f'<figure class="gallery-item"><img src="/media/gallery/{i}.jpg" alt="">'
            f'<figcaption>{esc(c)} <span class="credit">Photo: {esc(who)}</span></figcaption>'
            f"</figure>" for i, (c, who) in enumerate(shots))
        return (f'<div class="gallery" data-count="3"><p class="gallery__title">In pictures: '
                f"apple day</p>{cards}<button>Next</button></div>")
    if kind == "ad":
        return ('<div class="ad-container" data-slot="mpu-1"><p class="ad-label">Advertisement'
                '</p><div id="div-gpt-ad-1" style="min-height:250px"></div></div>')
    if kind == "ad-continue":
        return ('<div class="inarticle-ad"><span>Story continues below advertisement</span>'
                '<div class="gpt-slot"></div></div>')
    if kind == "tweet":
        return ('<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Amazing turnout '
                'this morning, thank you all! <a href="https://t.example/x">pic.example/x</a>'
                "</p>— Rivers Trust (@rivertrust) <a href=\"https://t.example/s/1\">June 1, 2025"
                '</a></blockquote><script async src="https://platform.t.example/widgets.js">'
                "</script>")
    if kind == "video":
        return ('<div class="video-embed"><iframe src="https://video.example/embed/x1" '
                'title="Video"></iframe><p class="video-embed__title">Watch: the clean-up '
                "in ninety seconds</p></div>")
    if kind == "podcast":
        return ('<div class="audio-player"><p>Listen to this article</p>'
                "<audio src=\"/audio/a.mp3\" controls></audio><p>4 min</p></div>")
    raise ValueError(kind)


def after_parts(kind: str, story: Story, pub: Publisher) -> str:
    if kind == "share":
        return ('<div class="share-tools"><span>Share this article</span>'
                '<a href="https://social.example/share?u=1">Facebook</a>'
                '<a href="https://x.example/intent?u=1">X</a><a href="mailto:?body=1">Email</a>'
                "</div>")
    if kind == "tags":
        return ('<div class="topics"><span>Topics:</span> <a href="/t/1">Transport</a> '
                '<a href="/t/2">Health</a> <a href="/t/3">Islands</a></div>')
    if kind == "bio":
        who = story.authors[0]
        return (f'<div class="author-card"><img src="/staff/{len(who)}.jpg" alt="">'
                f"<p><strong>{esc(who)}</strong> has reported on the region for {esc(pub.name)} "
                "since 2016, covering transport, health and local government. Tips are welcome "
                "by email or through our secure drop.</p></div>")
    if kind == "related":
        heads = ("Rail line reopening delayed again", "Summer parking charges explained",
                 "Sea swimmers call for clean-water sign-off", "Hospital appeal reaches target")
        items = "".join(f'<li><a href="/news/r{i}"><img src="/t/{i}.jpg" alt="">'
                        f"<span>{esc(h)}</span></a></li>" for i, h in enumerate(heads))
        return (f'<section class="more-stories"><h2>You might also like</h2><ul>{items}</ul>'
                "</section>")
    if kind == "correction":
        return ""
    raise ValueError(kind)


def chrome(kind: str, pub: Publisher) -> str:
    if kind == "cookie":
        return ('<div class="consent-overlay" id="consent"><div class="consent-box">'
                "<h2>We value your privacy</h2><p>We and our 214 partners store and access "
                "information on your device, such as cookies, and process personal data such as "
                "unique identifiers and browsing data, to personalise advertising and content, "
                "measure advertising and content performance, learn about our audiences and "
                "develop our services. With your permission we and our partners may use precise "
                "geolocation data and identification through device scanning. You may click to "
                "consent to our and our partners' processing as described above. Alternatively "
                "you may access more detailed information and change your preferences before "
                "consenting or to refuse consenting.</p><button>Accept all</button>"
                "<button>Manage options</button></div></div>")
    if kind == "paywall-modal":
        return ('<div class="meter-modal"><p>You have read 3 of your 4 free articles this month.'
                "</p><p>Subscribe for full access to local journalism from £1 for your first "
                'three months.</p><a href="/subscribe">See subscription options</a></div>')
    if kind == "sidebar-about":
        return ('<aside class="sidebar"><h3>About the trust</h3><p>We are an independent '
                "charity working with communities to restore rivers, wetlands and the wildlife "
                "that depends on them. Since 2004 our volunteers have planted more than forty "
                "thousand trees along riverbanks, removed dozens of old weirs and taught "
                "thousands of children to test the water in their local stream. We rely on "
                "members, donations and grants from trusts and foundations, and we publish our "
                "accounts every year so that supporters can see how their money is spent. "
                "If you would like to volunteer, we run training days every month from spring "
                "to autumn at our centres in the upper and lower valley.</p></aside>")
    if kind == "most-read":
        items = "".join(
            f"<li><a href=\"/m/{i}\"><h4>{esc(h)}</h4><p>{esc(s)}</p></a></li>" for i, (h, s) in
            enumerate((("Man charged after town centre crash", "Police say the driver, 34, will "
                        "appear before magistrates later this month."),
                       ("Beach car park to charge overnight", "Campervan owners face new fees "
                        "from July after complaints from residents."),
                       ("Primary school rated outstanding", "Inspectors praised reading and the "
                        "care given to pupils with additional needs."))))
        return f'<aside class="most-read"><h3>Most read</h3><ol>{items}</ol></aside>'
    raise ValueError(kind)


def comments() -> str:
    texts = (
        "This is exactly the kind of thing the council should have done years ago. My mother "
        "lived in the village for fifty years and watched every service disappear one by one, "
        "first the bank, then the post office, then the bus. Anything that brings people back "
        "is welcome, and I hope the people who made it happen get the credit they deserve.",
        "I'm not so sure. These schemes always start with a lot of enthusiasm and a grant, and "
        "then two or three years later the grant runs out and the volunteers are exhausted. Who "
        "is going to pay for it then? I would like to see a proper plan for the long term before "
        "we all start celebrating, because we have been here before with the swimming pool.",
        "Well done to everyone involved. We visited last weekend and the difference is "
        "remarkable. The staff were friendly and clearly proud of what they had achieved, and "
        "the children loved it. We will certainly be back in the summer with the grandparents.",
        "Can anyone tell me whether the new arrangements apply on bank holidays as well? The "
        "website doesn't say and nobody answers the phone. It would be helpful if the article "
        "had included that, as a lot of us work shifts and need to plan ahead.",
    )
    items = "".join(
        f'<li class="comment"><div class="comment-author">Reader{i}</div>'
        f'<div class="comment-content"><p>{esc(t)}</p></div><a href="#reply">Reply</a></li>'
        for i, t in enumerate(texts))
    return (f'<section id="comments" class="comments-area"><h2>{len(texts)} thoughts on this '
            f'story</h2><ol class="comment-list">{items}</ol><h3>Leave a reply</h3>'
            '<form><textarea name="comment"></textarea><button>Post comment</button></form>'
            "</section>")


# -- metadata -----------------------------------------------------------------------------------


def head(page: Page) -> str:
    s, pub, lay = page.story, page.pub, page.layout
    parts = ['<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">']
    title_tag = f"{s.title} | {pub.name}"
    parts.append(f"<title>{esc(title_tag)}</title>")
    if lay.canonical == "link":
        parts.append(f'<link rel="canonical" href="{pub.url}">')
    elif lay.canonical == "relative":
        parts.append(f'<link rel="canonical" href="{pub.path}">')
    if lay.canonical in ("link", "relative", "og"):
        og_url = pub.url + ("?utm_source=og" if lay.canonical == "link" else "")
        parts.append(f'<meta property="og:url" content="{og_url}">')
    if lay.title == "og":
        parts.append(f'<meta property="og:title" content="{esc(s.title)}">')
    elif lay.title == "og-suffix":
        parts.append(f'<meta property="og:title" content="{esc(s.title)} – {esc(pub.name)}">')
    elif lay.title == "og-social":
        short = s.title.split(" after ")[0].split(" to ")[0]
        parts.append(f'<meta property="og:title" content="{esc(short)}: what you need to know">')
    if lay.title != "title-only":
        parts.append(f'<meta property="og:site_name" content="{esc(pub.name)}">')
        parts.append(f'<meta property="og:description" content="{esc(s.standfirst)}">')
        parts.append('<meta property="og:type" content="article">')
    if lay.og_image == "same":
        parts.append(f'<meta property="og:image" content="{image_url(pub, s)}">')
    elif lay.og_image == "crop":
        parts.append(f'<meta property="og:image" content="{pub.base}/media/social/'
                     f'{s.key}-1200x630.jpg">')
    if lay.author == "meta":
        parts.append(f'<meta name="author" content="{esc(s.author)}">')
    elif lay.author in ("byline", "byline-caps", "byline-role"):
        parts.append(f'<meta name="author" content="{esc(pub.name)}">')  # a CMS default
    if lay.date == "meta":
        parts.append(f'<meta property="article:published_time" content="{s.date}">')
        parts.append('<meta property="article:modified_time" content="2025-06-09T10:00:00Z">')
    ld: dict[str, Any] = {}
    if lay.date == "jsonld" or lay.author == "jsonld" or lay.jsonld_body or lay.credit == "jsonld":
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title,
              "dateModified": "2025-06-09T10:00:00Z",
              "publisher": {"@type": "Organization", "name": pub.name}}
        if lay.date == "jsonld":
            ld["datePublished"] = s.date
        if lay.author == "jsonld":
            ld["author"] = [{"@type": "Person", "name": a,
                             "url": f"{pub.base}/authors/{a.split()[0].lower()}"}
                            for a in s.authors]
        if lay.credit == "jsonld":
            ld["image"] = {"@type": "ImageObject", "url": image_url(pub, s),
                           "creditText": s.lead_credit, "caption": s.lead_caption}
        if lay.jsonld_body:
            ld["articleBody"] = "\n\n".join(jsonld_body_parts(page))
    if ld:
        parts.append('<script type="application/ld+json">'
                     + json.dumps(ld, ensure_ascii=False).replace("</", "<\\/") + "</script>")
    parts.append('<link rel="stylesheet" href="/static/css/site.7f3a.css">')
    parts.append("<script>window.dataLayer=window.dataLayer||[];dataLayer.push({'section':"
                 "'news','paywall':false});</script>")
    return "\n".join(parts)


MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}


def byline_and_date(page: Page) -> str:
    """What stands under the title: who wrote it and when, in this publisher's words."""
    s, lay = page.story, page.layout
    d = s.published
    names = " and ".join(esc(a) for a in s.authors)
    if s.lang == "fr":
        names = " et ".join(esc(a) for a in s.authors)
    elif s.lang == "es":
        names = " y ".join(esc(a) for a in s.authors)
    by = {"fr": "Par", "es": "Por", "ar": "بقلم", "he": "מאת", "ru": "Автор:"}.get(s.lang, "By")
    who = ""
    if lay.author in ("byline", "meta", "jsonld"):
        links = f" {'and' if s.lang == 'en' else '&amp;'} ".join(
            f'<a href="/authors/{i}">{esc(a)}</a>' for i, a in enumerate(s.authors))
        who = f'<span class="byline">{by} {links}</span>'
    elif lay.author == "byline-caps":
        who = f'<div class="byline">{by.upper()} {esc(s.author.upper())}</div>'
    elif lay.author == "byline-role":
        who = (f'<p class="byline">{by} <a rel="author" href="/staff/1">{esc(s.authors[0])}</a>, '
               f"Transport Correspondent</p>")
    elif lay.author == "rel-multi":
        links = " and ".join(f'<a rel="author" href="/staff/{i}">{esc(a)}</a>'
                             for i, a in enumerate(s.authors))
        who = f'<p class="article-meta">{by} {links}</p>'
    elif lay.author == "itemprop":
        who = ('<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
               f'{by} <span itemprop="name">{names}</span></span>')
    elif lay.author == "text":
        who = f'<p class="meta-line">{by} {names}</p>'
    when = ""
    local = d.strftime("%H:%M")
    if lay.date in ("time", "meta", "jsonld"):
        when = f'<time datetime="{s.date}">{d.day} {MONTHS["en"][d.month - 1]} {d.year}</time>'
    elif lay.date == "time-updated-first":
        when = ('<span class="updated">Updated <time datetime="2025-06-09T10:00:00+00:00">'
                '9 June 2025</time></span> <span class="published">First published '
                f'<time datetime="{s.date}">{d.day} {MONTHS["en"][d.month - 1]}</time></span>')
    elif lay.date == "text-en":
        when = f'<p class="date">Published {d.day} {MONTHS["en"][d.month - 1]} {d.year}</p>'
    elif lay.date == "text-fr":
        when = (f'<p class="date">Publié le {d.day:02d}/{d.month:02d}/{d.year} à '
                f'{local.replace(":", "h")}</p>')
    elif lay.date == "text-es":
        when = (f'<p class="fecha">{d.day} de {MONTHS["es"][d.month - 1]} de {d.year} - '
                f"{local} CEST</p>")
    elif lay.date == "microdata":
        when = (f'<meta itemprop="datePublished" content="{s.date}">'
                f"<span>{d.day} {MONTHS['en'][d.month - 1]} {d.year}</span>")
    return f'<div class="article-meta-block">{who} {when}</div>'


def expected_published(page: Page) -> str:
    d = page.story.published
    if page.layout.date in ("text-en", "text-fr"):  # no zone written: the day, midnight UTC
        return datetime(d.year, d.month, d.day, tzinfo=UTC).isoformat()
    return d.astimezone(UTC).isoformat()


# -- the body -----------------------------------------------------------------------------------


def render_block(page: Page, block: Block, index: int) -> str:
    lay = page.layout
    if block.kind == "p":
        text = block.text
        if index == 0 and lay.dateline:
            text = lay.dateline + text
        return lay.p.replace("{}", esc(text)).replace("{n}", str(index))
    if block.kind in ("h2", "h3"):
        return f"<{block.kind}>{esc(block.text)}</{block.kind}>"
    if block.kind in ("ul", "ol"):
        items = "".join(f"<li>{esc(i)}</li>" for i in block.items)
        return f"<{block.kind}>{items}</{block.kind}>"
    if block.kind == "table":
        head_row, *rows = block.rows
        th = "".join(f"<th>{esc(c)}</th>" for c in head_row)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                       for row in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
    if block.kind == "bq":
        return f"<blockquote><p>{esc(block.text)}</p></blockquote>"
    raise ValueError(block.kind)


def body_parts(page: Page) -> tuple[str, list[str], list[list[Any]]]:
    """The body's HTML, the expected blocks and the expected pull quotes [text, position]."""
    s, lay = page.story, page.layout
    out: list[str] = []
    expected: list[str] = []
    quotes: list[list[Any]] = []
    inserts: dict[int, list[str]] = {}
    for at, kind in lay.inserts:
        inserts.setdefault(at, []).append(kind)
    if lay.lead_where == "body":
        out.append(lead_figure(page))
    figs = 0
    text_index = 0
    for block in s.blocks:
        for kind in inserts.pop(text_index, []):
            out.append(box(kind, page.pub, s.lang))
        if block.kind == "pq":
            out.append(pull_quote(lay.pq, block.text))
            quotes.append([block.text, len(expected)])
            continue
        if block.kind == "fig":
            figs += 1
            out.append(figure(lay, lay.fig, image_url(page.pub, s, figs), block.text,
                              block.text, block.credit))
            continue
        if lay.wrap_after and text_index == lay.wrap_after:
            out.append(lay.wrap_tag)
        if lay.split_every and text_index and text_index % lay.split_every == 0:
            close = "</" + lay.body_tag[1:].split()[0].rstrip(">") + ">"
            out.append(close + box("ad-continue", page.pub, s.lang) + lay.body_tag)
        out.append(render_block(page, block, text_index))
        text = expected_text(block)
        if text_index == 0 and lay.dateline:
            text = lay.dateline + text
        expected.append(text)
        text_index += 1
    for kinds in inserts.values():
        out.extend(box(kind, page.pub, s.lang) for kind in kinds)
    if lay.wrap_after:
        out.append("</div>")
    return "\n".join(out), expected, quotes


def jsonld_body_parts(page: Page) -> list[str]:
    parts = []
    for block in page.story.blocks:
        if block.kind in ("p", "h2", "h3", "bq"):
            parts.append(block.text)
        elif block.kind in ("ul", "ol"):
            parts.extend(block.items)
    return parts


def lead_figure(page: Page) -> str:
    s, lay = page.story, page.layout
    if lay.lead == "og-only":
        return ""
    style = {"figure": "figure", "wp-caption": "wp-caption", "drupal": "drupal",
             "image-div": "image-div", "picture": "picture", "amp": "amp", "hero": "hero",
             "ghost": "ghost"}[lay.lead]
    return figure(lay, style, image_url(page.pub, s), s.lead_caption, s.lead_caption,
                  s.lead_credit, lead=True)


def render(page: Page) -> tuple[str, dict[str, Any]]:
    s, pub, lay = page.story, page.pub, page.layout
    body, expected_body, quotes = body_parts(page)
    if lay.jsonld_body == "only":
        # The page's HTML shows two paragraphs; a script fills in the rest for readers.
        first = [b for b in s.blocks if b.kind == "p"][:2]
        body = "".join(f"<p>{esc(b.text)}</p>" for b in first)
        body += ('<div id="story-continues" data-hydrate="article-body"></div>'
                 '<noscript><p>Please enable JavaScript to read the full story.</p></noscript>')
        expected_body = jsonld_body_parts(page)
        quotes = []
    dir_attr = ' dir="rtl"' if s.lang in ("ar", "he") else ""
    lang_attr = {"en": "en-GB"}.get(s.lang, s.lang)
    h1 = f'<h1 class="headline">{esc(s.title)}</h1>'
    stand = f'<p class="standfirst">{esc(s.standfirst)}</p>'
    meta = byline_and_date(page)
    lead = lead_figure(page) if lay.lead_where == "header" else ""
    after = "".join(after_parts(k, s, pub) for k in lay.after)
    chrome_top = "".join(chrome(k, pub) for k in lay.chrome if k in ("cookie", "paywall-modal"))
    sidebar = "".join(chrome(k, pub) for k in lay.chrome if k in ("sidebar-about", "most-read"))
    comments_html = comments() if "comments" in lay.chrome else ""
    body_close = "</" + lay.body_tag[1:].split()[0].rstrip(">") + ">"
    kicker = '<a class="kicker" href="/news/">News</a>'
    article = SHELLS.get(lay.template, SHELLS["generic"])(**locals())
    doc = (f'<!DOCTYPE html>\n<html lang="{lang_attr}"{dir_attr}>\n<head>\n{head(page)}\n'
           f"</head>\n<body>\n{chrome_top}\n{nav(pub)}\n{article}\n{footer(pub)}\n"
           '<script src="/static/js/app.4c1d.js" defer></script>\n</body>\n</html>\n')
    has_lead = lay.lead != "og-only"
    result = {
        "served_url": pub.url + lay.served_query if lay.served_query else pub.url,
        "notes": page.notes,
        "title": s.title,
        "url": pub.url,
        "author": s.author if lay.author != "none" else "",
        "published": expected_published(page),
        "language": s.lang,
        "image_url": image_url(pub, s) if has_lead or lay.og_image == "same" else "",
        "image_credit": s.lead_credit if has_lead else "",
        "image_caption": expected_caption(lay, s.lead_caption) if has_lead else "",
        "pull_quotes": quotes,
        "body": expected_body,
    }
    if lay.template == "amp":
        result["served_url"] = pub.url.rstrip("/") + "/amp/"
    if lay.canonical == "none":
        result["url"] = result["served_url"]
    if page.site_rule:
        result["site_rule"] = page.site_rule
    return doc, result


def shell_generic(**v: Any) -> str:
    return (f'<main id="main"><article class="story">{v["kicker"]}<header class="story-header">'
            f'{v["h1"]}{v["stand"]}{v["meta"]}</header>{v["lead"]}{v["lay"].body_tag}\n'
            f'{v["body"]}\n{v["body_close"]}{v["after"]}</article>{v["comments_html"]}</main>'
            f'{v["sidebar"]}')


def shell_wordpress(**v: Any) -> str:
    return (f'<div id="page" class="site"><div id="content" class="site-content">'
            f'<div id="primary" class="content-area"><main id="main" class="site-main">'
            f'<article id="post-5521" class="post type-post status-publish hentry">'
            f'<header class="entry-header">{v["h1"]}<div class="entry-meta">{v["meta"]}</div>'
            f'</header>{v["lead"]}<div class="entry-content">\n{v["body"]}\n{v["after"]}</div>'
            f'<footer class="entry-footer"><span class="cat-links">Posted in <a href="/c/news">'
            f'News</a></span></footer></article>{v["comments_html"]}</main></div>'
            f'<aside id="secondary" class="widget-area">{v["sidebar"]}<section class="widget">'
            f'<h2 class="widget-title">Archives</h2><ul><li><a href="/2025/05/">May 2025</a>'
            f"</li><li><a href=\"/2025/04/\">April 2025</a></li></ul></section></aside>"
            "</div></div>")


def shell_drupal(**v: Any) -> str:
    return (f'<div class="dialog-off-canvas-main-canvas"><main role="main">'
            f'<div class="region region-content"><article role="article" class="node '
            f'node--type-article node--view-mode-full"><div class="node__header">{v["h1"]}'
            f'<div class="node__meta">{v["meta"]}</div></div>{v["lead"]}<div class="node__content">'
            f'<div class="clearfix text-formatted field field--name-body field--type-text-with-'
            f'summary field__item">\n{v["body"]}\n</div>{v["after"]}</div></article>'
            f'<div class="views-element-container"><div class="view view-related-content"><h2>'
            f'Related content</h2><div class="view-content"><div class="views-row"><a href="/n/1">'
            f"Community energy: a guide for parish councils</a><p>How three villages set up "
            f"their own energy companies, and what they learned.</p></div></div></div></div>"
            f"</div></main>{v['sidebar']}{v['comments_html']}</div>")


def shell_ghost(**v: Any) -> str:
    return (f'<div class="site-content"><main id="site-main" class="site-main">'
            f'<article class="article post"><header class="article-header gh-canvas">'
            f'<div class="article-tag post-card-tags"><a href="/tag/climate/">Climate</a></div>'
            f'{v["h1"]}<p class="article-excerpt">{v["s"].standfirst}</p>'
            f'<div class="article-byline">{v["meta"]}</div>{v["lead"]}</header>'
            f'<section class="gh-content gh-canvas">\n{v["body"]}\n</section>'
            f'{v["after"]}</article></main>'
            f'<aside class="read-more-wrap"><div class="read-more gh-canvas"><article class='
            f'"post-card"><a class="post-card-content-link" href="/older/"><h2 class="post-card-'
            f'title">Solar on every school roof: the sums</h2><div class="post-card-excerpt">'
            f"What it would cost, and what it would save, to put panels on every school in the "
            f"county.</div></a></article></div></aside>{v['sidebar']}</div>")


def shell_newswire(**v: Any) -> str:
    return (f'<div class="layout"><main id="main-content"><article class="article__container">'
            f'<header class="article-header">{v["kicker"]}{v["h1"]}{v["meta"]}</header>'
            f'{v["lead"]}<div class="article-body__content" data-testid="ArticleBody">\n'
            f'{v["body"]}\n</div><p class="trust-badge">Our Standards: <a href="/trust">The '
            f'Lantern Trust Principles.</a></p>{v["after"]}</article></main>{v["sidebar"]}</div>')


def shell_table(**v: Any) -> str:
    """An old CMS: a table layout, paragraphs separated by <br><br> inside one cell."""
    return (f'<table width="100%" cellpadding="4"><tr><td valign="top" width="160" '
            f'class="leftnav"><a href="/">Home</a><br><a href="/news">News</a><br><a href="/'
            f'events">Events</a><br><a href="/contact">Contact</a></td><td valign="top">'
            f'<font face="Georgia">{v["h1"]}{v["meta"]}{v["lead"]}<div class="storytext">'
            f'{v["body"]}</div>{v["after"]}</font></td></tr></table>{v["comments_html"]}')


SHELLS: dict[str, Callable[..., str]] = {
    "generic": shell_generic, "lazy": shell_generic, "wordpress": shell_wordpress,
    "drupal": shell_drupal, "ghost": shell_ghost, "newswire": shell_newswire,
    "table": shell_table,
}


def shell_amp(**v: Any) -> str:
    return (f'<amp-sidebar id="menu" layout="nodisplay"><ul><li><a href="/">Menu</a></li>'
            f'<li><a href="/news">News</a></li></ul></amp-sidebar><main><article>'
            f'{v["h1"]}{v["meta"]}{v["lead"]}<div class="amp-article-body">\n{v["body"]}\n'
            f'<amp-ad width="300" height="250" type="doubleclick" data-slot="/1/amp"><div '
            f'placeholder>Advertisement</div></amp-ad></div><amp-social-share type="facebook">'
            f'</amp-social-share><amp-social-share type="email"></amp-social-share>'
            f'{v["after"]}<p class="amp-footer-link"><a href="{v["pub"].url}">View the full site'
            f"</a></p></article></main>")


def shell_gov(**v: Any) -> str:
    return (f'<div class="govuk-width-container"><div class="gem-c-breadcrumbs"><ol><li><a '
            f'href="/">Home</a></li><li><a href="/environment">Environment</a></li></ol></div>'
            f'<main class="govuk-main-wrapper" id="main-content" role="main">'
            f'<div class="gem-c-title"><span class="gem-c-title__context">Press release</span>'
            f'{v["h1"]}</div><p class="gem-c-lead-paragraph">{v["s"].standfirst}</p>'
            f'<div class="gem-c-metadata"><dl><dt>From:</dt><dd><a href="/org/ea">Environment '
            f'Agency</a></dd><dt>Published</dt><dd>{v["meta"]}</dd></dl></div>'
            f'<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">{v["lead"]}'
            f'<div class="gem-c-govspeak govuk-govspeak"><div class="govspeak">\n{v["body"]}\n'
            f'</div></div><div class="gem-c-share-links"><h2>Share this page</h2><ul><li><a '
            f'href="https://social.example/s">Facebook</a></li></ul></div></div>'
            f'<div class="govuk-grid-column-one-third"><aside class="contacts"><h2>Media '
            f'enquiries</h2><p>Press office, 0300 000 0000, available 24 hours a day for urgent '
            f'enquiries from journalists.</p></aside></div></div>'
            f'<div class="gem-c-feedback"><h2>Is this page useful?</h2><button>Yes</button>'
            f"<button>No</button><a href=\"/contact\">Report a problem with this page</a></div>"
            f"</main></div>")


def shell_thinktank(**v: Any) -> str:
    authors = "".join(
        f'<div class="expert-card"><a href="/experts/{i}"><h4>{esc(a)}</h4></a><p>{esc(a)} is a '
        "senior fellow in the water and climate programme. Before joining the institute they "
        "advised basin organisations in three regions on data sharing and dispute prevention, "
        "and they have written widely on transboundary rivers and drought planning.</p></div>"
        for i, a in enumerate(v["s"].authors))
    return (f'<main class="layout-main"><div class="report-header">{v["kicker"]}{v["h1"]}'
            f'{v["stand"]}{v["meta"]}</div>{v["lead"]}<div class="report-layout">'
            f'<div class="report-body">{v["lay"].body_tag}\n{v["body"]}\n{v["body_close"]}</div>'
            f'<aside class="report-aside"><h3>Authors</h3>{authors}<div class="download">'
            f'<a href="/report.pdf">Download the full report (PDF, 2.1 MB)</a></div></aside>'
            f'</div>{v["after"]}</main>')


def shell_blog(**v: Any) -> str:
    return (f'<div class="content-outer"><div class="main-inner"><div class="blog-posts '
            f'hfeed"><div class="date-outer"><h2 class="date-header"><span>Sunday 31 May 2025'
            f'</span></h2><div class="post-outer"><div class="post hentry">{v["h1"]}'
            f'<div class="post-header">{v["meta"]}</div>{v["lead"]}<div class="post-body '
            f'entry-content">\n{v["body"]}\n</div><div class="post-footer">{v["after"]}</div>'
            f'</div></div>{v["comments_html"]}</div></div></div><div class="sidebar">'
            f'{v["sidebar"]}</div></div></div>')


def shell_microdata(**v: Any) -> str:
    return (f'<main><div itemscope itemtype="https://schema.org/NewsArticle">'
            f'<h1 itemprop="headline">{esc(v["s"].title)}</h1>{v["meta"]}{v["lead"]}'
            f'<div itemprop="articleBody">\n{v["body"]}\n</div>{v["after"]}</div></main>'
            f'{v["sidebar"]}')


SHELLS.update(amp=shell_amp, gov=shell_gov, thinktank=shell_thinktank, blog=shell_blog,
              microdata=shell_microdata)


# -- the set ------------------------------------------------------------------------------------


def pub(name: str, domain: str, path: str) -> Publisher:
    return Publisher(name, domain, path)


def catalogue(stories: dict[str, Story]) -> list[Page]:
    S = stories
    L = Layout
    return [
        Page("wp-classic-island-ferry", S["ferry-timetable"],
             pub("Skellan Courier", "www.skellancourier.example",
                 "/2025/06/02/island-ferry-dawn-sailing/"),
             L(template="wordpress", lead="wp-caption", lead_where="body", fig="wp-caption",
               credit="text", pq="blockquote", title="og-suffix", author="byline",
               after=("share", "related"), chrome=("comments",)),
             "WordPress classic: captions as wp-caption inside the content, comments longer "
             "than some stories, jetpack-style sharing and related posts inside the content"),
        Page("wp-gutenberg-library-van", S["library-van"],
             pub("Valley Post", "valleypost.example", "/news/mobile-library-returns/"),
             L(template="wordpress", lead="figure", fig="figure", credit="text-paren",
               pq="wp-block", inserts=((4, "newsletter-link"),), author="jsonld", date="jsonld",
               after=("share", "tags", "bio")),
             "Gutenberg pull quote with a cite, a newsletter call-out block with no form, "
             "author and date only in JSON-LD"),
        Page("wp-mailchimp-river-cleanup", S["river-cleanup"],
             pub("Marrow Valley Times", "marrowvalleytimes.example",
                 "/2025/06/01/river-marrow-clean-up-record/"),
             L(template="wordpress", lead="figure", fig="figure", credit="span",
               inserts=((3, "newsletter-form"), (6, "related-list")), author="rel-multi",
               date="time", title="og"),
             "two authors only in the byline, an email sign-up form and a related list "
             "inside the text"),
        Page("drupal-bakery-coop", S["bakery-coop"],
             pub("Fenby & District Gazette", "www.fenbygazette.example",
                 "/news/villagers-buy-bakery"),
             L(template="drupal", lead="drupal", credit="sibling", pq="drupal", author="byline",
               date="meta", after=("tags",)),
             "Drupal fields: caption and credit in sibling fields, pull quote as a paragraph "
             "entity, related content view under the node"),
        Page("drupal-split-school-roof", S["school-roof"],
             pub("Linfield Express", "linfieldexpress.example",
                 "/education/linfield-primary-roof-repairs"),
             L(template="drupal", lead="figure", credit="span", split_every=2,
               body_tag='<div class="paragraph paragraph--type--text">', author="text",
               date="time-updated-first"),
             "body split into paragraph entities with ads between; the updated time "
             "stands before the published time"),
        Page("ghost-heat-pumps", S["heat-pumps"],
             pub("The Ellerby Letter", "ellerbyletter.example", "/street-by-street/"),
             L(template="ghost", lead="ghost", fig="ghost", credit="text", pq="ghost-alt",
               inserts=((5, "newsletter-link"),), after=("share",), author="meta",
               date="meta", credit_word="Photo by "),
             "Ghost: kg cards, the alternative blockquote as pull quote, 'Photo by' credits"),
        Page("ghost-supper-club", S["refugee-kitchen"],
             pub("Carver Street Notes", "carverstreet.example", "/supper-club-language/"),
             L(template="ghost", lead="ghost", credit="copyright", pq="ghost-alt",
               inserts=((3, "donate"),), author="jsonld", date="jsonld", og_image="crop"),
             "Ghost with a donation panel in the text; the social image is a crop, the "
             "lead figure is the real picture"),
        Page("newswire-wind-dividend", S["wind-farm"],
             pub("Lantern Wire", "lanternwire.example",
                 "/business/energy/hollin-moor-turbine-dividend-2025-06-06/"),
             L(template="newswire", lead="figure", credit="pipe", credit_word="",
               p='<p data-testid="paragraph-{n}" class="text__text__1FZLe">{}</p>',
               inserts=((2, "signup-para"), (3, "ad")), pq="plain-blockquote",
               author="rel-multi", date="time", after=("tags",),
               dateline="HOLLIN MOOR, England, June 6 (Lantern Wire) - ",
               chrome=("most-read",)),
             "newswire: test-id paragraphs, a sign-up plug and ad slots between them, a "
             "dateline, a classless blockquote that repeats the text"),
        Page("newswire-jsonld-only-housing", S["housing-plan"],
             pub("Northgate Wire", "northgatewire.example", "/uk/morwick-dairy-homes-approved"),
             L(template="newswire", lead="figure", credit="span", jsonld_body="only",
               author="jsonld", date="jsonld", chrome=("most-read",)),
             "the HTML shows two paragraphs and a hydration placeholder; the full text is "
             "only in JSON-LD articleBody"),
        Page("css-in-js-clinic-hours", S["clinic-hours"],
             pub("Ormley Today", "ormleytoday.example", "/health/evening-gp-hours"),
             L(template="generic", body_tag='<div class="sc-1q2w3e css-9k1d">',
               p='<p class="sc-7a8b9c eDfGhI">{}</p>', lead="image-div", credit="sibling",
               pq="hashed", jsonld_body="extra", author="jsonld", date="jsonld",
               title="og-social", chrome=("cookie",)),
             "CSS-in-JS class names, a pull quote in an unmarked div, a social headline that "
             "differs from the page's, articleBody also in JSON-LD",
             site_rule={"pull_quote": "div.sc-4b2f9e"}),
        Page("thinktank-long-basin-report", S["basin-report"],
             pub("Meridian Policy Institute", "www.meridianpolicy.example",
                 "/research/kessa-basin-release-schedule"),
             L(template="thinktank", lead="figure", credit="copyright", pq="div",
               body_tag='<section class="report-section">', split_every=6,
               inserts=((9, "related-list"),), author="jsonld", date="meta",
               canonical="relative"),
             "a long report split into sections with ads and a related list between them, "
             "author cards beside it, table, lists and subheads"),
        Page("ngo-water-schools", S["water-grant"],
             pub("Wellspring Trust", "wellspringtrust.example", "/news/clean-water-three-schools"),
             L(template="generic", lead="hero", credit="sibling",
               inserts=((3, "donate-ngo"), (6, "video")), chrome=("cookie", "sidebar-about"),
               author="text", date="text-en", after=("share",)),
             "an NGO: a hero image with its credit outside the caption, a donation box and a "
             "video in the text, a long 'about us' sidebar, the date only as text"),
        Page("gov-press-flood-wall", S["flood-defence"],
             pub("Environment Agency", "www.gov.example",
                 "/government/news/tarn-flood-wall-opens"),
             L(template="gov", lead="figure", credit="text", credit_word="Image: ", author="none",
               date="text-en", title="og", after=()),
             "a government press release: no person as author, the date as text, a table, "
             "share links, feedback form and media contacts"),
        Page("amp-bus-route", S["bus-route"],
             pub("Orton Courier", "ortoncourier.example", "/news/47-bus-restored"),
             L(template="amp", lead="amp", fig="figure", credit="text", author="byline",
               date="meta", after=(), served_query=""),
             "AMP: amp-img, amp-ad, share buttons, canonical pointing at the regular page"),
        Page("lazy-market-hall", S["market-hall"],
             pub("Crossgate Chronicle", "crossgatechronicle.example", "/news/market-hall-reopens"),
             L(template="lazy", lead="picture", credit="span", credit_word="Picture: ",
               author="itemprop", date="meta", inserts=((2, "ad-continue"),)),
             "lazy-loaded lead in a picture element with a placeholder, noscript fallback"),
        Page("gallery-orchard-festival", S["harvest-festival"],
             pub("Kingsmead Herald", "kingsmeadherald.example", "/whats-on/orchard-festival"),
             L(template="generic", lead="figure", credit="span", inserts=((3, "gallery"),),
               author="byline", date="time"),
             "a photo gallery with captions and credits in the middle of the text"),
        Page("cookie-wall-lighthouse-museum", S["lighthouse-museum"],
             pub("Gull Point Packet", "gullpointpacket.example", "/news/keepers-cottage-museum"),
             L(template="generic", lead="figure", credit="text", chrome=("cookie", "paywall-modal"),
               author="meta", date="meta", after=("share", "related")),
             "a consent wall and a meter pop-up with more text than a short story"),
        Page("paywall-long-port-nights", S["port-nights"],
             pub("Aldmouth Observer", "www.aldmouthobserver.example",
                 "/features/night-shift-aldmouth-port"),
             L(template="generic", lead="figure", credit="span", wrap_after=5,
               inserts=((5, "newsletter-form"), (14, "related-list")), author="byline",
               date="jsonld", chrome=("most-read",), after=("share", "bio", "related")),
             "a long feature whose second half sits in a paywall wrapper (served whole to "
             "subscribers and crawlers), with a sign-up box at the cut"),
        Page("split-body-long-port-nights", S["port-nights"],
             pub("Estuary Daily", "estuarydaily.example", "/long-reads/aldmouth-night-shift"),
             L(template="generic", lead="figure", credit="pipe", split_every=5,
               body_tag='<div class="article-body__part">', inserts=((9, "readmore"),),
               author="jsonld", date="meta", chrome=("most-read",)),
             "a long read cut into body parts by ad slots: generic extractors keep the first"),
        Page("table-layout-school-roof", S["school-roof"],
             pub("Linfield Parish News", "linfieldparish.example", "/news.php?id=412"),
             L(template="table", lead="figure", credit="text-paren", p="{}<br><br>",
               body_tag="<div>", author="text", date="text-en", title="title-only",
               canonical="none", served_query="", og_image="none", after=()),
             "an old CMS: table layout, paragraphs separated by line breaks, no metadata"),
        Page("blog-comments-bakery", S["bakery-coop"],
             pub("Fenby Life", "fenbylife.example", "/2025/05/the-bakery-is-ours.html"),
             L(template="blog", lead="figure", fig="caption-para", credit="text",
               chrome=("comments", "sidebar-about"), author="text", date="jsonld",
               after=("share",)),
             "a blog whose comments are longer than the post, caption in the next paragraph"),
        Page("microdata-library-van", S["library-van"],
             pub("Hill Villages Voice", "hillvoice.example", "/stories/library-van-returns"),
             L(template="microdata", lead="image-div", credit="span", author="itemprop",
               date="microdata", canonical="og", inserts=((6, "podcast"),)),
             "schema.org microdata: itemprop articleBody, author and date; an audio player"),
        Page("embeds-river-cleanup", S["river-cleanup"],
             pub("Stone Bridge Echo", "stonebridgeecho.example", "/news/marrow-clean-up"),
             L(template="generic", lead="figure", fig="div-credit", credit="span",
               inserts=((2, "tweet"), (5, "video"), (7, "readmore")), author="byline-caps",
               date="meta"),
             "an embedded post, a video, credits in their own paragraph, a byline in capitals"),
        Page("newsletter-wind-turbine", S["wind-farm"],
             pub("Hollin Moor Journal", "hollinmoorjournal.example", "/news/turbine-dividend"),
             L(template="generic", lead="figure", credit="span", pq="aside",
               inserts=((1, "newsletter-form"), (3, "donate"), (4, "readmore-caps")),
               author="byline-role", date="meta"),
             "sign-up, donation and 'READ MORE' boxes inside a short story; a byline with role"),
        Page("regional-network-housing", S["housing-plan"],
             pub("Morwick Advertiser", "www.morwickadvertiser.example",
                 "/news/local-news/dairy-site-homes-approved-4419"),
             L(template="generic", lead="figure", credit="copyright", pq="blockquote",
               inserts=((1, "ad-continue"), (3, "readmore-caps"), (5, "ad-continue")),
               author="byline", date="time-updated-first", chrome=("most-read",),
               after=("share", "tags", "related")),
             "a regional network's template: ad labels, READ MORE lines, most-read summaries"),
        Page("magazine-dropcap-lighthouse", S["lighthouse-museum"],
             pub("Coastlines Magazine", "coastlinesmag.example", "/culture/gull-point-cottage"),
             L(template="generic", lead="hero", credit="data", author="meta", date="jsonld",
               p='<p class="body-text">{}</p>'),
             "a magazine: hero image with the credit in a data attribute"),
        Page("island-newsletter-ferry", S["ferry-timetable"],
             pub("Skellan Community News", "skellannews.example", "/ferry-dawn-sailing.html"),
             L(template="generic", lead="figure", fig="caption-para", credit="text",
               credit_word="Picture: ", author="text", date="text-en", title="title-only",
               canonical="none", served_query="", after=()),
             "a volunteer site: no social metadata, captions as paragraphs, date as text"),
        Page("ngo-report-water-second", S["water-grant"],
             pub("Kessa Uplands Partnership", "kessauplands.example",
                 "/stories/tamboli-rainwater"),
             L(template="generic", lead="figure", credit="jsonld", pq="aside",
               inserts=((2, "donate-ngo"),), author="jsonld", date="jsonld",
               chrome=("sidebar-about",)),
             "the lead picture's credit only in JSON-LD creditText"),
        Page("health-board-clinic-hours", S["clinic-hours"],
             pub("Ormley Health Board", "ormleyhealth.example", "/news/evening-appointments"),
             L(template="gov", lead="og-only", author="none", date="text-en", after=(),
               og_image="same"),
             "a public body's news page with no lead figure, only a social image"),
        Page("diaspora-portal-supper-club", S["refugee-kitchen"],
             pub("Horn Diaspora Portal", "horndiaspora.example", "/community/carver-street-supper"),
             L(template="wordpress", lead="wp-caption", credit="text", pq="blockquote",
               author="byline", date="meta", inserts=((2, "related-list"),),
               chrome=("cookie",), title="og-suffix"),
             "a portal built on WordPress, related list and cookie banner"),
        Page("council-news-bus-route", S["bus-route"],
             pub("Orton County Council", "orton-county.example",
                 "/news/2025/parish-funded-bus-47"),
             L(template="drupal", lead="figure", fig="drupal", credit="span", author="none",
               date="meta", after=("share",)),
             "a council newsroom on Drupal with image fields in the body"),
        Page("market-hall-second", S["market-hall"],
             pub("Crossgate Traders", "crossgatetraders.example", "/news/hall-reopens"),
             L(template="blog", lead="figure", credit="text", author="text", date="jsonld",
               inserts=((2, "donate"),), chrome=("comments",)),
             "a traders' association blog with a membership appeal"),
        Page("flood-wall-regional", S["flood-defence"],
             pub("Tarnside Mercury", "tarnsidemercury.example", "/news/flood-wall-opened"),
             L(template="generic", lead="figure", credit="span", author="byline",
               date="meta", inserts=((4, "ad"), (6, "readmore"))),
             "a table in the body after an ad slot"),
        Page("orchard-blog", S["harvest-festival"],
             pub("Orchard Trust", "orchardtrust.example", "/blog/record-apple-day"),
             L(template="ghost", lead="ghost", credit="text", pq="ghost-alt", author="meta",
               date="meta", inserts=((4, "donate"),)),
             "a charity's Ghost blog with a donation appeal"),
        Page("fr-regional-halle", S["fr-marche"],
             pub("Le Courrier du Val", "www.courrierduval.example",
                 "/actualite/valmorel-halle-reouverture"),
             L(template="generic", lead="figure", credit="text", credit_word="Crédit photo : ",
               pq="aside", inserts=((3, "readmore"), (5, "newsletter-form")),
               author="byline", date="text-fr", chrome=("cookie",)),
             "French: 'Crédit photo', 'À lire aussi', date written 'Publié le 03/06/2025 à "
             "07h30'"),
        Page("fr-daily-ecole", S["fr-ecole"],
             pub("L'Écho de Bréval", "echobreval.example", "/education/ecole-sauvee"),
             L(template="generic", lead="figure", credit="copyright",
               p='<p class="article-body__paragraph">{}</p>', pq="blockquote",
               author="jsonld", date="jsonld", inserts=((2, "ad"),)),
             "French with two authors, copyright-sign credits"),
        Page("es-regional-acequia", S["es-agua"],
             pub("Diario de la Sierra", "diariodelasierra.example",
                 "/comarca/valdeloma-acequia-medieval"),
             L(template="generic", lead="figure", credit="text", credit_word="Foto: ", pq="aside",
               inserts=((2, "readmore"),), author="byline", date="text-es"),
             "Spanish: 'Foto:', 'Lea también', date written '2 de junio de 2025'"),
        Page("es-city-biblioteca", S["es-biblioteca"],
             pub("Crónica de San Lorenzo", "cronicasanlorenzo.example",
                 "/barrio/biblioteca-noche-examenes"),
             L(template="wordpress", lead="figure", credit="pipe", credit_word="", author="meta",
               date="meta", inserts=((3, "newsletter-form"),)),
             "Spanish on WordPress with a sign-up form"),
        Page("ar-rtl-palm-groves", S["ar-bustan"],
             pub("الواحة", "alwaha-news.example", "/economy/palm-groves-wadi"),
             L(template="generic", lead="figure", credit="text", credit_word="تصوير: ",
               pq="blockquote", inserts=((2, "readmore"),), author="byline", date="meta",
               chrome=("cookie",)),
             "Arabic, right to left, 'تصوير:' credits and a related link line"),
        Page("ar-jsonld-clinic", S["ar-mustashfa"],
             pub("صوت الجبل", "sawtaljabal.example", "/health/mobile-clinic"),
             L(template="newswire", lead="figure", credit="span", credit_word="تصوير: ",
               jsonld_body="only", author="jsonld", date="jsonld"),
             "Arabic page rendered by script: the text only in JSON-LD articleBody"),
        Page("he-rtl-library", S["he-sifriya"],
             pub("קול השכונה", "kolhashchuna.example", "/local/new-library"),
             L(template="generic", lead="figure", credit="text", credit_word="צילום: ",
               inserts=((2, "readmore"),), author="byline", date="meta"),
             "Hebrew, right to left, 'צילום:' credit"),
        Page("ru-cyrillic-bridge", S["ru-most"],
             pub("Заречные вести", "zarechnye-vesti.example", "/news/new-bridge"),
             L(template="generic", lead="figure", credit="text", credit_word="Фото: ",
               inserts=((3, "readmore"),), author="byline", date="meta"),
             "Russian, Cyrillic, 'Фото:' credit"),
        Page("wp-basin-report-blog", S["basin-report"],
             pub("River Commons", "rivercommons.example", "/2025/05/kessa-release-schedule/"),
             L(template="wordpress", lead="figure", credit="text", pq="wp-block",
               inserts=((4, "newsletter-link"), (12, "donate")), author="byline",
               date="meta", chrome=("comments",)),
             "the long report republished on a WordPress blog with call-outs inside it"),
        Page("amp-refugee-supper", S["refugee-kitchen"],
             pub("Carver Post", "carverpost.example", "/news/supper-club"),
             L(template="amp", lead="amp", credit="copyright", author="jsonld", date="jsonld",
               after=(), served_query=""),
             "AMP page with JSON-LD metadata"),
    ]


def main() -> None:
    stories = load_stories()
    pages = catalogue(stories)
    names = [p.name for p in pages]
    assert len(names) == len(set(names)), "page names must be unique"
    for old in HERE.glob("*.html"):
        old.unlink()
    for old in HERE.glob("*.expected.json"):
        old.unlink()
    for page in pages:
        doc, expected = render(page)
        (HERE / f"{page.name}.html").write_text(doc, "utf-8")
        (HERE / f"{page.name}.expected.json").write_text(
            json.dumps(expected, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{len(pages)} pages written to {HERE.name}/")


if __name__ == "__main__":
    main()
