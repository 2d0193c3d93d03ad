"""Before deciding: read a case's facts from the company's own systems (a pack's lookups).

The agent gives an id (an order number, a subscription id); the service calls the tenant's
connection for the lookup's path with that id in it, with the credential from the settings,
within the lookup's timeout, and maps the JSON answer to a case fragment
(``drafter/policy/lookups.py``). The credential stays here: it is never logged or echoed, and
a failure says which lookup failed and how, never with the URL or a header.

The id is percent-encoded as one path segment, dots included, so it cannot leave the path the
pack declares (``../``), reach another host, or add a query.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import httpx2

from drafter.errors import LookupFailed
from drafter.policy.lookups import Found, Lookup
from drafter.settings import Connection, Settings

__all__ = ["MAX_ANSWER_BYTES", "Lookups", "url_segment"]

MAX_ANSWER_BYTES = 2_000_000  # an order with hundreds of lines is about 200 kB


def url_segment(reference: str) -> str:
    """``reference`` as one path segment: every character but letters, digits, ``-``, ``_``
    and ``~`` percent-encoded. Dots too, which clients and servers would otherwise read as
    ``.`` and ``..`` segments."""
    return quote(reference, safe="").replace(".", "%2E")


class Lookups:
    """Calls lookups for the API, over one HTTP connection pool."""

    def __init__(self, settings: Settings, *, http_client: httpx2.AsyncClient | None = None):
        self.settings = settings
        # No redirects (a credential must not follow one) and no proxy or .netrc from the
        # environment: the only settings are drafter's own.
        self.client = http_client or httpx2.AsyncClient(follow_redirects=False, trust_env=False)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def look_up(self, lookup: Lookup, reference: str, *, tenant: str) -> Found:
        """Ask the tenant's system for ``reference`` and read the answer into a case fragment.

        Raises:
            LookupFailed: no connection for the tenant, a timeout, no connection made, a
                status other than 2xx, or an answer that is not JSON or does not fit.
        """
        connection = self._connection(lookup, tenant)
        status, body = await self._get(lookup, connection, reference)
        if status == 404:
            raise LookupFailed(
                f"{lookup.name}: the order system has no record with the id '{reference}'",
                lookup=lookup.name,
                kind="not_found",
            )
        if not 200 <= status < 300:
            raise LookupFailed(_refusal(lookup, status), lookup=lookup.name, kind="refused")
        try:
            answer = json.loads(body)
        except (ValueError, RecursionError):
            raise LookupFailed(
                f"{lookup.name}: the order system's answer is not JSON",
                lookup=lookup.name,
                kind="bad_answer",
            ) from None
        return lookup.read(answer)

    def _connection(self, lookup: Lookup, tenant: str) -> Connection:
        connection = self.settings.connections.get(tenant, {}).get(lookup.connection)
        if connection is None:
            setting = f"DRAFTER_CONNECTIONS__{tenant.upper()}__{lookup.connection.upper()}"
            raise LookupFailed(
                f"{lookup.name}: tenant '{tenant}' has no '{lookup.connection}' connection; "
                f"set {setting}__URL and {setting}__TOKEN",
                lookup=lookup.name,
                kind="not_configured",
            )
        return connection

    async def _get(
        self, lookup: Lookup, connection: Connection, reference: str
    ) -> tuple[int, bytes]:
        url = connection.url + lookup.path.replace("{id}", url_segment(reference))
        secret = connection.token.get_secret_value()
        headers = {lookup.header: lookup.prefix + secret, "Accept": "application/json"}
        try:
            # The client's timeout bounds each read; this bounds the whole answer, so a
            # server that drips bytes cannot hold the request longer.
            async with asyncio.timeout(lookup.timeout_s):
                async with self.client.stream(
                    "GET", url, headers=headers, timeout=lookup.timeout_s
                ) as response:
                    return response.status_code, await _body(lookup, response)
        except (TimeoutError, httpx2.TimeoutException):
            raise LookupFailed(
                f"{lookup.name}: the order system did not answer within {lookup.timeout_s:g} s",
                lookup=lookup.name,
                kind="timeout",
            ) from None
        except httpx2.HTTPError as error:  # the message may hold the URL: only its kind
            raise LookupFailed(
                f"{lookup.name}: the order system could not be reached ({type(error).__name__})",
                lookup=lookup.name,
                kind="unreachable",
            ) from None


async def _body(lookup: Lookup, response: httpx2.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise LookupFailed(
                f"{lookup.name}: the order system's answer is larger than "
                f"{MAX_ANSWER_BYTES // 1_000_000} MB",
                lookup=lookup.name,
                kind="bad_answer",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _refusal(lookup: Lookup, status: int) -> str:
    if status in (401, 403):
        return (
            f"{lookup.name}: the order system refused the connection's credential ({status}); "
            "check its token and permissions"
        )
    return f"{lookup.name}: the order system answered {status}"
