"""Reading meeting files: every YAML problem located as FILE:LINE: key.path: sentence."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from meetlink import load_meeting
from meetlink.adapters.registry import available_adapters
from meetlink.errors import InputError, PlanningError
from meetlink.loading import parse_meeting_text
from meetlink.planning import plan_meeting

HCM = ZoneInfo("Asia/Ho_Chi_Minh")

ROSTER = [
    {"id": "TU", "name": "Thị ủy Mỹ Hào", "kind": "committee", "members": 40},
    {"id": "X1", "name": "Đảng bộ xã Hòa Phong", "kind": "commune", "members": 120},
]

HEAD = """\
id: demo-2023q3
title: Giờ sinh hoạt toàn Đảng bộ
organizer: {name: Văn phòng Thị ủy, email: vanphong@thiuy.example}
roster: roster.csv
"""  # lines 1-4; the rest of each test's file starts on line 5

TRACK = """\
tracks:
  - id: main
    platform: memory
    sittings:
      - {id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}
"""  # lines 5-9 after HEAD
# A track that loads: one that no unit attends is refused (issue 13).
UNITS_TRACK = TRACK.replace("platform: memory", "platform: memory\n    units: {kinds: [committee]}")


def problems_of(path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_meeting(path)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def roster(files):
    return files.roster_csv(ROSTER)


# --- what loads ---------------------------------------------------------------------------


def test_a_valid_meeting_loads_with_times_in_its_zone(files, roster):
    path = files.meeting(HEAD + "rehearsal: 2023-09-09T15:00\n" + UNITS_TRACK)

    loaded = load_meeting(path)

    (sitting,) = loaded.meeting.tracks[0].sittings
    assert sitting.start == dt.datetime(2023, 9, 10, 8, 0, tzinfo=HCM)
    assert loaded.meeting.rehearsal == dt.datetime(2023, 9, 9, 15, 0, tzinfo=HCM)
    assert [u.id for u in loaded.roster.units] == ["TU", "X1"]
    assert loaded.line_of("tracks", 0, "sittings", 0) == 11


def test_a_time_written_with_an_offset_is_converted_to_the_meetings_zone(files, roster):
    path = files.meeting(
        HEAD + UNITS_TRACK.replace("start: 2023-09-10T08:00", "start: 2023-09-10T01:00+00:00")
    )

    (sitting,) = load_meeting(path).meeting.tracks[0].sittings

    assert sitting.start == dt.datetime(2023, 9, 10, 8, 0, tzinfo=HCM)
    assert sitting.start.utcoffset() == dt.timedelta(hours=7)


def test_the_roster_path_is_relative_to_the_meeting_file(files, monkeypatch, tmp_path):
    files.roster_csv(ROSTER, name="q3/data/roster.csv")
    path = files.meeting(roster="data/roster.csv", name="q3/meeting.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    loaded = load_meeting(path)

    assert loaded.roster.source == str(tmp_path / "q3" / "data" / "roster.csv")
    assert len(loaded.roster.units) == 2


def test_an_absolute_roster_path_is_used_as_written(files):
    roster = files.roster_csv(ROSTER, name="shared/roster.csv")
    path = files.meeting(roster=str(roster), name="q3/meeting.yaml")

    assert load_meeting(path).roster.source == str(roster)


def test_a_missing_roster_is_reported_with_the_resolved_path(files):
    path = files.meeting(roster="data/missing.csv")

    assert problems_of(path) == [
        f"{files.path('data/missing.csv')}: the roster file does not exist; check the `roster:` "
        "path."
    ]


def test_a_roster_problem_is_reported_through_the_meeting(files):
    files.roster_text("id,name,kind,members\nTU,Thị ủy,committee,bốn\n")
    path = files.meeting()

    assert problems_of(path) == [
        f"{files.path('roster.csv')}:2:members: 'bốn' is not a whole number; write digits only, "
        "such as 25."
    ]


def test_a_meeting_with_a_sitting_whose_time_is_announced_later_loads(files, roster):
    path = files.meeting(
        HEAD
        + UNITS_TRACK.replace(
            "{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}", "{id: s1}"
        )
    )

    (sitting,) = load_meeting(path).meeting.tracks[0].sittings

    assert (sitting.start, sitting.end, sitting.finish) == (None, None, None)


# --- YAML problems, each at its line and key path -----------------------------------------


def test_a_yaml_syntax_error_is_reported_at_its_line(files, roster):
    path = files.meeting(HEAD + "agenda: [Khai mạc, Báo cáo\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:6: YAML syntax error: expected ',' or ']', but got ':'; check the indentation "
        "and quotes on this line or the one above."
    ]


def test_a_badly_indented_key_is_a_syntax_error_at_its_line(files, roster):
    path = files.meeting(HEAD + "  arrive_early_minutes: 15\n" + TRACK)

    (problem,) = problems_of(path)

    assert problem.startswith(f"{path}:5: YAML syntax error:")


def test_an_unknown_key_suggests_the_one_meant(files, roster):
    path = files.meeting(HEAD + "arive_early_minutes: 15\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:5: arive_early_minutes: unknown key 'arive_early_minutes'; "
        "did you mean 'arrive_early_minutes'?"
    ]


def test_an_unknown_nested_key_suggests_the_one_meant_with_its_key_path(files, roster):
    path = files.meeting(HEAD + TRACK.replace("platform: memory", "platfrom: memory"))

    assert problems_of(path) == [
        f"{path}:7: tracks[0].platfrom: unknown key 'platfrom'; did you mean 'platform'?"
    ]


def test_an_unknown_key_like_nothing_says_to_remove_it(files, roster):
    path = files.meeting(HEAD + "zzz: 1\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:5: zzz: unknown key 'zzz'; remove it or check its spelling."
    ]


def test_an_end_before_the_start_is_reported_at_the_end(files, roster):
    path = files.meeting(
        HEAD
        + "tracks:\n"
        + "  - id: main\n"
        + "    platform: memory\n"
        + "    sittings:\n"
        + "      - id: s1\n"
        + "        start: 2023-09-10T10:00\n"
        + "        end: 2023-09-10T08:00\n"
    )

    assert problems_of(path) == [
        f"{path}:11: tracks[0].sittings[0].end: the end 2023-09-10 08:00 is not after the start "
        "2023-09-10 10:00; correct one of them."
    ]


def test_a_sitting_with_a_start_but_no_end_and_no_duration_is_reported(files, roster):
    path = files.meeting(
        HEAD
        + TRACK.replace(
            "{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}",
            "{id: s1, start: 2023-09-10T08:00}",
        )
    )

    assert problems_of(path) == [
        f"{path}:9: tracks[0].sittings[0]: give the sitting an end or a duration_minutes."
    ]


def test_an_end_without_a_start_is_reported(files, roster):
    path = files.meeting(
        HEAD
        + TRACK.replace(
            "{id: s1, start: 2023-09-10T08:00, end: 2023-09-10T10:00}",
            "{id: s1, end: 2023-09-10T10:00}",
        )
    )

    (problem,) = problems_of(path)

    assert problem.startswith(f"{path}:9: tracks[0].sittings[0].end: an end without a start")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            "2023-13-10T08:00",
            "'2023-13-10T08:00' is not a date and time; write it as 2023-09-10T08:00.",
        ),
        ("2023-09-10", "2023-09-10 has a date but no time; write it as 2023-09-10T08:00."),
        ("tomorrow", "'tomorrow' is not a date and time; write it as 2023-09-10T08:00."),
    ],
)
def test_a_bad_time_is_reported_at_its_key(files, roster, written, expected):
    path = files.meeting(HEAD + f"rehearsal: {written}\n" + TRACK)

    assert problems_of(path) == [f"{path}:5: rehearsal: {expected}"]


def test_an_unknown_time_zone_is_reported(files, roster):
    path = files.meeting(HEAD + "timezone: Asia/Hanoi\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:5: timezone: unknown time zone 'Asia/Hanoi'; write an IANA name such as "
        "Asia/Ho_Chi_Minh."
    ]


@pytest.mark.parametrize("zone", ["'+07:00'", "UTC+7", "GMT+7"])
def test_a_fixed_offset_time_zone_is_refused(files, roster, zone):
    path = files.meeting(HEAD + f"timezone: {zone}\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:5: timezone: '{zone.strip(chr(39))}' is not an IANA time zone name; write one "
        "such as Asia/Ho_Chi_Minh, never a fixed offset."
    ]


def test_an_unknown_platform_lists_the_registered_ones(files, roster):
    path = files.meeting(HEAD + TRACK.replace("platform: memory", "platform: zoom"))

    # Other tests may register adapters of their own at run time: the built-in four at least.
    registered = available_adapters()
    assert {"google", "jitsi", "memory", "provisioned"} <= set(registered)
    assert problems_of(path) == [
        f"{path}:7: tracks[0].platform: unknown platform 'zoom'; the registered ones are: "
        f"{', '.join(registered)}."
    ]


@pytest.mark.parametrize(
    ("line", "key_path", "expected"),
    [
        (
            "conference: shred",
            "tracks[0].conference",
            "'shred' is not allowed here; use one of: 'shared' or 'per_point'.",
        ),
        (
            "attendance: half",
            "tracks[0].attendance",
            "'half' is not allowed here; use one of: 'split' or 'all'.",
        ),
        (
            "invites: fax",
            "tracks[0].invites",
            "'fax' is not allowed here; use one of: 'email', 'outbox' or 'platform'.",
        ),
    ],
)
def test_a_value_not_in_its_choices_lists_the_choices(files, roster, line, key_path, expected):
    path = files.meeting(HEAD + TRACK.replace("platform: memory", f"platform: memory\n    {line}"))

    assert problems_of(path) == [f"{path}:8: {key_path}: {expected}"]


def test_a_bad_number_in_the_meeting_is_reported(files, roster):
    path = files.meeting(HEAD + "arrive_early_minutes: mười lăm\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:5: arrive_early_minutes: 'mười lăm' is not a whole number; write digits only."
    ]


def test_a_negative_rule_is_reported_with_its_key_path(files, roster):
    path = files.meeting(HEAD + "rules:\n  own_point_min_members: -1\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:6: rules.own_point_min_members: -1 is out of range: input should be greater "
        "than or equal to 0."
    ]


def test_a_bad_id_says_what_an_id_may_contain(files, roster):
    path = files.meeting(HEAD.replace("id: demo-2023q3", "id: Demo 2023") + TRACK)

    (problem,) = problems_of(path)

    assert problem.startswith(f"{path}:1: id: 'Demo 2023' is not a valid id; use lowercase")


def test_a_key_written_twice_is_reported_at_the_second(files, roster):
    path = files.meeting(HEAD + "title: Again\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:5: title: this key is written twice (first on line 2); keep one."
    ]


def test_a_sitting_id_used_twice_in_a_track_is_reported(files, roster):
    path = files.meeting(
        HEAD + TRACK + "      - {id: s1, start: 2023-09-11T08:00, end: 2023-09-11T10:00}\n"
    )

    assert problems_of(path) == [
        f"{path}:6: tracks[0]: sitting id 's1' is used twice in this track."
    ]


def test_a_track_without_sittings_is_reported(files, roster):
    path = files.meeting(HEAD + "tracks:\n  - id: main\n    sittings: []\n")

    assert problems_of(path) == [
        f"{path}:7: tracks[0].sittings: 'sittings' needs at least one entry."
    ]


def test_an_organizer_without_an_email_is_reported(files, roster):
    path = files.meeting(
        HEAD.replace(
            "{name: Văn phòng Thị ủy, email: vanphong@thiuy.example}", "{name: Văn phòng Thị ủy}"
        )
        + TRACK
    )

    assert problems_of(path) == [
        f"{path}:3: organizer: the organizer needs an email: invitations are sent in its name."
    ]


def test_a_bad_organizer_email_is_reported(files, roster):
    path = files.meeting(HEAD.replace("vanphong@thiuy.example", "vanphong@") + TRACK)

    (problem,) = problems_of(path)

    assert problem.startswith(
        f"{path}:3: organizer.email: 'vanphong@' is not a valid e-mail address"
    )


def test_a_bad_recurrence_is_reported(files, roster):
    path = files.meeting(
        HEAD
        + TRACK.replace(
            "end: 2023-09-10T10:00}", "end: 2023-09-10T10:00, recurrence: FREQ=SOMETIMES}"
        )
    )

    (problem,) = problems_of(path)

    assert problem.startswith(
        f"{path}:9: tracks[0].sittings[0].recurrence: 'FREQ=SOMETIMES' is not a valid RRULE"
    )


def test_every_yaml_problem_is_reported_at_once(files, roster):
    path = files.meeting(
        "id: demo\n"  # 1
        "titel: Giờ sinh hoạt\n"  # 2  unknown key (and so title is missing)
        "organizer: {email: vp@thiuy.example}\n"  # 3
        "timezone: Asia/Hanoi\n"  # 4  unknown zone
        "roster: roster.csv\n"  # 5
        "tracks:\n"  # 6
        "  - id: main\n"  # 7
        "    platform: zoom\n"  # 8  unknown platform
        "    sittings:\n"  # 9
        "      - {id: s1, start: 2023-09-10T10:00, end: 2023-09-10T09:00}\n"  # 10 end < start
    )

    assert [p.split(": ")[0] + ": " + p.split(": ")[1] for p in problems_of(path)] == [
        f"{path}:1: title",
        f"{path}:2: titel",
        f"{path}:4: timezone",
        f"{path}:8: tracks[0].platform",
        f"{path}:10: tracks[0].sittings[0].end",
    ]


def test_an_empty_meeting_file_is_reported(files):
    path = files.meeting("")

    assert problems_of(path) == [f"{path}:1: the meeting file is empty."]


def test_a_meeting_file_that_is_a_list_is_reported(files):
    path = files.meeting("- id: demo\n")

    assert problems_of(path) == [
        f"{path}:1: the meeting file must be a mapping of keys (id:, title:, tracks: …)."
    ]


def test_a_missing_meeting_file_is_reported(files):
    path = files.path("nope.yaml")

    assert problems_of(path) == [f"{path}: the meeting file does not exist; check the path."]


def test_a_meeting_file_not_in_utf8_says_to_save_it_as_utf8(files, roster):
    path = files.path("meeting.yaml")
    path.write_bytes((HEAD + TRACK).encode("utf-16"))

    (problem,) = problems_of(path)

    assert problem.startswith(f"{path}: the file is UTF-16, not UTF-8; save it again as UTF-8")


def test_a_meeting_file_in_a_legacy_encoding_says_to_save_it_as_utf8(files, roster):
    path = files.path("meeting.yaml")
    path.write_bytes(
        (HEAD + TRACK)
        .replace("Giờ sinh hoạt toàn Đảng bộ", "Gi\xf2")
        .encode("latin-1", errors="replace")
    )

    (problem,) = problems_of(path)

    assert problem.startswith(f"{path}: the file is not UTF-8 (byte 0xf2 on line 2)")
    assert "Save it again as UTF-8" in problem


def test_parse_meeting_text_names_the_file_it_was_given(roster):
    with pytest.raises(InputError) as caught:
        parse_meeting_text("id: demo\n", "inline.yaml")

    assert str(caught.value.problems[0]).startswith("inline.yaml:1: ")


# --- what only the meeting and the roster together can tell --------------------------------


def test_a_track_listing_an_unknown_unit_id_is_reported(files, roster):
    path = files.meeting(
        HEAD + TRACK.replace("platform: memory", "platform: memory\n    units: {ids: [TU, NOPE]}")
    )

    assert problems_of(path) == [
        f"{path}:8: tracks[0].units.ids[1]: no unit 'NOPE' in the roster "
        f"{files.path('roster.csv')}; check the id."
    ]


def test_a_unit_listed_in_two_tracks_is_reported(files, roster):
    second = TRACK.replace("tracks:\n", "").replace("id: main", "id: other")
    text = (HEAD + TRACK + second).replace(
        "platform: memory", "platform: memory\n    units: {ids: [X1]}"
    )
    path = files.meeting(text)

    (problem,) = problems_of(path)

    assert problem.startswith(
        f"{path}:13: tracks[1].units.ids[0]: unit 'X1' is listed in tracks 'main' and 'other'"
    )


def test_an_unknown_default_host_is_reported(files, roster):
    path = files.meeting(HEAD + "rules: {default_host: VH}\n" + TRACK)

    assert problems_of(path) == [
        f"{path}:5: rules.default_host: no unit 'VH' in the roster {files.path('roster.csv')}; "
        "the default host must be a unit id."
    ]


def test_a_small_unit_with_nowhere_to_sit_is_reported_at_its_roster_row(files):
    roster = files.roster_text(
        "mã,tên tổ chức đảng,loại,số đảng viên,ghép điểm cầu\n"
        "TU,Thị ủy,committee,40,\n"
        "CQ,Chi bộ Cơ quan,agency,9,\n"
    )
    loaded = load_meeting(files.meeting())

    with pytest.raises(PlanningError) as caught:
        plan_meeting(loaded.meeting, loaded.roster)

    (problem,) = caught.value.problems
    assert str(problem).startswith(
        f"{roster}:3:ghép điểm cầu: unit 'CQ' (Chi bộ Cơ quan) has 9 members, fewer than the 16 "
        "needed for its own point, has no join point, and there is no rules.default_host;"
    )
