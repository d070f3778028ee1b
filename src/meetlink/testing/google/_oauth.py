"""Google's OAuth 2.0 endpoints for an installed app, as the emulator serves them.

- ``GET /o/oauth2/auth`` (Google: ``accounts.google.com/o/oauth2/auth``): the consent
  screen. The emulator's user consents at once and is sent back to the loopback
  ``redirect_uri`` with ``?state=…&code=…&scope=…`` (302), as Google's browser flow ends.
- ``POST /token`` (``oauth2.googleapis.com/token``): ``grant_type=authorization_code`` (with
  PKCE's ``code_verifier`` when the request had a ``code_challenge``) answers
  ``access_token``, ``expires_in``, ``refresh_token``, ``scope`` (space-separated) and
  ``token_type: Bearer``; ``grant_type=refresh_token`` the same without a new refresh token.
  Errors are 400/401 with ``{"error": …, "error_description": …}`` (``invalid_grant``,
  ``invalid_client``, ``invalid_scope``, ``unsupported_grant_type``).
- ``POST /revoke?token=…`` (``oauth2.googleapis.com/revoke``): 200 ``{}``; a refresh token
  takes its access tokens with it, an access token its grant. A token unknown (or revoked
  already) is answered 400 ``invalid_token``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from ._scopes import TokenBook
from ._wire import JSON, ApiRequest, ApiResponse

AUTH_PATH = "/o/oauth2/auth"
TOKEN_PATH = "/token"  # noqa: S105  # nosec B105 (a path, not a password)
REVOKE_PATH = "/revoke"
PATHS = frozenset({AUTH_PATH, TOKEN_PATH, REVOKE_PATH})


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    user: str
    challenge: str | None
    method: str


class OAuthServer:
    """Clients, authorization codes and the token endpoint; tokens live in the ``TokenBook``."""

    def __init__(self, tokens: TokenBook, user: str) -> None:
        self.tokens = tokens
        self.user = user
        self.access_lifetime = 3599.0
        self.clients: dict[str, str] = {}
        self._codes: dict[str, _Code] = {}
        self._lock = threading.Lock()

    def new_client(self) -> tuple[str, str]:
        """A registered OAuth client of the "Desktop app" type: (client_id, client_secret)."""
        client_id = f"{secrets.randbelow(10**12):012d}-emulator.apps.googleusercontent.com"
        secret = "GOCSPX-" + secrets.token_urlsafe(20)
        with self._lock:
            self.clients[client_id] = secret
        return client_id, secret

    def handle(self, request: ApiRequest) -> ApiResponse:
        if request.path == AUTH_PATH and request.method == "GET":
            return self._authorize(request)
        form = _form(request)
        if request.path == TOKEN_PATH and request.method == "POST":
            return self._token(form)
        if request.path == REVOKE_PATH and request.method == "POST":
            return self._revoke(form)
        return _oauth_error(404, "not_found", f"{request.method} {request.path} is not served.")

    def _authorize(self, request: ApiRequest) -> ApiResponse:
        client_id = request.param("client_id") or ""
        redirect = request.param("redirect_uri") or ""
        if client_id not in self.clients:
            return _page(401, "Error 401: invalid_client. The OAuth client was not found.")
        where = urlsplit(redirect)
        if where.scheme != "http" or where.hostname not in ("127.0.0.1", "localhost", "::1"):
            return _page(400, "Error 400: redirect_uri_mismatch (a desktop app uses loopback).")
        if request.param("response_type") != "code":
            return _page(400, "Error 400: invalid_request (response_type must be code).")
        scopes = frozenset((request.param("scope") or "").split())
        if not scopes:
            return _page(400, "Error 400: invalid_request (Missing required parameter: scope).")
        code = "4/emulator-" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                client_id,
                redirect,
                scopes,
                request.param("login_hint") or self.user,
                request.param("code_challenge"),
                request.param("code_challenge_method") or "plain",
            )
        answer = {"code": code, "scope": " ".join(sorted(scopes))}
        if request.param("state") is not None:
            answer = {"state": request.param("state") or "", **answer}
        glue = "&" if where.query else "?"
        location = f"{redirect}{glue}{urlencode(answer)}"
        return ApiResponse(302, b"", (("Location", location),))

    def _client(self, form: dict[str, str]) -> str | None:
        client_id = form.get("client_id", "")
        known = self.clients.get(client_id)
        return client_id if known is not None and known == form.get("client_secret") else None

    def _token(self, form: dict[str, str]) -> ApiResponse:
        client_id = self._client(form)
        if client_id is None:
            return _oauth_error(401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self._lock:
                code = self._codes.pop(form.get("code", ""), None)
            if code is None or code.client_id != client_id:
                return _oauth_error(400, "invalid_grant", "Malformed auth code.")
            if form.get("redirect_uri") != code.redirect_uri:
                return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
            if not _verifier_matches(code, form.get("code_verifier")):
                return _oauth_error(400, "invalid_grant", "Missing code verifier.")
            refresh = self.tokens.grant(client_id, code.scopes, code.user)
            body = self._access(code.scopes, code.user, refresh)
            return ApiResponse.json({**body, "refresh_token": refresh})
        if grant_type == "refresh_token":
            refresh = form.get("refresh_token", "")
            grant = self.tokens.grants.get(refresh)
            if grant is None or grant.client_id != client_id:
                return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            asked = frozenset(form.get("scope", "").split()) or grant.scopes
            if not asked <= grant.scopes:
                return _oauth_error(400, "invalid_scope", "Bad Request")
            return ApiResponse.json(self._access(asked, grant.user, refresh))
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + str(grant_type))

    def _access(self, scopes: frozenset[str], user: str, refresh: str) -> JSON:
        token = self.tokens.issue(scopes, user, lifetime=self.access_lifetime, grant=refresh)
        return {
            "access_token": token,
            "expires_in": int(self.access_lifetime),
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",  # nosec B105 (a token type, not a password)
        }

    def _revoke(self, form: dict[str, str]) -> ApiResponse:
        if not self.tokens.revoke(form.get("token", "")):
            return _oauth_error(400, "invalid_token", "Token expired or revoked")
        return ApiResponse.json({})


def _verifier_matches(code: _Code, verifier: str | None) -> bool:
    if code.challenge is None:
        return True
    if verifier is None:
        return False
    if code.method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=") == code.challenge
    return verifier == code.challenge


def _form(request: ApiRequest) -> dict[str, str]:
    """The query, an url-encoded body and HTTP Basic client credentials (RFC 6749 2.3.1),
    as Google's OAuth endpoints read them all."""
    values = {k: v[0] for k, v in request.query.items() if v}
    if request.body:
        body = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        values |= {k: v[0] for k, v in body.items() if v}
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        with contextlib.suppress(ValueError):
            pair = base64.b64decode(basic[6:].strip()).decode("utf-8")
            client_id, _, secret = pair.partition(":")
            values.setdefault("client_id", unquote_plus(client_id))
            values.setdefault("client_secret", unquote_plus(secret))
    return values


def _oauth_error(status: int, error: str, description: str) -> ApiResponse:
    return ApiResponse.json({"error": error, "error_description": description}, status)


def _page(status: int, text: str) -> ApiResponse:
    return ApiResponse(status, text.encode(), (("Content-Type", "text/plain; charset=UTF-8"),))
