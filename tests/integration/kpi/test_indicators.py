"""Indicators through the public API, from events handed to the handler: local dates,
working days, duplicates, the roll-up to parents, catalogue events in any order."""

from __future__ import annotations

import pytest

from shared.auth import Role
from tests.integration.kpi.factory import Complaint, agency, at, category, wrap

pytestmark = pytest.mark.asyncio


def october() -> list:
    c1 = (Complaint("dinas-pu").file(at("2026-10-05 09:00")).verify(at("2026-10-05 10:00"))
          .respond(at("2026-10-06 09:00")).resolve(at("2026-10-07 09:00"))
          .rate(at("2026-10-08 09:00"), 5))
    # Friday evening: counting starts Monday; 12..20 October = 7 working days
    c2 = (Complaint("dinas-pu", channel="sms").file(at("2026-10-09 20:00"))
          .verify(at("2026-10-12 09:00")).respond(at("2026-10-13 09:00"))
          .resolve(at("2026-10-20 09:00")).rate(at("2026-10-21 09:00"), 3))
    # 23:30 WIB on 31 October is 16:30 UTC: October, open at the month's end, age 0
    c3 = Complaint("dinas-pu").file(at("2026-10-31 23:30"))
    # 23:30 WIB on 30 September: September, still open on 31 October (22 working days old)
    c4 = Complaint("dinas-pu").file(at("2026-09-30 23:30"))
    # 00:30 WIB on 1 October is 30 September in UTC: October
    c5 = (Complaint("dinas-pu", privacy="anonymous").file(at("2026-10-01 00:30"))
          .reject(at("2026-10-02 09:00"), "duplicate"))
    return [e for c in (c1, c2, c3, c4, c5) for e in c.events]


async def test_october_figures_from_local_dates_and_working_days(kpi):
    await kpi.deliver(*october())
    got = await kpi.indicators("dinas-pu", "2026-10")
    assert got["filed"]["value"] == 4
    assert got["verified"]["value"] == 2
    assert got["rejected"]["value"] == 1
    assert got["rejected_duplicate"]["value"] == 1
    assert got["resolved"]["value"] == 2
    assert got["resolved_within_5wd"]["value"] == 50.0
    assert got["time_to_resolution_wd_median"]["value"] == 2
    assert got["time_to_resolution_wd_p90"]["value"] == 7
    assert got["time_to_resolution_wd_mean"]["value"] == 4.5
    assert got["time_to_resolution_count"]["value"] == 2
    assert got["backlog"]["value"] == 2
    assert got["backlog_age_0_3"]["value"] == 1
    assert got["backlog_age_15_60"]["value"] == 1
    # one anonymous filing of four: withheld in public (docs/kpi.md), 25 % for staff
    assert got["anonymous_share"]["value"] is None and got["anonymous_share"]["suppressed"]
    assert (await kpi.staff_indicators("dinas-pu", "2026-10"))["anonymous_share"]["value"] == 25.0
    assert got["rating_mean"]["value"] == 4.0
    assert got["rating_share_4plus"]["value"] == 50.0
    assert got["sla_resolution"]["value"] == 50.0
    assert got["sla_verification"]["value"] == 100.0
    # the seeded default target: resolution within 5 working days at least 90 %
    assert got["resolved_within_5wd"]["target"] == 90.0
    assert got["resolved_within_5wd"]["score"] == pytest.approx(50 / 90, abs=1e-4)
    sept = await kpi.indicators("dinas-pu", "2026-09")
    assert sept["filed"]["value"] == 1
    assert got["filed"]["previous"] == 1 and got["filed"]["change"] == 3


async def test_duplicates_and_redeliveries_count_once(kpi):
    events = october()
    assert await kpi.deliver(*events) == len(events)
    assert await kpi.deliver(*events) == 0  # the inbox
    # the same event under another id (a producer retry that minted a new envelope id) is
    # still counted once for a filing: the complaint's state knows it was filed
    again = wrap(events[0].data)
    await kpi.deliver(again)
    got = await kpi.indicators("dinas-pu", "2026-10")
    assert got["filed"]["value"] == 4


async def test_parents_roll_up_and_catalogue_may_come_last(kpi):
    await kpi.deliver(*Complaint("kec-a").file(at("2026-10-05 09:00")).events,
                      *Complaint("kec-b").file(at("2026-10-06 09:00")).events,
                      *Complaint("kota").file(at("2026-10-07 09:00")).events)
    got = await kpi.indicators("kota", "2026-10")
    assert got["filed"]["value"] == 1  # the tree is not known yet
    await kpi.deliver(agency("kota"), agency("kec-a", parent="kota"),
                      agency("kec-b", parent="kota"))
    got = await kpi.indicators("kota", "2026-10")
    assert got["filed"]["value"] == 3
    assert (await kpi.indicators("kec-a", "2026-10"))["filed"]["value"] == 1


async def test_integrity_categories_counted_from_the_catalogue(kpi):
    pungli = Complaint("kota", category_code="pungli").file(at("2026-10-05 09:00"))
    await kpi.deliver(*pungli.events,
                      *Complaint("kota").file(at("2026-10-05 09:00")).events)
    await kpi.deliver(category("pungli", "kota", integrity=True))
    got = await kpi.staff_indicators("kota", "2026-10")  # one: withheld in public
    assert got["integrity_complaints"]["value"] == 1
    assert got["integrity_share"]["value"] == 50.0
    week = await kpi.staff_indicators("kota", "2026-W41")
    assert week["integrity_complaints"]["value"] == 1


async def test_a_unit_or_category_scope_never_borrows_the_agency_s_shares(kpi):
    """Cells carry one dimension: a unit's filings are not split by category or privacy, so
    its integrity and anonymous shares are unknown (None), not the whole agency's."""
    await kpi.deliver(
        *Complaint("kota", category_code="pungli", privacy="anonymous",
                   unit_id="loket-1").file(at("2026-10-05 09:00")).events,
        *Complaint("kota", unit_id="loket-2").file(at("2026-10-05 10:00")).events,
        *Complaint("kota", unit_id="loket-2").file(at("2026-10-05 11:00")).events,
        category("pungli", "kota", integrity=True))

    async def scope(**params: str) -> dict:
        r = await kpi.client.get("/v1/agencies/kota/indicators", headers=kpi.auth(
            Role.SUPERVISOR, agency="kota"), params={"period": "2026-10", **params})
        assert r.status_code == 200, r.text
        return {i["code"]: i["value"] for i in r.json()["indicators"]}

    whole = await scope()
    assert whole["integrity_share"] == whole["anonymous_share"] == 33.33
    unit = await scope(unit="loket-2")
    assert unit["filed"] == 2
    assert unit["integrity_share"] is None and unit["anonymous_share"] is None
    pungli = await scope(category="pungli")
    assert pungli["filed"] == 1 and pungli["integrity_share"] == 100.0
    assert pungli["anonymous_share"] is None  # privacy within a category: not stored


async def test_forward_moves_the_backlog(kpi):
    c = (Complaint("kota").file(at("2026-10-05 09:00")).verify(at("2026-10-05 10:00"))
         .forward(at("2026-10-06 09:00"), "dinkes"))
    await kpi.deliver(*c.events)
    assert (await kpi.indicators("kota", "2026-10"))["backlog"]["value"] == 0
    assert (await kpi.indicators("dinkes", "2026-10"))["backlog"]["value"] == 1
    assert (await kpi.indicators("kota", "2026-10"))["forwarded"]["value"] == 1


async def test_public_answers_carry_etag_and_cache_control(kpi):
    await kpi.deliver(*october())
    url = "/v1/public/agencies/dinas-pu/indicators"
    r = await kpi.client.get(url, params={"period": "2026-Q4"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"agency_id", "period", "indicators"}
    assert body["agency_id"] == "dinas-pu" and body["period"] == "2026-Q4"
    assert set(body["indicators"][0]) >= {"code", "value", "target", "score", "previous",
                                          "change"}
    assert body["indicators"][0]["code"] == "filed" and body["indicators"][0]["value"] == 4
    assert "max-age" in r.headers["cache-control"]
    again = await kpi.client.get(url, params={"period": "2026-Q4"},
                                 headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


async def test_bad_input_is_a_4xx_naming_the_field(kpi):
    await kpi.deliver(*october())
    r = await kpi.client.get("/v1/public/agencies/dinas-pu/indicators",
                             params={"period": "2026-13"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "period"
    r = await kpi.client.get("/v1/public/agencies/nobody/indicators",
                             params={"period": "2026-10"})
    assert r.status_code == 404
    r = await kpi.client.get("/v1/public/agencies/dinas-pu/breakdowns",
                             params={"period": "2026-10", "by": "colour"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "by"


async def test_surveys_custom_satisfaction_and_channels(kpi):
    from shared.events import NotificationDelivered, NotificationFailed
    from tests.integration.kpi.factory import custom_response, skm_response

    post = skm_response("kota", None, "2026-10", at("2026-10-05 10:00"),
                        {f"U{i}": 3 for i in range(1, 10)}, survey_id="post")
    online = skm_response("kota", "unit-1", "2026-10", at("2026-10-05 11:00"),
                          {f"U{i}": 4 for i in range(1, 10)})
    online = wrap(online.data.model_copy(update={"channel": "batch"}))
    await kpi.deliver(post, online,
                      custom_response("kota", at("2026-10-06 10:00"), {"q1": 5, "q2": 1}),
                      custom_response("kota", at("2026-10-06 11:00"), {"q1": 4}),
                      wrap(NotificationDelivered(notification_id="n1", channel="sms",
                                                 attempts=1, occurred_at=at("2026-10-06 12:00"))),
                      wrap(NotificationFailed(notification_id="n2", channel="sms",
                                              reason="bounced", attempts=3,
                                              occurred_at=at("2026-10-06 12:00"))))
    got = await kpi.indicators("kota", "2026-10")
    assert got["ikm"]["value"] == 100.0  # the unit's survey only
    assert got["complaint_survey_ikm"]["value"] == 75.0  # the post-complaint survey
    assert got["skm_respondents"]["value"] == 1
    assert got["survey_responses"]["value"] == 4
    assert got["custom_satisfaction"]["value"] == 58.33  # (100 + 0 + 75) / 3
    platform = await kpi.indicators("*", "2026-10")
    assert platform["notification_delivery_rate"]["value"] == 50.0
    r = await kpi.client.get("/v1/agencies/kota/breakdowns", headers=kpi.auth(agency="kota"),
                             params={"period": "2026-10", "by": "channel"})
    rows = {row["value"]: row["indicators"] for row in r.json()["rows"]}
    assert rows["batch"]["survey_responses"]["value"] == 1
