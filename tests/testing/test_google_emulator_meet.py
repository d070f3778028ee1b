"""Meet REST v2 through the real googleapiclient against meetlink's Google emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from meetlink.testing.google import Fault, GoogleEmulator, SimulatedParticipant

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_spaces_create_answers_a_space_with_uri_code_and_default_config(meet: Any) -> None:
    space = meet.spaces().create(body={}).execute()

    code = space["meetingCode"]
    assert space["name"].startswith("spaces/")
    assert space["meetingUri"] == f"https://meet.google.com/{code}"
    assert [len(p) for p in code.split("-")] == [3, 4, 3]
    assert space["config"] == {"accessType": "TRUSTED", "entryPointAccess": "ALL"}


def test_spaces_get_finds_a_space_by_name_and_by_meeting_code(meet: Any) -> None:
    space = meet.spaces().create(body={"config": {"accessType": "OPEN"}}).execute()

    by_name = meet.spaces().get(name=space["name"]).execute()
    by_code = meet.spaces().get(name=f"spaces/{space['meetingCode'].upper()}").execute()

    assert by_name == space
    assert by_code == space


def test_spaces_patch_with_an_update_mask_changes_only_the_masked_field(meet: Any) -> None:
    space = (
        meet.spaces().create(body={"config": {"entryPointAccess": "CREATOR_APP_ONLY"}}).execute()
    )

    patched = (
        meet.spaces()
        .patch(
            name=space["name"],
            updateMask="config.accessType",
            body={"config": {"accessType": "RESTRICTED", "entryPointAccess": "ALL"}},
        )
        .execute()
    )

    assert patched["config"] == {"accessType": "RESTRICTED", "entryPointAccess": "CREATOR_APP_ONLY"}


def test_spaces_patch_without_a_mask_applies_every_field_given(meet: Any) -> None:
    space = meet.spaces().create(body={}).execute()

    patched = (
        meet.spaces()
        .patch(name=space["name"], body={"config": {"accessType": "OPEN", "moderation": "ON"}})
        .execute()
    )

    assert patched["config"] == {
        "accessType": "OPEN",
        "entryPointAccess": "ALL",
        "moderation": "ON",
    }


def test_spaces_patch_by_meeting_code_answers_404(meet: Any) -> None:
    space = meet.spaces().create(body={}).execute()

    with pytest.raises(HttpError) as caught:
        meet.spaces().patch(
            name=f"spaces/{space['meetingCode']}", body={"config": {"accessType": "OPEN"}}
        ).execute()

    assert caught.value.status_code == 404


@pytest.mark.parametrize(
    ("body", "mask"),
    [
        pytest.param({"config": {"accessType": "EVERYONE"}}, None, id="unknown-access-type"),
        pytest.param({"config": {"colour": "red"}}, None, id="unknown-field"),
        pytest.param({"meetingCode": "abc-defg-hij"}, "meetingCode", id="output-only-field"),
    ],
)
def test_bad_space_patches_answer_400_invalid_argument(
    meet: Any, body: dict[str, Any], mask: str | None
) -> None:
    space = meet.spaces().create(body={}).execute()

    with pytest.raises(HttpError) as caught:
        meet.spaces().patch(name=space["name"], body=body, updateMask=mask).execute()

    assert caught.value.status_code == 400
    assert json.loads(caught.value.content)["error"]["status"] == "INVALID_ARGUMENT"


def test_an_unknown_space_answers_404_in_the_rpc_status_shape(meet: Any) -> None:
    with pytest.raises(HttpError) as caught:
        meet.spaces().get(name="spaces/doesNotExist").execute()

    assert json.loads(caught.value.content) == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
    assert caught.value.reason == "Requested entity was not found."


def test_a_meet_fault_with_an_upper_case_reason_carries_an_error_info(
    emu: GoogleEmulator, meet: Any
) -> None:
    emu.inject(Fault.status(429, reason="RATE_LIMIT_EXCEEDED", path_contains="/v2/"))

    with pytest.raises(HttpError) as caught:
        meet.spaces().create(body={}).execute()

    error = json.loads(caught.value.content)["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert caught.value.error_details == [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
        }
    ]


def test_a_calendar_conference_is_a_meet_space_found_by_its_code(calendar: Any, meet: Any) -> None:
    body = {
        "id": "linked001",
        "start": {"dateTime": "2025-03-01T08:00:00+07:00"},
        "end": {"dateTime": "2025-03-01T10:00:00+07:00"},
        "conferenceData": {
            "createRequest": {
                "requestId": "q3-s1",
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
            }
        },
    }
    event = (
        calendar.events().insert(calendarId="primary", body=body, conferenceDataVersion=1).execute()
    )
    code = event["conferenceData"]["conferenceId"]

    space = meet.spaces().get(name=f"spaces/{code}").execute()

    assert space["meetingUri"] == event["hangoutLink"]


def test_conference_records_are_found_by_meeting_code_with_their_participants(
    emu: GoogleEmulator, meet: Any
) -> None:
    space = meet.spaces().create(body={}).execute()
    other = meet.spaces().create(body={}).execute()
    emu.simulate_conference(other["meetingCode"], [("Khác", minutes(0), minutes(5))])
    record_name = emu.simulate_conference(
        space["meetingCode"],
        [
            ("Điểm cầu xã A", minutes(0), minutes(90)),
            SimulatedParticipant("Khách", minutes(5), minutes(30), kind="anonymous"),
            SimulatedParticipant("+84 ***-***-123", minutes(10), minutes(20), kind="phone"),
        ],
    )

    found = (
        meet.conferenceRecords()
        .list(filter=f'space.meeting_code = "{space["meetingCode"]}"')
        .execute()
    )
    people = meet.conferenceRecords().participants().list(parent=record_name).execute()

    assert found["conferenceRecords"] == [
        {
            "name": record_name,
            "startTime": "2025-03-01T01:00:00.000Z",
            "endTime": "2025-03-01T02:30:00.000Z",
            "expireTime": "2025-03-31T02:30:00.000Z",
            "space": space["name"],
        }
    ]
    shapes = {p["earliestStartTime"]: p for p in people["participants"]}
    assert shapes["2025-03-01T01:00:00.000Z"]["signedinUser"]["displayName"] == "Điểm cầu xã A"
    assert shapes["2025-03-01T01:00:00.000Z"]["signedinUser"]["user"].startswith("users/")
    assert shapes["2025-03-01T01:00:00.000Z"]["latestEndTime"] == "2025-03-01T02:30:00.000Z"
    assert shapes["2025-03-01T01:05:00.000Z"]["anonymousUser"] == {"displayName": "Khách"}
    assert shapes["2025-03-01T01:10:00.000Z"]["phoneUser"] == {"displayName": "+84 ***-***-123"}
    assert people["totalSize"] == 3


def test_conference_records_filter_by_space_name_and_start_time(
    emu: GoogleEmulator, meet: Any
) -> None:
    space = meet.spaces().create(body={}).execute()
    early = emu.simulate_conference(space["meetingCode"], [("A", minutes(0), minutes(10))])
    late = emu.simulate_conference(space["meetingCode"], [("A", minutes(60), minutes(70))])

    everything = meet.conferenceRecords().list(filter=f'space.name = "{space["name"]}"').execute()
    after = (
        meet.conferenceRecords()
        .list(filter=f'space.name = "{space["name"]}" AND start_time >= "2025-03-01T01:30:00Z"')
        .execute()
    )

    assert [r["name"] for r in everything["conferenceRecords"]] == [late, early]
    assert [r["name"] for r in after["conferenceRecords"]] == [late]


def test_participants_list_pages_with_page_size(emu: GoogleEmulator, meet: Any) -> None:
    space = meet.spaces().create(body={}).execute()
    people = [(f"Điểm cầu {n}", minutes(n), minutes(100)) for n in range(5)]
    record = emu.simulate_conference(space["meetingCode"], people)

    names, token = [], None
    while True:
        page = (
            meet.conferenceRecords()
            .participants()
            .list(parent=record, pageSize=2, pageToken=token)
            .execute()
        )
        names += [p["signedinUser"]["displayName"] for p in page["participants"]]
        token = page.get("nextPageToken")
        if not token:
            break

    assert names == [f"Điểm cầu {n}" for n in reversed(range(5))]


def test_end_active_conference_ends_the_record_and_everyone_still_in_it(
    emu: GoogleEmulator, meet: Any
) -> None:
    space = meet.spaces().create(body={}).execute()
    record = emu.simulate_conference(
        space["meetingCode"], [("A", minutes(0), None), ("B", minutes(1), minutes(2))]
    )
    active = meet.spaces().get(name=space["name"]).execute()
    still_in = (
        meet.conferenceRecords()
        .participants()
        .list(parent=record, filter="latest_end_time IS NULL")
        .execute()
    )

    meet.spaces().endActiveConference(name=space["name"], body={}).execute()

    ended = meet.conferenceRecords().get(name=record).execute()
    assert active["activeConference"] == {"conferenceRecord": record}
    assert [p["signedinUser"]["displayName"] for p in still_in["participants"]] == ["A"]
    assert "endTime" in ended
    assert "activeConference" not in meet.spaces().get(name=space["name"]).execute()


def test_a_bad_filter_answers_400(meet: Any) -> None:
    with pytest.raises(HttpError) as caught:
        meet.conferenceRecords().list(filter='space.colour = "red"').execute()

    assert caught.value.status_code == 400


def test_simulating_a_conference_for_an_unknown_code_is_refused(emu: GoogleEmulator) -> None:
    with pytest.raises(LookupError, match="meeting code"):
        emu.simulate_conference("zzz-zzzz-zzz", [("A", minutes(0), minutes(1))])


def test_space_members_can_be_added_listed_and_removed(meet: Any) -> None:
    space = meet.spaces().create(body={}).execute()
    members = meet.spaces().members()

    added = members.create(
        parent=space["name"], body={"email": "canbo@xa-a.example", "role": "COHOST"}
    ).execute()
    listed = members.list(parent=space["name"]).execute()
    members.delete(name=added["name"]).execute()

    assert added["email"] == "canbo@xa-a.example"
    assert added["role"] == "COHOST"
    assert listed["members"] == [added]
    assert members.list(parent=space["name"]).execute() == {}


def test_meet_calls_can_be_batched_at_slash_batch(emu: GoogleEmulator, meet: Any) -> None:
    from googleapiclient.http import BatchHttpRequest

    spaces = [meet.spaces().create(body={}).execute() for _ in range(3)]
    answers: dict[str, Any] = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, err: answers.update({rid: resp}), batch_uri=f"{emu.url}batch"
    )
    for space in spaces:
        batch.add(
            meet.spaces().get(name=f"spaces/{space['meetingCode']}"), request_id=space["name"]
        )

    batch.execute()

    assert {name: resp["name"] for name, resp in answers.items()} == {
        s["name"]: s["name"] for s in spaces
    }
    assert emu.requests[3].batch_size == 3
