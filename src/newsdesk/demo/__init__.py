"""A bundled demo publisher, so the site can be tried offline.

Three invented publishers (an RSS 2.0, an Atom 1.0 and a JSON Feed 1.1 feed) served from a
loopback HTTP server by `newsdesk.demo.publisher.DemoPublisher`, with realistic article pages
and Pillow-drawn images. Every name, person and event in it is fictional.
"""

from newsdesk.demo.images import render_region_image

__all__ = ["render_region_image"]
