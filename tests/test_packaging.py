"""The built wheel carries the shipped policies and prompts, and an installed drafter uses
them: built with hatchling (no network), unpacked, and run from another directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("drafter-*.whl")
    return built


def test_the_wheel_bundles_every_policy_and_prompt(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [*ROOT.glob("policies/**/*.*"), *ROOT.glob("prompts/**/*.*")]
    missing = [
        p.relative_to(ROOT).as_posix()
        for p in shipped
        if f"drafter/_bundled/{p.relative_to(ROOT).as_posix()}" not in names
    ]
    assert shipped
    assert missing == []


def test_an_installed_drafter_decides_and_drafts_from_its_bundled_files(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    request = ROOT / "policies" / "retail" / "examples" / "late-return.json"
    env = {**os.environ, "PYTHONPATH": str(site), "DRAFTER_PROVIDER": "template"}
    code = (
        "import sys; from drafter.cli import main; "
        "sys.argv = ['drafter', 'draft', sys.argv[1], '-p', 'retail-standard', '--json']; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(request)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["verdict"]["decision"] == "decline"
    assert reply["draft"]["templated"] is True
    probe = "from drafter.settings import Settings; print(Settings().prompts_dir)"
    where = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert where.stdout.strip() == str(site / "drafter" / "_bundled" / "prompts")


def test_version_names_the_package_and_the_prompts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "drafter", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    prompts = (Path(__file__).resolve().parents[1] / "prompts" / "VERSION").read_text().strip()
    assert done.stdout.strip() == f"drafter 0.1.0 (prompts and templates {prompts})"
