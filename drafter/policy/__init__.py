"""Stage 1, decide: load a policy file and evaluate requests against it, deterministically."""

from drafter.policy.engine import Decided, decide, evaluate
from drafter.policy.loader import load_policy
from drafter.policy.model import Policy
from drafter.policy.registry import PolicyRegistry

__all__ = ["Decided", "Policy", "PolicyRegistry", "decide", "evaluate", "load_policy"]
