"""Who is calling: officers' bearer JWTs and Open311 clients' API keys.

Tokens are signed by the agency's identity provider (RS256, ``SUARA_JWT_PUBLIC_KEY``) or with a
shared secret (HS256, ``SUARA_JWT_SECRET``); claims: ``sub``, ``roles`` (officer, supervisor,
admin, auditor), ``agency`` (the agency id the officer works for), ``iss``, ``aud``, ``exp``.
Development signs its own tokens with a fixed secret that production refuses.

API keys are shown once at creation and stored only as a SHA-256 hash (they are long random
strings, so a fast hash is enough; there is nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthorized
from shared.settings import ServiceSettings


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[Role]
    agency_id: str | None

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


def _keys(settings: ServiceSettings) -> tuple[str, list[str]]:
    if settings.jwt_public_key:
        return settings.jwt_public_key, ["RS256"]
    assert settings.jwt_secret is not None  # settings fill the development secret
    return settings.jwt_secret.get_secret_value(), ["HS256"]


def decode_token(token: str, settings: ServiceSettings) -> Principal:
    """The caller a bearer token names; ``Unauthorized`` if forged, expired or malformed."""
    key, algorithms = _keys(settings)
    try:
        claims = jwt.decode(token, key, algorithms=algorithms, audience=settings.jwt_audience,
                            issuer=settings.jwt_issuer,
                            options={"require": ["exp", "sub", "iss", "aud"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired.", code="token_expired") from None
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"The token is not valid: {exc}.", code="invalid_token") from None
    try:
        roles = frozenset(Role(r) for r in claims.get("roles", []))
    except (ValueError, TypeError):
        raise Unauthorized("The token names an unknown role.", code="invalid_token") from None
    agency = claims.get("agency")
    if agency is not None and not isinstance(agency, str):
        raise Unauthorized("The token's agency claim must be a string.", code="invalid_token")
    return Principal(subject=str(claims["sub"]), roles=roles, agency_id=agency)


def mint_token(settings: ServiceSettings, *, subject: str, roles: Iterable[Role | str],
               agency_id: str | None, ttl: timedelta = timedelta(hours=8)) -> str:
    """Sign a token with the HS256 secret (development, tests, the ``suara token`` command)."""
    if settings.jwt_secret is None:
        raise ValueError("minting needs SUARA_JWT_SECRET; RS256 tokens come from the IdP")
    now = datetime.now(UTC)
    claims = {"sub": subject, "roles": [str(Role(r)) for r in roles], "iss": settings.jwt_issuer,
              "aud": settings.jwt_audience, "iat": now, "exp": now + ttl}
    if agency_id is not None:
        claims["agency"] = agency_id
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


_bearer = HTTPBearer(auto_error=False, description="An officer's JWT")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("A bearer token is required.", code="missing_token")
    return decode_token(credentials.credentials, request.app.state.runtime.settings)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller's principal when they send a bearer token (a forged one is a 401), else
    None: for routes open to everyone that do more for staff (a filing at a counter)."""
    if credentials is None:
        return None
    return decode_token(credentials.credentials, request.app.state.runtime.settings)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only callers holding one of ``roles``."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            names = ", ".join(sorted(roles))
            raise Forbidden(f"This needs one of the roles: {names}.", code="forbidden_role")
        return principal

    return dependency


# -- API keys --------------------------------------------------------------------------------

API_KEY_PREFIX = "sk_suara_"


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def api_key_matches(key: str, stored_hash: str) -> bool:
    return secrets_equal(hash_api_key(key), stored_hash)


def secrets_equal(given: str, expected: str) -> bool:
    """Constant-time comparison of a secret a caller presented with the expected one.
    ``hmac.compare_digest`` refuses ``str`` with non-ASCII characters (a TypeError, so a 500,
    for any caller who sends one): compare the UTF-8 bytes instead."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                               expected.encode("utf-8", "surrogatepass"))
