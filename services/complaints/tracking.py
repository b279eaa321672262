"""Tracking codes and citizen tokens. Pure apart from drawing randomness from ``secrets``.

A tracking code looks like ``SRA-7K3-M9Q-XW4``: the prefix, then eight random characters and one
check character, read out in groups of three. The alphabet has 31 symbols: the digits 2-9 and
the letters A-Z without I, L and O, so 0/O and 1/I/L can never be confused. That gives
31**8 ~ 8.5e11 codes (~39.6 bits); the database's unique constraint (with a retry on conflict)
still has the last word on uniqueness.

The check character makes the weighted sum sum(i * value_i), i = 1..9, divisible by 31. Because
31 is prime and every weight is below 31, *every* single-character substitution and every swap
of two adjacent characters changes the sum and is caught.

The code identifies a complaint; it is not a secret. What proves that a caller is the citizen
who filed it is the token (``secrets.token_urlsafe(24)``, 192 bits) handed out once at filing;
only its SHA-256 is stored. An unsalted fast hash is enough for a random 192-bit secret: there
is nothing to brute-force from a dictionary.
"""

from __future__ import annotations

import hashlib
import secrets

from shared.auth import secrets_equal

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "SRA"
RANDOM_LENGTH = 8
GROUP = 3
_BASE = len(ALPHABET)  # 31, prime
_VALUE = {char: value for value, char in enumerate(ALPHABET)}
_SEPARATORS = str.maketrans("", "", " -_.\t")


class InvalidTrackingCode(ValueError):
    """Not a tracking code: wrong length, a character outside the alphabet or a bad check."""


def check_character(body: str) -> str:
    """The character that makes ``body + check`` valid (``body`` = the 8 random characters)."""
    total = sum(weight * _VALUE[char] for weight, char in enumerate(body, start=1))
    weight = len(body) + 1
    # weight * check + total == 0 (mod 31); the inverse exists because 31 is prime
    check = (-total * pow(weight, -1, _BASE)) % _BASE
    return ALPHABET[check]


def _format(chars: str) -> str:
    groups = [chars[i:i + GROUP] for i in range(0, len(chars), GROUP)]
    return "-".join([PREFIX, *groups])


def new_tracking_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return _format(body + check_character(body))


def normalize_tracking_code(raw: str) -> str:
    """The canonical form (``SRA-XXX-XXX-XXX``) of what a citizen typed.

    Case, spaces, dashes, dots and underscores do not matter, and the ``SRA`` prefix may be left
    out. Raises ``InvalidTrackingCode`` when the result is not a valid code.
    """
    chars = raw.translate(_SEPARATORS).upper()
    if len(chars) == len(PREFIX) + RANDOM_LENGTH + 1 and chars.startswith(PREFIX):
        chars = chars[len(PREFIX):]
    if len(chars) != RANDOM_LENGTH + 1:
        raise InvalidTrackingCode(f"{raw!r} does not have {RANDOM_LENGTH + 1} code characters")
    if any(char not in _VALUE for char in chars):
        raise InvalidTrackingCode(f"{raw!r} has characters outside the tracking-code alphabet")
    if check_character(chars[:-1]) != chars[-1]:
        raise InvalidTrackingCode(f"{raw!r} fails its check character (a typo?)")
    return _format(chars)


def is_valid_tracking_code(raw: str) -> bool:
    try:
        normalize_tracking_code(raw)
    except InvalidTrackingCode:
        return False
    return True


def new_citizen_token() -> str:
    """The citizen's secret, shown once at filing; store only ``hash_token(token)``."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def verify_token(token: str, token_hash: str) -> bool:
    """Constant-time comparison of a presented token with the stored hash."""
    return secrets_equal(hash_token(token), token_hash)
