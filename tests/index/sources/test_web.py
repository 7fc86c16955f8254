"""Fetching an article from a link: main text, redirects, limits, charsets, refusals."""

from __future__ import annotations

import gzip
import ipaddress

import pytest

from index.errors import SourceError
from index.sources import FetchedPage, addresses, fetch_page
from index.text.articles import parse_article

TITLE = "انفجار في ميناء المدينة يخلف أضرارا واسعة"
PARAGRAPHS = [
    "وقع انفجار كبير صباح اليوم في ميناء المدينة، وأدى إلى أضرار واسعة في المباني "
    "المجاورة، بحسب ما أفاد شهود عيان ومسؤولون محليون.",
    "وقال مدير الدفاع المدني إن فرق الإنقاذ وصلت إلى المكان بعد دقائق من الانفجار، "
    "وإن عمليات البحث عن المفقودين لا تزال جارية حتى الآن.",
    "وأضاف أن التحقيقات الأولية تشير إلى أن سبب الانفجار هو تخزين مواد كيميائية "
    "بطريقة غير آمنة في أحد المستودعات القديمة قرب الرصيف الرئيسي.",
]
BOILERPLATE = ["الصفحة الرئيسية", "اشترك في النشرة البريدية", "جميع الحقوق محفوظة", "الأكثر قراءة"]


def news_page(charset: str = "utf-8", *, meta: bool = True) -> str:
    meta_tag = f'<meta charset="{charset}">' if meta else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<!DOCTYPE html><html lang='ar' dir='rtl'><head>{meta_tag}"
        f"<title>{TITLE} | موقع الأخبار</title></head><body>"
        f"<nav><ul><li><a href='/'>{BOILERPLATE[0]}</a></li><li><a href='/s'>رياضة</a></li>"
        f"<li><a href='/e'>اقتصاد</a></li></ul></nav>"
        f"<header><div class='subscribe'>{BOILERPLATE[1]}</div></header>"
        f"<main><article><h1>{TITLE}</h1>{paragraphs}</article>"
        f"<aside><h3>{BOILERPLATE[3]}</h3><ul><li><a href='/1'>خبر آخر عن الطقس</a></li>"
        f"<li><a href='/2'>خبر آخر عن الرياضة</a></li></ul></aside></main>"
        f"<footer><p>{BOILERPLATE[2]} © 2024 موقع الأخبار</p>"
        f"<a href='/privacy'>سياسة الخصوصية</a></footer></body></html>"
    )


HTML_UTF8 = {"Content-Type": "text/html; charset=utf-8"}


def assert_main_text(page: FetchedPage) -> None:
    assert page.title == TITLE
    for paragraph in PARAGRAPHS:
        assert paragraph in page.text
    for junk in BOILERPLATE:
        assert junk not in page.text
    assert TITLE not in page.text  # the headline is the title, not repeated in the body


def test_news_page_gives_title_and_main_text_without_boilerplate(site):
    url = site.add("/news/1", news_page().encode(), headers=HTML_UTF8)
    page = fetch_page(url, allow_private=True)
    assert page.url == url
    assert_main_text(page)
    article = parse_article("news-1", page.article_text())
    assert article.title == TITLE
    assert PARAGRAPHS[2] in article.body


def test_page_without_article_text_is_refused(site):
    markup = "<html><body><nav><a href='/'>الرئيسية</a></nav></body></html>"
    url = site.add("/empty", markup.encode(), headers=HTML_UTF8)
    with pytest.raises(SourceError, match=r"^the page has no article text$"):
        fetch_page(url, allow_private=True)


def test_plain_text_page_is_taken_as_written(site):
    text = f"{TITLE}\n{PARAGRAPHS[0]}\n{PARAGRAPHS[1]}\n"
    url = site.add(
        "/plain.txt", text.encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    page = fetch_page(url, allow_private=True)
    assert (page.title, page.text) == (TITLE, f"{PARAGRAPHS[0]}\n{PARAGRAPHS[1]}")


# --- redirects ---------------------------------------------------------------------------


def test_one_relative_redirect_is_followed_to_the_final_url(site):
    final = site.add("/news/1", news_page().encode(), headers=HTML_UTF8)
    start = site.add("/short", status=301, headers={"Location": "/news/1"})
    page = fetch_page(start, allow_private=True)
    assert page.url == final
    assert page.title == TITLE


def _chain(site, hops: int) -> str:
    site.add("/news/1", news_page().encode(), headers=HTML_UTF8)
    for hop in range(hops):
        target = "/news/1" if hop == hops - 1 else f"/hop{hop + 1}"
        site.add(f"/hop{hop}", status=302, headers={"Location": target})
    return site.url("/hop0")


def test_five_redirects_are_followed(site):
    assert fetch_page(_chain(site, 5), allow_private=True).title == TITLE


def test_six_redirects_are_refused(site):
    with pytest.raises(SourceError, match=r"^too many redirects \(more than 5\)$"):
        fetch_page(_chain(site, 6), allow_private=True)


def test_redirect_to_another_scheme_is_refused(site):
    url = site.add("/ftp", status=302, headers={"Location": "ftp://files.example/article.txt"})
    with pytest.raises(SourceError, match=r"only http and https links can be added"):
        fetch_page(url, allow_private=True)


# --- private addresses ---------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_links_are_refused_by_default(site, host):
    site.add("/news/1", news_page().encode(), headers=HTML_UTF8)
    with pytest.raises(SourceError, match=r"^that address is on a private network$"):
        fetch_page(f"http://{host}:{site.port}/news/1")
    assert site.hosts == []  # refused before connecting


@pytest.fixture
def public_test_names(monkeypatch):
    """`news.test` stands for a public site (served by the local server), `intranet.test`
    for a host on a private network; the local server's loopback address counts as public."""
    names = {
        "news.test": [ipaddress.ip_address("127.0.0.1")],
        "intranet.test": [ipaddress.ip_address("10.1.2.3")],
    }
    real_resolve, real_is_public = addresses.resolve, addresses.is_public_address
    monkeypatch.setattr(
        addresses, "resolve", lambda host, port: names.get(host) or real_resolve(host, port)
    )
    monkeypatch.setattr(
        addresses, "is_public_address", lambda ip: ip.is_loopback or real_is_public(ip)
    )


def test_connection_goes_to_the_checked_address_with_the_site_name(site, public_test_names):
    site.add("/news/1", news_page().encode(), headers=HTML_UTF8)
    page = fetch_page(f"http://news.test:{site.port}/news/1")
    assert page.title == TITLE
    assert page.url == f"http://news.test:{site.port}/news/1"
    assert site.hosts == [f"news.test:{site.port}"]


@pytest.mark.parametrize(
    "location", ["http://intranet.test/admin", "http://192.168.1.1/", "http://169.254.169.254/"]
)
def test_redirect_from_a_public_page_to_a_private_address_is_refused(
    site, public_test_names, location
):
    site.add("/go", status=302, headers={"Location": location})
    with pytest.raises(SourceError, match=r"^that address is on a private network$"):
        fetch_page(f"http://news.test:{site.port}/go")
    assert len(site.hosts) == 1  # only the public hop was requested


# --- limits --------------------------------------------------------------------------------


def test_declared_length_over_the_cap_is_refused_before_reading(site):
    url = site.add("/big", b"x" * 5_000, headers={"Content-Type": "text/html"})
    with pytest.raises(SourceError, match=r"^the page is larger than 1,000 bytes$"):
        fetch_page(url, allow_private=True, max_bytes=1_000)


def test_undeclared_length_is_cut_at_the_cap(site):
    body = news_page().encode() + b"<!--" + b"x" * 50_000 + b"-->"
    url = site.add("/stream", body, headers=HTML_UTF8, send_length=False)
    with pytest.raises(SourceError, match=r"^the page is larger than 20,000 bytes$"):
        fetch_page(url, allow_private=True, max_bytes=20_000)


def test_compressed_body_counts_its_unpacked_size(site):
    body = gzip.compress(b" " * 3_000_000)
    url = site.add("/bomb", body, headers={**HTML_UTF8, "Content-Encoding": "gzip"})
    with pytest.raises(SourceError, match=r"^the page is larger than 2,000,000 bytes$"):
        fetch_page(url, allow_private=True)


def test_slow_server_times_out_with_a_message(site):
    url = site.add("/slow", news_page().encode(), headers=HTML_UTF8, delay=2.0)
    with pytest.raises(SourceError, match=r"^the site did not answer within 0\.3 s$"):
        fetch_page(url, allow_private=True, read_timeout=0.3)


def test_trickling_server_is_cut_at_the_total_time(site):
    url = site.add("/trickle", news_page().encode(), headers=HTML_UTF8, trickle=0.05)
    with pytest.raises(SourceError, match=r"^the page took more than 0\.5 s to download$"):
        fetch_page(url, allow_private=True, total_timeout=0.5)


# --- charsets and content types ------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "meta"),
    [
        ({"Content-Type": "text/html; charset=windows-1256"}, False),  # HTTP header
        ({"Content-Type": "text/html"}, True),  # <meta charset> only
        ({"Content-Type": "text/html"}, False),  # declared nowhere: detected
    ],
)
def test_windows_1256_page_is_decoded(site, headers, meta):
    body = news_page("windows-1256", meta=meta).encode("cp1256")
    url = site.add("/cp1256", body, headers=headers)
    assert_main_text(fetch_page(url, allow_private=True))


def test_image_is_refused(site):
    url = site.add(
        "/photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, headers={"Content-Type": "image/jpeg"}
    )
    with pytest.raises(
        SourceError, match=r"^the link is not a web page or text \(it is image/jpeg\)"
    ):
        fetch_page(url, allow_private=True)


def test_error_status_is_reported(site):
    with pytest.raises(SourceError, match=r"^the site answered 404 Not Found$"):
        fetch_page(site.url("/missing"), allow_private=True)


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("ftp://example.com/article.txt", "^only http and https links can be added$"),
        ("file:///etc/passwd", "^only http and https links can be added$"),
        ("example.com/article", r"^that is not a link \(it must start with http:// or https://\)$"),
        ("http://", "^that link has no site name$"),
    ],
)
def test_links_that_are_not_http_are_refused(link, message):
    with pytest.raises(SourceError, match=message):
        fetch_page(link)


def test_unknown_host_is_a_clear_error():
    with pytest.raises(SourceError, match=r"^could not find the site no-such-host\.invalid"):
        fetch_page("http://no-such-host.invalid/")


def test_closed_port_is_a_clear_error(site):
    port = site.port
    with pytest.raises(SourceError, match=r"^could not connect to the site$"):
        fetch_page(
            f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}/", allow_private=True
        )
