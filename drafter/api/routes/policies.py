"""``GET /v1/policies`` and ``GET /v1/policies/{id}``: what the service can decide with."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from drafter.api.deps import Caller, ServicesDep
from drafter.errors import NotFoundError, UnknownPolicyError
from drafter.policy import Policy
from drafter.policy.inputs_schema import inputs_schema

__all__ = ["router"]

router = APIRouter(prefix="/v1/policies", tags=["policies"])


class PolicySummary(BaseModel):
    id: str
    version: str
    title: str
    sha256: str


class PolicyDetail(PolicySummary):
    inputs_schema: dict[str, Any]


def _summary(policy: Policy) -> PolicySummary:
    return PolicySummary(
        id=policy.id, version=policy.version, title=policy.title, sha256=policy.sha256
    )


@router.get("", summary="List the policies")
async def list_policies(_caller: Caller, services: ServicesDep) -> list[PolicySummary]:
    return [_summary(services.registry.get(policy_id)) for policy_id in services.policy_ids]


@router.get("/{policy_id}", summary="One policy, with the JSON Schema of its inputs")
async def get_policy(policy_id: str, _caller: Caller, services: ServicesDep) -> PolicyDetail:
    try:
        policy = services.registry.get(policy_id)
    except UnknownPolicyError:
        raise NotFoundError("policy", policy_id) from None
    return PolicyDetail(**_summary(policy).model_dump(), inputs_schema=inputs_schema(policy))
