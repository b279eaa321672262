"""Content negotiation: a browser gets the page, an API client keeps its JSON."""

from __future__ import annotations

import pytest

from shared.http.pages import PAGE_CSP, prefers_html

BROWSERS = [
    # Chrome / Chromium (Android too), Firefox, Safari
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html",
    "text/*, application/json;q=0.5",
    "TEXT/HTML; Q=1, application/json; q=0.9",
]
API_CLIENTS = [
    None, "", "*/*", "application/json", "application/json, text/html",
    "text/html;q=0.5, application/json", "application/*", "text/html;q=0, */*",
    "application/problem+json", "garbage", "text/html;q=abc, */*", ",,;", "text/",
]


@pytest.mark.parametrize("accept", BROWSERS)
def test_a_browser_prefers_html(accept):
    assert prefers_html(accept)


@pytest.mark.parametrize("accept", API_CLIENTS)
def test_an_api_client_keeps_json(accept):
    assert not prefers_html(accept)


def test_the_page_policy_allows_nothing_from_elsewhere():
    directives = dict(d.strip().split(" ", 1) for d in PAGE_CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and "unsafe" not in PAGE_CSP
    assert directives["connect-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
