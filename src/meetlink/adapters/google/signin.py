"""Signing an ordinary Google account in: google-auth-oauthlib's installed-app flow.

Two ways, both ending with the authorized-user token of the account (the office's
``client_secret.json`` of a "Desktop app" OAuth client, and exactly the scopes asked):

- :func:`sign_in_with_browser`: a local server on 127.0.0.1 receives Google's redirect; the
  browser is opened on the consent page (or the link printed, ``open_browser=False``).
- :func:`sign_in_on_console`: for a machine without a browser. The link is shown; the user
  opens it on any machine, consents, and pastes back the address the browser was sent to
  (``http://localhost/?state=…&code=…``, a page that fails to load) or the code alone.

PKCE (S256) is used both ways; ``access_type=offline`` and ``prompt=consent`` make Google
give a refresh token every time. A sign-in granted fewer scopes than asked (Google lets the
user untick some) is refused, naming what is missing.

Example:
    >>> code_from("http://localhost/?state=s1&code=4%2Fabc&scope=x", "s1")
    '4/abc'
    >>> code_from("4/abc", "s1")
    '4/abc'
"""

from __future__ import annotations

import contextlib
import json
import os
import webbrowser
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from meetlink.errors import AuthError, InputError

__all__ = ["code_from", "sign_in_on_console", "sign_in_with_browser"]

JSON = dict[str, Any]
_CONSOLE_REDIRECT = "http://localhost/"


def _flow(client_config: Mapping[str, Any], scopes: Sequence[str]) -> Any:
    try:
        from google_auth_oauthlib.flow import InstalledAppFlow
    except ImportError:
        raise AuthError(
            "signing in needs google-auth-oauthlib: pip install 'meetlink[google]'.",
            adapter="google",
        ) from None
    if "installed" not in client_config:
        raise InputError.single(
            "client_secret.json",
            "the OAuth client must be of the 'Desktop app' type (its JSON starts with "
            '{"installed": …}); create one in Google Cloud console → APIs & Services → '
            "Credentials, download it and give it with --client-secrets.",
        )
    return InstalledAppFlow.from_client_config(dict(client_config), scopes=list(scopes))


def sign_in_with_browser(
    client_config: Mapping[str, Any],
    scopes: Sequence[str],
    *,
    open_url: Callable[[str], object] | None = None,
    port: int = 0,
) -> JSON:
    """Sign in through a browser and a local server on 127.0.0.1; the token's JSON.

    ``open_url`` is given the consent page's address (default: the system's browser); the
    local server then waits for Google's redirect to it.
    """
    flow = _flow(client_config, scopes)
    name = f"meetlink-{id(flow)}"
    webbrowser.register(name, None, _Opener(name, open_url or webbrowser.open))
    with _oauth_transport(flow):
        flow.run_local_server(
            host="127.0.0.1",
            port=port,
            browser=name,
            authorization_prompt_message="",
            success_message="meetlink: đăng nhập xong / signed in. Có thể đóng trang này.",
            access_type="offline",
            prompt="consent",
        )
    return _granted(flow, scopes)


class _Opener(webbrowser.BaseBrowser):
    """A "browser" for run_local_server that hands the address to a function."""

    def __init__(self, name: str, open_url: Callable[[str], object]) -> None:
        super().__init__(name)
        self._open_url = open_url

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self._open_url(url)
        return True


def sign_in_on_console(
    client_config: Mapping[str, Any], scopes: Sequence[str], ask: Callable[[str], str]
) -> JSON:
    """Sign in without a browser here: ``ask(url)`` shows the link and returns what the user
    pastes back (the address the browser ended on, or the code); the token's JSON."""
    flow = _flow(client_config, scopes)
    flow.redirect_uri = _CONSOLE_REDIRECT
    with _oauth_transport(flow):
        url, state = flow.authorization_url(access_type="offline", prompt="consent")
        code = code_from(ask(url), state)
        flow.fetch_token(code=code)
    return _granted(flow, scopes)


def code_from(pasted: str, state: str) -> str:
    """The authorization code in what the user pasted: a redirect address or the code."""
    text = pasted.strip()
    if not text:
        raise AuthError("nothing was pasted; run `meetlink google login` again.", adapter="google")
    if "://" not in text and "code=" not in text:
        return text
    query = parse_qs(urlsplit(text).query)
    if query.get("error"):
        raise AuthError(
            f"Google did not sign you in ({query['error'][0]}); run `meetlink google login` "
            "again and allow the access asked for.",
            adapter="google",
        )
    if query.get("state", [state])[0] != state:
        raise AuthError(
            "the address pasted belongs to another sign-in (its state differs); paste the "
            "address of this one, or run `meetlink google login` again.",
            adapter="google",
        )
    codes = query.get("code")
    if not codes:
        raise AuthError(
            "the address pasted has no code=…; paste the whole address the browser ended on.",
            adapter="google",
        )
    return codes[0]


def _granted(flow: Any, scopes: Sequence[str]) -> JSON:
    token: JSON = {"type": "authorized_user", **json.loads(flow.credentials.to_json())}
    granted = set(token.get("scopes") or ())
    lacking = [s for s in scopes if s not in granted]
    if lacking:
        raise AuthError(
            f"Google granted the sign-in without {', '.join(lacking)}, which the meeting's "
            "google tracks need; run `meetlink google login` again and tick every access "
            "asked for.",
            adapter="google",
        )
    if not token.get("refresh_token"):
        raise AuthError(
            "Google gave no refresh token, so the sign-in would stop working within an hour; "
            "remove meetlink's access at myaccount.google.com/permissions and sign in again.",
            adapter="google",
        )
    return token


@contextlib.contextmanager
def _oauth_transport(flow: Any) -> Iterator[None]:
    """oauthlib insists on https: allow plain http for a loopback token endpoint only (the
    emulator), and accept a narrower grant (checked by :func:`_granted` with a clear
    message)."""
    uris = [str(flow.client_config.get(k, "")) for k in ("auth_uri", "token_uri")]
    names = ["OAUTHLIB_RELAX_TOKEN_SCOPE"]
    if all(_loopback(uri) for uri in uris):
        names.append("OAUTHLIB_INSECURE_TRANSPORT")
    saved = {n: os.environ.get(n) for n in names}
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "https" or parts.hostname in ("127.0.0.1", "localhost", "::1")
