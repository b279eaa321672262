"""The complaint state machine (services.complaints.domain): unit and property tests."""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.complaints.domain import (
    MAX_COMMENT_LENGTH,
    ROLES,
    TERMINAL,
    TRANSITIONS,
    Action,
    Actor,
    CitizenReplied,
    Closed,
    CloseReason,
    Complaint,
    Filed,
    Forwarded,
    IllegalTransition,
    InternalNoteAdded,
    InvalidInput,
    NotAllowed,
    Rated,
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
    allowed_actions,
)
from services.complaints.sla import JAKARTA, Complexity, Milestone, SlaPolicy

T0 = datetime(2026, 1, 5, 9, tzinfo=JAKARTA)  # a Monday
HOUR = timedelta(hours=1)
LATER = timedelta(days=400)  # past every deadline and window
ACTOR = {role: Actor(role, f"{role}-1") for role in Role}
ACTIONS = [a for a in Action if a is not Action.FILE]
EVENT_TYPE = {
    Action.VERIFY: Verified, Action.REJECT: Rejected, Action.FORWARD: Forwarded,
    Action.START: WorkStarted, Action.RESPOND: Responded, Action.RESOLVE: Resolved,
    Action.REOPEN: Reopened, Action.RATE: Rated, Action.REPLY: CitizenReplied,
    Action.NOTE: InternalNoteAdded, Action.CLOSE: Closed, Action.ESCALATE: SlaEscalated,
}
PATH = {  # a canonical way from filing to each status
    Status.SUBMITTED: [],
    Status.VERIFIED: [(Action.VERIFY, Role.OFFICER)],
    Status.REJECTED: [(Action.REJECT, Role.OFFICER)],
    Status.FORWARDED: [(Action.VERIFY, Role.OFFICER), (Action.FORWARD, Role.SUPERVISOR)],
}
PATH[Status.IN_PROGRESS] = [*PATH[Status.FORWARDED], (Action.START, Role.OFFICER)]
PATH[Status.RESPONDED] = [*PATH[Status.IN_PROGRESS], (Action.RESPOND, Role.OFFICER)]
PATH[Status.RESOLVED] = [*PATH[Status.RESPONDED], (Action.RESOLVE, Role.OFFICER)]
PATH[Status.REOPENED] = [*PATH[Status.RESOLVED], (Action.REOPEN, Role.CITIZEN)]
PATH[Status.CLOSED] = [*PATH[Status.RESPONDED], (Action.CLOSE, Role.CITIZEN)]


def perform(c: Complaint, action: Action, actor: Actor, now: datetime, variant: int = 0) -> None:
    """Run one action with arguments picked by ``variant``; variant 3 is often invalid input."""
    if action is Action.VERIFY:
        complexity = [None, Complexity.SIMPLE, Complexity.COMPLEX, None][variant]
        c.verify(actor, now, complexity=complexity)
    elif action is Action.REJECT:
        reason, duplicate_of = [(RejectionReason.NOT_IN_SCOPE, None), (RejectionReason.INCOMPLETE,
                                None), (RejectionReason.DUPLICATE, "c-0"),
                                (RejectionReason.DUPLICATE, None)][variant]
        c.reject(actor, now, reason, duplicate_of=duplicate_of)
    elif action is Action.FORWARD:
        fresh = f"agency-{len(c.agencies) + 1}"
        c.forward(actor, now, [fresh, "agency-1", fresh, ""][variant], note="mohon ditindaklanjuti")
    elif action is Action.START:
        c.start(actor, now)
    elif action is Action.RESPOND:
        c.respond(actor, now, ["Sudah kami perbaiki.", "Jawaban", "Jawaban", " "][variant])
    elif action is Action.RESOLVE:
        c.resolve(actor, now)
    elif action is Action.REOPEN:
        c.reopen(actor, now, ["Jalan masih rusak.", "Belum", "Belum", ""][variant])
    elif action is Action.RATE:
        c.rate(actor, now, [4, 1, 5, 9][variant], ["Cepat", None, "", None][variant])
    elif action is Action.REPLY:
        c.reply(actor, now, ["Terima kasih", "Masih", "Foto terlampir", ""][variant])
    elif action is Action.NOTE:
        c.add_note(actor, now, ["cek lokasi", "cek", "cek", "  "][variant])
    elif action is Action.CLOSE:
        c.close(actor, now)
    else:
        milestones = [Milestone.RESOLUTION, Milestone.VERIFY, Milestone.FORWARD,
                      Milestone.FIRST_RESPONSE]
        c.escalate(actor, now, milestones[variant])


def new_complaint(now: datetime = T0, **kwargs) -> Complaint:
    return Complaint.file(complaint_id="c-1", tracking_code="SRA-7K3-M9Q-XW4",
                          actor=ACTOR[Role.CITIZEN], now=now, **kwargs)


def reach(status: Status, start: datetime = T0) -> tuple[Complaint, datetime]:
    c, now = new_complaint(start), start
    for action, role in PATH[status]:
        now += HOUR
        perform(c, action, ACTOR[role], now)
    assert c.status is status
    return c, now


def when(action: Action, role: Role, now: datetime) -> datetime:
    """A time at which the action's time guard (if any) is satisfied."""
    late = action is Action.ESCALATE or (action is Action.CLOSE and role is Role.SYSTEM)
    return now + (LATER + HOUR if late else HOUR)


def assert_unchanged(c: Complaint, before: Complaint) -> None:
    assert c == before
    assert c.events == before.events


def sources(action: Action) -> list[Status]:
    return list(TRANSITIONS[action])


class TestTable:
    def test_terminal_statuses_have_no_way_out(self):
        for moves in TRANSITIONS.values():
            assert not TERMINAL & set(moves)

    def test_every_status_is_reachable_and_can_end(self):
        def reachable(start: set[Status]) -> set[Status]:
            seen, todo = set(start), list(start)
            while todo:
                s = todo.pop()
                for moves in TRANSITIONS.values():
                    if s in moves and moves[s] not in seen:
                        seen.add(moves[s])
                        todo.append(moves[s])
            return seen

        assert reachable({Status.SUBMITTED}) == set(Status)
        for status in set(Status) - TERMINAL:
            assert Status.CLOSED in reachable({status}) or status is Status.SUBMITTED
        assert Status.REJECTED in reachable({Status.SUBMITTED})

    def test_the_auditor_may_do_nothing(self):
        assert all(Role.AUDITOR not in roles for roles in ROLES.values())
        assert all(not allowed_actions(s, Role.AUDITOR) for s in Status)

    def test_the_table_cannot_be_changed(self):
        with pytest.raises(TypeError):
            TRANSITIONS[Action.VERIFY][Status.CLOSED] = Status.VERIFIED  # type: ignore[index]

    def test_allowed_actions(self):
        assert allowed_actions(Status.SUBMITTED, Role.OFFICER) == {
            Action.VERIFY, Action.REJECT, Action.NOTE}
        assert allowed_actions(Status.RESOLVED, Role.CITIZEN) == {
            Action.REOPEN, Action.RATE, Action.CLOSE}
        assert allowed_actions(Status.RESPONDED, Role.SYSTEM) == {Action.CLOSE, Action.ESCALATE}
        assert all(not allowed_actions(s, r) for s in TERMINAL for r in Role)


class TestEveryTransition:
    @pytest.mark.parametrize("status", list(Status))
    @pytest.mark.parametrize("action", ACTIONS)
    def test_from_every_status(self, action, status):
        c, now = reach(status)
        role = Role.SYSTEM if action is Action.ESCALATE else (
            Role.CITIZEN if Role.CITIZEN in ROLES[action] else Role.OFFICER)
        at = when(action, role, now)
        before = deepcopy(c)
        if status not in TRANSITIONS[action]:
            with pytest.raises(IllegalTransition) as refused:
                perform(c, action, ACTOR[role], at)
            assert (refused.value.current_status, refused.value.action) == (status, action)
            assert_unchanged(c, before)
            return
        perform(c, action, ACTOR[role], at)
        assert c.status is TRANSITIONS[action][status]
        [event] = c.events[len(before.events):]
        assert type(event) is EVENT_TYPE[action]
        assert (event.from_status, event.to_status, event.at) == (status, c.status, at)
        assert c.audit[len(before.audit):] == [c.audit[-1]]
        entry = c.audit[-1]
        assert (entry.action, entry.actor, entry.at) == (action, ACTOR[role], at)
        assert (entry.from_status, entry.to_status) == (status, c.status)

    @pytest.mark.parametrize(("action", "role"),
                             [(a, r) for a in ACTIONS for r in sorted(ROLES[a])])
    def test_every_allowed_role(self, action, role):
        c, now = reach(sources(action)[0])
        perform(c, action, ACTOR[role], when(action, role, now))
        assert c.audit[-1].actor.role is role

    @pytest.mark.parametrize(("action", "role"),
                             [(a, r) for a in ACTIONS for r in Role if r not in ROLES[a]])
    def test_every_other_role_is_not_allowed(self, action, role):
        for status in (sources(action)[0], Status.CLOSED):
            c, now = reach(status)
            before = deepcopy(c)
            with pytest.raises(NotAllowed) as refused:
                perform(c, action, ACTOR[role], when(action, role, now))
            assert (refused.value.role, refused.value.action) == (role, action)
            assert_unchanged(c, before)


class TestFiling:
    def test_filing_records_the_first_step(self):
        c = new_complaint(complexity=Complexity.SIMPLE)
        [event] = c.events
        assert isinstance(event, Filed)
        assert (event.from_status, event.to_status, event.tracking_code) == (
            None, Status.SUBMITTED, "SRA-7K3-M9Q-XW4")
        assert c.audit[0].from_status is None and c.audit[0].action is Action.FILE
        assert c.deadlines == SlaPolicy().deadlines(T0, Complexity.SIMPLE) == event.deadlines

    @pytest.mark.parametrize("role", [Role.CITIZEN, Role.OFFICER, Role.SUPERVISOR])
    def test_intake_roles(self, role):
        c = Complaint.file(complaint_id="c", tracking_code="t", actor=ACTOR[role], now=T0)
        assert c.status is Status.SUBMITTED

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR, Role.SYSTEM])
    def test_others_may_not_file(self, role):
        with pytest.raises(NotAllowed):
            Complaint.file(complaint_id="c", tracking_code="t", actor=ACTOR[role], now=T0)

    def test_times_must_be_aware(self):
        with pytest.raises(InvalidInput):
            new_complaint(datetime(2026, 1, 5, 9))
        c = new_complaint()
        with pytest.raises(InvalidInput):
            c.verify(ACTOR[Role.OFFICER], datetime(2026, 1, 5, 10))
        assert c.status is Status.SUBMITTED and len(c.events) == 1

    def test_unknown_enum_values_are_invalid_input(self):
        with pytest.raises(InvalidInput):
            new_complaint(complexity="huge")
        c = new_complaint()
        with pytest.raises(InvalidInput):
            c.verify(ACTOR[Role.OFFICER], T0 + HOUR, complexity="huge")
        with pytest.raises(InvalidInput):
            c.escalate(ACTOR[Role.SYSTEM], T0 + LATER, "lunch")
        assert len(c.events) == 1

    def test_a_custom_policy_is_used(self):
        c = new_complaint(policy=SlaPolicy(verify_days=1))
        assert c.deadlines.verify_by.date() == T0.date() + timedelta(days=1)


class TestVerifyAndReject:
    def test_verification_may_reclassify_the_complexity(self):
        c = new_complaint()
        c.verify(ACTOR[Role.OFFICER], T0 + HOUR, complexity=Complexity.COMPLEX)
        assert c.complexity is Complexity.COMPLEX
        assert c.deadlines == SlaPolicy().deadlines(T0, Complexity.COMPLEX)
        assert c.events[-1].deadlines == c.deadlines

    @pytest.mark.parametrize("reason", [RejectionReason.NOT_IN_SCOPE, RejectionReason.INCOMPLETE])
    def test_reject_with_a_reason(self, reason):
        c = new_complaint()
        c.reject(ACTOR[Role.SUPERVISOR], T0 + HOUR, reason)
        assert (c.status, c.rejection, c.events[-1].reason) == (Status.REJECTED, reason, reason)
        assert c.audit[-1].note == reason.value

    def test_duplicate_needs_the_original(self):
        c = new_complaint()
        with pytest.raises(InvalidInput):
            c.reject(ACTOR[Role.OFFICER], T0, RejectionReason.DUPLICATE)
        with pytest.raises(InvalidInput):
            c.reject(ACTOR[Role.OFFICER], T0, RejectionReason.INCOMPLETE, duplicate_of="c-0")
        with pytest.raises(InvalidInput):
            c.reject(ACTOR[Role.OFFICER], T0, RejectionReason.DUPLICATE, duplicate_of="c-1")
        with pytest.raises(InvalidInput):
            c.reject(ACTOR[Role.OFFICER], T0, "spam")
        c.reject(ACTOR[Role.OFFICER], T0, "duplicate", duplicate_of="SRA-222-222-222")
        assert c.duplicate_of == "SRA-222-222-222"
        assert c.events[-1].reason is RejectionReason.DUPLICATE

    def test_rejected_is_terminal(self):
        c, now = reach(Status.REJECTED)
        for action in ACTIONS:
            for role in ROLES[action]:
                with pytest.raises(IllegalTransition):
                    perform(c, action, ACTOR[role], when(action, role, now))


class TestForwarding:
    def test_the_whole_chain_is_kept(self):
        c, now = reach(Status.IN_PROGRESS)
        officer = ACTOR[Role.OFFICER]
        c.forward(officer, now + HOUR, "dinas-pu", note="bukan wewenang kami")
        c.forward(officer, now + 2 * HOUR, "dinas-perhubungan")
        assert c.agencies == ("agency-1", "dinas-pu", "dinas-perhubungan")
        assert c.agency_id == "dinas-perhubungan"
        assert c.events[-1].previous_agency_id == "dinas-pu"
        assert c.audit[-2].note == "bukan wewenang kami"
        c.start(officer, now + 3 * HOUR)
        assert c.events[-1].agency_id == "dinas-perhubungan"

    def test_forward_to_another_named_agency(self):
        c, now = reach(Status.FORWARDED)
        for agency in ("agency-1", ""):
            with pytest.raises(InvalidInput):
                c.forward(ACTOR[Role.OFFICER], now, agency)
        assert c.agencies == ("agency-1",)


class TestMessages:
    def test_responses_and_replies_are_public_notes_internal(self):
        c, now = reach(Status.IN_PROGRESS)
        c.add_note(ACTOR[Role.OFFICER], now + HOUR, "  petugas sudah ke lokasi  ")
        c.respond(ACTOR[Role.OFFICER], now + 2 * HOUR, "Sudah diperbaiki")
        c.reply(ACTOR[Role.CITIZEN], now + 3 * HOUR, "Belum, masih bocor")
        assert [(m.author.role, m.visibility) for m in c.messages] == [
            (Role.OFFICER, Visibility.INTERNAL), (Role.OFFICER, Visibility.PUBLIC),
            (Role.CITIZEN, Visibility.PUBLIC)]
        assert [m.body for m in c.public_messages] == ["Sudah diperbaiki", "Belum, masih bocor"]
        assert c.messages[0].body == "petugas sudah ke lokasi"
        assert isinstance(c.events[-3], InternalNoteAdded)

    def test_a_reply_sends_an_answered_complaint_back_to_work(self):
        c, now = reach(Status.RESPONDED)
        assert c.auto_close_at == SlaPolicy().auto_close_at(now)
        c.reply(ACTOR[Role.CITIZEN], now + HOUR, "Masih rusak")
        assert (c.status, c.auto_close_at) == (Status.IN_PROGRESS, None)
        with pytest.raises(IllegalTransition):
            c.resolve(ACTOR[Role.OFFICER], now + 2 * HOUR)  # needs a new public response
        c.respond(ACTOR[Role.OFFICER], now + 3 * HOUR, "Sudah kami ganti")
        assert c.events[-1].first is False
        assert c.first_responded_at == now

    def test_a_reply_elsewhere_keeps_the_status(self):
        c = new_complaint()
        c.reply(ACTOR[Role.CITIZEN], T0 + HOUR, "Foto tambahan")
        assert c.status is Status.SUBMITTED

    @pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
    def test_text_must_be_present_and_bounded(self, body):
        c, now = reach(Status.IN_PROGRESS)
        for act in (lambda: c.respond(ACTOR[Role.OFFICER], now, body),
                    lambda: c.add_note(ACTOR[Role.OFFICER], now, body),
                    lambda: c.reply(ACTOR[Role.CITIZEN], now, body)):
            with pytest.raises(InvalidInput):
                act()
        assert c.messages == []


class TestResolutionReopenAndRating:
    def test_resolve_opens_the_reopen_window(self):
        c, now = reach(Status.RESOLVED)
        assert c.resolved_at == now and c.resolutions == 1 and c.auto_close_at is None
        assert c.reopen_until == SlaPolicy().reopen_until(now) == c.events[-1].reopen_until

    def test_reopen_within_the_window_up_to_its_last_second(self):
        c, _ = reach(Status.RESOLVED)
        deadline = c.reopen_until
        c.reopen(ACTOR[Role.CITIZEN], deadline, "Masih rusak")
        assert c.status is Status.REOPENED and c.resolved_at is None
        assert c.deadlines.resolve_by == SlaPolicy().resolution_deadline(deadline, c.complexity)
        assert c.public_messages[-1].body == "Masih rusak"

    def test_no_reopen_after_the_window(self):
        c, _ = reach(Status.RESOLVED)
        before = deepcopy(c)
        with pytest.raises(IllegalTransition, match="window"):
            c.reopen(ACTOR[Role.CITIZEN], c.reopen_until + timedelta(seconds=1), "Masih rusak")
        assert_unchanged(c, before)

    def test_reopen_needs_a_reason(self):
        c, now = reach(Status.RESOLVED)
        with pytest.raises(InvalidInput):
            c.reopen(ACTOR[Role.CITIZEN], now + HOUR, "  ")

    @pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
    def test_rating(self, score):
        c, now = reach(Status.RESOLVED)
        c.rate(ACTOR[Role.CITIZEN], now + HOUR, score, "x" * MAX_COMMENT_LENGTH)
        assert (c.rating.score, c.rating.resolution, c.status) == (score, 1, Status.RESOLVED)

    @pytest.mark.parametrize(("score", "comment"), [(0, None), (6, None), (True, None),
                                                    (3.5, None), ("4", None),
                                                    (4, "x" * (MAX_COMMENT_LENGTH + 1))])
    def test_invalid_ratings(self, score, comment):
        c, now = reach(Status.RESOLVED)
        with pytest.raises(InvalidInput):
            c.rate(ACTOR[Role.CITIZEN], now + HOUR, score, comment)
        assert c.ratings == ()

    def test_a_rating_is_final_but_a_new_resolution_can_be_rated(self):
        c, now = reach(Status.RESOLVED)
        citizen, officer = ACTOR[Role.CITIZEN], ACTOR[Role.OFFICER]
        c.rate(citizen, now + HOUR, 2, "  ")
        assert c.rating.comment is None
        with pytest.raises(IllegalTransition, match="already rated"):
            c.rate(citizen, now + 2 * HOUR, 5)
        c.reopen(citizen, now + 3 * HOUR, "Belum selesai")
        c.start(officer, now + 4 * HOUR)
        c.respond(officer, now + 5 * HOUR, "Sudah")
        c.resolve(officer, now + 6 * HOUR)
        c.rate(citizen, now + 7 * HOUR, 5)
        assert [(r.score, r.resolution) for r in c.ratings] == [(2, 1), (5, 2)]

    def test_no_rating_before_resolution_or_after_closing(self):
        for status in (Status.RESPONDED, Status.CLOSED):
            c, now = reach(status)
            with pytest.raises(IllegalTransition):
                c.rate(ACTOR[Role.CITIZEN], now + HOUR, 5)


class TestClosing:
    def test_the_citizen_accepts(self):
        for status in (Status.RESPONDED, Status.RESOLVED):
            c, now = reach(status)
            c.close(ACTOR[Role.CITIZEN], now + HOUR)
            assert (c.status, c.events[-1].reason) == (Status.CLOSED, CloseReason.ACCEPTED)

    def test_auto_close_after_an_unanswered_response(self):
        c, _ = reach(Status.RESPONDED)
        system = ACTOR[Role.SYSTEM]
        with pytest.raises(IllegalTransition, match="not due"):
            c.close(system, c.auto_close_at)
        c.close(system, c.auto_close_at + timedelta(seconds=1))
        assert (c.status, c.events[-1].reason) == (Status.CLOSED, CloseReason.AUTO_CLOSED)
        assert c.auto_close_at is None

    def test_auto_close_after_the_reopen_window(self):
        c, _ = reach(Status.RESOLVED)
        with pytest.raises(IllegalTransition):
            c.close(ACTOR[Role.SYSTEM], c.reopen_until)
        c.close(ACTOR[Role.SYSTEM], c.reopen_until + timedelta(minutes=1))
        assert c.status is Status.CLOSED

    def test_closed_is_terminal(self):
        c, now = reach(Status.CLOSED)
        for action in ACTIONS:
            assert not any(allowed_actions(Status.CLOSED, r) for r in Role)
            for role in ROLES[action]:
                with pytest.raises(IllegalTransition):
                    perform(c, action, ACTOR[role], when(action, role, now))


class TestEscalation:
    def test_only_when_overdue_and_once(self):
        c = new_complaint()
        system = ACTOR[Role.SYSTEM]
        with pytest.raises(IllegalTransition):
            c.escalate(system, c.deadlines.verify_by, Milestone.VERIFY)
        c.escalate(system, c.deadlines.verify_by + HOUR, Milestone.VERIFY)
        event = c.events[-1]
        assert (event.milestone, event.deadline) == (Milestone.VERIFY, c.deadlines.verify_by)
        assert c.status is Status.SUBMITTED and c.audit[-1].note == "verify"
        with pytest.raises(IllegalTransition, match="already escalated"):
            c.escalate(system, c.deadlines.verify_by + 2 * HOUR, Milestone.VERIFY)

    def test_met_milestones_are_not_escalated(self):
        c, now = reach(Status.IN_PROGRESS)
        late = now + LATER
        for milestone in (Milestone.VERIFY, Milestone.FORWARD):
            with pytest.raises(IllegalTransition):
                c.escalate(ACTOR[Role.SYSTEM], late, milestone)
        c.escalate(ACTOR[Role.SYSTEM], late, Milestone.FIRST_RESPONSE)
        c.respond(ACTOR[Role.OFFICER], late, "Maaf terlambat")
        c.escalate(ACTOR[Role.SYSTEM], late, Milestone.RESOLUTION)
        assert c.escalated == {Milestone.FIRST_RESPONSE, Milestone.RESOLUTION}

    def test_reopening_restarts_the_resolution_clock(self):
        c, now = reach(Status.RESPONDED)
        c.escalate(ACTOR[Role.SYSTEM], now + LATER, Milestone.RESOLUTION)
        c.resolve(ACTOR[Role.OFFICER], now + LATER)
        c.reopen(ACTOR[Role.CITIZEN], now + LATER + HOUR, "Rusak lagi")
        assert Milestone.RESOLUTION not in c.escalated
        with pytest.raises(IllegalTransition):
            c.escalate(ACTOR[Role.SYSTEM], now + LATER + 2 * HOUR, Milestone.RESOLUTION)
        c.escalate(ACTOR[Role.SYSTEM], c.deadlines.resolve_by + HOUR, Milestone.RESOLUTION)


def test_role_is_checked_before_status():
    c, now = reach(Status.CLOSED)
    with pytest.raises(NotAllowed):
        c.verify(ACTOR[Role.CITIZEN], now)
    with pytest.raises(NotAllowed):
        c.add_note(ACTOR[Role.AUDITOR], now, "x")


@st.composite
def steps(draw):
    action = draw(st.sampled_from(ACTIONS))
    role = draw(st.sampled_from(sorted(ROLES[action])) | st.sampled_from(list(Role)))
    delta = draw(st.sampled_from([timedelta(0), HOUR, timedelta(days=1), timedelta(days=6),
                                  timedelta(days=20), timedelta(days=90)]))
    return action, role, delta, draw(st.integers(0, 3))


def check_invariants(c: Complaint) -> None:
    assert len(c.events) == len(c.audit)
    assert c.audit[-1].to_status is c.status
    for earlier, later in zip(c.audit, c.audit[1:], strict=False):
        assert earlier.to_status is later.from_status
    assert (c.auto_close_at is not None) == (c.status is Status.RESPONDED)
    assert all(1 <= r.score <= 5 for r in c.ratings)
    assert len({r.resolution for r in c.ratings}) == len(c.ratings)
    assert all(a != b for a, b in zip(c.agencies, c.agencies[1:], strict=False))
    for m in c.messages:
        assert m.author.role in ROLES[Action.NOTE] or m.visibility is Visibility.PUBLIC


@settings(max_examples=400, deadline=None)
@given(
    start=st.sampled_from(list(Status)),
    filed_at=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30),
                          timezones=st.just(JAKARTA)),
    sequence=st.lists(steps(), max_size=40),
)
def test_random_sequences_keep_the_machine_sound(start, filed_at, sequence):
    c, now = reach(start, filed_at)
    for action, role, delta, variant in sequence:
        now += delta
        before = deepcopy(c)
        try:
            perform(c, action, ACTOR[role], now, variant)
        except NotAllowed:
            assert role not in ROLES[action]
            assert_unchanged(c, before)
            continue
        except IllegalTransition:
            assert role in ROLES[action]
            assert_unchanged(c, before)
            continue
        except InvalidInput:
            assert role in ROLES[action] and before.status in TRANSITIONS[action]
            assert_unchanged(c, before)
            continue
        assert role in ROLES[action]
        assert c.status is TRANSITIONS[action][before.status]
        [event] = c.events[len(before.events):]
        assert type(event) is EVENT_TYPE[action]
        assert (event.from_status, event.to_status, event.at) == (before.status, c.status, now)
        assert c.audit[:-1] == before.audit
        assert (c.audit[-1].action, c.audit[-1].actor) == (action, ACTOR[role])
        check_invariants(c)
