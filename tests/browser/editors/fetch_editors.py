"""Fetch the real editors the browser tests type into (ProseMirror, CKEditor 5) from the npm
registry with `npm pack`, check each tarball against the integrity pinned in editors.lock.json,
and unpack the few files the fixture pages load into vendor/ (gitignored).

Run by .ci/deps-editors before the tests; the tests themselves never reach the network.
Idempotent: packages already unpacked at the pinned version are skipped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "editors.lock.json"
VENDOR = HERE / "vendor"


def integrity_of(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def pack(name: str, version: str, into: Path) -> Path:
    """`npm pack` downloads the published tarball into `into` and prints its file name."""
    result = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
    )
    return into / result.stdout.strip().splitlines()[-1]


def unpack(tarball: Path, files: dict[str, str], target: Path) -> None:
    with tarfile.open(tarball) as archive:
        for member_path, out_name in files.items():
            member = archive.extractfile(f"package/{member_path}")
            if member is None:
                raise SystemExit(f"{tarball.name}: {member_path} is not a file")
            (target / out_name).write_bytes(member.read())


def fetch(package: dict[str, object], workdir: Path) -> bool:
    name, version = str(package["name"]), str(package["version"])
    target = VENDOR / name
    stamp = target / ".version"
    if stamp.exists() and stamp.read_text() == version:
        return False
    tarball = pack(name, version, workdir)
    if integrity_of(tarball) != package["integrity"]:
        raise SystemExit(f"{name}@{version}: tarball does not match the pinned integrity")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    files = package["files"]
    assert isinstance(files, dict)
    unpack(tarball, files, target)
    stamp.write_text(version)
    return True


def main() -> int:
    packages = json.loads(LOCK.read_text())["packages"]
    with tempfile.TemporaryDirectory() as workdir:
        fetched = [p["name"] for p in packages if fetch(p, Path(workdir))]
    print(f"editors: {len(fetched)} fetched, {len(packages) - len(fetched)} already present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
