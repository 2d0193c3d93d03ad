"""The compliance guard: reads a draft against its verdict, deterministically, before anyone
sees it.

``check`` runs every family of checks and returns a ``ComplianceReport`` whose violations each
carry a stable code (``Code``) and the span of the body that broke the verdict. No network, no
model, no clock: the same draft and verdict always give the same report.

Families, one module each:

- ``decision``: approval language when the verdict does not grant, decline language when it
  does, "full refund" when it is partial (negation- and hedge-aware);
- ``figures``: amounts, percentages, dates and timeframes neither the verdict nor the request
  gives; ``offers``: alternatives the verdict does not allow;
- ``disclosures``: a missing ``must_say`` item, a ``must_not_say`` item present;
- ``leaks`` and ``injection``: contact points, canary, internal ids, prompt text, HTML, control
  characters, and content injected through the customer's message;
- ``form``: language, length for the channel, greeting and name, subject for email.

The subject of an email is read by the content families too; its violations say "in the
subject" and their spans index the subject.

A verdict's own texts (rationale, disclosures, offer terms, questions) quoted word for word are
allowed content: ``verbatim`` finds them, the decision, offer and language checks read the
draft with them blanked out, and a quoted ``must_say`` item counts as said in any locale.
"""

from drafter.guard.checker import check
from drafter.guard.codes import Code
from drafter.guard.context import Allowlist
from drafter.guard.form import BOUNDS, detect_language

__all__ = ["BOUNDS", "Allowlist", "Code", "check", "detect_language"]
