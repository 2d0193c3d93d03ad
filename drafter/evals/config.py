"""The eval configuration (``evals/config.yaml``): paths, tone thresholds, and what counts as
a regression when two runs are compared.

Every threshold is required in the file; a case may override one for itself through
``expect.reply.tone`` using the names of :class:`Thresholds`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.errors import ConfigError
from drafter.evals.lexicon import LANGUAGES
from drafter.settings import project_root

__all__ = [
    "EvalConfig",
    "RegressionRules",
    "Thresholds",
    "default_config_path",
    "load_config",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToneConfig(_Strict):
    acknowledgement_within: int = Field(ge=1)
    empathy_min: int = Field(ge=0)
    apology_max: int = Field(ge=0)
    rationale_min: int = Field(ge=0)
    alternatives_min: float = Field(ge=0, le=1)
    readability_min: dict[str, float]
    jargon_max: int = Field(ge=0)
    length_words: dict[str, tuple[int, int]]
    decision_within: int = Field(ge=1)
    politeness_min: float


class RegressionRules(_Strict):
    """When a change from run A to run B counts as a regression (see ``drafter.evals.gate``)."""

    alpha: float = Field(gt=0, le=1)
    hard_lost_max: int = Field(ge=0)
    tokens_rise_max: float = Field(ge=0)
    latency_rise_max: float = Field(ge=0)


class ConfigFile(_Strict):
    cases: str
    recordings: str
    reference: str
    runs: str
    rubrics: str = "rubrics"
    judgements: str = "judgements"
    default_recording: str = Field(min_length=1)
    tone: ToneConfig
    regression: RegressionRules


@dataclass(frozen=True)
class Thresholds:
    """The tone thresholds for one reply: its language's and channel's values, resolved."""

    acknowledgement_within: float
    empathy_min: float
    apology_max: float
    rationale_min: float
    alternatives_min: float
    readability_min: float
    jargon_max: float
    length_min: float
    length_max: float
    decision_within: float
    politeness_min: float

    def overridden(self, overrides: dict[str, float]) -> Thresholds:
        """These thresholds with a case's overrides.

        Raises:
            ConfigError: an override names no threshold.
        """
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(f"unknown tone threshold(s) {unknown}; known: {sorted(known)}")
        return replace(self, **overrides)


@dataclass(frozen=True)
class EvalConfig:
    root: Path
    cases_dir: Path
    recordings_dir: Path
    reference_dir: Path
    runs_dir: Path
    rubrics_dir: Path
    judgements_dir: Path
    default_recording: str
    tone: ToneConfig
    regression: RegressionRules

    def thresholds(self, language: str, channel: str) -> Thresholds:
        """The thresholds for a reply in ``language`` on ``channel``."""
        low, high = self.tone.length_words[channel]
        return Thresholds(
            acknowledgement_within=self.tone.acknowledgement_within,
            empathy_min=self.tone.empathy_min,
            apology_max=self.tone.apology_max,
            rationale_min=self.tone.rationale_min,
            alternatives_min=self.tone.alternatives_min,
            readability_min=self.tone.readability_min[language],
            jargon_max=self.tone.jargon_max,
            length_min=low,
            length_max=high,
            decision_within=self.tone.decision_within,
            politeness_min=self.tone.politeness_min,
        )


def default_config_path() -> Path:
    return project_root() / "evals" / "config.yaml"


def load_config(path: Path | None = None) -> EvalConfig:
    """Read and check the eval configuration.

    Raises:
        ConfigError: the file is missing or malformed, or lacks a language or channel.
    """
    path = path or default_config_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = ConfigFile.model_validate(raw)
    except OSError as error:
        raise ConfigError(f"eval config {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"eval config {path}: invalid YAML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(step) for step in first["loc"])
        raise ConfigError(f"eval config {path}: {where}: {first['msg']}") from None
    _check_complete(path, spec.tone)
    base = path.parent
    return EvalConfig(
        root=base,
        cases_dir=base / spec.cases,
        recordings_dir=base / spec.recordings,
        reference_dir=base / spec.reference,
        runs_dir=base / spec.runs,
        rubrics_dir=base / spec.rubrics,
        judgements_dir=base / spec.judgements,
        default_recording=spec.default_recording,
        tone=spec.tone,
        regression=spec.regression,
    )


def _check_complete(path: Path, tone: ToneConfig) -> None:
    missing = [lang for lang in LANGUAGES if lang not in tone.readability_min]
    if missing:
        raise ConfigError(f"eval config {path}: tone.readability_min lacks {missing}")
    channels = ("email", "chat", "phone")
    missing = [channel for channel in channels if channel not in tone.length_words]
    if missing:
        raise ConfigError(f"eval config {path}: tone.length_words lacks {missing}")
