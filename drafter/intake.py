"""Parse untrusted request JSON into a ``Request``, naming the field of the first problem."""

from __future__ import annotations

from pydantic import ValidationError

from drafter.errors import RequestError
from drafter.schemas import Request

__all__ = ["MAX_REQUEST_BYTES", "parse_request", "request_error"]

MAX_REQUEST_BYTES = 256 * 1024


def parse_request(data: bytes | str) -> Request:
    """Validate JSON text as a ``Request``.

    Raises:
        RequestError: malformed JSON, a missing or unknown field, a wrong type, a negative or
            absurd amount, a date after ``as_of``, or a body that is too large.
    """
    if len(data) > MAX_REQUEST_BYTES:
        raise RequestError(f"request is larger than {MAX_REQUEST_BYTES} bytes", field="(body)")
    try:
        return Request.model_validate_json(data)
    except ValidationError as error:
        raise request_error(error) from None


def request_error(error: ValidationError) -> RequestError:
    """The first validation problem as a ``RequestError`` with a dotted field path."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(step) for step in first["loc"]) or "(body)"
    message = first["msg"]
    if first["type"] == "json_invalid":
        field, message = "(body)", f"malformed JSON: {first['ctx'].get('error', message)}"
    elif first["type"] == "missing":
        message = "is required"
    elif first["type"] == "extra_forbidden":
        message = "is not a known field"
    elif first["type"] == "value_error":
        message = str(first["ctx"]["error"])
        # Cross-field checks name their field at the start of the message.
        head, _, rest = message.partition(": ")
        if rest and " " not in head:
            field, message = ".".join(filter(None, (field.strip("()"), head))), rest
            field = field.replace("body.", "") if field.startswith("body") else field
    more = error.error_count() - 1
    return RequestError(message + (f" (and {more} more problems)" if more else ""), field=field)
