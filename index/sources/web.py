"""Downloading an article from a link a chat sent, safely and within fixed limits.

Why this much care: the link comes from anyone in a chat. Each hop of a redirect is
checked (scheme, address), the connection goes to the address that was checked, the
body is read in chunks and cut at a size cap, and every wait has a time limit; so a link
can neither reach the bot's own network nor hold a worker thread or fill its memory.
Synchronous on purpose: the bot calls it from a worker thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from index.errors import SourceError
from index.sources import addresses
from index.sources.charset import decode_page
from index.sources.extract import extract_main_text

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
MAX_URL_CHARS = 2_000
_HEADERS = {
    "User-Agent": "Mozilla/5.0 (compatible; article-bot/0.1)",
    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
}


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A downloaded article: the final URL (after redirects), its title and main text."""

    url: str
    title: str
    text: str

    def article_text(self) -> str:
        """ "Title\\nbody", the form ``parse_article`` reads."""
        return f"{self.title}\n{self.text}"


def fetch_page(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = 2_000_000,
    connect_timeout: float = 5.0,
    read_timeout: float = 10.0,
    max_redirects: int = 5,
    total_timeout: float = 30.0,
) -> FetchedPage:
    """Download ``url`` and extract its article, or raise :class:`SourceError`.

    ``read_timeout`` bounds each wait for data; ``total_timeout`` bounds the whole
    download, so a server trickling bytes cannot hold the caller for long.
    """
    current = _parse_link(url)
    deadline = time.monotonic() + total_timeout
    timeout = httpx.Timeout(
        connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
    )
    # No proxy from the environment: the address check must hold for the real connection.
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _hop in range(max_redirects + 1):
            try:
                page = _fetch_once(
                    client,
                    current,
                    allow_private=allow_private,
                    max_bytes=max_bytes,
                    resolve_timeout=connect_timeout,
                    deadline=deadline,
                    total_timeout=total_timeout,
                )
            except httpx.ConnectTimeout as exc:
                raise SourceError(f"the site did not answer within {connect_timeout:g} s") from exc
            except httpx.TimeoutException as exc:
                raise SourceError(f"the site did not answer within {read_timeout:g} s") from exc
            except httpx.HTTPError as exc:
                raise SourceError(_transport_message(exc)) from exc
            if isinstance(page, FetchedPage):
                return page
            current = page
    raise SourceError(f"too many redirects (more than {max_redirects})")


def _parse_link(link: str) -> httpx.URL:
    """The link as a URL, refusing anything but an absolute http(s) link."""
    link = link.strip()
    if len(link) > MAX_URL_CHARS:
        raise SourceError(f"that link is too long (more than {MAX_URL_CHARS:,} characters)")
    try:
        parsed = httpx.URL(link)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise SourceError("that is not a valid link") from exc
    return _checked_url(parsed, redirected=False)


def _checked_url(parsed: httpx.URL, *, redirected: bool) -> httpx.URL:
    if parsed.scheme not in ("http", "https"):
        if not parsed.scheme and not redirected:
            raise SourceError("that is not a link (it must start with http:// or https://)")
        where = "the site redirects to a link that is not http or https; " if redirected else ""
        raise SourceError(f"{where}only http and https links can be added")
    if not parsed.host:
        raise SourceError("that link has no site name")
    return parsed


def _fetch_once(
    client: httpx.Client,
    url: httpx.URL,
    *,
    allow_private: bool,
    max_bytes: int,
    resolve_timeout: float,
    deadline: float,
    total_timeout: float,
) -> FetchedPage | httpx.URL:
    """One request: the page, or the URL a redirect points to."""
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    address = addresses.checked_address(
        host, port, allow_private=allow_private, timeout=resolve_timeout
    )
    # Connect to the checked address; the Host header and TLS name stay the site's own.
    target = url.copy_with(host=str(address))
    headers = {**_HEADERS, "Host": url.netloc.decode("ascii")}
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    with client.stream("GET", target, headers=headers, extensions=extensions) as response:
        if response.is_redirect:
            location = response.headers["location"]
            try:
                next_url = url.join(location)
            except (httpx.InvalidURL, TypeError, ValueError) as exc:
                raise SourceError("the site redirects to a link that is not valid") from exc
            return _checked_url(next_url, redirected=True)
        if not 200 <= response.status_code < 300:
            reason = httpx.codes.get_reason_phrase(response.status_code)
            raise SourceError(f"the site answered {response.status_code} {reason}".strip())
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type and media_type not in HTML_TYPES | TEXT_TYPES:
            raise SourceError(
                f"the link is not a web page or text (it is {media_type[:60]}); "
                "send a link to an article"
            )
        body = _read_body(response, max_bytes=max_bytes, deadline=deadline, total=total_timeout)
        charset = response.charset_encoding
    final_url = str(url)
    if media_type in TEXT_TYPES:
        return _text_page(final_url, decode_page(body, charset, is_html=False))
    markup = decode_page(body, charset, is_html=True)
    if not media_type and b"<" not in body[:1024]:
        # No declared type: a body that does not open like markup is read as plain text.
        return _text_page(final_url, markup)
    extracted = extract_main_text(markup, url=final_url)
    if extracted is None:
        raise SourceError("the page has no article text")
    return FetchedPage(url=final_url, title=extracted.title, text=extracted.body)


def _read_body(response: httpx.Response, *, max_bytes: int, deadline: float, total: float) -> bytes:
    """The decompressed body, refused as soon as it passes ``max_bytes`` or the deadline."""
    too_large = f"the page is larger than {max_bytes:,} bytes"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(too_large)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(too_large)
        if time.monotonic() > deadline:
            raise SourceError(f"the page took more than {total:g} s to download")
        chunks.append(chunk)
    return b"".join(chunks)


def _text_page(url: str, text: str) -> FetchedPage:
    """A plain-text page as written: its first non-empty line is the title."""
    if "\x00" in text:
        raise SourceError("the link is not a web page or text (it holds binary data)")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
    if not any(ch.isalnum() for ch in title) or not any(ch.isalnum() for ch in body):
        raise SourceError("the page has no article text")
    return FetchedPage(url=url, title=title, text=body)


def _transport_message(exc: httpx.HTTPError) -> str:
    """One line for a failure below HTTP: refused connection, bad TLS, broken answer."""
    detail = str(exc).lower()
    if "certificate" in detail or "ssl" in detail or "tls" in detail:
        return "the site's secure connection (HTTPS certificate) could not be verified"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect to the site"
    if isinstance(exc, httpx.DecodingError | httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return "the site sent a broken answer"
    return "could not load the page"
