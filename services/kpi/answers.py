"""Finished public answers (a body and its ETag), kept in this process for at most the
``Cache-Control: max-age`` the public API already promises (``SUARA_KPI_PUBLIC_MAX_AGE_S``):
a browser or a proxy may show an answer that old anyway, so the server may too. None is kept
when that setting is 0.

Each answer names the agencies whose figures it shows (``reads``: the agency's subtree and,
for the withheld-value check, its parent's family; ``None`` for one that shows every agency,
the dashboard's index, which any write may change). When this process's projection writes
cells or SKM rows of an agency, every answer reading it is dropped; a catalogue change or a
target change drops them all. What another replica or ``suara-kpi rebuild`` writes is not
seen here: such an answer is at most ``max_age_s`` old. An answer computed while a write
touching it was made is not kept (it may hold the figures from before it); one computed from
a transaction that had not committed yet when the write dropped the answers may be, still
within the bound.

Bounded by the size of the bodies kept (``max_bytes``), the least recently used dropped
first. Not thread-safe: one event loop.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    etag: str
    reads: frozenset[str] | None  # None: every agency
    made: float  # the clock's time when it was computed


class AnswerCache:
    def __init__(self, *, max_age_s: float, max_bytes: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self.max_bytes = max_bytes
        self.clock = clock
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._generation = 0  # counts the invalidations
        self._dropped_all = 0  # the generation of the last invalidation of everything
        self._dropped: dict[str, int] = {}  # agency -> generation of its last invalidation

    @property
    def enabled(self) -> bool:
        return self.max_age_s > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._answers)

    def start(self) -> int:
        """A token to pass to ``put`` for an answer about to be computed."""
        return self._generation

    def get(self, key: Hashable) -> Answer | None:
        answer = self._answers.get(key)
        if answer is None:
            return None
        if self.clock() - answer.made >= self.max_age_s:
            self._drop(key)
            return None
        self._answers.move_to_end(key)
        return answer

    def put(self, key: Hashable, body: bytes, etag: str, reads: Iterable[str] | None, *,
            started: int, made: float) -> None:
        """Keep an answer computed from a read begun at ``made`` (the clock's time) after
        ``started = start()``, unless a write touching it was seen meanwhile (``reads`` None:
        an answer of every agency, which any write touches)."""
        if not self.enabled or len(body) > self.max_bytes:
            return
        if reads is None:
            if self._generation > started:
                return
        else:
            reads = frozenset(reads)
            if self._dropped_all > started or any(self._dropped.get(a, 0) > started
                                                  for a in reads):
                return
        if key in self._answers:
            self._drop(key)
        self._answers[key] = Answer(body, etag, reads, made)
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._answers)))

    def invalidate(self, agencies: Iterable[str] | None = None) -> None:
        """Drop every answer reading one of ``agencies`` (None: every answer)."""
        self._generation += 1
        if agencies is None:
            self._dropped_all = self._generation
            self._dropped.clear()
            self._answers.clear()
            self._bytes = 0
            return
        touched = set(agencies)
        if not touched:
            return
        for a in touched:
            self._dropped[a] = self._generation
        for key in [k for k, v in self._answers.items()
                    if v.reads is None or v.reads & touched]:
            self._drop(key)

    def _drop(self, key: Hashable) -> None:
        self._bytes -= len(self._answers.pop(key).body)
