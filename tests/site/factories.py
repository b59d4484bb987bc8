"""Published articles for the site's tests, stored through the ingest pipeline's store step."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from html import escape
from itertools import count

from newsdesk.articles.models import Article
from newsdesk.articles.services import article_store
from newsdesk.ingest.pipeline import ProcessedItem
from newsdesk.ingest.places import country_regions
from newsdesk.ingest.types import Enrichment, ExtractedArticle, FeedItem, Identity, PullQuote
from newsdesk.sources.models import ContentPolicy, ImagePolicy, PublishPolicy, Source

_serial = count(1)


def publisher(name: str = "The Harbour Gazette", *, domain: str = "harbourgazette.example",
              image_policy: str = ImagePolicy.SOURCE) -> Source:
    """A followed source that publishes what it sends at once."""
    return Source.objects.create(
        feed_url=f"https://{domain}/feed-{next(_serial)}.xml", name=name, domain=domain,
        home_url=f"https://{domain}/", image_policy=image_policy, publish=PublishPolicy.AUTO,
        content=ContentPolicy.FULL)


def processed(*, title: str, paragraphs: Sequence[str], countries: Sequence[str] = (),
              regions: Sequence[str] = (), pull_quotes: Sequence[tuple[str, int]] = (),
              url: str = "", author: str = "", published: datetime | None = None,
              image_url: str = "", image_alt: str = "", image_credit: str = "",
              ) -> ProcessedItem:
    """One feed item as it leaves the pipeline's enrich stage."""
    serial = next(_serial)
    url = url or f"https://harbourgazette.example/news/{serial}"
    body_html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if not regions:
        regions = tuple(dict.fromkeys(r for c in countries for r in country_regions(c)))
    words = sum(len(p.split()) for p in paragraphs)
    digest = hashlib.sha256(f"{title}\n{body_html}".encode()).hexdigest()
    article = ExtractedArticle(
        url=url, title=title, body_html=body_html, author=author, published=published,
        language="en", image_url=image_url, image_alt=image_alt, image_credit=image_credit,
        pull_quotes=tuple(PullQuote(text, position) for text, position in pull_quotes))
    return ProcessedItem(
        item=FeedItem(guid=f"item-{serial}", link=url, title=title, published=published),
        article=article,
        identity=Identity(guid=f"item-{serial}", url=url, fingerprint=digest, feed_hash=digest),
        enrichment=Enrichment(primary_country=countries[0] if countries else "",
                              countries=tuple(countries), regions=tuple(regions),
                              summary=paragraphs[0][:300] if paragraphs else "",
                              reading_minutes=max(1, words // 200)),
    )


def published_article(source: Source | None = None, **fields: object) -> Article:
    """Store one item for `source` (a new publisher when None); it is published at once."""
    outcome = article_store(source=source or publisher(), processed=processed(**fields))  # type: ignore[arg-type]
    assert outcome.counter == "created", outcome
    return Article.objects.get(id=outcome.article_id)
