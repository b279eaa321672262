"""Working days (shared.calendar) and SLA deadlines (services.complaints.sla)."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.complaints.sla import Complexity, Deadlines, Milestone, SlaPolicy
from shared.calendar import (
    JAKARTA,
    WorkingCalendar,
    calendar_for,
    national_holidays,
    package_collective_leave,
)

CAL = WorkingCalendar()


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JAKARTA)


def eod(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=JAKARTA)


def idul_fitri(year: int) -> list[date]:
    """Idul Fitri as the holidays package has it (not a guess of ours)."""
    found = holidays.country_holidays("ID", years=year, language="en_US")
    return sorted(d for d, name in found.items() if "Eid al-Fitr" in name)


class TestIsWorkingDay:
    def test_weekdays_work_and_weekends_do_not(self):
        assert CAL.is_working_day(date(2026, 1, 7))  # Wednesday
        assert not CAL.is_working_day(date(2026, 1, 10))  # Saturday
        assert not CAL.is_working_day(date(2026, 1, 11))  # Sunday

    @pytest.mark.parametrize("day", [date(2026, 8, 17), date(2026, 12, 25), date(2025, 12, 25),
                                     date(2026, 1, 1), date(2027, 8, 17)])
    def test_known_national_holidays_are_closed(self, day):
        assert day.weekday() < 5
        assert not CAL.is_working_day(day)

    @pytest.mark.parametrize("year", [2025, 2026, 2027])
    def test_idul_fitri_from_the_package_is_closed(self, year):
        days = idul_fitri(year)
        assert len(days) == 2
        assert all(not CAL.is_working_day(d) for d in days)

    def test_collective_leave_and_extra_holidays_are_closed(self):
        leave, extra = date(2026, 3, 20), date(2026, 3, 26)  # a Friday and a Thursday
        cal = WorkingCalendar(collective_leave={leave}, extra_holidays=[extra])
        assert CAL.is_working_day(leave) and CAL.is_working_day(extra)
        assert not cal.is_working_day(leave) and not cal.is_working_day(extra)
        assert cal.collective_leave == frozenset({leave})  # normalised, hashable
        assert hash(cal) == hash(WorkingCalendar(frozenset({leave}), frozenset({extra})))

    def test_package_collective_leave_is_the_government_category(self):
        leave = package_collective_leave([2025])
        assert date(2025, 4, 2) in leave and date(2025, 12, 26) in leave  # Idul Fitri, Christmas
        assert not leave & national_holidays(2025)

    def test_holidays_are_looked_up_once_per_year(self):
        national_holidays(2031)
        before = national_holidays.cache_info()
        for day in range(1, 29):
            CAL.is_working_day(date(2031, 2, day))
        after = national_holidays.cache_info()
        assert after.misses == before.misses
        assert after.hits >= before.hits + 20


class TestAddWorkingDays:
    def test_filed_monday_morning_counts_from_tuesday(self):
        assert CAL.add_working_days(at(2026, 1, 5, 8), 3) == eod(2026, 1, 8)

    def test_friday_evening_starts_counting_on_monday(self):
        assert CAL.add_working_days(at(2026, 1, 9, 19, 30), 1) == eod(2026, 1, 12)

    def test_filed_on_a_saturday(self):
        assert CAL.add_working_days(at(2026, 1, 10, 11), 1) == eod(2026, 1, 12)
        # Friday 16 January 2026 is Isra' Mi'raj, so the fifth working day is Monday the 19th
        assert not CAL.is_working_day(date(2026, 1, 16))
        assert CAL.add_working_days(at(2026, 1, 10, 11), 5) == eod(2026, 1, 19)

    def test_filed_on_a_holiday_starts_on_the_next_working_day(self):
        assert CAL.add_working_days(at(2026, 8, 17, 9), 1) == eod(2026, 8, 18)

    def test_independence_day_is_skipped(self):
        # Friday 14 August 2026; Monday 17 August is Independence Day
        assert CAL.add_working_days(at(2026, 8, 14), 1) == eod(2026, 8, 18)

    def test_filed_the_evening_before_a_holiday(self):
        # Wednesday 13 May 2026, 21:00; Thursday the 14th is Ascension Day
        filed = at(2026, 5, 13, 21)
        assert CAL.add_working_days(filed, 1) == eod(2026, 5, 15)
        with_leave = WorkingCalendar(collective_leave=package_collective_leave([2026]))
        assert date(2026, 5, 15) in with_leave.collective_leave
        assert with_leave.add_working_days(filed, 1) == eod(2026, 5, 18)

    def test_christmas_and_the_new_year(self):
        filed = at(2026, 12, 23, 16)
        assert CAL.add_working_days(filed, 1) == eod(2026, 12, 24)
        assert CAL.add_working_days(filed, 2) == eod(2026, 12, 28)  # Fri 25th closed
        assert CAL.add_working_days(filed, 5) == eod(2026, 12, 31)
        assert CAL.add_working_days(filed, 6) == eod(2027, 1, 4)  # 1 January is a Friday
        leave = WorkingCalendar(collective_leave={date(2026, 12, 24)})
        assert leave.add_working_days(filed, 1) == eod(2026, 12, 28)

    def test_idul_fitri_2025_with_and_without_collective_leave(self):
        eid = idul_fitri(2025)  # Monday 31 March and Tuesday 1 April in the package
        filed = at(2025, 3, 27, 14)  # Thursday
        deadline = CAL.add_working_days(filed, 3)
        assert deadline == eod(2025, 4, 3)  # Fri 28, (weekend, Idul Fitri), Wed 2, Thu 3
        assert CAL.working_days_between(filed, deadline) == 3
        assert all(filed.date() < d < deadline.date() for d in eid)
        leave = WorkingCalendar(collective_leave=package_collective_leave([2025]))
        assert leave.add_working_days(filed, 3) == eod(2025, 4, 10)

    def test_idul_fitri_2026_falls_inside_a_counted_period(self):
        eid = idul_fitri(2026)
        filed = datetime.combine(eid[0] - timedelta(days=5), time(10), tzinfo=JAKARTA)
        deadline = CAL.add_working_days(filed, 5)
        inside = [filed.date() + timedelta(days=k)
                  for k in range(1, (deadline.date() - filed.date()).days + 1)]
        assert set(eid) <= set(inside)
        assert sum(CAL.is_working_day(d) for d in inside) == 5

    def test_the_local_date_in_jakarta_is_what_counts(self):
        # Thursday 8 January 20:00 UTC is already Friday 03:00 in Jakarta
        filed = datetime(2026, 1, 8, 20, 0, tzinfo=UTC)
        assert CAL.add_working_days(filed, 1) == eod(2026, 1, 12)

    def test_deadline_is_end_of_day_in_jakarta_and_aware(self):
        deadline = CAL.add_working_days(at(2026, 2, 2), 4)
        assert deadline.tzinfo is JAKARTA
        assert deadline.time() == time(23, 59, 59)
        assert deadline.utcoffset() == timedelta(hours=7)

    def test_zero_days_is_the_end_of_the_same_day_and_negative_is_refused(self):
        assert CAL.add_working_days(at(2026, 1, 10), 0) == eod(2026, 1, 10)
        with pytest.raises(ValueError):
            CAL.add_working_days(at(2026, 1, 10), -1)

    def test_naive_datetimes_are_refused(self):
        with pytest.raises(ValueError, match="aware"):
            CAL.add_working_days(datetime(2026, 1, 5, 10), 1)

    def test_it_is_cheap(self):
        filed = at(2026, 3, 19, 20)
        CAL.add_working_days(filed, 60)
        started = clock.perf_counter()
        for _ in range(10_000):
            CAL.add_working_days(filed, 60)
        assert clock.perf_counter() - started < 1.0


moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(JAKARTA))


class TestProperties:
    @given(moments, st.integers(0, 300))
    def test_between_inverts_add(self, start, n):
        assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n

    @given(moments, st.integers(1, 300))
    def test_deadline_is_a_later_working_day(self, start, n):
        deadline = CAL.add_working_days(start, n)
        assert CAL.is_working_day(deadline.date())
        assert deadline.date() > start.date()
        assert CAL.add_working_days(start, n + 1) > deadline

    @given(moments, moments)
    def test_between_is_antisymmetric_and_counts_working_days(self, a, b):
        assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
        lo, hi = sorted([a.date(), b.date()])
        naive = sum(CAL.is_working_day(lo + timedelta(days=k))
                    for k in range(1, (hi - lo).days + 1))
        assert abs(CAL.working_days_between(a, b)) == naive


class TestWorkingDaysBetween:
    def test_examples(self):
        assert CAL.working_days_between(at(2026, 1, 9), at(2026, 1, 12)) == 1  # Fri -> Mon
        assert CAL.working_days_between(at(2026, 1, 9), at(2026, 1, 9, 23)) == 0
        assert CAL.working_days_between(date(2026, 8, 14), date(2026, 8, 18)) == 1
        assert CAL.working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1
        assert CAL.working_days_between(date(2026, 1, 12), date(2026, 1, 9)) == -1


class TestSlaPolicy:
    def test_national_defaults(self):
        policy = SlaPolicy()
        assert (policy.verify_days, policy.forward_days, policy.first_response_days) == (3, 3, 5)
        assert [policy.resolution_days(c) for c in Complexity] == [5, 14, 60]
        assert (policy.auto_close_days, policy.reopen_window_days, policy.warning_days) == (10,
                                                                                          10, 1)

    def test_deadlines(self):
        filed = at(2026, 1, 5, 9)  # Monday
        deadlines = SlaPolicy().deadlines(filed, Complexity.NORMAL)
        assert deadlines == Deadlines(
            verify_by=eod(2026, 1, 8),
            forward_by=eod(2026, 1, 8),
            first_response_by=eod(2026, 1, 12),
            resolve_by=eod(2026, 1, 26),  # 14 working days; Friday 16 January is a holiday
        )
        assert deadlines.of(Milestone.FIRST_RESPONSE) == deadlines.first_response_by

    @pytest.mark.parametrize(("complexity", "days"), [("simple", 5), ("normal", 14),
                                                      ("complex", 60)])
    def test_resolution_by_complexity(self, complexity, days):
        filed = at(2026, 2, 10)
        deadlines = SlaPolicy().deadlines(filed, Complexity(complexity))
        assert CAL.working_days_between(filed, deadlines.resolve_by) == days

    def test_collective_leave_moves_the_deadlines(self):
        filed = at(2026, 3, 17, 9)  # Tuesday before Nyepi and Idul Fitri
        plain = SlaPolicy().deadlines(filed, Complexity.SIMPLE)
        leave = WorkingCalendar(collective_leave=package_collective_leave([2026]))
        with_leave = SlaPolicy(calendar=leave).deadlines(filed, Complexity.SIMPLE)
        assert plain.verify_by == eod(2026, 3, 23)  # 18, (19 Nyepi), 20, (weekend), 23
        assert with_leave.verify_by == eod(2026, 3, 27)  # 18, 20, 23, 24 are cuti bersama
        assert with_leave.resolve_by > plain.resolve_by

    def test_warning_is_one_working_day_before(self):
        policy = SlaPolicy()
        assert policy.warning_time(eod(2026, 1, 14)) == eod(2026, 1, 13)
        assert policy.warning_time(eod(2026, 1, 12)) == eod(2026, 1, 9)  # over a weekend
        assert policy.warning_time(eod(2026, 8, 18)) == eod(2026, 8, 14)  # over 17 August
        deadline = policy.deadlines(at(2026, 1, 5), Complexity.SIMPLE).resolve_by
        assert CAL.working_days_between(policy.warning_time(deadline), deadline) == 1

    def test_auto_close_and_reopen_window_are_ten_working_days(self):
        policy = SlaPolicy()
        assert policy.auto_close_at(at(2026, 1, 5, 15)) == eod(2026, 1, 20)
        assert policy.reopen_until(at(2026, 1, 5, 15)) == eod(2026, 1, 20)
        assert policy.resolution_deadline(at(2026, 1, 5), Complexity.SIMPLE) == eod(2026, 1, 12)

    @pytest.mark.parametrize("name", ["verify_days", "complex_days", "warning_days"])
    def test_periods_must_be_positive(self, name):
        with pytest.raises(ValueError, match=name):
            SlaPolicy(**{name: 0})


class TestCalendarFromSettings:
    def test_configured_leave_replaces_the_package_list(self):
        configured = calendar_for([date(2026, 12, 24)])
        assert configured.collective_leave == frozenset({date(2026, 12, 24)})

    def test_no_configured_leave_takes_the_package_list(self):
        assert date(2026, 5, 15) in calendar_for([]).collective_leave
        assert calendar_for([], from_package=False).collective_leave == frozenset()

    def test_every_service_reads_the_same_setting(self, monkeypatch):
        from services.complaints.settings import ComplaintsSettings
        from services.kpi.settings import KpiSettings

        monkeypatch.setenv("SUARA_COLLECTIVE_LEAVE", '["2026-12-24"]')
        for settings in (ComplaintsSettings(), KpiSettings()):
            assert settings.working_calendar().collective_leave == frozenset({date(2026, 12, 24)})
        monkeypatch.setenv("SUARA_KPI_COLLECTIVE_LEAVE", '["2026-12-31"]')
        assert KpiSettings().working_calendar().collective_leave == frozenset({date(2026, 12, 31)})
