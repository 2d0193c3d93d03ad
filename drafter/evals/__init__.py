"""Offline evals of drafts. Only the eval cases have landed on main so far: each holds a
request, its policy, the verdict it must get (checked when the cases load) and what the reply
must do. The runner, scorers, recordings and reports are on the ``evals`` branch (see the
README's Status section)."""

from drafter.evals.cases import EvalCase, load_cases

__all__ = ["EvalCase", "load_cases"]
