"""People API v1 ``people.get``: the address of a signed-in Meet participant.

Meet's ``signedinUser.user`` is ``users/ID``; the People API reads the same account as
``people/ID``. With ``personFields=emailAddresses`` it answers the addresses Google may show
the caller (a Workspace directory's, with ``directory.readonly``); the emulator knows those
given to :meth:`GoogleEmulator.simulate_conference` and answers 404 for anyone else.
"""

from __future__ import annotations

from urllib.parse import unquote

from ._scopes import DIRECTORY_READ
from ._wire import ApiError, ApiRequest, ApiResponse


def people_get(request: ApiRequest, directory: dict[str, str]) -> ApiResponse:
    """``GET /v1/people/{id}?personFields=emailAddresses``."""
    if request.method != "GET":
        raise ApiError(404, f"The emulator does not implement {request.method} on people.")
    request.require_scope(DIRECTORY_READ, "people.get")
    fields = request.param("personFields")
    if not fields:
        raise ApiError(400, "personFields mask is required. Please specify one or more fields.")
    person_id = unquote(request.path.removeprefix("/v1/people/"))
    email = directory.get(f"users/{person_id}")
    if email is None:
        raise ApiError(404, "Requested entity was not found.")
    body: dict[str, object] = {"resourceName": f"people/{person_id}", "etag": f"%{person_id}"}
    if "emailAddresses" in fields.split(","):
        body["emailAddresses"] = [
            {
                "metadata": {"primary": True, "source": {"type": "PROFILE", "id": person_id}},
                "value": email,
            }
        ]
    return ApiResponse.json(body)
