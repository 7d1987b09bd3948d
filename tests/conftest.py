"""Shared fixtures: real Snakemake runs of the tiny config in temporary directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TINY_CONFIG = ROOT / "tests" / "config" / "tiny.yaml"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def snakemake(
    workdir: Path,
    *args: str,
    configfile: Path | None = TINY_CONFIG,
    check: bool = True,
    timeout: float = 900,
) -> subprocess.CompletedProcess:
    """Run the project's Snakefile in ``workdir`` as a user would, with the default profile.

    Returns the completed process; ``output`` holds stdout and stderr together (Snakemake logs a
    dry run to stdout and a real run to stderr).
    """
    command = [*SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--directory", str(workdir)]
    if configfile is not None:
        command += ["--configfile", str(configfile)]
    command += list(args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAKEMAKE_")}
    proc = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env
    )
    proc.output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.output[-6000:]}"
        )
    return proc


def write_config(path: Path, **changes) -> Path:
    """A copy of the tiny config with ``section={key: value}`` or ``key=value`` changes."""
    config = yaml.safe_load(TINY_CONFIG.read_text())
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """One complete run of the tiny study, shared by every test that only reads its outputs."""
    workdir = tmp_path_factory.mktemp("tiny_run")
    snakemake(workdir)
    return workdir


def copy_run(source: Path, target: Path) -> Path:
    """A copy of a finished run (outputs, logs and Snakemake's metadata) to modify safely."""
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture
def auto_rounds_ran(monkeypatch) -> list:
    """The names of ``auto``'s iteration steps run after its start (a FISTA step, an
    active-set check), recorded while the real functions run unchanged."""
    from l1l2.solvers import _batch

    ran = []
    for name in ("_prox_step", "_check_with_refinement"):
        real = getattr(_batch, name)
        monkeypatch.setattr(_batch, name,
                            lambda *a, _real=real, _name=name, **k: ran.append(_name)
                            or _real(*a, **k))
    return ran
