"""Each publisher's feed: RSS 2.0, Atom 1.0 or JSON Feed 1.1, linking to the local pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape

from newsdesk.demo.content import DemoArticle, DemoPublisherSite
from newsdesk.demo.images import ARTICLE_IMAGE_SIZE, render_article_image


def _xml(value: str) -> str:
    """Escaped for XML text and double-quoted attributes."""
    return xml_escape(value, {'"': "&quot;"})


def feed_updated(site: DemoPublisherSite) -> datetime:
    return max(article.updated for article in site.articles)


def item_link(site: DemoPublisherSite, article: DemoArticle, base_url: str) -> str:
    """The address a feed reader follows: the local page, with the publisher's tracking query."""
    link = base_url + site.local_path(article)
    return f"{link}?{site.link_query}" if site.link_query else link


def _rss_item(site: DemoPublisherSite, article: DemoArticle, base_url: str) -> str:
    width, height = ARTICLE_IMAGE_SIZE
    image_url = _xml(base_url + site.image_path(article))
    categories = "".join(f"<category>{_xml(tag)}</category>" for tag in article.tags)
    return f"""    <item>
      <title>{_xml(article.title)}</title>
      <link>{_xml(item_link(site, article, base_url))}</link>
      <description>{_xml(article.excerpt)}</description>
      <pubDate>{format_datetime(article.published)}</pubDate>
      <dc:creator>{_xml(article.author)}</dc:creator>
      <guid isPermaLink="false">{_xml(site.guid(article))}</guid>
      {categories}
      <media:content url="{image_url}" type="image/jpeg" medium="image"
                     width="{width}" height="{height}">
        <media:description type="plain">{_xml(article.image.alt)}</media:description>
        <media:credit>{_xml(article.image.credit)}</media:credit>
      </media:content>
    </item>"""


def render_rss(site: DemoPublisherSite, base_url: str) -> bytes:
    items = "\n".join(_rss_item(site, article, base_url) for article in site.articles)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{_xml(site.feed_title)}</title>
    <link>{_xml(site.home)}</link>
    <description>{_xml(site.tagline)}</description>
    <language>{site.language}</language>
    <lastBuildDate>{format_datetime(feed_updated(site))}</lastBuildDate>
    <atom:link rel="self" type="application/rss+xml"
               href="{_xml(base_url + site.feed_local_path())}"/>
{items}
  </channel>
</rss>
""".encode()


def _atom_entry(site: DemoPublisherSite, article: DemoArticle, base_url: str) -> str:
    image_size = len(render_article_image(article.slug))
    image_url = _xml(base_url + site.image_path(article))
    categories = "".join(f'<category term="{_xml(tag)}"/>' for tag in article.tags)
    return f"""  <entry>
    <title>{_xml(article.title)}</title>
    <id>{_xml(site.guid(article))}</id>
    <link rel="alternate" type="text/html" href="{_xml(item_link(site, article, base_url))}"/>
    <link rel="enclosure" type="image/jpeg" length="{image_size}" href="{image_url}"/>
    <published>{article.published.isoformat()}</published>
    <updated>{article.updated.isoformat()}</updated>
    <author><name>{_xml(article.author)}</name></author>
    <summary type="text">{_xml(article.excerpt)}</summary>
    {categories}
  </entry>"""


def render_atom(site: DemoPublisherSite, base_url: str) -> bytes:
    entries = "\n".join(_atom_entry(site, article, base_url) for article in site.articles)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{site.language}">
  <title>{_xml(site.feed_title)}</title>
  <subtitle>{_xml(site.tagline)}</subtitle>
  <id>{_xml(site.home)}</id>
  <updated>{feed_updated(site).isoformat()}</updated>
  <link rel="alternate" type="text/html" href="{_xml(site.home)}"/>
  <link rel="self" type="application/atom+xml" href="{_xml(base_url + site.feed_local_path())}"/>
  <rights>© 2026 {_xml(site.name)}</rights>
{entries}
</feed>
""".encode()


def _json_item(site: DemoPublisherSite, article: DemoArticle, base_url: str) -> dict[str, object]:
    return {
        "id": site.guid(article),
        "url": item_link(site, article, base_url),
        "title": article.title,
        "summary": article.excerpt,
        "content_html": f"<p>{_xml(article.excerpt)}</p>",
        "image": base_url + site.image_path(article),
        "date_published": article.published.isoformat(),
        "date_modified": article.updated.isoformat(),
        "authors": [{"name": article.author}],
        "tags": list(article.tags),
        "language": site.language,
    }


def render_json_feed(site: DemoPublisherSite, base_url: str) -> bytes:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.feed_title,
        "home_page_url": site.home,
        "feed_url": base_url + site.feed_local_path(),
        "description": site.tagline,
        "language": site.language,
        "authors": [{"name": site.name}],
        "items": [_json_item(site, article, base_url) for article in site.articles],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2).encode()


RENDERERS: dict[str, Callable[[DemoPublisherSite, str], bytes]] = {
    "rss20": render_rss,
    "atom10": render_atom,
    "json11": render_json_feed,
}


def render_feed(site: DemoPublisherSite, base_url: str) -> bytes:
    return RENDERERS[site.feed_format](site, base_url)
