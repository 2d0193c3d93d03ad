"""drafter: policy-checked, empathetic replies to refund, return, exchange and cancel requests.

The public API, in the order the data flows::

    found = await Lookups(settings).look_up(domain.lookups["shopify-order"], "450789469",
                                            tenant="default")  # facts from the order system
    request = parse_request(json_bytes)                   # Request (bad input: RequestError)
    verdict = evaluate(registry.get("retail-standard"), request)      # stage 1: decide
    reply = await Pipeline(Settings()).reply(request, "retail-standard")  # stage 2: phrase, check
"""

from drafter.errors import (
    ConfigError,
    DrafterError,
    ExceptionGrantError,
    LLMError,
    LookupFailed,
    PolicyError,
    RequestError,
    RuntimeFailure,
    UnknownPolicyError,
    UserError,
)
from drafter.guard import check as check_draft
from drafter.intake import parse_request
from drafter.lookups import Lookups
from drafter.pipeline import Delta, Final, Pipeline, Reply
from drafter.policy import Policy, PolicyRegistry, evaluate, load_policy
from drafter.schemas import (
    ComplianceReport,
    Decision,
    Draft,
    Money,
    Offer,
    Request,
    Verdict,
    Violation,
)
from drafter.settings import Settings

__all__ = [
    "ComplianceReport",
    "ConfigError",
    "Decision",
    "Delta",
    "Draft",
    "DrafterError",
    "ExceptionGrantError",
    "Final",
    "LLMError",
    "LookupFailed",
    "Lookups",
    "Money",
    "Offer",
    "Pipeline",
    "Policy",
    "PolicyError",
    "PolicyRegistry",
    "Reply",
    "Request",
    "RequestError",
    "RuntimeFailure",
    "Settings",
    "UnknownPolicyError",
    "UserError",
    "Verdict",
    "Violation",
    "check_draft",
    "evaluate",
    "load_policy",
    "parse_request",
]
