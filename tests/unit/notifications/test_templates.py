"""Every template, in both languages, renders with the variables of "What producers send"
(docs/notifications.md); SMS bodies fit two segments; values are escaped in HTML; a missing
variable is an error, never a hole."""

from __future__ import annotations

import pytest

from services.notifications.domain.sms import count_segments
from services.notifications.rendering import KINDS, Renderer, TemplateError

LINK = "https://lapor.example.go.id/lacak#t=eyJjb2RlIjoiU1ItN0sy"
SAMPLES = {
    "complaint_filed": {"tracking_code": "SR-7K2QX9", "status": "submitted",
                        "tracking_url": LINK, "filed_at": "2026-12-01T07:05:00+00:00"},
    "complaint_status_changed": {"tracking_code": "SR-7K2QX9", "status": "forwarded",
                                 "tracking_url": LINK},
    "complaint_answered": {"tracking_code": "SR-7K2QX9", "tracking_url": LINK,
                           "responded_at": "2026-12-01T07:05:00+00:00",
                           "agency_name": "Dinas PUPR Kota Bandung"},
    "complaint_resolved": {"tracking_code": "SR-7K2QX9", "tracking_url": LINK,
                           "rating_url": LINK + "&a=rate",
                           "survey_url": "https://survei.example.go.id/s/abc",
                           "survey_expires_at": "2026-12-31T16:59:59+00:00",
                           "resolved_at": "2026-12-01T07:05:00+00:00"},
    "survey_invitation": {"invitation_url": "https://survei.example.go.id/s/abc",
                          "expires_at": "2026-12-31T16:59:59+00:00",
                          "tracking_code": "SR-7K2QX9"},
    "sla_reminder": {"tracking_code": "SR-7K2QX9", "kind": "breach", "deadline": "resolution",
                     "due_at": "2026-12-01T07:05:00+00:00",
                     "complaint_url": "https://admin.example.go.id/c/1"},
    "sla_digest": {"items": [{"tracking_code": "SR-7K2QX9", "kind": "warning",
                              "deadline": "first_response",
                              "due_at": "2026-12-02T03:00:00+00:00"}]},
    "kpi_target_missed": {"indicator_code": "resolved_within_5wd", "period": "2026-11",
                          "scope": "", "value": 72.5, "target": 90.0,
                          "comparison": "at_least", "measure": "percent"},
    "webhook_endpoint_disabled": {"endpoint_id": "e-1", "endpoint_url": "https://x.go.id/h",
                                  "reason": "failing",
                                  "failing_since": "2026-11-26T07:05:00+00:00"},
}
R = Renderer()


def test_every_kind_has_templates_and_a_sample():
    assert sorted(R.kinds()) == sorted(KINDS) == sorted(SAMPLES)


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_renders_and_its_sms_fits_two_segments(kind, locale):
    out = R.render(kind, locale, SAMPLES[kind] | {"unsubscribe_url": "https://u/x"})
    assert out.subject and out.text and out.html.startswith("<!doctype html>")
    assert out.push_title and out.push_body
    assert 1 <= count_segments(out.sms).count <= 2


def test_dates_are_written_for_the_locale_and_zone():
    text = R.render("complaint_filed", "id", SAMPLES["complaint_filed"]).text
    assert "Selasa, 1 Desember 2026 pukul 14.05 WIB" in text
    en = R.render("complaint_filed", "en", SAMPLES["complaint_filed"]).text
    assert "Tuesday, 1 December 2026 at 14:05 WIB" in en
    wit = R.render("complaint_filed", "id", SAMPLES["complaint_filed"],
                   timezone="Asia/Jayapura").text
    assert "pukul 16.05 WIT" in wit


def test_an_unknown_locale_falls_back_to_indonesian():
    assert R.render("complaint_filed", "fr", SAMPLES["complaint_filed"]).subject.startswith(
        "Pengaduan")


def test_values_are_escaped_in_html_not_in_text():
    evil = SAMPLES["complaint_answered"] | {"agency_name": "<script>alert(1)</script>"}
    out = R.render("complaint_answered", "id", evil)
    assert "<script>" not in out.html and "&lt;script&gt;" in out.html
    assert "<script>" in out.text


def test_a_missing_variable_is_an_error():
    with pytest.raises(TemplateError):
        R.render("complaint_resolved", "id", {"tracking_code": "SR-1", "tracking_url": LINK})


def test_a_long_sms_is_shortened_but_keeps_its_link():
    out = R.render("complaint_answered", "id", SAMPLES["complaint_answered"] | {
        "tracking_code": "SR-" + "X" * 300})
    assert out.sms.endswith(LINK) and count_segments(out.sms).count <= 2
