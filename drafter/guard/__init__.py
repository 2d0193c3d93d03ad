"""The compliance guard: reads a composed draft against its verdict, deterministically, before
anyone sees it.

``check`` runs every family of checks and returns a ``ComplianceReport`` whose violations each
carry a stable code (``Code``) and the span that broke the verdict. No network, no model, no
clock: the same draft and verdict always give the same report.

Every commitment in a reply is a marker rendered from the verdict (``drafter.phrase``), so the
guard proves two things instead of trying to understand free prose:

- ``commitments``: the markers are exactly the ones the verdict calls for, each once, and the
  model's structured claims agree with the text; the model's own words and the subject commit
  to nothing: no figure, decision, money, promise, prediction, fault, completeness or timing
  language (``free_text``, over ``lexicons/free_text.yaml``);
- ``leaks`` and ``injection``: contact points, canary, internal ids, prompt text, HTML, control
  characters, and content injected through the customer's message, in the model's words;
- ``form``: language, length for the channel, greeting and name, subject for email.

The subject of an email is read by the content families too; its violations say "in the
subject" and their spans index the subject.
"""

from drafter.guard.checker import check
from drafter.guard.codes import Code
from drafter.guard.context import Allowlist
from drafter.guard.form import BOUNDS, detect_language
from drafter.guard.free_text import claim_detectors

__all__ = ["BOUNDS", "Allowlist", "Code", "check", "claim_detectors", "detect_language"]
