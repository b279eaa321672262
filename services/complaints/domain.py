"""The complaint lifecycle: a pure state machine with who may do what. No I/O, no clock.

Every accepted action appends exactly one ``AuditEntry`` (who, when, from, to, note) and one
domain event to ``complaint.events``; the service layer maps those events to Kafka payloads. A
refused action raises ``NotAllowed`` (the role may never do it; checked first, so a refusal
tells nothing about the complaint) or ``IllegalTransition`` (not from this status, or a guard
failed), or ``InvalidInput`` for bad arguments, and leaves the complaint untouched.

========  ============================================  ================  ========================
action    from -> to                                    who               guard / effect
========  ============================================  ================  ========================
file      (new) -> submitted                            citizen, officer, computes the deadlines
                                                        supervisor
verify    submitted -> verified                         staff             may set complexity
reject    submitted -> rejected                         staff             reason, duplicate_of
forward   verified|forwarded|in_progress|reopened       staff             another agency; the
          -> forwarded (disposisi)                                        chain is kept
start     forwarded|reopened -> in_progress             staff
respond   in_progress|responded -> responded            staff             public; auto-close due
resolve   responded -> resolved                         staff             opens reopen window
reopen    resolved -> reopened                          citizen           in window; a reason
rate      resolved -> resolved                          citizen           once per resolution
reply     responded -> in_progress; open -> same        citizen           public; stops auto-close
note      any non-terminal -> same                      staff             internal
close     responded|resolved -> closed                  citizen, system   system: only when due
escalate  open|responded -> same                        system            overdue; once per step
========  ============================================  ================  ========================

staff = officer, supervisor, admin; open = submitted, verified, forwarded, in_progress, reopened.
The auditor may do nothing (read-only). ``rejected`` and ``closed`` are terminal: every action
there is refused. A citizen closes by accepting the answer; the system closes when the citizen
left a response unanswered for ``auto_close_days`` or let the reopen window pass.
Decisions beyond the issue: a rating is final (not editable), but each new resolution after a
reopen may be rated again; a reopen needs a reason (kept as a public message) and restarts the
resolution deadline; resolving needs a prior public response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from services.complaints.sla import Complexity, Deadlines, Milestone, SlaPolicy
from services.complaints.vocabulary import (
    Action,
    Actor,
    AuditEntry,
    CitizenReplied,
    Closed,
    CloseReason,
    Event,
    Filed,
    Forwarded,
    InternalNoteAdded,
    Message,
    Rated,
    Rating,
    Rejected,
    RejectionReason,
    Reopened,
    Resolved,
    Responded,
    Role,
    SlaEscalated,
    Status,
    Verified,
    Visibility,
    WorkStarted,
)

#: The vocabulary is part of the domain's interface: import it from here.
__all__ = [
    "CITIZEN", "FINISHED", "MAX_COMMENT_LENGTH", "MAX_MESSAGE_LENGTH", "OPEN", "PENDING_IN",
    "ROLES", "STAFF", "TERMINAL", "TRANSITIONS", "UNRESOLVED", "Action", "Actor", "AuditEntry",
    "CitizenReplied", "CloseReason", "Closed", "Complaint", "ComplaintError", "Event", "Filed",
    "Forwarded", "IllegalTransition", "InternalNoteAdded", "InvalidInput", "Message", "NotAllowed",
    "Rated", "Rating", "Rejected", "RejectionReason", "Reopened", "Resolved", "Responded", "Role",
    "SlaEscalated", "Status", "Verified", "Visibility", "WorkStarted", "agency_subtree",
    "allowed_actions", "citizen_actions", "late_deadlines",
]

E = TypeVar("E", bound=StrEnum)
MAX_COMMENT_LENGTH = 1000
MAX_MESSAGE_LENGTH = 5000


S = Status
#: The status sets, declared here once (the repository, the views, the scheduler and Open311
#: use these): terminal statuses take no action; open ones wait for the agency; unresolved ones
#: (open or answered) still have deadlines running; finished ones (their complement) have none
#: and are ``closed`` in Open311.
TERMINAL = frozenset({S.REJECTED, S.CLOSED})
OPEN = frozenset({S.SUBMITTED, S.VERIFIED, S.FORWARDED, S.IN_PROGRESS, S.REOPENED})
UNRESOLVED = OPEN | {S.RESPONDED}
FINISHED = frozenset(S) - UNRESOLVED
STAFF = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
CITIZEN = frozenset({Role.CITIZEN})
#: milestone -> the statuses in which that step is still to be done (the first response also
#: needs no response yet: ``first_responded_at`` empty).
PENDING_IN: Mapping[Milestone, frozenset[Status]] = MappingProxyType({
    Milestone.VERIFY: frozenset({S.SUBMITTED}),
    Milestone.FORWARD: frozenset({S.SUBMITTED, S.VERIFIED}),
    Milestone.FIRST_RESPONSE: UNRESOLVED,
    Milestone.RESOLUTION: UNRESOLVED,
})

_MOVES: dict[Action, dict[Status, Status]] = {
    Action.VERIFY: {S.SUBMITTED: S.VERIFIED},
    Action.REJECT: {S.SUBMITTED: S.REJECTED},
    Action.FORWARD: {s: S.FORWARDED for s in (S.VERIFIED, S.FORWARDED, S.IN_PROGRESS, S.REOPENED)},
    # the agency the complaint was filed to starts work itself: no disposition to itself
    Action.START: {S.VERIFIED: S.IN_PROGRESS, S.FORWARDED: S.IN_PROGRESS,
                   S.REOPENED: S.IN_PROGRESS},
    Action.RESPOND: {S.IN_PROGRESS: S.RESPONDED, S.RESPONDED: S.RESPONDED},
    Action.RESOLVE: {S.RESPONDED: S.RESOLVED},
    Action.REOPEN: {S.RESOLVED: S.REOPENED},
    Action.RATE: {S.RESOLVED: S.RESOLVED},
    Action.REPLY: {**{s: s for s in OPEN}, S.RESPONDED: S.IN_PROGRESS},
    Action.NOTE: {s: s for s in S if s not in TERMINAL},
    Action.CLOSE: {S.RESPONDED: S.CLOSED, S.RESOLVED: S.CLOSED},
    Action.ESCALATE: {s: s for s in UNRESOLVED},
}
#: action -> {from status: to status}; a status missing from an action's map refuses it.
TRANSITIONS: Mapping[Action, Mapping[Status, Status]] = MappingProxyType(
    {action: MappingProxyType(moves) for action, moves in _MOVES.items()})

#: action -> the roles that may perform it (the auditor appears nowhere).
ROLES: Mapping[Action, frozenset[Role]] = MappingProxyType({
    Action.FILE: frozenset({Role.CITIZEN, Role.OFFICER, Role.SUPERVISOR}),
    **{a: STAFF for a in (Action.VERIFY, Action.REJECT, Action.FORWARD, Action.START,
                          Action.RESPOND, Action.RESOLVE, Action.NOTE)},
    **{a: CITIZEN for a in (Action.REOPEN, Action.RATE, Action.REPLY)},
    Action.CLOSE: frozenset({Role.CITIZEN, Role.SYSTEM}),
    Action.ESCALATE: frozenset({Role.SYSTEM}),
})


def allowed_actions(status: Status, role: Role) -> frozenset[Action]:
    """What ``role`` may try in ``status`` (time-based guards aside): e.g. which buttons to show."""
    return frozenset(a for a, moves in TRANSITIONS.items() if status in moves and role in ROLES[a])


def citizen_actions(status: Status, now: datetime, *, reopen_until: datetime | None,
                    rated_resolution: int | None, resolutions: int) -> list[str]:
    """What the reporter may do now, time guards included (the buttons of the citizen's app):
    no reopen once the window has closed, no second rating of the same resolution."""
    can = sorted(str(a) for a in allowed_actions(status, Role.CITIZEN))
    if "reopen" in can and (reopen_until is None or now > reopen_until):
        can.remove("reopen")
    if "rate" in can and rated_resolution is not None and rated_resolution == resolutions:
        can.remove("rate")
    return can


def late_deadlines(status: Status, deadlines: Deadlines, *,
                   first_responded_at: datetime | None, now: datetime) -> list[str]:
    """The deadlines (``verify_by``, ``first_response_by``, ``resolve_by``) already passed
    while their step is still pending; none once the complaint is finished."""
    if status in FINISHED:
        return []
    late = []
    if status in PENDING_IN[Milestone.VERIFY] and deadlines.verify_by < now:
        late.append("verify_by")
    if first_responded_at is None and deadlines.first_response_by < now:
        late.append("first_response_by")
    if deadlines.resolve_by < now:
        late.append("resolve_by")
    return late


def agency_subtree(parents: Mapping[str, str | None], root: str) -> frozenset[str]:
    """An agency and every agency below it, from each agency's parent."""
    children: dict[str | None, list[str]] = {}
    for agency_id, parent in parents.items():
        children.setdefault(parent, []).append(agency_id)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


class ComplaintError(Exception):
    """Base of the domain's refusals."""


class IllegalTransition(ComplaintError):
    def __init__(self, current_status: Status, action: Action, detail: str = "") -> None:
        self.current_status, self.action, self.detail = current_status, action, detail
        suffix = f": {detail}" if detail else ""
        super().__init__(f"cannot {action} a {current_status} complaint{suffix}")


class NotAllowed(ComplaintError):
    def __init__(self, role: Role, action: Action) -> None:
        self.role, self.action = role, action
        super().__init__(f"a {role} may not {action} a complaint")


class InvalidInput(ComplaintError, ValueError):
    """An argument breaks a rule (empty text, score out of range, ...)."""


def _text(value: str | None, what: str, limit: int) -> str:
    text = _optional_text(value, what, limit)
    if text is None:
        raise InvalidInput(f"{what} must not be empty")
    return text


def _optional_text(value: str | None, what: str, limit: int) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    return text


def _enum(kind: type[E], value: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a {kind.__name__}") from None


def _require_aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("times must be timezone-aware")
    return now


@dataclass(eq=True)
class Complaint:
    """The lifecycle state of one complaint; its content (text, category, place) lives elsewhere.

    Build a new one with ``Complaint.file(...)``; the service rebuilds stored ones with the
    constructor (``events`` then starts empty). ``policy`` is configuration, not state.
    """

    id: str
    tracking_code: str
    filed_at: datetime
    complexity: Complexity
    deadlines: Deadlines
    status: Status = S.SUBMITTED
    agencies: tuple[str, ...] = ()  # the whole disposition chain, the current agency last
    rejection: RejectionReason | None = None
    duplicate_of: str | None = None
    first_responded_at: datetime | None = None
    auto_close_at: datetime | None = None  # set by a response, cleared by a reply or resolution
    resolved_at: datetime | None = None
    reopen_until: datetime | None = None
    resolutions: int = 0
    ratings: tuple[Rating, ...] = ()
    escalated: frozenset[Milestone] = frozenset()
    messages: list[Message] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    policy: SlaPolicy = field(default_factory=SlaPolicy, compare=False, repr=False)
    events: list[Event] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def file(cls, *, complaint_id: str, tracking_code: str, actor: Actor, now: datetime,
             complexity: Complexity = Complexity.NORMAL,
             policy: SlaPolicy | None = None) -> Complaint:
        if actor.role not in ROLES[Action.FILE]:
            raise NotAllowed(actor.role, Action.FILE)
        policy, complexity = policy or SlaPolicy(), _enum(Complexity, complexity)
        deadlines = policy.deadlines(_require_aware(now), complexity)
        complaint = cls(complaint_id, tracking_code, now, complexity, deadlines, policy=policy)
        complaint._record(Action.FILE, actor, now, S.SUBMITTED, None, Filed, initial=True,
                          tracking_code=tracking_code, complexity=complaint.complexity,
                          deadlines=deadlines)
        return complaint

    @property
    def agency_id(self) -> str | None:
        return self.agencies[-1] if self.agencies else None

    @property
    def rating(self) -> Rating | None:
        return self.ratings[-1] if self.ratings else None

    @property
    def public_messages(self) -> list[Message]:
        return [m for m in self.messages if m.visibility is Visibility.PUBLIC]

    def verify(self, actor: Actor, now: datetime, *, complexity: Complexity | None = None,
               note: str | None = None) -> None:
        target = self._check(Action.VERIFY, actor, now)
        if complexity is not None and complexity != self.complexity:
            self.complexity = _enum(Complexity, complexity)
            resolve_by = self.policy.resolution_deadline(self.filed_at, self.complexity)
            self.deadlines = replace(self.deadlines, resolve_by=resolve_by)
        self._record(Action.VERIFY, actor, now, target, note, Verified,
                     complexity=self.complexity, deadlines=self.deadlines)

    def reject(self, actor: Actor, now: datetime, reason: RejectionReason, *,
               duplicate_of: str | None = None, note: str | None = None) -> None:
        target = self._check(Action.REJECT, actor, now)
        reason = _enum(RejectionReason, reason)
        if (reason is RejectionReason.DUPLICATE) != bool(duplicate_of):
            raise InvalidInput("duplicate_of is required for, and only for, a duplicate")
        if duplicate_of in (self.id, self.tracking_code):
            raise InvalidInput("a complaint cannot duplicate itself")
        self.rejection, self.duplicate_of = reason, duplicate_of
        self._record(Action.REJECT, actor, now, target, note or reason.value, Rejected,
                     reason=reason, duplicate_of=duplicate_of)

    def forward(self, actor: Actor, now: datetime, agency_id: str, *,
                note: str | None = None) -> None:
        target = self._check(Action.FORWARD, actor, now)
        if not agency_id or agency_id == self.agency_id:
            raise InvalidInput("forward to another, named agency")
        previous, self.agencies = self.agency_id, (*self.agencies, agency_id)
        self._record(Action.FORWARD, actor, now, target, note, Forwarded,
                     agency_id=agency_id, previous_agency_id=previous)

    def start(self, actor: Actor, now: datetime, *, note: str | None = None) -> None:
        target = self._check(Action.START, actor, now)
        self._record(Action.START, actor, now, target, note, WorkStarted,
                     agency_id=self.agency_id)

    def respond(self, actor: Actor, now: datetime, body: str) -> None:
        target = self._check(Action.RESPOND, actor, now)
        text = _text(body, "a response", MAX_MESSAGE_LENGTH)
        first = self.first_responded_at is None
        self.first_responded_at = self.first_responded_at or now
        self.auto_close_at = self.policy.auto_close_at(now)
        self.messages.append(Message(actor, now, text, Visibility.PUBLIC))
        self._record(Action.RESPOND, actor, now, target, None, Responded, body=text, first=first,
                     auto_close_at=self.auto_close_at)

    def resolve(self, actor: Actor, now: datetime, *, note: str | None = None) -> None:
        target = self._check(Action.RESOLVE, actor, now)
        self.resolved_at, self.reopen_until = now, self.policy.reopen_until(now)
        self.auto_close_at, self.resolutions = None, self.resolutions + 1
        self._record(Action.RESOLVE, actor, now, target, note, Resolved,
                     reopen_until=self.reopen_until)

    def reopen(self, actor: Actor, now: datetime, reason: str) -> None:
        target = self._check(Action.REOPEN, actor, now)
        if self.reopen_until is None or now > self.reopen_until:
            raise IllegalTransition(self.status, Action.REOPEN, "the reopen window has closed")
        text = _text(reason, "a reopen reason", MAX_MESSAGE_LENGTH)
        resolve_by = self.policy.resolution_deadline(now, self.complexity)
        self.deadlines = replace(self.deadlines, resolve_by=resolve_by)
        self.escalated -= {Milestone.RESOLUTION}
        self.resolved_at = self.reopen_until = None
        self.messages.append(Message(actor, now, text, Visibility.PUBLIC))
        self._record(Action.REOPEN, actor, now, target, None, Reopened, reason=text,
                     resolve_by=resolve_by)

    def rate(self, actor: Actor, now: datetime, score: int, comment: str | None = None) -> None:
        target = self._check(Action.RATE, actor, now)
        if self.rating is not None and self.rating.resolution == self.resolutions:
            raise IllegalTransition(self.status, Action.RATE, "this resolution is already rated")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidInput("a rating is a whole number from 1 to 5")
        text = _optional_text(comment, "a rating comment", MAX_COMMENT_LENGTH)
        self.ratings = (*self.ratings, Rating(score, text, now, self.resolutions))
        self._record(Action.RATE, actor, now, target, None, Rated, score=score, comment=text)

    def reply(self, actor: Actor, now: datetime, body: str) -> None:
        target = self._check(Action.REPLY, actor, now)
        text = _text(body, "a reply", MAX_MESSAGE_LENGTH)
        self.auto_close_at = None
        self.messages.append(Message(actor, now, text, Visibility.PUBLIC))
        self._record(Action.REPLY, actor, now, target, None, CitizenReplied, body=text)

    def add_note(self, actor: Actor, now: datetime, body: str) -> None:
        target = self._check(Action.NOTE, actor, now)
        text = _text(body, "a note", MAX_MESSAGE_LENGTH)
        self.messages.append(Message(actor, now, text, Visibility.INTERNAL))
        self._record(Action.NOTE, actor, now, target, None, InternalNoteAdded, body=text)

    def close(self, actor: Actor, now: datetime, *, note: str | None = None) -> None:
        target = self._check(Action.CLOSE, actor, now)
        if actor.role is Role.SYSTEM:
            due = self.auto_close_at if self.status is S.RESPONDED else self.reopen_until
            if due is None or now <= due:
                raise IllegalTransition(self.status, Action.CLOSE, "auto-close is not due yet")
        reason = CloseReason.AUTO_CLOSED if actor.role is Role.SYSTEM else CloseReason.ACCEPTED
        self.auto_close_at = None
        self._record(Action.CLOSE, actor, now, target, note, Closed, reason=reason)

    def escalate(self, actor: Actor, now: datetime, milestone: Milestone) -> None:
        target = self._check(Action.ESCALATE, actor, now)
        milestone = _enum(Milestone, milestone)
        pending = {
            Milestone.VERIFY: self.status is S.SUBMITTED,
            Milestone.FORWARD: not self.agencies,
            Milestone.FIRST_RESPONSE: self.first_responded_at is None,
            Milestone.RESOLUTION: True,  # escalate is refused once resolved
        }[milestone]
        deadline = self.deadlines.of(milestone)
        if not pending or milestone in self.escalated or now <= deadline:
            raise IllegalTransition(self.status, Action.ESCALATE,
                                    f"{milestone} is met, already escalated or not yet overdue")
        self.escalated |= {milestone}
        self._record(Action.ESCALATE, actor, now, target, milestone.value, SlaEscalated,
                     milestone=milestone, deadline=deadline)

    def authorize_attachment(self, actor: Actor, now: datetime) -> None:
        """A file's metadata may be attached by whoever may add a note, while a note may be
        added (not once the complaint is rejected or closed). Records nothing."""
        self._check(Action.NOTE, actor, now)

    def _check(self, action: Action, actor: Actor, now: datetime) -> Status:
        """Role first, then status; returns the target status. Changes nothing."""
        if actor.role not in ROLES[action]:
            raise NotAllowed(actor.role, action)
        target = TRANSITIONS[action].get(self.status)
        if target is None:
            raise IllegalTransition(self.status, action)
        _require_aware(now)
        return target

    def _record(self, action: Action, actor: Actor, now: datetime, target: Status,
                note: str | None, event_type: type[Event], *, initial: bool = False,
                **fields: Any) -> None:
        from_status = None if initial else self.status
        self.events.append(event_type(complaint_id=self.id, at=now, actor=actor,
                                      from_status=from_status, to_status=target, **fields))
        self.audit.append(AuditEntry(action, actor, now, from_status, target, note))
        self.status = target
