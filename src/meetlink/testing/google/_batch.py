"""Google's HTTP batch format: a multipart/mixed body of application/http requests and answers.

googleapiclient sends each part with ``Content-ID: <BASE + N>`` and LF line endings and
matches the answers by ``Content-ID: <response-BASE + N>``; it splits each answer part on
the first CRLF CRLF, so the answer is written with CRLF throughout, as Google does.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from urllib.parse import parse_qs, urlsplit

from ._wire import ApiError, ApiRequest, ApiResponse, status_phrase


@dataclass(frozen=True)
class BatchPart:
    """One request taken out of a batch, with the Content-ID its answer must carry."""

    content_id: str | None
    request: ApiRequest


def parse_batch(content_type: str, body: bytes) -> list[BatchPart]:
    """Split a batch request body into its calls; 400 when it is not a multipart/mixed batch."""
    if not content_type.lower().startswith("multipart/mixed") or "boundary=" not in content_type:
        raise ApiError.invalid("A batch request must be multipart/mixed with a boundary.")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError.invalid("A batch request must be multipart/mixed with a boundary.")
    parts = []
    for part in message.get_payload():
        if not isinstance(part, Message):
            raise ApiError.invalid("A part of the batch request is not a MIME part.")
        if part.get_content_type() != "application/http":
            raise ApiError.invalid("Each part of a batch request must be application/http.")
        raw = part.get_payload(decode=True)
        if not isinstance(raw, bytes):
            raise ApiError.invalid("A part of the batch request is empty.")
        parts.append(BatchPart(part.get("Content-ID"), _parse_http(raw)))
    if not parts:
        raise ApiError.invalid("The batch request has no parts.")
    return parts


def _parse_http(raw: bytes) -> ApiRequest:
    """``POST /path?q HTTP/1.1`` + headers + blank line + body, with LF or CRLF line ends."""
    raw = raw.lstrip(b"\r\n")
    gaps = [(at, len(gap)) for gap in (b"\r\n\r\n", b"\n\n") if (at := raw.find(gap)) >= 0]
    if gaps:
        cut, size = min(gaps)
        head_bytes, body = raw[:cut], raw[cut + size :]
    else:
        head_bytes, body = raw, b""
    lines = head_bytes.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        raise ApiError.invalid(f"Bad request line in a batch part: {lines[0]!r}") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    if length is not None and length.isdigit():
        body = body[: int(length)]
    url = urlsplit(target)
    return ApiRequest(
        method.upper(),
        url.path,
        parse_qs(url.query, keep_blank_values=True),
        headers,
        body,
        in_batch=True,
    )


def render_batch(answers: Sequence[tuple[str | None, ApiResponse]]) -> tuple[str, bytes]:
    """The multipart/mixed answer: (Content-Type header value, body bytes)."""
    digest = hashlib.sha256(b"".join(a.body for _, a in answers)).hexdigest()[:20]
    boundary = f"batch_{digest}"
    chunks: list[bytes] = []
    for n, (content_id, answer) in enumerate(answers, start=1):
        if content_id and content_id.startswith("<"):
            response_id = f"<response-{content_id[1:]}"
        else:
            response_id = f"<response-{content_id or n}>"
        head = [
            f"--{boundary}",
            "Content-Type: application/http",
            f"Content-ID: {response_id}",
            "",
            f"HTTP/1.1 {answer.status} {status_phrase(answer.status)}",
        ]
        head += [f"{name}: {value}" for name, value in answer.headers]
        head += [f"Content-Length: {len(answer.body)}", "", ""]
        chunks.append("\r\n".join(head).encode() + answer.body + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/mixed; boundary={boundary}", b"".join(chunks)
