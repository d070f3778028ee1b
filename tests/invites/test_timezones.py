"""VTIMEZONE blocks with yearly RRULEs: every reader finds the right UTC instants, every year.

A zone's observances used to be listed date by date (RDATE), which Thunderbird's ical.js
misreads for zones with daylight saving. They are now one STANDARD and one DAYLIGHT
observance, each with a yearly rule, computed from the zone's own transitions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar

from meetlink.invites import build_invitation
from meetlink.invites.timezones import vtimezone
from meetlink.invites.variables import sample_spec

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney"]


def series_in(zone: str, rule: str = "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=60") -> bytes:
    """A monthly sitting at 08:30 in ``zone`` for five years from January 2026."""
    tz = ZoneInfo(zone)
    start = dt.datetime(2026, 1, 15, 8, 30, tzinfo=tz)
    spec = dataclasses.replace(
        sample_spec(),
        timezone=zone,
        start=start,
        end=start + dt.timedelta(hours=2),
        arrive_by=None,
        rehearsal=None,
        recurrence=rule,
    )
    return build_invitation(spec, sequence=0, dtstamp=STAMP).calendar


def block(data: bytes) -> list[bytes]:
    lines = data.split(b"\r\n")
    return lines[lines.index(b"BEGIN:VTIMEZONE") : lines.index(b"END:VTIMEZONE") + 1]


@pytest.mark.parametrize("zone", DST_ZONES)
def test_a_zone_with_daylight_saving_has_two_yearly_rules_and_no_list_of_dates(zone: str) -> None:
    lines = block(series_in(zone))
    assert lines.count(b"BEGIN:STANDARD") == 1
    assert lines.count(b"BEGIN:DAYLIGHT") == 1
    assert sum(line.startswith(b"RRULE:FREQ=YEARLY;BYMONTH=") for line in lines) == 2
    assert not any(line.startswith(b"RDATE") for line in lines)


def test_berlin_and_new_york_get_the_rules_their_laws_give() -> None:
    berlin = vtimezone("Europe/Berlin", 2026)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in berlin  # last Sunday of March
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in berlin
    new_york = vtimezone("America/New_York", 2026)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" in new_york  # second Sunday of March
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU" in new_york
    daylight = new_york[new_york.index("BEGIN:DAYLIGHT") :]
    assert daylight[1:5] == (
        "DTSTART:20250309T020000",  # the onset in the time before it, as RFC 5545 says
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
    )


def test_a_zone_without_daylight_saving_has_one_standard_observance() -> None:
    lines = vtimezone("Asia/Ho_Chi_Minh", 2026)
    assert lines == (
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Ho_Chi_Minh",
        "BEGIN:STANDARD",
        "DTSTART:20260101T000000",
        "TZOFFSETFROM:+0700",
        "TZOFFSETTO:+0700",
        "TZNAME:+07",
        "END:STANDARD",
        "END:VTIMEZONE",
    )


def test_a_weekday_from_a_day_of_the_month_on_is_a_rule_too() -> None:
    """Israel moves its clocks on the Friday before the last Sunday of March (tzdata's
    "Fri>=23"), Chile on the first Sunday from the 2nd on: no n-th weekday, still a rule."""
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29" in (
        vtimezone("Asia/Jerusalem", 2026)
    )
    assert "RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8" in (
        vtimezone("America/Santiago", 2026)
    )


def test_a_zone_changed_by_decree_each_year_keeps_a_list_of_dates() -> None:
    """Morocco leaves its offset for Ramadan, a date no weekday rule gives: its dates are
    listed (icalendar's), two years past the event at least."""
    lines = vtimezone("Africa/Casablanca", 2026)
    assert any(line.startswith("RDATE") for line in lines)
    assert not any(line.startswith("RRULE") for line in lines)


@pytest.mark.parametrize(
    "zone", [*DST_ZONES, "Asia/Ho_Chi_Minh", "Asia/Jerusalem", "America/Santiago"]
)
def test_every_reader_finds_the_right_utc_instant_in_every_year(zone: str) -> None:
    """Sixty monthly sittings, 2026 to 2030: both sides of every change, the 3rd year on."""
    data = series_in(zone)
    tz = ZoneInfo(zone)
    expected = [
        dt.datetime(2026 + (m // 12), m % 12 + 1, 15, 8, 30, tzinfo=tz).astimezone(dt.UTC)
        for m in range(60)
    ]
    calendar = Calendar.from_ical(data)
    found = recurring_ical_events.of(calendar).between(dt.date(2026, 1, 1), dt.date(2031, 1, 1))
    assert [e.start.astimezone(dt.UTC) for e in found] == expected

    # icalendar's own reading of the VTIMEZONE, at both sides of each change, each year
    (timezone,) = calendar.timezones
    as_read = timezone.to_tz()
    for year in range(2026, 2031):
        for month in (1, 4, 7, 10, 12):
            wall = dt.datetime(year, month, 15, 8, 30)
            assert wall.replace(tzinfo=as_read).utcoffset() == wall.replace(tzinfo=tz).utcoffset()

    # vobject: its own tzinfo from the VTIMEZONE block
    parsed = vobject.readOne(data.decode("utf-8"))
    read_zone = parsed.vtimezone.gettzinfo()
    for when in expected[24:]:  # from the third year on
        wall = when.astimezone(tz).replace(tzinfo=None)
        assert wall.replace(tzinfo=read_zone).utcoffset() == wall.replace(tzinfo=tz).utcoffset()


def test_an_event_years_ahead_still_gets_a_zone_with_its_rules() -> None:
    """The rules start the year before the event, whatever the year (2040: after the 2038
    where icalendar's own VTIMEZONE stops)."""
    lines = vtimezone("Europe/Berlin", 2040)
    assert "DTSTART:20391030T030000" in lines
    assert lines.count("BEGIN:DAYLIGHT") == 1
