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
        "scipy",
        "matplotlib",
        "altair",
        "vl-convert-python",
        "jinja2",
        "markupsafe",
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


def test_library_imports_are_declared_dependencies():
    """Every third-party package that ``src/l1l2`` imports, at module level or inside a function,
    is a declared dependency in pyproject.toml and pinned in the rules' conda environment: a
    ``pip install .`` or ``--sdm conda`` elsewhere must not rely on what happens to be there."""
    import ast
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        canonical(re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0]) for spec in project["dependencies"]
    }
    rule_env, _ = conda_pip_pins(ROOT / "workflow/envs/l1l2.yaml")
    distributions = packages_distributions()
    imported = {}
    for path in sorted((ROOT / "src/l1l2").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "l1l2":
                    continue
                for dist in distributions.get(top, [top]):
                    imported.setdefault(canonical(dist), str(path.relative_to(ROOT)))
    assert imported, "no third-party import found: the scan is broken"
    undeclared = {d: p for d, p in imported.items() if d not in declared}
    assert undeclared == {}, f"imported by the library but not in pyproject.toml: {undeclared}"
    unpinned = {d: p for d, p in imported.items() if d not in rule_env}
    assert unpinned == {}, f"imported by the library but not in workflow/envs/l1l2.yaml: {unpinned}"
