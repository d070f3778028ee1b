"""The body of ``meetlink google login`` and ``meetlink google logout``.

``login`` signs an office's ordinary Google account in (the installed-app flow of the
office's "Desktop app" OAuth client) for exactly the scopes the meeting's google tracks
need, and keeps the sign-in sealed with the vault key (or in the OS keyring with
``--keyring``) under a name the tracks give as ``login: NAME``. ``logout`` revokes it at
Google and deletes it. Guide: docs/guides/google-login.md.

Example:
    $ meetlink google login hoi-nghi.yaml --client-secrets client_secret.json
    $ meetlink google login hoi-nghi.yaml --client-secrets client_secret.json --no-browser
    $ meetlink google logout
"""

from __future__ import annotations

import argparse
import json
import os
import webbrowser
from pathlib import Path
from typing import Any

from meetlink.cli.i18n import gettext as _
from meetlink.cli.i18n import meeting_help
from meetlink.errors import InputError
from meetlink.reconcile.setup import load_meeting

__all__ = ["add_google_command", "run_google_command"]

EXIT_OK = 0


def add_google_command(commands: Any) -> None:
    """Add ``google login`` and ``google logout`` to an argparse subparsers object."""
    google = commands.add_parser("google", help=_("sign a Google account in or out"))
    actions = google.add_subparsers(dest="google_action", required=True, metavar="ACTION")
    login = actions.add_parser(
        "login",
        help=_("sign an ordinary Google account in for the meeting's google tracks"),
        description=_(
            "Sign the office's Google account in through the browser, for exactly the access "
            "the meeting's google tracks need, and keep the sign-in sealed with the vault key "
            "(or in the OS keyring). Tracks use it with `login: NAME` in their settings "
            "(docs: guides/google-login)."
        ),
    )
    login.add_argument("meeting", type=Path, metavar="MEETING.yaml", help=meeting_help())
    login.add_argument(
        "--client-secrets",
        type=Path,
        required=True,
        metavar="FILE",
        help=_("the OAuth client (Desktop app) downloaded from Google Cloud: client_secret.json"),
    )
    _name_and_keyring(login)
    login.add_argument(
        "--no-browser",
        action="store_true",
        help=_("print the link instead, and read back the address the browser ended on"),
    )
    logout = actions.add_parser(
        "logout",
        help=_("revoke a stored Google sign-in and delete it"),
        description=_("Revoke the stored sign-in at Google, then delete it from this machine."),
    )
    _name_and_keyring(logout)


def _name_and_keyring(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--name",
        default=None,  # DEFAULT_LOGIN, read when the command runs (no Google client before)
        metavar="NAME",
        help=_("the sign-in's name, as the track's `login:` gives it (default: default)"),
    )
    parser.add_argument(
        "--keyring",
        action="store_true",
        help=_("keep the sign-in in the OS keyring instead of a file sealed with the vault key"),
    )


def run_google_command(args: argparse.Namespace) -> int | None:
    """Run ``google``; None when the command is another module's."""
    if args.command != "google":
        return None
    # The Google client is loaded by this command only (issue 19: not by every `meetlink`).
    from meetlink.adapters.google.login import DEFAULT_LOGIN, check_login_name

    args.name = args.name or DEFAULT_LOGIN
    try:
        check_login_name(args.name)
    except ValueError as exc:
        raise InputError.single("--name", str(exc)) from None
    if args.google_action == "login":
        return _login(args)
    return _logout(args)


def _scopes(meeting: Path, name: str) -> list[str]:
    """Every scope the meeting's google tracks that use the sign-in ``name`` need."""
    from meetlink.adapters.google.settings import GoogleSettings, logins_of

    loaded = load_meeting(meeting)
    scopes: list[str] = []
    for track in loaded.meeting.tracks:
        if track.platform != "google":
            continue
        try:
            settings = GoogleSettings.model_validate(dict(track.settings))
        except ValueError:
            continue  # `meetlink open` places the problem at the track's settings
        if name in logins_of(settings):
            scopes += [s for s in settings.scopes if s not in scopes]
    if not scopes:
        raise InputError.single(
            str(meeting),
            _(
                "no google track of this meeting uses the sign-in '{name}': add `login: {name}` "
                "to the settings of its google track, then sign in again."
            ).format(name=name),
        )
    return scopes


def _login(args: argparse.Namespace) -> int:
    from meetlink.adapters.google.login import login_store
    from meetlink.adapters.google.signin import sign_in_on_console, sign_in_with_browser

    scopes = _scopes(args.meeting, args.name)
    try:
        client = json.loads(args.client_secrets.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError.single(
            str(args.client_secrets),
            _(
                "the OAuth client file cannot be read ({error}); download client_secret.json "
                "of a Desktop app client from Google Cloud console."
            ).format(error=type(exc).__name__),
        ) from None
    store = login_store(os.environ, keyring=args.keyring)
    print(_("Signing in for: {scopes}").format(scopes=", ".join(scopes)))
    if args.no_browser:

        def ask(url: str) -> str:
            print(_("Open this link in a browser on any machine and allow the access:"))
            print(url)
            print(_("Then paste here the address the browser ended on (it may fail to load):"))
            return input("> ")

        token = sign_in_on_console(client, scopes, ask)
    else:

        def open_url(url: str) -> None:
            print(_("If no browser opens, open this link:"))
            print(url, flush=True)
            webbrowser.open(url)

        token = sign_in_with_browser(client, scopes, open_url=open_url)
    store.save(args.name, token)
    where = _("the OS keyring") if args.keyring else str(store.path(args.name))
    print(_("Signed in as '{name}', kept sealed in {where}.").format(name=args.name, where=where))
    return EXIT_OK


def _logout(args: argparse.Namespace) -> int:
    from meetlink.adapters.google.login import LoginStore, login_folder, login_store, revoke

    if not LoginStore(login_folder(os.environ), None, keyring=args.keyring).exists(args.name):
        print(_("There is no stored sign-in named '{name}'.").format(name=args.name))
        return EXIT_OK
    store = login_store(os.environ, keyring=args.keyring, create=False)
    revoked = revoke(store.read(args.name))
    store.delete(args.name)
    if revoked:
        print(_("Signed out: Google revoked '{name}', deleted here.").format(name=args.name))
    else:
        print(
            _("Google no longer knew '{name}' (revoked already); deleted here.").format(
                name=args.name
            )
        )
    return EXIT_OK
