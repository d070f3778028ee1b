"""The settings of a google track, and the check of its credentials before a run.

Example:
    >>> GoogleSettings(login="default").scopes[0].rsplit("/", 1)[1]
    'calendar.events'
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from meetlink.adapters.base import AdapterSettings
from meetlink.adapters.google.client import (
    CALENDAR_SCOPE,
    DIRECTORY_SCOPE,
    EMULATOR_HOST_ENV,
    MEET_READ_SCOPE,
    MEET_SETTINGS_SCOPE,
)
from meetlink.adapters.google.login import LOGIN_PREFIX, check_login_name, stored_credentials
from meetlink.errors import AuthError, InputError, Problem
from meetlink.loading.roster import Email

__all__ = ["AccessType", "GoogleSettings", "credential_problems", "logins_of"]

AccessType = Literal["RESTRICTED", "TRUSTED", "OPEN"]


class GoogleSettings(AdapterSettings):
    """Settings of the ``google`` platform (a track's ``settings:``).

    ``access_type`` is who may join the Meet without knocking: ``RESTRICTED`` (only the
    invited), ``TRUSTED`` (the organisation and the invited), ``OPEN`` (anyone with the
    link), or None to leave the organisation's default. ``attendance`` adds the read-only
    Meet scope needed to read who attended. Every call is paced within Google's quotas
    (:data:`.client.GOOGLE_QUOTAS`); ``quota_time_scale`` shrinks their minute, for tests
    against the emulator's scaled quotas. Retries: at most ``max_attempts`` attempts and
    ``max_retry_seconds`` per call, waits starting at ``retry_base_delay`` seconds.

    Example:
        >>> GoogleSettings(token_file="token.json").access_type
        'RESTRICTED'
    """

    path_lists: ClassVar[tuple[str, ...]] = ("organizers",)
    """Lists whose file entries are read relative to the meeting file (``open`` does it)."""

    calendar_id: str = Field(default="primary", min_length=1)
    service_account_file: Path | None = None
    subject: Email | None = None
    token_file: Path | None = None
    login: str | None = Field(
        default=None,
        description=(
            "The name of a sign-in stored by `meetlink google login` (an ordinary Google "
            "account), instead of service_account_file or token_file."
        ),
    )
    access_type: AccessType | None = "RESTRICTED"
    capacity: Literal[100, 150, 500, 1000] = Field(
        default=100,
        description="Participants one Meet holds: 100, 150, 500 or 1000 by Workspace edition.",
    )
    attendance: bool = False
    attendance_addresses: bool = Field(
        default=False,
        description=(
            "With attendance: also read each signed-in participant's address (People API, "
            "directory.readonly scope), so an officer signed in under their roster address "
            "counts for their point whatever name they show."
        ),
    )
    max_attempts: int = Field(default=8, ge=1, le=100)
    max_retry_seconds: float = Field(default=120.0, gt=0)
    retry_base_delay: float = Field(default=1.0, ge=0, le=60)
    batch_size: int = Field(default=50, ge=1, le=50)
    conference_poll_attempts: int = Field(default=8, ge=1, le=60)
    timeout: float = Field(default=60.0, gt=0)
    organizers: list[str] = Field(
        default_factory=list,
        description=(
            "More organizer accounts, each with its own Google quota: e-mail addresses of "
            "users the service account acts for, token files (read relative to the meeting "
            "file), or login:NAME (a sign-in stored by `meetlink google login`). The "
            "conferences are shared among them; do not change the list between runs."
        ),
    )
    quota_time_scale: float | None = Field(
        default=None,
        gt=0,
        description=(
            "For tests against the emulator's scaled quotas: a minute lasts 60/scale seconds. "
            "Leave it out with Google (calls are then paced in real minutes)."
        ),
    )

    @model_validator(mode="after")
    def _one_kind_of_credentials(self) -> Self:
        given = [self.service_account_file, self.token_file, self.login]
        if sum(g is not None for g in given) > 1:
            raise ValueError(
                "service_account_file (with subject), token_file and login are three kinds of "
                "credentials: give one of them, not both (or all three)."
            )
        if self.login is not None:
            check_login_name(self.login)
        if self.service_account_file is not None and self.subject is None:
            raise ValueError(
                "a service account acts for a user through domain-wide delegation: set "
                "subject to the organizer's address."
            )
        if self.subject is not None and self.service_account_file is None:
            raise ValueError("subject is only used with service_account_file; set both.")
        delegated = self.service_account_file is not None
        for entry in self.organizers:
            if entry.startswith(LOGIN_PREFIX):
                check_login_name(entry.removeprefix(LOGIN_PREFIX))
                continue
            if ("@" in entry) != delegated:
                raise ValueError(
                    f"organizers: '{entry}' must be "
                    + (
                        "the e-mail address of a user the service account acts for."
                        if delegated
                        else "a token file (addresses need service_account_file)."
                    )
                )
        return self

    @property
    def organizer_domain(self) -> str | None:
        """The organizer's mail domain when known (the delegated ``subject``'s)."""
        return self.subject.rsplit("@", 1)[1] if self.subject else None

    @property
    def scopes(self) -> tuple[str, ...]:
        """The OAuth scopes asked for: no more than the settings need.

        ``calendar.events`` always (the events); ``meetings.space.settings`` when
        ``access_type`` is set (the Meet space is Calendar's, not the app's, so
        ``meetings.space.created`` does not cover it); ``meetings.space.readonly`` with
        ``attendance``.

        Example:
            >>> [s.rsplit("/", 1)[1] for s in GoogleSettings(access_type=None).scopes]
            ['calendar.events']
        """
        needed = [CALENDAR_SCOPE]
        if self.access_type is not None:
            needed.append(MEET_SETTINGS_SCOPE)
        if self.attendance:
            needed.append(MEET_READ_SCOPE)
        if self.attendance and self.attendance_addresses:
            needed.append(DIRECTORY_SCOPE)
        return tuple(needed)


#: A scope that grants another: ``calendar`` covers ``calendar.events``.
_BROADER = {CALENDAR_SCOPE: "https://www.googleapis.com/auth/calendar"}


def _lacking_scopes(token_file: Path, needed: Sequence[str]) -> list[str]:
    """The needed scopes a token file says it was not granted (none when it does not say)."""
    try:
        granted = json.loads(Path(token_file).read_text(encoding="utf-8")).get("scopes")
    except (OSError, ValueError, AttributeError):
        return []  # load_credentials explains an unreadable file when it is used
    if not isinstance(granted, list):
        return []
    return [s for s in needed if s not in granted and _BROADER.get(s) not in granted]


def logins_of(settings: GoogleSettings) -> list[str]:
    """The stored sign-ins a track uses: its ``login`` and its ``login:NAME`` organizers.

    Example:
        >>> logins_of(GoogleSettings(login="a", organizers=["login:b"]))
        ['a', 'b']
    """
    names = [settings.login] if settings.login else []
    names += [
        o.removeprefix(LOGIN_PREFIX) for o in settings.organizers if o.startswith(LOGIN_PREFIX)
    ]
    return names


def _problem(message: str) -> InputError:
    return InputError([Problem("", 0, "", message)])


def credential_problems(settings: GoogleSettings, env: Mapping[str, str] = os.environ) -> None:
    """Refuse, before anything is created, credentials that could never reach Google.

    Raises :class:`~meetlink.errors.InputError` when none are configured, when a file does
    not exist, when a token file or a stored sign-in lacks a scope the settings need.
    """
    files = [f for f in (settings.service_account_file, settings.token_file) if f]
    tokens = [settings.token_file] if settings.token_file else []
    tokens += [Path(o) for o in settings.organizers if "@" not in o and ":" not in o[:6]]
    files += tokens[1:] if settings.token_file else tokens
    logins = logins_of(settings)
    if not files and not logins:
        raise _problem(
            "the google platform needs credentials: set login (after `meetlink google "
            "login`), service_account_file (with subject) or token_file in the track's "
            f"settings, or set {EMULATOR_HOST_ENV}=host:port to use the emulator."
        )
    missing = [str(f) for f in files if not Path(f).is_file()]
    if missing:
        raise _problem(
            f"the credentials file {missing[0]} does not exist; check the path "
            "(it is read relative to the meeting file)."
        )
    for token in tokens:
        lacking = _lacking_scopes(token, settings.scopes)
        if lacking:
            raise _problem(
                f"the token file {token} was signed in without "
                f"the scope {', '.join(lacking)}, which these settings need; "
                "sign in again granting it (or change the settings), then run "
                "the command again."
            )
    for name in logins:
        try:
            stored_credentials(name, settings.scopes, env)
        except AuthError as exc:
            raise _problem(str(exc)) from None
