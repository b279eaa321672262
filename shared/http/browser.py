"""What browsers are told: CORS from settings, security headers, no caching by default, and
the API docs pages served from this package (no CDN: nothing leaves the machine).

- CORS: ``SUARA_CORS_ALLOWED_ORIGINS`` (exact origins, ``*`` for any; empty by default in
  every environment: no other site's page may read the API). A preflight from an allowed
  origin is answered 204 by this layer; from another origin, 403 ``cors_origin_not_allowed``.
  Answers to allowed origins carry ``Access-Control-Allow-Origin`` and expose the headers a
  client needs (``Retry-After``, ``ETag``, ``Location``, ``Content-Language``).
- On every answer, unless the route set its own: ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY``, a CSP for JSON
  (``default-src 'none'; frame-ancestors 'none'``; the docs pages send their own),
  ``Cache-Control: no-store`` (answers carrying a citizen's token are never cached; a route
  that wants caching, like KPI's public figures with an ETag, sets ``Cache-Control`` itself and
  keeps it), and in production ``Strict-Transport-Security``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from shared.settings import ServiceSettings

_JSON_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"
_EXPOSED = b"Retry-After, ETag, Location, Content-Language, Content-Disposition"
DOCS_STATIC = "/docs/static"


class BrowserPolicy:
    def __init__(self, settings: ServiceSettings) -> None:
        origins = settings.cors_allowed_origins
        self.any_origin = "*" in origins
        self.origins = frozenset(o.rstrip("/").lower().encode("latin-1") for o in origins)
        self.credentials = settings.cors_allow_credentials and not self.any_origin
        self.max_age = str(settings.cors_max_age_s).encode()
        defaults = [(b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"content-security-policy", _JSON_CSP),
                    (b"cache-control", b"no-store")]
        if settings.environment == "production" and settings.hsts_max_age_s > 0:
            defaults.append((b"strict-transport-security",
                             f"max-age={settings.hsts_max_age_s}; includeSubDomains".encode()))
        self.defaults = tuple(defaults)
        self.default_names = frozenset(name for name, _ in defaults)

    def allows(self, origin: bytes) -> bool:
        return self.any_origin or origin.rstrip(b"/").lower() in self.origins

    def cors_headers(self, origin: bytes) -> list[tuple[bytes, bytes]]:
        """For an actual (not preflight) request from an allowed ``origin``."""
        headers = [(b"access-control-allow-origin", b"*" if self.any_origin else origin),
                   (b"access-control-expose-headers", _EXPOSED)]
        if not self.any_origin:
            headers.append((b"vary", b"Origin"))
        if self.credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        return headers

    def preflight_headers(self, origin: bytes, scope: Scope) -> list[tuple[bytes, bytes]]:
        requested = b""
        for name, value in scope["headers"]:
            if name == b"access-control-request-headers":
                requested = value
        headers = [(b"access-control-allow-origin", b"*" if self.any_origin else origin),
                   (b"access-control-allow-methods", _METHODS),
                   (b"access-control-max-age", self.max_age),
                   (b"vary", b"Origin, Access-Control-Request-Method, "
                             b"Access-Control-Request-Headers")]
        if requested:
            headers.append((b"access-control-allow-headers", requested[:2048]))
        if self.credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        return headers

    def complete(self, headers: list[tuple[bytes, bytes]],
                 origin: bytes | None) -> list[tuple[bytes, bytes]]:
        """The answer's headers with the defaults the route did not set, and CORS's."""
        present = {name.lower() for name, _ in headers}
        out = list(headers)
        out += [h for h in self.defaults if h[0] not in present]
        if (origin is not None and b"access-control-allow-origin" not in present
                and self.allows(origin)):
            out += self.cors_headers(origin)
        return out


# -- the docs pages, from the fastapi-offline package's copies of Swagger UI and ReDoc ---------

def _assets() -> Path:
    return Path(str(resources.files("fastapi_offline") / "static"))


class CachedStaticFiles(StaticFiles):
    """A page's JS and CSS, shipped in the package: cacheable for ``max_age_s`` (the default
    for every other answer is ``no-store``)."""

    def __init__(self, *, directory: Path, max_age_s: int) -> None:
        super().__init__(directory=directory)
        self.cache_control = f"public, max-age={max_age_s}"

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = self.cache_control
        return response


def _inline_script_hashes(html: str) -> str:
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    return " ".join("'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
                    + "'" for s in scripts)


def install_docs(app: FastAPI, title: str) -> None:
    """``/docs`` (Swagger UI) and ``/redoc``, every asset served by the service itself, with a
    CSP that allows nothing else (so even a stray reference could not load)."""
    openapi_url = app.openapi_url or "/openapi.json"
    # the docs' assets change only with the package: cached a day
    app.mount(DOCS_STATIC, CachedStaticFiles(directory=_assets(), max_age_s=86400),
              name="docs-static")
    swagger = get_swagger_ui_html(
        openapi_url=openapi_url, title=f"{title} - API",
        swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None}).body
    redoc = get_redoc_html(openapi_url=openapi_url, title=f"{title} - API",
                           redoc_js_url=f"{DOCS_STATIC}/redoc.standalone.js",
                           redoc_favicon_url=f"{DOCS_STATIC}/favicon.png",
                           with_google_fonts=False).body
    pages: dict[str, tuple[bytes, str]] = {}
    for path, html in (("/docs", bytes(swagger)), ("/redoc", bytes(redoc))):
        csp = ("default-src 'none'; "
               f"script-src 'self' {_inline_script_hashes(html.decode())}; "
               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
               "connect-src 'self'; worker-src 'self' blob:; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        pages[path] = (html, csp)

    def page(path: str) -> Any:
        html, csp = pages[path]

        async def endpoint(_: Request) -> HTMLResponse:
            return HTMLResponse(html, headers={"Content-Security-Policy": csp,
                                               "Cache-Control": "no-cache"})

        return endpoint

    for path in pages:
        app.add_route(path, page(path), include_in_schema=False)
