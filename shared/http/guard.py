"""What a JSON body may be, checked once for every service before any route sees it.

Refused, each naming where (the path as the client sent it):

- a key given twice in one object (``{"privacy": "confidential", "privacy": "public"}``: a
  JSON parser silently keeps the last one, so the two readers of a body could disagree);
- nesting deeper than ``max_depth`` (deep input makes validators and renderers recurse until
  the interpreter's stack gives out);
- more than ``max_keys`` keys in one object or ``max_items`` items in one list;
- a lone UTF-16 surrogate (``"\\ud800"``) in a key or a string: it cannot be stored or
  written back as UTF-8; a NUL character (``"\\u0000"``): PostgreSQL text cannot hold it;
- numbers that overflow: integers outside the signed 64-bit range (every database column's),
  ``1e999`` (an infinite float);
- what is not JSON at all: a syntax error, bytes that are not UTF-8, ``NaN``/``Infinity``.

Cost: valid bodies take one parse with cheap hooks (a ``dict`` per object, a range check per
number) and a few byte counts; only a body that may break a limit is walked, path by path
(docs/performance.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.errors import FieldError
from shared.http.problems import Problem, clean

_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
#: text worth the slow walk: a surrogate, escaped (either half: a lone one, or a pair, which
#: is fine) or raw (json.loads decodes bytes with "surrogatepass": the UTF-8 form of
#: U+D800-DFFF gets through), or an escaped NUL. Searched only when a plain ``in`` finds an
#: escape or the byte 0xED (a regex over every body costs more than the parse).
_SUSPECT = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]|\\u0000")
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')


class _Refused(Exception):
    """The fast parse met something a limit refuses: find out what and where, slowly."""


class _Constant(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Pairs(list[tuple[str, Any]]):
    """An object as its key/value pairs, in order, duplicates included."""


class _BigNumber:
    """A number too large for any column (kept as a marker by the slow parse)."""


def _refuse_constant(name: str) -> Any:
    raise _Constant(name)


@dataclass(frozen=True, slots=True)
class JsonLimits:
    max_depth: int = 32
    max_keys: int = 1000
    max_items: int = 10_000


class JsonGuard:
    def __init__(self, limits: JsonLimits, max_fields: int) -> None:
        self.limits = limits
        self.max_fields = max_fields
        self._max_commas = min(limits.max_keys, limits.max_items) - 1
        max_keys = limits.max_keys

        def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            obj = dict(pairs)
            if len(obj) != len(pairs) or len(pairs) > max_keys:
                raise _Refused
            return obj

        def parse_int(text: str) -> int:
            if len(text) > 18:  # may pass 64 bits: the walk checks
                raise _Refused
            return int(text)

        def parse_float(text: str) -> float:
            value = float(text)
            if math.isinf(value):
                raise _Refused
            return value

        # one decoder, built once (json.loads with hooks builds one per call)
        self._decode = json.JSONDecoder(object_pairs_hook=pairs_hook, parse_int=parse_int,
                                        parse_float=parse_float,
                                        parse_constant=_refuse_constant).decode

    def inspect(self, body: bytes) -> Problem | None:
        """``None`` when ``body`` is acceptable JSON, else the problem to answer."""
        try:
            self._decode(body.decode("utf-8"))
        except UnicodeDecodeError:  # not UTF-8, or a raw surrogate: the slow path tells
            return self._slow(body)
        except (_Refused, RecursionError):
            return self._slow(body)
        except _Constant as exc:
            return _not_json(f"{exc.name} is not a JSON number")
        except json.JSONDecodeError as exc:
            return _not_json(f"{exc.msg} (line {exc.lineno}, column {exc.colno})")
        except ValueError:
            return self._slow(body)
        limits = self.limits
        if (body.count(b"{") + body.count(b"[") > limits.max_depth
                or body.count(b",") >= self._max_commas
                or ((b"\\u" in body or b"\xed" in body)
                    and _SUSPECT.search(body) is not None)):
            return self._slow(body)
        return None

    # -- the slow path: every problem, with its path ------------------------------------------

    def _slow(self, body: bytes) -> Problem | None:
        try:
            tree = json.loads(body, object_pairs_hook=_Pairs, parse_int=_lenient_int,
                              parse_constant=_refuse_constant)
        except RecursionError:
            return self._answer([self._depth_problem(body)], 0)
        except _Constant as exc:
            return _not_json(f"{exc.name} is not a JSON number")
        except UnicodeDecodeError:
            return _not_json("the body is not UTF-8 text")
        except json.JSONDecodeError as exc:
            return _not_json(f"{exc.msg} (line {exc.lineno}, column {exc.colno})")
        except ValueError as exc:  # never a 500
            return _not_json(str(exc))
        found: list[FieldError] = []
        more = 0
        for problem in self._walk(tree):
            if len(found) < self.max_fields:
                found.append(problem)
            else:
                more += 1
        return self._answer(found, more) if found else None

    def _answer(self, found: list[FieldError], more: int) -> Problem:
        return Problem(422, "validation_error", "The request is invalid.", fields=found,
                       more=more)

    def _walk(self, tree: Any) -> Iterator[FieldError]:
        limits = self.limits
        stack: list[tuple[Any, tuple[str, ...]]] = [(tree, ())]
        while stack:
            node, path = stack.pop()
            if isinstance(node, _Pairs | list) and len(path) >= limits.max_depth:
                yield _field(path, "too_deep", f"nested deeper than {limits.max_depth} levels",
                             max=limits.max_depth)
                continue
            if isinstance(node, _Pairs):
                if len(node) > limits.max_keys:
                    yield _field(path, "too_many_keys",
                                 f"more than {limits.max_keys} keys in one object",
                                 max=limits.max_keys)
                    continue
                seen: set[str] = set()
                children = []
                for key, value in node:
                    where = (*path, key)
                    if _lone_surrogate(key):
                        yield _field(where, "invalid_string",
                                     "a lone surrogate or a NUL character in a key")
                    elif key in seen:
                        yield _field(where, "duplicate_key", "given more than once")
                    seen.add(key)
                    children.append((value, where))
                stack.extend(reversed(children))
            elif isinstance(node, list):
                if len(node) > limits.max_items:
                    yield _field(path, "too_many_items",
                                 f"more than {limits.max_items} items in one list",
                                 max=limits.max_items)
                    continue
                stack.extend(reversed([(v, (*path, str(i))) for i, v in enumerate(node)]))
            elif isinstance(node, str):
                if _lone_surrogate(node):
                    yield _field(path, "invalid_string",
                                 "a lone surrogate or a NUL character in a string")
            elif isinstance(node, _BigNumber) or (
                    isinstance(node, int) and not isinstance(node, bool)
                    and not _INT_MIN <= node <= _INT_MAX):
                yield _field(path, "number_out_of_range",
                             "integers must be within the signed 64-bit range")
            elif isinstance(node, float) and not math.isfinite(node):
                yield _field(path, "number_out_of_range", "the number is too large")

    def _depth_problem(self, body: bytes) -> FieldError:
        """Where a body too deep for the parser first passes the limit (a token scan)."""
        frames: list[list[Any]] = []  # [is_object, key or index]
        last_string = ""
        for match in _TOKENS.finditer(body):
            token = match.group()
            if token in (b"{", b"["):
                if len(frames) >= self.limits.max_depth:
                    break
                frames.append([token == b"{", "" if token == b"{" else 0])
            elif token in (b"}", b"]"):
                if frames:
                    frames.pop()
            elif token == b":":
                if frames:
                    frames[-1][1] = last_string
            elif token == b",":
                if frames and not frames[-1][0]:
                    frames[-1][1] += 1
            else:
                last_string = _decode_key(token)
        path = tuple(str(frame[1]) for frame in frames)
        return _field(path, "too_deep", f"nested deeper than {self.limits.max_depth} levels",
                      max=self.limits.max_depth)


def _decode_key(token: bytes) -> str:
    try:
        value = json.loads(token)
    except ValueError:
        return "?"
    return value if isinstance(value, str) else "?"


def _lenient_int(text: str) -> int | _BigNumber:
    return _BigNumber() if len(text) > 20 else int(text)


def _lone_surrogate(text: str) -> bool:
    """Not storable text: a lone surrogate (not UTF-8) or a NUL (not PostgreSQL text)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _field(path: tuple[str, ...], code: str, message: str, **params: Any) -> FieldError:
    return FieldError(clean(".".join(path)), code, message, params)


def _not_json(reason: str) -> Problem:
    return Problem(400, "invalid_json", f"The request body is not valid JSON: {reason}.",
                   params={"reason": reason})
