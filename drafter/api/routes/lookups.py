"""``GET /v1/policies/{id}/lookups``: the lookups a policy's pack declares, for a form to
offer; ``POST /v1/lookups``: read a case's facts from the caller's order system, for the form to
prefill, each value with the lookup it came from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from drafter.api.bodies import FieldProblem, InvalidBodyError, LookupIn
from drafter.api.deps import Caller, LookupBody, ServicesDep
from drafter.api.openapi import body_of
from drafter.errors import NotFoundError, UnknownPolicyError

__all__ = ["router"]

# One path, one method: a path with two routes would answer 405 with only one in ``Allow``.
router = APIRouter(prefix="/v1", tags=["lookups"])


class LookupSummary(BaseModel):
    name: str = Field(description="What POST /v1/lookups takes as lookup: shopify-order.")
    title: str = Field(description="The values' source, as a form shows it: Shopify order.")
    connection: str = Field(
        description="The order system it reads (shopify), which a form may find the id for "
        "on the ticket's page."
    )
    id_label: str = Field(description="What the agent is asked to type: Shopify order ID.")
    fields: list[str] = Field(description="The case fields it can fill (order.status).")


@router.get("/policies/{policy_id}/lookups", summary="The lookups of a policy's pack")
async def list_lookups(
    policy_id: str, _caller: Caller, services: ServicesDep
) -> list[LookupSummary]:
    try:
        lookups = services.registry.get(policy_id).domain.lookups.values()
    except UnknownPolicyError:
        raise NotFoundError("policy", policy_id) from None
    return [
        LookupSummary(
            name=lookup.name,
            title=lookup.title,
            connection=lookup.connection,
            id_label=lookup.id_label,
            fields=list(lookup.fields),
        )
        for lookup in lookups
    ]


class LookupOut(BaseModel):
    lookup: str = Field(description="The lookup's name, e.g. shopify-order.")
    title: str = Field(description="What a form shows as the values' source: Shopify order.")
    id: str = Field(description="The id it was asked for.")
    case: dict[str, Any] = Field(description="A fragment of the request's case, to merge in.")
    sources: dict[str, str] = Field(
        description="Each field filled (a case path, order.status) and where it came from "
        "(lookup:shopify-order)."
    )
    left_out: dict[str, str] = Field(
        description="Fields the lookup maps that the answer left without a value, and why."
    )


_FAILURES = {
    404: "The order system has no record with this id (or the policy is unknown: 422).",
    502: "The order system failed: it could not be reached, refused the credential, "
    "answered with an error, or its answer is not JSON or does not fit the mapping.",
    503: "The caller's tenant has no connection for this lookup.",
    504: "The order system did not answer within the lookup's timeout.",
}


@router.post(
    "/lookups",
    summary="Read a case's facts from the order system",
    response_model=None,
    responses={
        200: {"model": LookupOut, "description": "The case fragment, with each value's source."},
        **{status: {"description": text} for status, text in _FAILURES.items()},
    },
    openapi_extra=body_of(LookupIn),
)
async def run_lookup(caller: Caller, body: LookupBody, services: ServicesDep) -> LookupOut:
    domain = services.registry.get(body.policy).domain
    lookup = domain.lookups.get(body.lookup)
    if lookup is None:
        known = ", ".join(domain.lookups) or "none"
        message = f"'{body.lookup}' is not a lookup of the {domain.id} pack; known: {known}"
        raise InvalidBodyError([FieldProblem("lookup", "/lookup", message)])
    found = await services.lookups.look_up(lookup, body.id, tenant=caller.tenant)
    return LookupOut(
        lookup=lookup.name,
        title=lookup.title,
        id=body.id,
        case=found.case,
        sources=found.sources,
        left_out=found.left_out,
    )
