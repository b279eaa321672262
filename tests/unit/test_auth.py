from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from shared.auth import (
    Role,
    api_key_matches,
    decode_token,
    hash_api_key,
    mint_token,
    new_api_key,
)
from shared.errors import Unauthorized
from shared.settings import DEV_JWT_SECRET, ServiceSettings


def settings(**kw) -> ServiceSettings:
    return ServiceSettings(environment="test", **kw)


def test_round_trip_names_roles_and_agency():
    s = settings()
    token = mint_token(s, subject="u1", roles=[Role.OFFICER], agency_id="ag-1")
    p = decode_token(token, s)
    assert (p.subject, p.roles, p.agency_id) == ("u1", frozenset({Role.OFFICER}), "ag-1")


@pytest.mark.parametrize("tamper", ["expired", "forged", "wrong_audience", "unknown_role",
                                    "garbage", "no_exp"])
def test_bad_tokens_are_unauthorized(tamper):
    s = settings()
    secret = s.jwt_secret.get_secret_value()
    claims = {"sub": "u", "roles": ["officer"], "iss": "suara", "aud": "suara", "exp": 2**33}
    if tamper == "expired":
        token = mint_token(s, subject="u", roles=["officer"], agency_id=None,
                           ttl=timedelta(seconds=-5))
    elif tamper == "forged":
        token = jwt.encode(claims, "another-secret-of-sufficient-length!!", algorithm="HS256")
    elif tamper == "wrong_audience":
        token = jwt.encode(claims | {"aud": "elsewhere"}, secret, algorithm="HS256")
    elif tamper == "unknown_role":
        token = jwt.encode(claims | {"roles": ["root"]}, secret, algorithm="HS256")
    elif tamper == "no_exp":
        token = jwt.encode({k: v for k, v in claims.items() if k != "exp"}, secret,
                           algorithm="HS256")
    else:
        token = "not.a.token"
    with pytest.raises(Unauthorized) as err:
        decode_token(token, s)
    assert err.value.status_code == 401


def test_rs256_tokens_from_an_identity_provider():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    s = settings(jwt_public_key=public.decode())
    token = jwt.encode({"sub": "idp-user", "roles": ["supervisor"], "agency": "ag-2",
                        "iss": "suara", "aud": "suara", "exp": 2**33}, key, algorithm="RS256")
    assert decode_token(token, s).roles == {Role.SUPERVISOR}
    # an HS256 token signed with the public key as secret (algorithm confusion) is refused
    forged = jwt.encode({"sub": "x", "iss": "suara", "aud": "suara", "exp": 2**33},
                        DEV_JWT_SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode_token(forged, s)


def test_production_refuses_the_development_secret():
    with pytest.raises(ValidationError, match="SUARA_JWT_SECRET"):
        ServiceSettings(environment="production")
    with pytest.raises(ValidationError, match="at least 32"):
        ServiceSettings(environment="production", jwt_secret=DEV_JWT_SECRET)
    ok = ServiceSettings(environment="production", jwt_secret="x" * 40)
    assert ok.jwt_secret.get_secret_value() == "x" * 40


def test_api_keys_are_stored_hashed():
    key = new_api_key()
    stored = hash_api_key(key)
    assert key not in stored and api_key_matches(key, stored)
    assert not api_key_matches(key + "x", stored)


def test_secrets_equal_takes_any_text_a_caller_sends() -> None:
    from shared.auth import secrets_equal

    assert secrets_equal("abc", "abc") and not secrets_equal("abc", "abd")
    # hmac.compare_digest raises TypeError on non-ASCII str: that was a 500 for any caller
    assert not secrets_equal("\ufffd\ufffd", "abc")
    assert not secrets_equal("\ud800", "abc")
