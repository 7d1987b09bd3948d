"""The workflow used as a Snakemake module from another folder, and a finished study that moves.

* The library is tracked by content: each rule carries ``params: code=library_hash(...)``, a
  sha256 of the l1l2 modules its script imports (and of what those import), found through the
  import system; no rule lists a library file (or any file of the workflow itself) as an input.
* README.md's module Snakefile, in a fresh folder with the tiny config, runs the study and gives
  byte-identical outputs to the run from the repository (``tiny_run``), and builds the report.
* A finished study copied with ``cp -a`` (the study folder, or workflow and study together) is up
  to date: ``snakemake -n`` says "Nothing to be done".
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from l1l2.provenance import library_imports, package_dir, source_files

from conftest import ROOT, SNAKEMAKE, TINY_CONFIG, snakemake

NOTHING = "Nothing to be done"
# A file of l1l2.solvers (a module or a package), relative to the package folder: the tests edit it.
SOLVERS_FILE = source_files("solvers")[0].relative_to(package_dir()).as_posix()


# --------------------------------------------------------------------------------------------
# The library hash


def _digests(src: Path, *calls: tuple[str, ...], cache: Path | None = None) -> list[str]:
    """``source_digest(*names, cache=cache)`` for each call, in a Python that imports l1l2 from
    ``src``."""
    code = (
        "import json, sys\n"
        "from l1l2.provenance import source_digest\n"
        "cache = json.loads(sys.argv[2])\n"
        "print(json.dumps([source_digest(*n, cache=cache) for n in json.loads(sys.argv[1])]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(calls), json.dumps(cache and str(cache))],
        capture_output=True,
        text=True,
        env=env,
        cwd=src,
        check=True,
    )
    return json.loads(proc.stdout)


@pytest.fixture
def library_copy(tmp_path) -> Path:
    """A copy of src/l1l2 with a small subpackage added (the shape plots/ takes)."""
    src = tmp_path / "a" / "src"
    shutil.copytree(ROOT / "src/l1l2", src / "l1l2", ignore=shutil.ignore_patterns("__pycache__"))
    figs = src / "l1l2" / "figs"
    figs.mkdir()
    (figs / "__init__.py").write_text("from .style import STYLE\n")
    (figs / "style.py").write_text("from ..solvers import solve\n\nSTYLE = 1\n")
    return src


CALLS = [("solvers",), ("study",), ("metrics",), ("figs",), ("data", "study"), ("study", "data")]


def test_library_hash_follows_content_not_location(library_copy, tmp_path):
    """The same sources elsewhere (copied with new times, or touched) give the same digests; an
    edit changes exactly the digests of the modules that import the edited one."""
    before = dict(zip(CALLS, _digests(library_copy, *CALLS), strict=True))
    # Order does not matter, and study imports data anyway: naming it again changes nothing.
    assert before[("data", "study")] == before[("study", "data")] == before[("study",)]
    assert len(set(before.values())) == 4
    moved = tmp_path / "b" / "src"
    shutil.copytree(library_copy, moved, copy_function=shutil.copy)  # new paths, new mtimes
    (moved / "l1l2" / SOLVERS_FILE).touch()
    assert _digests(moved, *CALLS) == list(before.values())

    solvers = moved / "l1l2" / SOLVERS_FILE
    solvers.write_text(solvers.read_text() + "\nEDITED = True\n")
    after = dict(zip(CALLS, _digests(moved, *CALLS), strict=True))
    changed = {call for call in CALLS if after[call] != before[call]}
    # study imports solvers (lazily, inside a function); figs/style.py through "..solvers".
    assert changed == {("solvers",), ("study",), ("figs",), ("data", "study"), ("study", "data")}


def test_the_import_cache_changes_no_digest(library_copy, tmp_path):
    """Which modules a module imports is kept by the sha256 of its bytes in a cache file
    (``library_hash`` uses .snakemake/l1l2/library-imports.json): the digests are the same
    without the cache, with it cold, warm, corrupt, edited or unwritable. A comment-only edit
    changes the edited module's digests as a code edit does (the bytes count); a new import is
    followed at once, also with a warm cache, and so is an import removed."""
    cache = tmp_path / "cache" / "imports.json"
    base = _digests(library_copy, *CALLS)
    assert _digests(library_copy, *CALLS, cache=cache) == base
    assert cache.is_file()
    assert _digests(library_copy, *CALLS, cache=cache) == base  # warm

    metrics = library_copy / "l1l2" / "metrics.py"
    original = metrics.read_text()
    metrics.write_text(original + "\n# a comment-only edit\n")
    commented = _digests(library_copy, *CALLS, cache=cache)
    assert commented == _digests(library_copy, *CALLS)
    assert [a != b for a, b in zip(commented, base, strict=True)] == [
        call == ("metrics",) for call in CALLS
    ]
    # metrics starts to import solvers (inside a function): its digest now covers solvers.py,
    # so a later solvers edit reruns what uses metrics.
    metrics.write_text(original + "\n\ndef _late():\n    from .solvers import solve\n")
    importing = _digests(library_copy, ("metrics",), cache=cache)
    assert importing == _digests(library_copy, ("metrics",))
    solvers = library_copy / "l1l2" / SOLVERS_FILE
    solvers.write_text(solvers.read_text() + "\nEDITED = True\n")
    assert _digests(library_copy, ("metrics",), cache=cache) != importing
    metrics.write_text(original)  # the import removed again: solvers no longer counts
    assert _digests(library_copy, ("metrics",), cache=cache) == [base[CALLS.index(("metrics",))]]

    solvers_edited = _digests(library_copy, *CALLS)
    for damage in (b"{not json", b'{"kind": "other", "entries": {}}'):
        cache.write_bytes(damage)
        assert _digests(library_copy, *CALLS, cache=cache) == solvers_edited
    recorded = json.loads(cache.read_text())
    for i, key in enumerate(recorded["entries"]):  # wrong shapes: parsed again
        recorded["entries"][key] = [[0, None, None]] if i % 2 else "x"
    cache.write_text(json.dumps(recorded))
    assert _digests(library_copy, *CALLS, cache=cache) == solvers_edited
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert _digests(library_copy, *CALLS, cache=blocked / "imports.json") == solvers_edited


def test_a_subpackage_is_hashed_whole(library_copy):
    """A subpackage counts with every file in it: an edit, an added file and a rename change its
    digest; bytecode caches do not."""
    figs = library_copy / "l1l2" / "figs"
    (digest,) = _digests(library_copy, ("figs",))
    (figs / "__pycache__").mkdir()
    (figs / "__pycache__" / "style.cpython-311.pyc").write_bytes(b"\x00cache")
    assert _digests(library_copy, ("figs",)) == [digest]
    (figs / "extra.py").write_text("X = 1\n")
    (added,) = _digests(library_copy, ("figs",))
    (figs / "extra.py").rename(figs / "other.py")
    (renamed,) = _digests(library_copy, ("figs",))
    assert len({digest, added, renamed}) == 3


def test_an_unknown_library_name_is_named(library_copy):
    proc = subprocess.run(
        [sys.executable, "-c", "from l1l2.provenance import source_digest; source_digest('nope')"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(library_copy)},
    )
    assert proc.returncode != 0 and "no module, subpackage or file named 'nope'" in proc.stderr


def _rule_blocks() -> dict[str, str]:
    blocks = {}
    for path in sorted((ROOT / "workflow/rules").glob("*.smk")):
        for block in re.split(r"^(?=rule \w+:)", path.read_text(), flags=re.MULTILINE)[1:]:
            blocks[re.match(r"rule (\w+):", block).group(1)] = block
    return blocks


def test_every_rule_hashes_the_library_modules_its_script_imports():
    """A rule's ``library_hash(...)`` names exactly the l1l2 modules its script imports (the
    hash follows their own imports), and no rule has a file of the library or of the workflow
    as an input (absolute paths there make a moved study rerun)."""
    blocks = _rule_blocks()
    assert {"fit", "reference", "figure_scaling", "manifest"} <= set(blocks)
    for name, block in blocks.items():
        script = re.search(r'^    script:\n        "\.\./scripts/(\w+\.py)"', block, re.MULTILINE)
        if script is None:
            assert name == "all", f"rule {name} has no script"
            continue
        imported = library_imports(ROOT / "workflow/scripts" / script.group(1))
        hashed = re.findall(r"^        code=library_hash\(([^)]*)\),$", block, re.MULTILINE)
        listed = {m.strip().strip('"') for m in hashed[0].split(",")} if hashed else set()
        assert listed == imported, f"rule {name}: library_hash{tuple(listed)} vs {imported}"
        assert "library(" not in block and "basedir" not in block, name


# --------------------------------------------------------------------------------------------
# The conda route installs l1l2 from the workflow's checkout


def test_the_rule_environment_installs_l1l2_from_the_checkout(tmp_path):
    """workflow/envs/l1l2.yaml installs l1l2 with ``-e ${L1L2_SOURCE}``, which the workflow sets
    to its own checkout; pip (which conda runs on the pip section) resolves it to this project.
    (conda itself is not on the test machine: this checks the pip half, with pip's dry run, which
    builds the project's metadata with setuptools from PyPI or pip's cache.)"""
    env = yaml.safe_load((ROOT / "workflow/envs/l1l2.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    (line,) = [item for item in pip if "l1l2" in item.lower() or item.startswith("-e")]
    assert line == "-e ${L1L2_SOURCE}"
    requirements = tmp_path / "condaenv.requirements.txt"  # as conda writes it
    requirements.write_text(line + "\n")
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--quiet"]
        + ["--report", str(report), "-r", str(requirements)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "L1L2_SOURCE": str(ROOT)},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (item,) = json.loads(report.read_text())["install"]
    assert item["metadata"]["name"] == "l1l2"
    assert item["download_info"]["url"] == ROOT.as_uri()
    assert item["download_info"]["dir_info"] == {"editable": True}
    common = (ROOT / "workflow/rules/common.smk").read_text()
    assert 'os.environ.setdefault(\n        "L1L2_SOURCE"' in common


# --------------------------------------------------------------------------------------------
# Module use from another folder


def readme_module_snakefile() -> str:
    """The module Snakefile shown in README.md ("Use it from your own folder")."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use it from your own folder", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.DOTALL).group(1)


def run_in(folder: Path, *args: str, check: bool = True, env=None) -> subprocess.CompletedProcess:
    """``snakemake ARGS`` in ``folder`` as a user would type it (its own Snakefile)."""
    env = {k: v for k, v in (env or os.environ).items() if not k.startswith("SNAKEMAKE_")}
    proc = subprocess.run(
        [*SNAKEMAKE, *args], cwd=folder, capture_output=True, text=True, timeout=900, env=env
    )
    proc.output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.output[-6000:]}")
    return proc


@pytest.fixture(scope="module")
def module_run(tmp_path_factory) -> Path:
    """A user's folder: README.md's module Snakefile and the tiny config; the study run there."""
    folder = tmp_path_factory.mktemp("user") / "my-study"
    (folder / "config").mkdir(parents=True)
    shutil.copyfile(TINY_CONFIG, folder / "config/config.yaml")
    snakefile = readme_module_snakefile()
    assert '"/path/to/l1l2/Snakefile"' in snakefile
    (folder / "Snakefile").write_text(snakefile.replace("/path/to/l1l2", str(ROOT)))
    run_in(folder, "--cores", "2")
    return folder


def manifest_files(workdir: Path) -> dict[str, bytes]:
    lines = (workdir / "results/manifest.tsv").read_text().splitlines()[1:]
    return {line.split("\t")[0]: (workdir / line.split("\t")[0]).read_bytes() for line in lines}


@pytest.mark.workflow
def test_the_workflow_runs_as_a_module_from_another_folder(module_run, tiny_run):
    """README's module Snakefile in a fresh folder: outputs land in that folder and are
    byte-identical to the run from the repository, every file the manifest lists."""
    manifest = (module_run / "results/manifest.tsv").read_bytes()
    assert manifest == (tiny_run / "results/manifest.tsv").read_bytes()
    files = manifest_files(module_run)
    assert len(files) > 40 and any(name.endswith(".png") for name in files)
    assert files == manifest_files(tiny_run)
    assert {p.name for p in module_run.iterdir()} >= {"data", "results", "logs", "config"}
    record = json.loads((module_run / "results/provenance.json").read_text())
    assert record["git_commit"] == json.loads((tiny_run / "results/provenance.json").read_text())[
        "git_commit"
    ]  # the workflow's checkout, not the user's folder


@pytest.mark.workflow
def test_the_report_builds_in_module_use(module_run, tmp_path):
    """Captions, the workflow description and the shipped scaling figure are found through the
    module: `snakemake --report` in the user's folder works."""
    folder = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(module_run), str(folder)], check=True)
    run_in(folder, "--cores", "1", "--report", "report.html")
    report = (folder / "report.html").read_text()
    assert "noisy polynomial regression" in report  # workflow/report/workflow.rst
    assert "benchmarks/scaling.py" in report  # workflow/report/scaling.rst


# --------------------------------------------------------------------------------------------
# A finished study is relocatable


@pytest.mark.workflow
def test_a_moved_module_study_is_up_to_date(module_run, tmp_path):
    """`cp -a` of the user's folder (outputs, logs, .snakemake) elsewhere: nothing to do."""
    moved = tmp_path / "elsewhere" / "my-study"
    moved.parent.mkdir()
    subprocess.run(["cp", "-a", str(module_run), str(moved)], check=True)
    proc = run_in(moved, "-n", "--cores", "1")
    assert NOTHING in proc.output, proc.output[-3000:]


def _copy_workflow(target: Path) -> Path:
    """The workflow and the library as a checkout holds them, times kept (as cp -a does)."""
    target.mkdir(parents=True)
    shutil.copy2(ROOT / "Snakefile", target / "Snakefile")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".snakemake")
    for folder in ("workflow", "profiles", "src/l1l2"):
        shutil.copytree(ROOT / folder, target / folder, ignore=ignore)
    return target


@pytest.mark.workflow
def test_a_moved_project_is_up_to_date(tiny_run, tmp_path):
    """The study and the workflow both moved (`cp -a` of a project, an archive restored
    elsewhere): the library is read from the new place, and nothing is to be done."""
    workflow = _copy_workflow(tmp_path / "project")
    study = tmp_path / "project" / "study"
    subprocess.run(["cp", "-a", str(tiny_run), str(study)], check=True)
    env = {**os.environ, "PYTHONPATH": str(workflow / "src")}
    proc = run_in(
        study, "-s", str(workflow / "Snakefile"), "--configfile", str(TINY_CONFIG), "-n", env=env
    )
    assert NOTHING in proc.output, proc.output[-3000:]
    # ... and the copied library is the one tracked: an edit there reruns the fits.
    solvers = workflow / "src/l1l2" / SOLVERS_FILE
    solvers.write_text(solvers.read_text() + "\nEDITED_BY_TEST = True\n")
    proc = run_in(
        study, "-s", str(workflow / "Snakefile"), "--configfile", str(TINY_CONFIG), "-n", env=env
    )
    assert "rule fit:" in proc.output and "Params have changed" in proc.output


@pytest.mark.workflow
def test_a_moved_study_is_up_to_date(tiny_run, tmp_path):
    """The study folder of a run from the repository, `cp -a` elsewhere: nothing to do."""
    moved = tmp_path / "moved"
    subprocess.run(["cp", "-a", str(tiny_run), str(moved)], check=True)
    assert NOTHING in snakemake(moved, "-n").output
