"""Checksums of a run's outputs and a record of where they came from."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

PACKAGES = ("l1l2", "numpy", "pandas", "scikit-learn", "matplotlib", "snakemake")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_rows(roots: Iterable[str | Path]) -> list[tuple[str, str, int]]:
    """(path, sha256, bytes) of every file under ``roots``, sorted by path."""
    files = sorted(p for root in roots for p in Path(root).rglob("*") if p.is_file())
    return [(p.as_posix(), sha256(p), p.stat().st_size) for p in files]


def write_manifest(roots: Iterable[str | Path], path: str | Path) -> None:
    with open(path, "w") as out:
        out.write("path\tsha256\tbytes\n")
        for name, digest, size in manifest_rows(roots):
            out.write(f"{name}\t{digest}\t{size}\n")


def git_commit(directory: str | Path) -> str:
    """The commit of the workflow's checkout, with ``+dirty`` if it has changes, or "unknown"."""
    try:

        def git(*args):
            return subprocess.run(
                ["git", "-C", str(directory), *args],
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            ).stdout.strip()

        commit = git("rev-parse", "HEAD")
        return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(config: Mapping, workflow_dir: str | Path) -> dict:
    """The validated config, package versions, the git commit and the platform of a run."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "config": dict(config),
        "packages": versions,
        "git_commit": git_commit(workflow_dir),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
    }
