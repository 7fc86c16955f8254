"""URL checks shared by the settings (the Bot API server) and the command line (the webhook)."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_http_url(value: str) -> bool:
    """Whether ``value`` is an http:// or https:// URL with a host and, if any, a numeric port."""
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # raises for a port that is not a number
    except ValueError:
        return False
    return valid and not any(ch.isspace() for ch in value)
