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
