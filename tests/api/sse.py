"""A strict parser for text/event-stream, as a browser's EventSource reads it (WHATWG HTML
§9.2.6): lines ending in LF, CRLF or CR; ``field: value`` with one optional space after the
colon; ``data`` lines joined with LF; comments start with a colon; a blank line ends an
event."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Event", "parse_sse"]


@dataclass(frozen=True)
class Event:
    event: str
    data: str
    id: str | None = None

    def json(self) -> Any:
        return json.loads(self.data)


def parse_sse(text: str) -> list[Event]:
    events: list[Event] = []
    kind, data, last_id = "", [], None
    for line in re.split(r"\r\n|\r|\n", text):
        if line == "":
            if data:
                events.append(Event(kind or "message", "\n".join(data), last_id))
            kind, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            kind = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            last_id = value
    return events
