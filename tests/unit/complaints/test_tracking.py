"""Tracking codes and citizen tokens (services.complaints.tracking)."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.complaints.tracking import (
    ALPHABET,
    InvalidTrackingCode,
    check_character,
    hash_token,
    is_valid_tracking_code,
    new_citizen_token,
    new_tracking_code,
    normalize_tracking_code,
    verify_token,
)

CODE = re.compile(rf"^SRA-[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}-[{ALPHABET}]{{3}}$")
bodies = st.text(alphabet=ALPHABET, min_size=8, max_size=8)


def code_of(body: str) -> str:
    chars = body + check_character(body)
    return f"SRA-{chars[:3]}-{chars[3:6]}-{chars[6:]}"


def code_chars(code: str) -> str:
    return code.removeprefix("SRA-").replace("-", "")


def test_alphabet_has_no_ambiguous_characters():
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("0O1IL") & set(ALPHABET)
    assert set(ALPHABET) <= set(string.digits + string.ascii_uppercase)


def test_new_codes_have_the_format_and_are_valid():
    for _ in range(200):
        code = new_tracking_code()
        assert CODE.match(code), code
        assert is_valid_tracking_code(code)
        assert normalize_tracking_code(code) == code


def test_codes_are_unique_over_many_draws():
    # 31**8 ~ 8.5e11 codes: a collision among 10,000 draws has probability ~6e-5
    codes = {new_tracking_code() for _ in range(10_000)}
    assert len(codes) == 10_000


def test_random_characters_use_the_whole_alphabet():
    seen = set()
    for _ in range(500):
        seen |= set(code_chars(new_tracking_code())[:-1])
    assert seen == set(ALPHABET)


@given(bodies)
def test_every_single_substitution_is_caught(body):
    chars = code_chars(code_of(body))
    for position, original in enumerate(chars):
        for other in ALPHABET:
            if other != original:
                typo = chars[:position] + other + chars[position + 1:]
                assert not is_valid_tracking_code(typo), (chars, typo)


@given(bodies)
def test_every_adjacent_swap_is_caught(body):
    chars = code_chars(code_of(body))
    for i in range(len(chars) - 1):
        if chars[i] != chars[i + 1]:
            swapped = chars[:i] + chars[i + 1] + chars[i] + chars[i + 2:]
            assert not is_valid_tracking_code(swapped)


def test_every_single_substitution_is_caught_on_drawn_codes():
    for _ in range(30):
        chars = code_chars(new_tracking_code())
        for position in range(len(chars)):
            for other in ALPHABET.replace(chars[position], ""):
                assert not is_valid_tracking_code(chars[:position] + other + chars[position + 1:])


@pytest.mark.parametrize("typed", [
    "{c}",
    "{lower}",
    "{nodash}",
    "{nodash_lower}",
    "  {spaced}  ",
    "{body_only}",
    "{body_only_lower}",
    "sra.{dotted}",
    "SRA_{underscored}",
])
def test_normalisation_accepts_what_citizens_type(typed):
    code = new_tracking_code()
    chars = code_chars(code)
    variants = {
        "c": code,
        "lower": code.lower(),
        "nodash": code.replace("-", ""),
        "nodash_lower": code.replace("-", "").lower(),
        "spaced": " ".join(code.replace("-", "")),
        "body_only": chars,
        "body_only_lower": f"{chars[:3]}-{chars[3:6]}-{chars[6:]}".lower(),
        "dotted": ".".join([chars[:3], chars[3:6], chars[6:]]),
        "underscored": chars,
    }
    raw = typed.format(**variants)
    assert normalize_tracking_code(raw) == code
    assert is_valid_tracking_code(raw)


@pytest.mark.parametrize("raw", [
    "",
    "SRA",
    "SRA-7K3-M9Q",  # too short
    "SRA-7K3-M9Q-XW4-A",  # too long
    "XYZ-7K3-M9Q-XW4",  # wrong prefix makes it too long
])
def test_wrong_lengths_are_invalid(raw):
    assert not is_valid_tracking_code(raw)
    with pytest.raises(InvalidTrackingCode):
        normalize_tracking_code(raw)


@pytest.mark.parametrize("bad", ["0", "O", "1", "I", "L", "!", "é"])
def test_characters_outside_the_alphabet_are_invalid(bad):
    chars = code_chars(new_tracking_code())
    raw = bad + chars[1:]
    with pytest.raises(InvalidTrackingCode, match="alphabet"):
        normalize_tracking_code(raw)


def test_a_bad_check_character_is_reported_as_such():
    chars = code_chars(new_tracking_code())
    wrong = ALPHABET[(ALPHABET.index(chars[-1]) + 1) % len(ALPHABET)]
    with pytest.raises(InvalidTrackingCode, match="check"):
        normalize_tracking_code(chars[:-1] + wrong)


def test_invalid_code_is_a_value_error():
    assert issubclass(InvalidTrackingCode, ValueError)


class TestCitizenToken:
    def test_tokens_are_long_url_safe_and_unique(self):
        tokens = {new_citizen_token() for _ in range(2000)}
        assert len(tokens) == 2000
        for token in list(tokens)[:50]:
            assert len(token) == 32  # 24 random bytes, base64url
            assert re.fullmatch(r"[A-Za-z0-9_-]+", token)

    def test_hash_is_sha256_hex_and_not_the_token(self):
        token = new_citizen_token()
        digest = hash_token(token)
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert token not in digest
        assert hash_token(token) == digest

    def test_verify(self):
        token = new_citizen_token()
        stored = hash_token(token)
        assert verify_token(token, stored)
        assert not verify_token(new_citizen_token(), stored)
        assert not verify_token(token[:-1], stored)
        assert not verify_token("", stored)

    def test_verify_never_raises_on_odd_input(self):
        stored = hash_token(new_citizen_token())
        assert not verify_token("tökén ✓", stored)
        assert not verify_token("x", "not-a-hash-é")
