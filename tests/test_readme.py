"""The README's commands run exactly as written: every fenced block marked ``sh runnable`` is
run line by line from the checkout's root, in a fresh shell with the venv not activated (no
``VIRTUAL_ENV``, no ``.venv/bin`` on ``PATH``), and each command must succeed."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"^```sh runnable\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands: list[str] = []
    for block in _BLOCK.findall(text):
        joined = block.replace("\\\n", " ")  # continuation lines are one command
        commands += [line for line in joined.splitlines() if line.strip()]
    return commands


def _fresh_env() -> dict[str, str]:
    venv = str(ROOT / ".venv" / "bin")
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "DRAFTER_"))}
    return {**env, "PATH": path}


def test_the_readme_marks_commands_to_run() -> None:
    assert len(_commands()) >= 10


@pytest.mark.parametrize("command", _commands())
def test_a_readme_command_runs_as_written(command: str) -> None:
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env=_fresh_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
