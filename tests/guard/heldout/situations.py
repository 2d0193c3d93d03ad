"""The held-out sets' situations (prompts.yaml): each an eval case's request re-rendered in a
language, channel and tone, with its verdict decided afresh and its prompt rendered."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from drafter.evals.cases import EvalCase, load_cases
from drafter.phrase.prompting import Prompt, PromptRenderer
from drafter.policy import PolicyRegistry, evaluate
from drafter.schemas import Channel, Request, Tone, Verdict
from drafter.settings import Settings

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
# The rounds of held-out sets: the first (here), and a second written after the lexicon was
# tuned on the first. Their situation ids do not overlap.
ROUNDS = (HERE, HERE.parent / "heldout2")


@dataclass(frozen=True)
class Situation:
    id: str
    policy: str
    request: Request
    verdict: Verdict
    tone: Tone | None
    prompt: Prompt


@cache
def renderer() -> PromptRenderer:
    return PromptRenderer.from_settings(Settings())


@cache
def _cases() -> dict[str, EvalCase]:
    registry = PolicyRegistry(Settings().policies_dir)
    return {case.id: case for case in load_cases(ROOT / "evals" / "cases", registry)}


@cache
def situations() -> dict[str, Situation]:
    registry = PolicyRegistry(Settings().policies_dir)
    spec: dict[str, dict[str, str]] = {}
    for folder in ROUNDS:
        spec |= yaml.safe_load((folder / "prompts.yaml").read_text(encoding="utf-8"))
    found: dict[str, Situation] = {}
    for ident, entry in spec.items():
        case = _cases()[entry["case"]]
        update = {"locale": entry["locale"], "channel": Channel(entry["channel"])}
        request = case.request.model_copy(update=update)
        verdict = evaluate(registry.get(case.policy), request)
        tone = Tone(entry["tone"]) if entry.get("tone") else None
        prompt = renderer().render(request, verdict, canary="cnry-0000000000000000", tone=tone)
        found[ident] = Situation(ident, case.policy, request, verdict, tone, prompt)
    return found


def write_prompts(folder: Path) -> None:
    """``folder``/prompts/<id>.txt: the rendered prompt of each of its situations, as the
    sets' authors saw it."""
    out = folder / "prompts"
    out.mkdir(exist_ok=True)
    mine = yaml.safe_load((folder / "prompts.yaml").read_text(encoding="utf-8"))
    for ident, situation in situations().items():
        if ident not in mine:
            continue
        text = "\n\n".join(f"=== {m.role} ===\n{m.content}" for m in situation.prompt.messages)
        (out / f"{ident}.txt").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    import sys

    write_prompts(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
