"""Calendar v3 through the real googleapiclient against meetlink's Google emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from googleapiclient.errors import HttpError

import meetlink.testing.google as google_testing
from meetlink.testing.google import GoogleEmulator

TZ = "Asia/Ho_Chi_Minh"


def event_body(event_id: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "Giờ sinh hoạt toàn Đảng bộ",
        "start": {"dateTime": "2025-03-01T08:00:00", "timeZone": TZ},
        "end": {"dateTime": "2025-03-01T10:00:00", "timeZone": TZ},
    }
    if event_id is not None:
        body["id"] = event_id
    return body | extra


def meet_request(request_id: str = "sitting-s1") -> dict[str, Any]:
    return {
        "createRequest": {
            "requestId": request_id,
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
        }
    }


def test_public_names_are_exactly_the_sorted_all() -> None:
    assert google_testing.__all__ == sorted(google_testing.__all__)
    assert {"Fault", "GoogleEmulator", "RecordedRequest"} <= set(google_testing.__all__)


def test_insert_with_chosen_id_and_conference_returns_a_meet_link(calendar: Any) -> None:
    body = event_body("m0s1a", conferenceData=meet_request("req-1"))

    event = calendar.events().insert(calendarId="primary", body=body, conferenceDataVersion=1)
    created = event.execute()

    conference = created["conferenceData"]
    code = conference["conferenceId"]
    assert created["id"] == "m0s1a"
    assert created["kind"] == "calendar#event"
    assert created["status"] == "confirmed"
    assert created["sequence"] == 0
    assert created["iCalUID"] == "m0s1a@google.com"
    assert created["created"].endswith("Z")
    assert conference["createRequest"]["status"]["statusCode"] == "success"
    assert conference["conferenceSolution"]["key"]["type"] == "hangoutsMeet"
    assert len(code) == 12
    assert code.count("-") == 2
    video = [p for p in conference["entryPoints"] if p["entryPointType"] == "video"]
    assert video == [
        {
            "entryPointType": "video",
            "uri": f"https://meet.google.com/{code}",
            "label": f"meet.google.com/{code}",
        }
    ]
    assert created["hangoutLink"] == f"https://meet.google.com/{code}"


def test_same_request_id_gives_the_same_meeting_code(calendar: Any) -> None:
    first = (
        calendar.events()
        .insert(
            calendarId="primary",
            body=event_body("same00001", conferenceData=meet_request("r")),
            conferenceDataVersion=1,
        )
        .execute()
    )
    second = (
        calendar.events()
        .insert(
            calendarId="primary",
            body=event_body("same00002", conferenceData=meet_request("r")),
            conferenceDataVersion=1,
        )
        .execute()
    )

    assert first["conferenceData"]["conferenceId"] == second["conferenceData"]["conferenceId"]


def test_conference_stays_pending_for_the_configured_number_of_answers(
    emu: GoogleEmulator, calendar: Any
) -> None:
    emu.conference_pending_responses = 2
    body = event_body("pend00001", conferenceData=meet_request())
    created = (
        calendar.events().insert(calendarId="primary", body=body, conferenceDataVersion=1).execute()
    )

    reads = [
        calendar.events().get(calendarId="primary", eventId="pend00001").execute() for _ in range(2)
    ]

    statuses = [
        e["conferenceData"]["createRequest"]["status"]["statusCode"] for e in [created, *reads]
    ]
    assert statuses == ["pending", "pending", "success"]
    assert "hangoutLink" not in created
    assert "entryPoints" not in created["conferenceData"]
    assert reads[-1]["hangoutLink"].startswith("https://meet.google.com/")


def test_failed_conference_has_no_entry_points(emu: GoogleEmulator, calendar: Any) -> None:
    emu.conference_outcome = "failure"

    created = (
        calendar.events()
        .insert(
            calendarId="primary",
            body=event_body(conferenceData=meet_request()),
            conferenceDataVersion=1,
        )
        .execute()
    )

    assert created["conferenceData"] == {
        "createRequest": {
            "requestId": "sitting-s1",
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
            "status": {"statusCode": "failure"},
        }
    }


def test_conference_data_is_ignored_without_conference_data_version_1(calendar: Any) -> None:
    created = (
        calendar.events()
        .insert(calendarId="primary", body=event_body(conferenceData=meet_request()))
        .execute()
    )

    assert "conferenceData" not in created
    assert "hangoutLink" not in created


def test_patch_without_conference_data_version_keeps_the_conference(calendar: Any) -> None:
    calendar.events().insert(
        calendarId="primary",
        body=event_body("keep00001", conferenceData=meet_request()),
        conferenceDataVersion=1,
    ).execute()

    patched = (
        calendar.events()
        .patch(
            calendarId="primary",
            eventId="keep00001",
            body={"conferenceData": None, "summary": "Mới"},
        )
        .execute()
    )

    assert patched["summary"] == "Mới"
    assert patched["conferenceData"]["createRequest"]["requestId"] == "sitting-s1"


def test_unsupported_conference_type_answers_400(calendar: Any) -> None:
    data = meet_request()
    data["createRequest"]["conferenceSolutionKey"]["type"] = "eventHangout"

    with pytest.raises(HttpError) as caught:
        calendar.events().insert(
            calendarId="primary", body=event_body(conferenceData=data), conferenceDataVersion=1
        ).execute()

    assert caught.value.status_code == 400
    assert caught.value.reason == "Invalid conference type value."


def test_inserting_a_taken_id_answers_409_duplicate_that_googleapiclient_parses(
    calendar: Any,
) -> None:
    calendar.events().insert(calendarId="primary", body=event_body("dup000001")).execute()

    with pytest.raises(HttpError) as caught:
        calendar.events().insert(calendarId="primary", body=event_body("dup000001")).execute()

    error = caught.value
    assert error.status_code == 409
    assert error.reason == "The requested identifier already exists."
    assert error.error_details == [
        {
            "domain": "global",
            "reason": "duplicate",
            "message": "The requested identifier already exists.",
        }
    ]
    assert json.loads(error.content)["error"]["code"] == 409


def test_inserting_the_id_of_a_deleted_event_answers_409(calendar: Any) -> None:
    calendar.events().insert(calendarId="primary", body=event_body("gone00001")).execute()
    calendar.events().delete(calendarId="primary", eventId="gone00001").execute()

    with pytest.raises(HttpError) as caught:
        calendar.events().insert(calendarId="primary", body=event_body("gone00001")).execute()

    assert caught.value.status_code == 409


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param("ab12", id="shorter-than-5"),
        pytest.param("ABCDEF123", id="upper-case"),
        pytest.param("wxyz12345", id="letters-after-v"),
        pytest.param("abc_12345", id="underscore"),
        pytest.param("a" * 1025, id="longer-than-1024"),
    ],
)
def test_invalid_event_ids_answer_400_invalid(calendar: Any, bad_id: str) -> None:
    with pytest.raises(HttpError) as caught:
        calendar.events().insert(calendarId="primary", body=event_body(bad_id)).execute()

    assert caught.value.status_code == 400
    assert caught.value.error_details[0]["reason"] == "invalid"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(
            {"end": {"dateTime": "2025-03-01T07:00:00", "timeZone": TZ}},
            "timeRangeEmpty",
            id="end-before-start",
        ),
        pytest.param({"start": None}, "required", id="no-start"),
        pytest.param({"start": {"dateTime": "2025-03-01T08:00:00"}}, "required", id="no-zone"),
        pytest.param({"start": {"date": "2025-03-01"}}, "invalid", id="date-and-datetime"),
        pytest.param(
            {"attendees": [{"displayName": "x"}]}, "required", id="attendee-without-email"
        ),
    ],
)
def test_bad_event_bodies_answer_400_with_googles_reason(
    calendar: Any, change: dict[str, Any], reason: str
) -> None:
    body = {k: v for k, v in (event_body() | change).items() if v is not None}

    with pytest.raises(HttpError) as caught:
        calendar.events().insert(calendarId="primary", body=body).execute()

    assert caught.value.status_code == 400
    assert caught.value.error_details[0]["reason"] == reason


def test_get_of_an_unknown_event_answers_404_not_found(calendar: Any) -> None:
    with pytest.raises(HttpError) as caught:
        calendar.events().get(calendarId="primary", eventId="nothere00").execute()

    assert caught.value.status_code == 404
    assert caught.value.error_details[0]["reason"] == "notFound"


def test_patch_merges_fields_and_bumps_sequence_on_a_time_change(calendar: Any) -> None:
    calendar.events().insert(
        calendarId="primary", body=event_body("patch0001", location="Hội trường xã")
    ).execute()

    patched = (
        calendar.events()
        .patch(
            calendarId="primary",
            eventId="patch0001",
            body={"start": {"dateTime": "2025-03-01T09:00:00"}},
            sendUpdates="all",
        )
        .execute()
    )

    assert patched["start"] == {"dateTime": "2025-03-01T09:00:00", "timeZone": TZ}
    assert patched["location"] == "Hội trường xã"
    assert patched["sequence"] == 1


def test_patch_of_the_description_keeps_the_sequence_and_changes_the_etag(calendar: Any) -> None:
    created = calendar.events().insert(calendarId="primary", body=event_body("desc00001")).execute()

    patched = (
        calendar.events()
        .patch(calendarId="primary", eventId="desc00001", body={"description": "Chương trình"})
        .execute()
    )

    assert patched["sequence"] == 0
    assert patched["etag"] != created["etag"]


def test_update_replaces_the_writable_fields(calendar: Any) -> None:
    calendar.events().insert(
        calendarId="primary", body=event_body("upd000001", location="Cũ", description="Cũ")
    ).execute()

    updated = (
        calendar.events()
        .update(calendarId="primary", eventId="upd000001", body=event_body(summary="Mới"))
        .execute()
    )

    assert updated["summary"] == "Mới"
    assert "location" not in updated
    assert "description" not in updated
    assert updated["id"] == "upd000001"
    assert updated["sequence"] == 1  # one material change, one step


def test_delete_answers_204_then_get_shows_cancelled_and_a_second_delete_410(
    emu: GoogleEmulator, calendar: Any
) -> None:
    calendar.events().insert(calendarId="primary", body=event_body("del000001")).execute()

    calendar.events().delete(calendarId="primary", eventId="del000001").execute()
    after = calendar.events().get(calendarId="primary", eventId="del000001").execute()
    with pytest.raises(HttpError) as caught:
        calendar.events().delete(calendarId="primary", eventId="del000001").execute()

    assert [r.status for r in emu.requests if r.method == "DELETE"] == [204, 410]
    assert after["status"] == "cancelled"
    assert caught.value.status_code == 410
    assert caught.value.error_details[0]["reason"] == "deleted"
    assert caught.value.reason == "Resource has been deleted"


def test_a_deleted_event_cannot_be_revived_nor_its_id_reused(calendar: Any) -> None:
    from googleapiclient.errors import HttpError

    calendar.events().insert(calendarId="primary", body=event_body("back00001")).execute()
    calendar.events().delete(calendarId="primary", eventId="back00001").execute()

    with pytest.raises(HttpError) as revived:
        calendar.events().patch(
            calendarId="primary", eventId="back00001", body={"status": "confirmed"}
        ).execute()
    with pytest.raises(HttpError) as again:
        calendar.events().insert(calendarId="primary", body=event_body("back00001")).execute()

    assert revived.value.resp.status == 403
    assert again.value.resp.status == 409
    kept = calendar.events().get(calendarId="primary", eventId="back00001").execute()
    assert kept["status"] == "cancelled"


def test_list_pages_with_max_results_and_hides_deleted_unless_asked(calendar: Any) -> None:
    for n in range(5):
        calendar.events().insert(calendarId="primary", body=event_body(f"list{n:05d}")).execute()
    calendar.events().delete(calendarId="primary", eventId="list00002").execute()

    seen, token, pages = [], None, 0
    while True:
        page = calendar.events().list(calendarId="primary", maxResults=2, pageToken=token).execute()
        seen += [e["id"] for e in page["items"]]
        pages += 1
        token = page.get("nextPageToken")
        if token is None:
            break
    with_deleted = calendar.events().list(calendarId="primary", showDeleted=True).execute()

    assert seen == ["list00000", "list00001", "list00003", "list00004"]
    assert pages == 2
    assert page["kind"] == "calendar#events"
    assert "nextSyncToken" in page
    assert len(with_deleted["items"]) == 5


def test_list_filters_by_ical_uid_and_private_extended_property(calendar: Any) -> None:
    tagged = event_body("tag000001", extendedProperties={"private": {"meetlink": "q3-s1"}})
    calendar.events().insert(calendarId="primary", body=tagged).execute()
    calendar.events().insert(calendarId="primary", body=event_body("tag000002")).execute()

    by_uid = calendar.events().list(calendarId="primary", iCalUID="tag000002@google.com").execute()
    by_tag = (
        calendar.events()
        .list(calendarId="primary", privateExtendedProperty="meetlink=q3-s1")
        .execute()
    )

    assert [e["id"] for e in by_uid["items"]] == ["tag000002"]
    assert [e["id"] for e in by_tag["items"]] == ["tag000001"]


def test_list_filters_by_time_window(calendar: Any) -> None:
    calendar.events().insert(calendarId="primary", body=event_body("time00001")).execute()

    inside = (
        calendar.events()
        .list(calendarId="primary", timeMin="2025-03-01T00:00:00Z", timeMax="2025-03-01T02:00:00Z")
        .execute()
    )
    after = calendar.events().list(calendarId="primary", timeMin="2025-03-01T03:00:00Z").execute()

    assert [e["id"] for e in inside["items"]] == ["time00001"]
    assert after["items"] == []


def test_send_updates_is_recorded_per_request(emu: GoogleEmulator, calendar: Any) -> None:
    calendar.events().insert(
        calendarId="primary", body=event_body("send00001"), sendUpdates="all"
    ).execute()
    calendar.events().delete(
        calendarId="primary", eventId="send00001", sendUpdates="none"
    ).execute()

    assert [r.send_updates for r in emu.requests] == ["all", "none"]


def test_a_stale_if_match_answers_412_condition_not_met(calendar: Any) -> None:
    calendar.events().insert(calendarId="primary", body=event_body("etag00001")).execute()
    request = calendar.events().patch(
        calendarId="primary", eventId="etag00001", body={"summary": "x"}
    )
    request.headers["If-Match"] = '"1"'

    with pytest.raises(HttpError) as caught:
        request.execute()

    assert caught.value.status_code == 412
    assert caught.value.error_details[0]["reason"] == "conditionNotMet"


def test_other_calendars_are_kept_apart_and_named_as_organizer(
    emu: GoogleEmulator, calendar: Any
) -> None:
    other = "hop@group.calendar.google.com"

    created = calendar.events().insert(calendarId=other, body=event_body("cal000001")).execute()

    assert created["organizer"] == {"email": other, "self": True}
    assert [e["id"] for e in emu.events(other)] == ["cal000001"]
    assert emu.events("primary") == []


def test_calendar_is_served_only_under_its_service_path_as_google_does(
    emu: GoogleEmulator, http: Any
) -> None:
    from googleapiclient.discovery import build
    from googleapiclient.errors import HttpError

    service = build(
        "calendar", "v3", http=http, static_discovery=True, client_options={"api_endpoint": emu.url}
    )

    with pytest.raises(HttpError) as refused:
        service.events().insert(calendarId="primary", body=event_body("root00001")).execute()

    assert refused.value.resp.status == 404
    assert emu.requests[-1].path == "/calendars/primary/events"
    assert emu.events("primary") == []


def test_a_very_long_get_sent_as_post_with_method_override_is_still_a_list(
    emu: GoogleEmulator, calendar: Any
) -> None:
    calendar.events().insert(calendarId="primary", body=event_body("long00001")).execute()

    found = calendar.events().list(calendarId="primary", q="x" * 2100).execute()

    assert emu.requests[-1].method == "GET"
    assert emu.requests[-1].query["q"] == "x" * 2100
    assert found["items"] == []
