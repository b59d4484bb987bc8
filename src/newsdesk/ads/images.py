"""Creative images go through the site's shared upload checks (newsdesk.media_checks): type
sniffed from the bytes, size and pixel limits, re-encoded without metadata under a new name.
Only the limits are the ads' own: banners are wide and short (a leaderboard is 90 px tall)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from newsdesk.media_checks import MB, ImageLimits, MediaRejected, check_image

CREATIVE_LIMITS = ImageLimits(max_bytes=5 * MB, max_width=3000, max_height=3000,
                              max_pixels=6_000_000, min_width=100, min_height=50)


def creative_image_check(upload: UploadedFile) -> ContentFile:
    """The upload re-encoded and renamed, ready to store; ValidationError with the reason."""
    try:
        checked = check_image(upload, client_name=upload.name or "", limits=CREATIVE_LIMITS)
    except MediaRejected as exc:
        raise ValidationError(exc.message) from exc
    return ContentFile(checked.content, name=checked.name)
