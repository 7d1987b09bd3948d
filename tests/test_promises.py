"""The promises of README.md ("Promises", detail in docs/promises.md), each against real runs.

Every test runs Snakemake for real on the tiny config (tests/config/tiny.yaml). Complete runs are
few and shared:

* ``tiny_run`` (conftest): a clean run from the repository with the default profile (all cores);
* ``clean_run``: a clean run with ``--cores 1``, during which a second ``snakemake`` is started in
  the same directory (the lock must refuse it);
* ``killed_run``: a run SIGKILLed in the middle of the fit stage, then unlocked and resumed.

Everything else (dry runs, faults, bad data, the report) works on copies of ``clean_run``.

``clean_run`` and ``killed_run`` use a snapshot of the workflow (Snakefile, rules, scripts, profile
and the library, imported from the snapshot through PYTHONPATH): the rerun tests edit a library
module and a script, which must never happen in the repository, and the snapshot keeps these
tests independent of edits made to the repository while they run.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import html
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, SNAKEMAKE, TINY_CONFIG, copy_run, snakemake, write_config

pytestmark = pytest.mark.workflow

SCENARIO = "sine_sd0.2_n60"  # one of the tiny config's two scenarios
N_FITS = 2 * 4  # tiny config: scenarios x models
# Outputs of the manifest rule itself: not listed in the manifest.
MANIFEST_OUTPUTS = {"results/manifest.tsv", "results/provenance.json", "results/provenance.html"}
LOCKED = "Directory cannot be locked"


# --------------------------------------------------------------------------------------------
# Helpers


def run_snapshot(
    snapshot: Path,
    workdir: Path,
    *args: str,
    configfile: Path | None = TINY_CONFIG,
    check: bool = True,
    env: dict | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess:
    """Like conftest.snakemake, with the snapshot's Snakefile and library."""
    proc = subprocess.run(
        _command(snapshot, workdir, configfile, args),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(snapshot, env),
    )
    proc.output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.output[-6000:]}"
        )
    return proc


def start_snapshot(snapshot: Path, workdir: Path, *args: str, log: Path) -> subprocess.Popen:
    """Start Snakemake in the background, in its own process group (so it can be killed whole)."""
    with open(log, "w") as out:
        return subprocess.Popen(
            _command(snapshot, workdir, TINY_CONFIG, args),
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(snapshot, None),
            start_new_session=True,
        )


def _command(snapshot, workdir, configfile, args):
    command = [*SNAKEMAKE, "-s", str(snapshot / "Snakefile"), "--directory", str(workdir)]
    if configfile is not None:
        command += ["--configfile", str(configfile)]
    return command + list(args)


def _env(snapshot, extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAKEMAKE_")}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(snapshot / "src"), os.environ.get("PYTHONPATH")) if p
    )
    env.pop("L1L2_FAULT_INJECT", None)
    return {**env, **(extra or {})}


@dataclass
class Job:
    rule: str
    output: list[str]
    reason: str
    wildcards: dict[str, str]


def planned_jobs(output: str) -> list[Job]:
    """The jobs of a Snakemake log (dry run or real run): rule, outputs, reason, wildcards."""
    jobs = []
    for block in re.split(r"^(?=(?:local)?rule \w+:$)", output, flags=re.MULTILINE):
        head = re.match(r"(?:local)?rule (\w+):$", block, flags=re.MULTILINE)
        if not head:
            continue
        fields = dict(re.findall(r"^    (\w+): (.*)$", block, flags=re.MULTILINE))
        wildcards = dict(
            item.split("=", 1) for item in fields.get("wildcards", "").split(", ") if item
        )
        output_files = fields.get("output", "").split(", ") if fields.get("output") else []
        jobs.append(Job(head.group(1), output_files, fields.get("reason", ""), wildcards))
    return jobs


def rules_of(jobs: list[Job]) -> set[str]:
    return {job.rule for job in jobs}


def rule_graph(text: str) -> dict[str, set[str]]:
    """``{rule: rules that consume its outputs}`` from ``snakemake --rulegraph``."""
    names = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)"', text, flags=re.MULTILINE))
    children = {name: set() for name in names.values()}
    for parent, child in re.findall(r"^\s*(\d+) -> (\d+)", text, flags=re.MULTILINE):
        children[names[parent]].add(names[child])
    return children


def downstream(graph: dict[str, set[str]], seeds: set[str]) -> set[str]:
    """``seeds`` and every rule that (transitively) depends on them."""
    found, todo = set(seeds), list(seeds)
    while todo:
        for child in graph[todo.pop()]:
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def digests(workdir: Path) -> dict[str, str]:
    """sha256 of every file of data/ and results/, except the manifest rule's outputs."""
    files = {}
    for root in ("data", "results"):
        for path in sorted((workdir / root).rglob("*")):
            name = path.relative_to(workdir).as_posix()
            if path.is_file() and name not in MANIFEST_OUTPUTS and not name.endswith("report.html"):
                files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def read_manifest(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={"path": str, "sha256": str, "bytes": int})


def summary_outputs(proc: subprocess.CompletedProcess) -> dict[str, str]:
    """``{output file: rule}`` from ``snakemake --summary``."""
    rows = [line.split("\t") for line in proc.stdout.splitlines() if "\t" in line]
    return {row[0]: row[2] for row in rows[1:] if rows and rows[0][0] == "output_file"}


def incomplete(workdir: Path) -> set[str]:
    """Outputs Snakemake has marked incomplete (jobs started but not finished)."""
    folder = workdir / ".snakemake" / "incomplete"
    if not folder.is_dir():
        return set()
    names = set()
    for marker in folder.iterdir():
        try:
            names.add(base64.urlsafe_b64decode(marker.name).decode())
        except ValueError:
            names.add(base64.b64decode(marker.name).decode())
    return names


def provided_cores(workdir: Path) -> int:
    """The --cores of the first real run in ``workdir``, from Snakemake's own log."""
    for log in sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log")):
        found = re.search(r"^Provided cores: (\d+)", log.read_text(), flags=re.MULTILINE)
        if found:
            return int(found.group(1))
    raise AssertionError(f"no 'Provided cores' line in the logs of {workdir}")


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("l1l2 error in rule ")]


def failed_outputs(output: str) -> list[str]:
    """Output files of the jobs Snakemake reports as failed."""
    files = []
    for block in re.split(r"^(?=Error in rule \w+:$)", output, flags=re.MULTILINE)[1:]:
        found = re.search(r"^    output: (.*)$", block, flags=re.MULTILINE)
        if found:
            files += found.group(1).split(", ")
    return files


# --------------------------------------------------------------------------------------------
# Shared runs


def _ignore(directory, names):
    return [n for n in names if n in ("__pycache__", ".snakemake") or n.endswith(".pyc")]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """A copy of the workflow and the library, with their modification times."""
    target = tmp_path_factory.mktemp("workflow")
    shutil.copy2(ROOT / "Snakefile", target / "Snakefile")
    for folder in ("workflow", "profiles", "src/l1l2"):
        shutil.copytree(ROOT / folder, target / folder, ignore=_ignore)
    return target


def _listing(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@dataclass
class CleanRun:
    workdir: Path
    returncode: int
    second: subprocess.CompletedProcess
    first_running_when_refused: bool
    snapshot_files_before: set[str]


def _clean_run(snapshot: Path, workdir: Path) -> CleanRun:
    """A clean --cores 1 run; while it runs, a second snakemake in the same directory."""
    before = _listing(snapshot)
    log = workdir.parent / f"{workdir.name}.log"
    first = start_snapshot(snapshot, workdir, "--cores", "1", log=log)
    try:
        deadline = time.monotonic() + 600
        while not (
            any((workdir / ".snakemake" / "locks").glob("*")) and (workdir / "logs").is_dir()
        ):
            assert first.poll() is None, f"run ended early:\n{log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, "the run never started a job"
            time.sleep(0.05)
        second = run_snapshot(snapshot, workdir, "--cores", "1", check=False)
        running = first.poll() is None
        returncode = first.wait(timeout=900)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert returncode == 0, log.read_text()[-6000:]
    return CleanRun(workdir, returncode, second, running, before)


@dataclass
class KilledRun:
    workdir: Path
    fits_done_at_kill: set[str]
    incomplete_at_kill: set[str]
    after_kill: subprocess.CompletedProcess
    unlock: subprocess.CompletedProcess
    resumed: subprocess.CompletedProcess


def _fit_outputs() -> list[tuple[str, str]]:
    from l1l2.data import scenarios_from_config

    config = yaml.safe_load(TINY_CONFIG.read_text())
    names = [
        s.name
        for s in scenarios_from_config(
            config["scenarios"]["functions"],
            config["scenarios"]["noise_sd"],
            config["scenarios"]["n_samples"],
        )
    ]
    return [
        (f"results/fits/{s}/{m}.metrics.csv", f"results/fits/{s}/{m}.coefs.csv")
        for s in names
        for m in config["models"]
    ]


def _killed_run(snapshot: Path, workdir: Path) -> KilledRun:
    """A run killed (SIGKILL, whole process group) while fit jobs run, then resumed as documented:
    ``snakemake`` (refused: stale lock), ``snakemake --unlock``, ``snakemake``."""
    log = workdir.parent / f"{workdir.name}.log"
    fits = _fit_outputs()
    assert len(fits) == N_FITS
    run = start_snapshot(snapshot, workdir, log=log)
    try:
        deadline = time.monotonic() + 600
        while True:
            assert run.poll() is None, f"the run ended before the kill:\n{log.read_text()}"
            assert time.monotonic() < deadline, "the fit stage never started"
            running = {f for f in incomplete(workdir) if f.startswith("results/fits/")}
            done = {
                metrics
                for metrics, coefs in fits
                if (workdir / metrics).exists()
                and (workdir / coefs).exists()
                and not {metrics, coefs} & running
            }
            if done and running:
                break
            assert len(done) < N_FITS, "missed the fit stage: every fit finished before the kill"
            time.sleep(0.02)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    left_incomplete = incomplete(workdir)
    after_kill = run_snapshot(snapshot, workdir, check=False)
    unlock = run_snapshot(snapshot, workdir, "--unlock", check=False)
    resumed = run_snapshot(snapshot, workdir, check=False)
    return KilledRun(workdir, done, left_incomplete, after_kill, unlock, resumed)


@pytest.fixture(scope="module")
def runs(snapshot, tmp_path_factory) -> tuple[CleanRun, KilledRun]:
    """The clean and the killed run, side by side (they share nothing but the snapshot)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        clean = pool.submit(_clean_run, snapshot, tmp_path_factory.mktemp("clean_run"))
        killed = pool.submit(_killed_run, snapshot, tmp_path_factory.mktemp("killed_run"))
        return clean.result(), killed.result()


@pytest.fixture(scope="module")
def clean_run(runs) -> CleanRun:
    return runs[0]


@pytest.fixture(scope="module")
def killed_run(runs) -> KilledRun:
    return runs[1]


@pytest.fixture(scope="module")
def graph(snapshot, clean_run) -> dict[str, set[str]]:
    return rule_graph(run_snapshot(snapshot, clean_run.workdir, "--rulegraph").stdout)


@pytest.fixture(scope="module")
def summary(snapshot, clean_run) -> dict[str, str]:
    return summary_outputs(run_snapshot(snapshot, clean_run.workdir, "--summary"))


@pytest.fixture(scope="module")
def dry_copy(clean_run, tmp_path_factory) -> Path:
    """A copy of the finished clean run for dry runs (which change nothing)."""
    return copy_run(clean_run.workdir, tmp_path_factory.mktemp("dry") / "run")


# --------------------------------------------------------------------------------------------
# 1. Determinism


def test_two_clean_runs_are_byte_identical_whatever_the_cores(tiny_run, clean_run):
    """Promise 1: same config => same bytes for data, fits, tables and figures, --cores N or 1."""
    assert provided_cores(clean_run.workdir) == 1
    from snakemake.utils import available_cpu_count

    assert provided_cores(tiny_run) == available_cpu_count()  # profile: cores: all (2 here)
    first, second = digests(tiny_run), digests(clean_run.workdir)
    assert first.keys() == second.keys()
    assert [p for p in first if first[p] != second[p]] == []
    assert any(p.endswith(".png") for p in first)
    assert any(p.startswith("data/split/") for p in first)
    assert any(p.startswith("results/tables/") for p in first)
    # ... so their manifests are identical too: comparing two runs is one diff.
    manifest = (clean_run.workdir / "results/manifest.tsv").read_bytes()
    assert (tiny_run / "results/manifest.tsv").read_bytes() == manifest


def test_manifest_lists_every_output_and_nothing_volatile(clean_run, summary):
    """Promise 1: results/manifest.tsv = path, sha256, bytes of every output of the DAG, except
    the manifest's own outputs; no logs, timings, report; written after everything it lists."""
    workdir = clean_run.workdir
    manifest = read_manifest(workdir / "results/manifest.tsv")
    assert manifest.columns.tolist() == ["path", "sha256", "bytes"]
    assert manifest["path"].tolist() == sorted(manifest["path"])
    assert set(manifest["path"]) == set(summary) - MANIFEST_OUTPUTS
    assert MANIFEST_OUTPUTS <= set(summary)
    for row in manifest.itertuples():
        data = (workdir / row.path).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (row.sha256, row.bytes), row.path
        assert not row.path.startswith(("logs/", "benchmarks/", ".snakemake/", "/"))
    written = (workdir / "results/manifest.tsv").stat().st_mtime
    assert all((workdir / p).stat().st_mtime <= written for p in manifest["path"])
    # Everything in data/ and results/ (but the manifest's outputs) is listed: nothing stale.
    assert set(digests(workdir)) == set(manifest["path"])


def test_stray_and_stale_files_stay_out_of_the_manifest(snapshot, clean_run, tmp_path):
    """Promise 1: a report built into results/, a stray file and the outputs of an earlier config
    (another scenario, a dropped model) are not listed: the manifest is the same bytes."""
    work = copy_run(clean_run.workdir, tmp_path / "run")
    before = (work / "results/manifest.tsv").read_bytes()
    for stray in (
        "results/report.html",
        "results/notes.txt",
        "data/simulated/runge_sd0.1_n50.csv",
        f"results/fits/{SCENARIO}/dropped.metrics.csv",
        "results/figures/old_scenario/fits.png",
    ):
        (work / stray).parent.mkdir(parents=True, exist_ok=True)
        (work / stray).write_text("not an output of this config\n")
    proc = run_snapshot(snapshot, work, "--cores", "1", "--forcerun", "manifest")
    assert rules_of(planned_jobs(proc.output)) == {"manifest", "all"}
    assert (work / "results/manifest.tsv").read_bytes() == before


# --------------------------------------------------------------------------------------------
# 2. Rerun precision: the README table, row by row (dry runs on a copy of a finished run)

# The pipeline's own rules; every other rule (but `all`) makes a figure or a summary for the report.
PIPELINE = {"simulate", "split", "fit", "reference", "crosscheck", "aggregate", "select"}
PIPELINE |= {"manifest"}
RERUN_TABLE = [
    # (README row, one config change of that row, earliest pipeline stages that rerun)
    ("nothing", {}, set()),
    ("scenarios", {"scenarios": {"noise_sd": [0.3]}}, {"simulate"}),
    ("split", {"split": {"folds": 4}}, {"split"}),
    ("lambdas", {"lambdas": {"num": 5}}, {"fit"}),
    ("solver", {"solver": {"tol": 1.0e-9}}, {"fit"}),
    ("elasticnet", {"elasticnet": {"l1_ratio": 0.7}}, {"fit"}),
    ("models", {"models": ["ols", "ridge", "lasso"]}, {"reference", "aggregate"}),
    ("reference", {"reference": {"tol": 1.0e-11}}, {"reference"}),
    ("crosscheck-tolerances", {"crosscheck": {"coef_atol": 1.0e-5}}, {"crosscheck"}),
    ("selection", {"selection": {"rules": ["min"]}}, {"select"}),
    ("plots", {"plots": {"dpi": 90}}, set()),
    ("limits", {"limits": {"jobs": 20000, "rows": 1.0e8}}, set()),
]
# Rules downstream of a row's earliest stage in the rule graph whose jobs read none of what that
# row's change rebuilds: they must not rerun (support recovery reads only the Lasso fits).
READS_NONE_OF_IT = {"elasticnet": {"figure_support_recovery"}}
OWN_REASONS = ("Params have changed", "Updated input files", "Code has changed", "Missing output")


def check_rerun_precision(
    jobs: list[Job], graph: dict[str, set[str]], earliest: set[str], unread: set[str] = frozenset()
):
    """The pipeline part of the plan is exactly ``earliest`` and the pipeline rules after it
    (but ``unread``: rules whose jobs read nothing the change rebuilds, which must not run);
    besides, only figures that read the changed value (their own params or code inputs changed)
    and what follows them rerun."""
    assert not rules_of(jobs) & unread, [j for j in jobs if j.rule in unread]
    after = downstream(graph, earliest) - unread
    report_jobs = [j for j in jobs if j.rule not in PIPELINE | after | {"all"}]
    # Figures that read the changed value rerun for a reason of their own; a rule that reads
    # those figures (the overview embeds them) follows because its inputs were rebuilt.
    figures = {j.rule for j in report_jobs if any(r in j.reason for r in OWN_REASONS)}
    followers = downstream(graph, figures) - figures
    for job in report_jobs:
        if job.rule not in figures:
            assert job.rule in followers, job
            assert "Input files updated by another job" in job.reason, job
    assert rules_of(jobs) == after | downstream(graph, figures)
    assert rules_of(jobs) & PIPELINE - {"manifest"} == after & PIPELINE - {"manifest"}


@pytest.mark.parametrize(
    ("row", "changes", "earliest"), RERUN_TABLE, ids=[row for row, _, _ in RERUN_TABLE]
)
def test_a_config_change_reruns_exactly_its_stages(
    row, changes, earliest, snapshot, dry_copy, graph, tmp_path
):
    """Promise 2: changing one config section reruns the stage that uses it and what follows
    (plus the figures that show that value), never the stages before it."""
    config = write_config(tmp_path / "config.yaml", **changes)
    proc = run_snapshot(snapshot, dry_copy, "-n", configfile=config)
    jobs = planned_jobs(proc.output)
    check_rerun_precision(jobs, graph, earliest, READS_NONE_OF_IT.get(row, set()))
    if row in ("nothing", "limits"):
        assert jobs == [] and "Nothing to be done" in proc.output
    if row == "lambdas":
        # OLS has no λ: its fits stay; every penalized fit reruns.
        fits = {job.wildcards["model"] for job in jobs if job.rule == "fit"}
        assert fits == {"ridge", "lasso", "elasticnet"}
    if row == "elasticnet":
        fits = {job.wildcards["model"] for job in jobs if job.rule == "fit"}
        assert fits == {"elasticnet"}
    if row == "models":
        assert "fit" not in rules_of(jobs)  # dropping a model refits nothing
    if row == "plots":
        figures = {job.rule for job in jobs} - PIPELINE - {"all"}
        assert figures and rules_of(jobs) & PIPELINE == {"manifest"}
        assert not any(f.startswith(("data/", "results/fits/")) for j in jobs for f in j.output)


@pytest.fixture
def edit(snapshot):
    """Edit a file of the snapshot; restore its bytes and modification time afterwards."""
    saved = {}

    def change(relative: str, text: str | None = None) -> Path:
        path = snapshot / relative
        saved.setdefault(path, (path.read_bytes(), path.stat().st_mtime_ns))
        if text is not None:
            path.write_text(path.read_text() + text)
        now = time.time_ns()
        os.utime(path, ns=(now, max(now, saved[path][1] + 10**9)))
        return path

    yield change
    for path, (data, mtime) in saved.items():
        path.write_bytes(data)
        os.utime(path, ns=(mtime, mtime))


def test_a_library_edit_reruns_its_users_and_a_touch_reruns_nothing(
    snapshot, dry_copy, graph, edit
):
    """Promise 2: editing the solvers (src/l1l2/solvers/) reruns the fits and what follows (never
    simulate or split); touching them without a change reruns nothing (the library is tracked by
    a hash of its content)."""
    edit("src/l1l2/solvers/_api.py")
    touched = run_snapshot(snapshot, dry_copy, "-n")
    assert "Nothing to be done" in touched.output, touched.output[-3000:]
    edit("src/l1l2/solvers/_api.py", "\nSOLVER_EDITED_BY_TEST = True\n")
    jobs = planned_jobs(run_snapshot(snapshot, dry_copy, "-n").output)
    check_rerun_precision(jobs, graph, {"fit"})
    assert {"simulate", "split"}.isdisjoint(rules_of(jobs))
    assert len([j for j in jobs if j.rule == "fit"]) == N_FITS


def test_a_comment_only_script_edit_reruns_that_rule_and_touch_skips_it(
    snapshot, dry_copy, graph, edit, tmp_path
):
    """Promise 2 (decision, docs/promises.md): a script edit, even comment-only, reruns that rule
    and what follows, never the stages before it; `snakemake --touch` accepts a cosmetic edit."""
    edit("workflow/scripts/fit.py", "# a comment-only edit\n")
    proc = run_snapshot(snapshot, dry_copy, "-n")
    jobs = planned_jobs(proc.output)
    check_rerun_precision(jobs, graph, {"fit"})
    assert all("Code has changed" in j.reason for j in jobs if j.rule == "fit"), proc.output
    assert "simulate" not in rules_of(jobs) and "split" not in rules_of(jobs)
    accepted = copy_run(dry_copy, tmp_path / "run")
    run_snapshot(snapshot, accepted, "--touch")
    assert "Nothing to be done" in run_snapshot(snapshot, accepted, "-n").output


# --------------------------------------------------------------------------------------------
# 3. Faults


def test_sigkill_mid_fit_then_unlock_and_rerun_gives_identical_outputs(killed_run, clean_run):
    """Promise 3: killed with SIGKILL while fit jobs ran; the next `snakemake` says the directory
    is locked and how to unlock; after `snakemake --unlock`, `snakemake` reruns only the
    unfinished jobs (profile: rerun-incomplete) and the outputs equal an uninterrupted run's."""
    run = killed_run
    assert 1 <= len(run.fits_done_at_kill) < N_FITS
    assert any(f.startswith("results/fits/") for f in run.incomplete_at_kill)
    assert run.after_kill.returncode != 0
    assert LOCKED in run.after_kill.output and "--unlock" in run.after_kill.output
    assert run.unlock.returncode == 0, run.unlock.output
    assert run.resumed.returncode == 0, run.resumed.output[-6000:]
    redone = planned_jobs(run.resumed.output)
    assert {"simulate", "split"}.isdisjoint(rules_of(redone))
    refit = {f for job in redone if job.rule == "fit" for f in job.output}
    assert refit.isdisjoint(run.fits_done_at_kill)  # finished fits are kept
    assert incomplete(run.workdir) == set()
    assert digests(run.workdir) == digests(clean_run.workdir)
    manifest = (run.workdir / "results/manifest.tsv").read_bytes()
    assert manifest == (clean_run.workdir / "results/manifest.tsv").read_bytes()


def test_a_second_snakemake_is_refused_while_one_runs(clean_run, tiny_run):
    """Promise 3: the lock refuses a second run in the same directory with a clear message, and
    the first one finishes unharmed (its outputs equal an undisturbed run's)."""
    second = clean_run.second
    assert clean_run.first_running_when_refused
    assert second.returncode != 0
    assert LOCKED in second.output and "no other Snakemake process" in second.output
    assert clean_run.returncode == 0
    assert digests(clean_run.workdir) == digests(tiny_run)


def test_a_failing_job_leaves_no_output_and_names_the_cause(snapshot, clean_run, tmp_path):
    """Promise 3: a fit that fails after writing its outputs (test-only switch
    L1L2_FAULT_INJECT) is reported in one line naming rule and cause; its outputs are removed."""
    work = copy_run(clean_run.workdir, tmp_path / "run")
    target = f"results/fits/{SCENARIO}/ols.metrics.csv"
    proc = run_snapshot(
        snapshot,
        work,
        "--cores",
        "1",
        "--force",
        target,
        check=False,
        env={"L1L2_FAULT_INJECT": "fit"},
    )
    assert proc.returncode != 0
    (line,) = error_lines(proc.output)
    assert line.startswith(f"l1l2 error in rule fit, scenario={SCENARIO}, model=ols: RuntimeError")
    assert "fault injected" in line and f"logs/fit/{SCENARIO}/ols.log" in line
    assert "Removing output files of failed job fit" in proc.output
    assert not (work / target).exists()
    assert not (work / f"results/fits/{SCENARIO}/ols.coefs.csv").exists()
    assert "Traceback" in (work / f"logs/fit/{SCENARIO}/ols.log").read_text()
    assert "Traceback" not in proc.output  # the console shows the one line, the log the rest


def test_a_corrupted_input_file_stops_the_job_naming_the_file(snapshot, clean_run, tmp_path):
    """Promise 3/4: garbage in data/simulated/*.csv => the run stops before any job, in one line
    naming the file and the problem; the split data made from it earlier stay."""
    work = copy_run(clean_run.workdir, tmp_path / "run")
    source = f"data/simulated/{SCENARIO}.csv"
    (work / source).write_bytes(b"\x00\x17garbage;;\n\xff\xfe not a table\n")
    before = digests(work)
    proc = run_snapshot(snapshot, work, "--cores", "1", check=False)
    assert proc.returncode != 0
    (line,) = [line for line in proc.output.splitlines() if line.startswith(f"{source}:")]
    assert "not a readable CSV table" in line
    assert digests(work) == before  # nothing ran, nothing was removed
    assert (work / f"data/split/{SCENARIO}.csv").exists()


# --------------------------------------------------------------------------------------------
# 4. Bad data


def _nan_in_y(table):
    table.loc[3, "y"] = float("nan")
    return table


def _no_training_rows(table):
    table.loc[table["replicate"] == 1, "split"] = "test"
    return table


# The stages that read a split file: with --cores 1 any of them may be the first to run.
SPLIT_READERS = ("fit", "reference", "figures_scenario", "figure_mechanics", "figure_convergence")
BAD_DATA = [
    # (case, file edited, edit, rules that may fail on it, words the message must contain)
    ("nan", "data/split", _nan_in_y, SPLIT_READERS, ["column 'y'", "finite", "row 3"]),
    (
        "missing-column",
        "data/simulated",
        lambda t: t.drop(columns="y_true"),
        ("split",),
        ["y_true"],
    ),
    (
        "missing-split-column",
        "data/split",
        lambda t: t.drop(columns="fold"),
        SPLIT_READERS,
        ["fold"],
    ),
    (
        "no-training-rows",
        "data/split",
        _no_training_rows,
        SPLIT_READERS,
        ["column 'fold'", "fold of a test row"],
    ),
]


@pytest.mark.parametrize(
    ("case", "folder", "change", "rule", "words"), BAD_DATA, ids=[c[0] for c in BAD_DATA]
)
def test_bad_data_stops_the_stage_naming_file_and_column(
    case, folder, change, rule, words, snapshot, clean_run, tmp_path
):
    """Promise 4: NaN, a missing column or a replicate without training rows in a data file is
    refused in one line naming the file and the column: before any job (the file no longer has
    the checksum its stage recorded) and, if the checksum is re-recorded, by the stage reading it.
    """
    work = copy_run(clean_run.workdir, tmp_path / "run")
    source = f"{folder}/{SCENARIO}.csv"
    change(pd.read_csv(work / source)).to_csv(work / source, index=False)
    before = digests(work)
    proc = run_snapshot(snapshot, work, "--cores", "1", check=False)
    assert proc.returncode != 0
    (line,) = [line for line in proc.output.splitlines() if line.startswith(f"{source}:")]
    for word in [*words, "changed after it was written"]:
        assert word in line
    assert digests(work) == before  # refused before any job: nothing removed
    digest = hashlib.sha256((work / source).read_bytes()).hexdigest()
    (work / f"{source}.sha256").write_text(f"{digest}  {SCENARIO}.csv\n")
    proc = run_snapshot(snapshot, work, "--cores", "1", check=False)
    assert proc.returncode != 0
    (line,) = error_lines(proc.output)
    heads = [
        (f"l1l2 error in rule {r}, scenario={SCENARIO}", f"l1l2 error in rule {r}:") for r in rule
    ]
    assert any(line.startswith(head) for head in heads)
    assert f"TableError: {source}:" in line
    for word in words:
        assert word in line
    assert failed_outputs(proc.output)
    assert not any((work / f).exists() for f in failed_outputs(proc.output))


# --------------------------------------------------------------------------------------------
# 5. Provenance


def _validated(config_path: Path) -> dict:
    from snakemake.utils import validate

    config = yaml.safe_load(config_path.read_text())
    validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"), set_default=True)
    del config["limits"]  # budget guards, not study parameters (docs/promises.md, section 5)
    return json.loads(json.dumps(config))


def _expected_commit(directory: Path) -> re.Pattern:
    probe = subprocess.run(
        ["git", "-C", str(directory), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return re.compile(r"[0-9a-f]{40}(\+dirty)?" if probe.returncode == 0 else "unknown")


@pytest.mark.parametrize("which", ["repository", "snapshot"])
def test_provenance_records_config_versions_commit_and_platform(
    which, tiny_run, clean_run, snapshot
):
    """Promise 5: results/provenance.json holds the validated config, package versions, the git
    commit of the workflow (or "unknown" outside git) and the platform."""
    workdir, workflow = (tiny_run, ROOT) if which == "repository" else (clean_run.workdir, snapshot)
    record = json.loads((workdir / "results/provenance.json").read_text())
    assert record["config"] == _validated(TINY_CONFIG)
    for name in ("l1l2", "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "snakemake"):
        assert record["packages"][name] == metadata.version(name)
    assert _expected_commit(workflow).fullmatch(record["git_commit"])
    assert record["python"] == platform.python_version()
    assert record["platform"] == platform.platform()
    assert record["machine"] == platform.machine()


def test_the_report_shows_provenance_and_manifest(snapshot, clean_run, tmp_path):
    """Promise 5: `snakemake --report` embeds provenance.html (commit, versions, config) and
    the manifest, under the category "Provenance"."""
    work = copy_run(clean_run.workdir, tmp_path / "run")
    run_snapshot(snapshot, work, "--report", "report.html")
    report = (work / "report.html").read_text()
    page = (work / "results/provenance.html").read_bytes()
    assert base64.b64encode(page).decode() in report
    manifest = (work / "results/manifest.tsv").read_bytes()
    assert base64.b64encode(manifest).decode() in report
    assert "Provenance" in report
    record = json.loads((work / "results/provenance.json").read_text())
    text = html.unescape(page.decode())
    assert record["git_commit"] in text and record["platform"] in text
    assert record["packages"]["scikit-learn"] in text and '"seed": 7' in text


# --------------------------------------------------------------------------------------------
# 6. Security

PAYLOAD = "__import__('os').system('touch pwned')"


def _nothing_created(workdir: Path) -> None:
    assert not list(workdir.rglob("pwned")) and not (ROOT / "pwned").exists()
    assert not (workdir / "data").exists() and not (workdir / "results").exists()


@pytest.mark.parametrize("where", ["configfile", "--config"])
def test_a_config_value_is_never_evaluated(where, tmp_path):
    """Promise 6: code in a config value (a true function's name, the seed) is rejected by the
    schema before any job runs, and never executed."""
    if where == "configfile":
        config = write_config(tmp_path / "config.yaml", scenarios={"functions": [PAYLOAD]})
        proc = snakemake(tmp_path, configfile=config, check=False)
        key = "scenarios.functions[0]"
    else:
        proc = snakemake(tmp_path, "--config", f"seed={PAYLOAD}", check=False)
        key = "seed"
    assert proc.returncode != 0
    assert f"config key '{key}'" in proc.output and "invalid" in proc.output
    _nothing_created(tmp_path)


def test_true_functions_come_from_a_registry_and_no_code_evaluates_strings():
    """Promise 6: names are looked up in a registry; no eval/exec anywhere in the workflow."""
    from l1l2.data import get_true_function

    with pytest.raises(ValueError, match="unknown true function"):
        get_true_function(PAYLOAD)
    python = [*(ROOT / "src/l1l2").glob("*.py"), *(ROOT / "workflow/scripts").glob("*.py")]
    for path in python:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}, path
    for path in [ROOT / "Snakefile", *(ROOT / "workflow/rules").glob("*.smk")]:
        assert not re.search(r"\b(eval|exec)\s*\(", path.read_text()), path


def test_a_templated_config_is_refused(tmp_path):
    """Promise 6: a YTE-templated config (Snakemake would evaluate its expressions) is refused
    before any job runs (see docs/promises.md for what Snakemake already did at that point)."""
    config = tmp_path / "config.yaml"
    config.write_text("__use_yte__: true\n" + TINY_CONFIG.read_text())
    proc = snakemake(tmp_path, configfile=config, check=False)
    assert proc.returncode != 0
    assert "uses YTE templating" in proc.output and str(config) in proc.output
    _nothing_created(tmp_path)


@pytest.mark.parametrize(
    "config",
    ["outdir=/tmp/elsewhere", "results=../outside", "log_dir=/"],
)
def test_path_like_and_unknown_keys_are_rejected(config, tmp_path):
    """Promise 6: the config has no path keys; an output-ish key is an unknown key, rejected by
    name before anything runs."""
    proc = snakemake(tmp_path, "-n", "--config", config, check=False)
    key = config.split("=")[0]
    assert proc.returncode != 0
    assert f"unknown config key(s) '{key}'" in proc.output
    _nothing_created(tmp_path)


def test_a_misspelled_key_is_rejected_by_name(tmp_path):
    """Promise 6: unknown keys (here a typo inside a section) fail with the key's name."""
    config = write_config(tmp_path / "config.yaml", lambdas={"mun": 5})
    proc = snakemake(tmp_path, "-n", configfile=config, check=False)
    assert proc.returncode != 0
    assert "unknown config key(s) 'mun' in 'lambdas'" in proc.output


def test_every_output_lands_inside_the_working_directory(clean_run, summary, snapshot):
    """Promise 6: every output is a relative path without '..' (it resolves inside the working
    directory), scenario names cannot contain a path separator, and a run writes nothing beside
    the workflow."""
    workdir = clean_run.workdir.resolve()
    for path in summary:
        assert not Path(path).is_absolute() and ".." not in Path(path).parts, path
        assert (workdir / path).resolve().is_relative_to(workdir), path
    from l1l2.data import scenarios_from_config

    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    functions = schema["properties"]["scenarios"]["properties"]["functions"]["items"]["enum"]
    names = [
        s.name for s in scenarios_from_config(functions, [1e-300, 0.1, 1 / 3, 10], [10, 1_000_000])
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9_.+-]+", name) for name in names), names
    assert _listing(snapshot) == clean_run.snapshot_files_before
