"""Article jobs (see newsdesk/jobs.py): ids in, one service call."""

from __future__ import annotations

from newsdesk.articles.images import lead_image_fetch
from newsdesk.articles.models import Article
from newsdesk.jobs import job


@job("newsdesk.articles.process_lead_image")
def process_lead_image(article_id: int) -> bool:
    """Fetch the article's lead image and store its resized renditions; False when it has none
    or the image cannot be had."""
    image_url = Article.objects.filter(id=article_id).values_list("image_url", flat=True).first()
    return bool(image_url) and lead_image_fetch(image_url=image_url) is not None


@job("newsdesk.articles.process_lead_images")
def process_lead_images(article_ids: list[int]) -> int:
    """process_lead_image for the articles of one poll, as one job rather than one each (a poll
    can store dozens, and a broker hands a worker its next task only after some delay); how
    many images were had."""
    urls = dict(Article.objects.filter(id__in=article_ids).exclude(image_url="")
                .values_list("id", "image_url"))
    return sum(lead_image_fetch(image_url=urls[article_id]) is not None
               for article_id in article_ids if article_id in urls)
