"""A stored Google sign-in (``meetlink google login``): sealed with the vault key, or in the
OS keyring; refreshed when it expires and saved back sealed; revoked at logout.

An office on an ordinary Google account signs in once in a browser; the authorized-user
token (client id and secret, refresh token, access token, scopes) is then kept under a
name (``default`` unless told otherwise), and a google track reads it with
``login: NAME`` in its settings (or ``login:NAME`` among its ``organizers``).

On disk it is ``<config>/meetlink/google-logins/NAME.json`` (mode 0600), holding only the
vault key's id, a nonce and the AES-256-GCM ciphertext of the token's JSON, bound to the
name; never pickled, never in plain text. With ``keyring``, the token's JSON is stored in
the OS keyring (service ``meetlink-google``, user NAME) and no file is written.

Example:
    >>> from meetlink.credentials.keys import VaultKey
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = LoginStore(Path(folder), VaultKey.generate())
    ...     store.save("default", {"type": "authorized_user", "refresh_token": "1//x"})
    ...     "1//x" in store.path("default").read_text(), store.read("default")["refresh_token"]
    (False, '1//x')
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import google.oauth2.credentials
import httplib2

from meetlink.credentials.keys import VaultKey, default_config_dir, load_vault_key
from meetlink.credentials.sealing import seal, unseal
from meetlink.credentials.secret import Secret
from meetlink.errors import AuthError, InputError, MeetlinkError
from meetlink.private_files import write_private

__all__ = [
    "DEFAULT_LOGIN",
    "KEYRING_SERVICE",
    "LOGIN_PREFIX",
    "LoginStore",
    "StoredCredentials",
    "check_login_name",
    "login_folder",
    "login_store",
    "revoke",
    "revoke_uri",
    "stored_credentials",
]

DEFAULT_LOGIN = "default"
LOGIN_PREFIX = "login:"
KEYRING_SERVICE = "meetlink-google"
_FORMAT = "meetlink-google-login-1"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
JSON = dict[str, Any]


def check_login_name(name: str) -> str:
    """A login's name: letters, digits, ``.``, ``_``, ``-`` (it names a file).

    Example:
        >>> check_login_name("huyen-uy")
        'huyen-uy'
    """
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"'{name}' cannot name a Google sign-in: use letters, digits, '.', '_' or '-' "
            "(at most 64), for example default or van-phong."
        )
    return name


def login_folder(env: Mapping[str, str] = os.environ) -> Path:
    """``<config>/meetlink/google-logins``: where sealed sign-ins are kept."""
    return default_config_dir(env) / "google-logins"


class LoginStore:
    """Sign-ins by name: sealed files in ``folder``, or the OS keyring (``keyring=True``)."""

    def __init__(self, folder: Path, key: VaultKey | None, *, keyring: bool = False) -> None:
        self.folder = folder
        self.key = key
        self.keyring = keyring

    def path(self, name: str) -> Path:
        return self.folder / f"{check_login_name(name)}.json"

    def exists(self, name: str) -> bool:
        if self.keyring:
            return _keyring_get(name) is not None
        return self.path(name).is_file()

    def save(self, name: str, token: JSON) -> None:
        """Store the authorized-user JSON of ``name``, replacing what was there."""
        data = json.dumps(token, sort_keys=True).encode("utf-8")
        if self.keyring:
            _keyring_call("set_password", KEYRING_SERVICE, check_login_name(name), data.decode())
            return
        if self.key is None:
            raise AuthError("no vault key to seal the Google sign-in with.", adapter="google")
        nonce, blob = seal(self.key, _ids(name), data)
        sealed = {
            "format": _FORMAT,
            "name": name,
            "key_id": self.key.key_id,
            "nonce": base64.b64encode(nonce).decode("ascii"),
            "sealed": base64.b64encode(blob).decode("ascii"),
        }
        write_private(self.path(name), json.dumps(sealed, indent=2).encode("utf-8"))

    def read(self, name: str) -> JSON:
        """The authorized-user JSON of ``name``; :class:`AuthError` when there is none."""
        if self.keyring:
            text = _keyring_get(name)
            if text is None:
                raise _not_signed_in(name, "the OS keyring")
            return dict(json.loads(text))
        path = self.path(name)
        try:
            sealed = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _not_signed_in(name, str(path)) from None
        except (OSError, ValueError) as exc:
            raise AuthError(
                f"the Google sign-in file {path} cannot be read ({type(exc).__name__}); run "
                f"`meetlink google logout --name {name}` and sign in again.",
                adapter="google",
            ) from None
        if self.key is None or sealed.get("format") != _FORMAT:
            raise AuthError(f"{path} is not a meetlink Google sign-in.", adapter="google")
        data = unseal(
            self.key,
            _ids(name),
            str(sealed.get("key_id")),
            base64.b64decode(sealed.get("nonce", "")),
            base64.b64decode(sealed.get("sealed", "")),
        )
        return dict(json.loads(data))

    def delete(self, name: str) -> bool:
        """Forget ``name``; False when nothing was stored."""
        if self.keyring:
            if _keyring_get(name) is None:
                return False
            _keyring_call("delete_password", KEYRING_SERVICE, check_login_name(name))
            return True
        path = self.path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True


def login_store(
    env: Mapping[str, str] = os.environ, *, keyring: bool = False, create: bool = True
) -> LoginStore:
    """The store of this machine's sign-ins, with the vault key (:func:`load_vault_key`;
    a key file is made on first use only when ``create``: signing in, not reading)."""
    key = None if keyring else load_vault_key(default_config_dir(env), env, create=create)
    return LoginStore(login_folder(env), key, keyring=keyring)


class StoredCredentials(google.oauth2.credentials.Credentials):
    """google-auth's user credentials that save themselves (sealed) after each refresh."""

    def __init__(self, *args: Any, on_refresh: Callable[[JSON], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self._meetlink_saved = on_refresh

    def refresh(self, request: Any) -> None:
        super().refresh(request)  # type: ignore[no-untyped-call]
        self._meetlink_saved({"type": "authorized_user", **json.loads(self.to_json())})  # type: ignore[no-untyped-call]


def stored_credentials(
    name: str, scopes: Sequence[str], env: Mapping[str, str] = os.environ
) -> StoredCredentials:
    """The credentials of the sign-in ``name`` (the file first, then the OS keyring).

    Raises :class:`AuthError` when there is none, or when it was granted fewer scopes than
    ``scopes`` (the message names them and says to sign in again).
    """
    folder = login_folder(env)
    if LoginStore(folder, None).exists(name):
        store = login_store(env, create=False)
    elif _keyring_get(name, quiet=True) is not None:
        store = LoginStore(folder, None, keyring=True)
    else:
        raise _not_signed_in(name, str(LoginStore(folder, None).path(name)))
    token = store.read(name)
    granted = set(token.get("scopes") or ())
    lacking = [s for s in scopes if s not in granted]
    if lacking:
        raise AuthError(
            f"the Google sign-in '{name}' was not granted {', '.join(lacking)}, which the "
            f"meeting's google tracks need; run `meetlink google login MEETING.yaml --name "
            f"{name}` again and allow it.",
            adapter="google",
        )
    for secret in ("refresh_token", "token", "client_secret"):
        if token.get(secret):
            Secret(str(token[secret]))  # known to the log redaction from now on
    credentials = StoredCredentials(
        token.get("token"),
        refresh_token=token.get("refresh_token"),
        token_uri=token.get("token_uri"),
        client_id=token.get("client_id"),
        client_secret=token.get("client_secret"),
        scopes=token.get("scopes"),
        on_refresh=lambda fresh: store.save(name, fresh),
    )
    if token.get("expiry"):
        with contextlib.suppress(ValueError):
            credentials.expiry = _expiry(str(token["expiry"]))
    return credentials


def revoke_uri(token_uri: str) -> str:
    """Google's revoke endpoint beside its token endpoint (``…/token`` → ``…/revoke``).

    Example:
        >>> revoke_uri("https://oauth2.googleapis.com/token")
        'https://oauth2.googleapis.com/revoke'
    """
    return token_uri.rsplit("/", 1)[0] + "/revoke"


def revoke(token: JSON, *, timeout: float = 30.0) -> bool:
    """Revoke a sign-in at Google (its refresh token, else its access token).

    True when Google revoked it, False when Google no longer knew it (revoked already).
    Raises :class:`MeetlinkError` when Google cannot be reached.
    """
    value = token.get("refresh_token") or token.get("token")
    uri = revoke_uri(str(token.get("token_uri") or "https://oauth2.googleapis.com/token"))
    if not value:
        return False
    http = httplib2.Http(timeout=timeout)
    try:
        response, body = http.request(
            uri,
            "POST",
            body=urlencode({"token": value}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    except (OSError, httplib2.HttpLib2Error) as exc:
        raise MeetlinkError(
            f"Google's revoke endpoint {uri} could not be reached ({type(exc).__name__}); "
            "nothing was deleted: check the connection and run `meetlink google logout` again."
        ) from None
    finally:
        http.close()
    if response.status == 200:
        return True
    if response.status == 400 and b"invalid_token" in body:
        return False
    raise MeetlinkError(
        f"Google refused to revoke the sign-in (HTTP {response.status}); nothing was deleted: "
        "run `meetlink google logout` again later, or remove the app's access at "
        "myaccount.google.com/permissions."
    )


def _ids(name: str) -> tuple[str, str, str]:
    return ("google-login", check_login_name(name), "authorized-user")


def _expiry(text: str) -> Any:
    import datetime as dt

    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    # google-auth compares expiry with a naive UTC clock
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _not_signed_in(name: str, where: str) -> AuthError:
    return AuthError(
        f"there is no Google sign-in named '{name}' ({where}); run `meetlink google login "
        f"MEETING.yaml --name {name}` first.",
        adapter="google",
    )


def _keyring_get(name: str, *, quiet: bool = False) -> str | None:
    try:
        value = _keyring_call("get_password", KEYRING_SERVICE, check_login_name(name))
    except (InputError, MeetlinkError):
        if quiet:
            return None
        raise
    return None if value is None else str(value)


def _keyring_call(method: str, *args: str) -> Any:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise MeetlinkError(
            "keeping the Google sign-in in the OS keyring needs the keyring package: "
            "pip install 'meetlink[keyring]', or leave out --keyring (the vault key seals it)."
        ) from None
    try:
        return getattr(keyring, method)(*args)
    except keyring.errors.KeyringError as exc:
        raise MeetlinkError(
            f"the OS keyring failed ({type(exc).__name__}); unlock it, or leave out --keyring."
        ) from None
