"""The conda environments pin exactly the versions of requirements.txt (what `make` installs)."""

import re

import pytest
import yaml

from conftest import ROOT


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[canonical(name.split("[")[0])] = version.strip()
    return found


REQUIREMENTS = pins((ROOT / "requirements.txt").read_text().splitlines())


def conda_pip_pins(path):
    env = yaml.safe_load(path.read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return pins(pip), env


@pytest.mark.parametrize("path", ["environment.yml", "workflow/envs/l1l2.yaml"])
def test_conda_pins_match_requirements(path):
    found, env = conda_pip_pins(ROOT / path)
    assert found, f"{path} pins nothing"
    mismatched = {
        name: (version, REQUIREMENTS.get(name))
        for name, version in found.items()
        if REQUIREMENTS.get(name) != version
    }
    assert not mismatched, f"{path} disagrees with requirements.txt: {mismatched}"
    assert "python=3.11" in env["dependencies"]


def test_environment_yml_has_every_direct_dependency():
    found, _ = conda_pip_pins(ROOT / "environment.yml")
    direct = [
        "snakemake",
        "snakemake-executor-plugin-slurm",
        "pygments",
        "numpy",
        "pandas",
        "scikit-learn",
        "matplotlib",
        "altair",
        "vl-convert-python",
        "jinja2",
        "playwright",
        "jsonschema",
        "pyyaml",
        "pillow",
        "pytest",
        "hypothesis",
        "snakefmt",
        "ruff",
    ]
    assert [name for name in direct if name not in found] == []
    assert [name for name in direct if name not in REQUIREMENTS] == []


def test_requirements_are_all_pinned():
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all("==" in line for line in lines), [line for line in lines if "==" not in line]
