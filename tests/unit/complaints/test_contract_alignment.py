"""The domain keeps its own vocabulary (storage and contracts change for different reasons),
but the values it publishes must be ones the event contracts accept."""

from services.complaints import sla, vocabulary
from services.complaints.mapping import deadline_kind
from shared.events import complaints as ev


def values(enum) -> set[str]:
    return {str(m) for m in enum}


def test_statuses_reasons_and_complexities_match_the_events():
    assert values(vocabulary.Status) == values(ev.ComplaintStatus)
    assert values(vocabulary.RejectionReason) == values(ev.RejectionReason)
    assert values(sla.Complexity) == values(ev.ComplexityClass)


def test_every_sla_milestone_has_an_event_deadline():
    assert {deadline_kind(m) for m in sla.Milestone} == set(ev.SlaDeadline)
