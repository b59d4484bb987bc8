"""One family of errors for everything that can go wrong while ingesting a source.

Each message is written for an editor: it says what happened in words, not in a traceback.
"""

from __future__ import annotations


class IngestError(Exception):
    """Something about one source or one page went wrong; the others carry on."""


class FetchError(IngestError):
    """The resource could not be fetched."""


class BlockedAddressError(FetchError):
    """The URL's scheme or resolved address is not allowed (private network, file:, ...)."""


class FetchTimeoutError(FetchError):
    """The whole fetch took longer than its deadline."""


class TooLargeError(FetchError):
    """The decoded body grew past the size cap."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class GoneError(HTTPStatusError):
    """410 Gone: the publisher removed the feed for good."""


class ParseError(IngestError):
    """The bytes are not a feed we can read."""


class ExtractError(IngestError):
    """The article page yielded no usable text."""
