"""Newsdesk: a self-hosted engine for a syndicated news site."""

__version__ = "0.1.0"
