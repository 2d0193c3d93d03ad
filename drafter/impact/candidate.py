"""The candidate policy an impact replay evaluates: a policy file, a pack folder, or either at
a git revision (``git:REV:path``, the path relative to the current folder).

A policy is loaded from inside its pack (the domain and translations beside it). A file that
lies outside any pack is loaded into a copy of the replayed policy's own pack, so an edited
copy of ``retail-standard.yaml`` saved anywhere is evaluated with today's domain. A revision is
read with ``git archive`` into a temporary folder: the pack as it was at that revision.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from drafter.errors import UserError
from drafter.policy import Policy, PolicyRegistry, load_policy

__all__ = ["Candidate", "current_policy", "open_candidate"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """The loaded candidate, the file it was loaded from (worker processes load it again from
    there), and how the user named it."""

    policy: Policy
    path: Path
    label: str


@contextmanager
def open_candidate(spec: str, policy_id: str, registry: PolicyRegistry) -> Iterator[Candidate]:
    """The candidate ``spec`` names, for replaying ``policy_id``'s requests; any temporary
    folder is removed afterwards.

    Raises:
        UserError: the spec names nothing loadable, or git cannot read the revision.
        PolicyError: the candidate policy does not load.
    """
    with tempfile.TemporaryDirectory(prefix="drafter-candidate-") as scratch:
        path = _policy_file(spec, policy_id, registry, Path(scratch))
        yield Candidate(load_policy(path), path, spec)


def current_policy(policy_id: str, registry: PolicyRegistry) -> Candidate:
    """The policy as the service decides with it today, to compare a candidate against.

    Raises:
        UnknownPolicyError: there is no such policy.
        PolicyError: it does not load.
    """
    return Candidate(registry.get(policy_id), registry.path(policy_id), "current")


def _policy_file(spec: str, policy_id: str, registry: PolicyRegistry, scratch: Path) -> Path:
    if spec.startswith("git:"):
        revision, _, where = spec.removeprefix("git:").partition(":")
        if not revision or not where:
            raise UserError(f"candidate '{spec}': write a revision as git:REV:path")
        folder, name = _from_git(revision, where, scratch)
        return _in_pack(folder / (name or f"{policy_id}.yaml"), policy_id, registry, scratch)
    path = Path(spec)
    if path.is_dir():
        return _in_pack(path / f"{policy_id}.yaml", policy_id, registry, scratch)
    if path.is_file():
        return _in_pack(path, policy_id, registry, scratch)
    raise UserError(f"candidate '{spec}': no such file or folder")


def _in_pack(path: Path, policy_id: str, registry: PolicyRegistry, scratch: Path) -> Path:
    """``path`` itself when it lies in a pack; else a copy of it as ``policy_id``'s file in a
    copy of that policy's pack."""
    if not path.is_file():
        raise UserError(f"candidate: {path} holds no policy file {path.name}")
    if (path.parent / "domain.yaml").is_file():
        return path
    original = registry.path(policy_id).parent
    pack = scratch / "copy" / original.name  # a pack's folder is named after its domain
    shutil.copytree(original, pack)
    target = pack / f"{policy_id}.yaml"
    target.write_bytes(path.read_bytes())
    return target


def _git(*args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(f"candidate: git could not run: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise UserError(f"candidate: git {args[0]} failed: {message[-1] if message else '?'}")
    return done.stdout


def _from_git(revision: str, where: str, scratch: Path) -> tuple[Path, str | None]:
    """The pack folder holding ``where`` at ``revision``, written under ``scratch``, and the
    file's name when ``where`` is a file (None for a folder)."""
    spec = f"{revision}:./{where.removeprefix('./')}"
    kind = _git("cat-file", "-t", spec).decode().strip()
    name = None
    if kind == "blob":
        name = Path(where).name
        spec = f"{revision}:./{Path(where).parent.as_posix()}"
    elif kind != "tree":
        raise UserError(f"candidate: {where} at {revision} is a {kind}, not a file or folder")
    archive = _git("archive", "--format=tar", spec)
    folder = scratch / "git" / Path(spec.partition(":./")[2]).name  # the pack's own name
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")  # no paths outside the folder, no devices
    return folder, name
