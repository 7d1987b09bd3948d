"""The study on a cluster: the slurm profile, the large preset, and a real SLURM run.

``test_tiny_study_through_slurm_matches_local`` submits the tiny study to a real single-node SLURM
cluster (started by tests/slurm/start.sh, which CI runs first and which this test calls again --
it is idempotent and returns at once when SLURM is up) and checks that the outputs are
byte-identical to those of a local run and that every job went through sbatch. It is skipped only
when start.sh reports SLURM unavailable (exit code 3: not root and no cluster answering).

The other tests need no SLURM: the profile is complete and names only real rules, and the large
preset validates and yields the expected DAG in a dry run.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SNAKEMAKE, snakemake

PROFILE = ROOT / "profiles" / "slurm"
START = ROOT / "tests" / "slurm" / "start.sh"
LARGE = ROOT / "config" / "large.yaml"
#: Outputs compared byte for byte between the SLURM and the local run.
COMPARED = ("data", "results")

SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: ([^)]+)\)")
LOCAL_RULE = re.compile(r"^localrule (\w+):", re.MULTILINE)


def load_profile(env: dict[str, str] | None = None) -> dict:
    """The profile as Snakemake reads it (it is a YTE template: ``__use_yte__: true``)."""
    import yte

    saved = dict(os.environ)
    try:
        for key in ("SBATCH_ACCOUNT", "SBATCH_PARTITION"):
            os.environ.pop(key, None)
        os.environ.update(env or {})
        with open(PROFILE / "config.yaml") as stream:
            return yte.process_yaml(stream, require_use_yte=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def workflow_rules() -> set[str]:
    proc = subprocess.run(
        [*SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--list-rules"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return {line.strip() for line in proc.stdout.splitlines() if line.strip()}


def job_counts(output: str) -> dict[str, int]:
    """Snakemake's "Job stats" table (rule -> count) from a dry run's output."""
    block = output.split("Job stats:", 1)[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", block, re.MULTILINE)}


def files(root: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(root)): p
        for top in COMPARED
        for p in sorted((root / top).rglob("*"))
        if p.is_file()
    }


# --- the profile (no SLURM needed) ---------------------------------------------------------------


def test_slurm_profile_is_complete_on_its_own():
    profile = load_profile()
    # --workflow-profile replaces profiles/default: the executor, its status command and the
    # resources must all be here.
    assert profile["executor"] == "slurm"
    assert profile["slurm-status-command"] == "squeue"
    assert int(profile["jobs"]) >= 1
    assert int(profile["latency-wait"]) >= 5
    defaults = profile["default-resources"]
    assert {"mem_mb", "runtime", "cpus_per_task"} <= set(defaults)
    for heavy in ("fit", "reference"):
        assert {"mem_mb", "runtime"} <= set(profile["set-resources"][heavy]), heavy
    # Account and partition come from the user, never from the profile itself ...
    assert "slurm_account" not in defaults and "slurm_partition" not in defaults
    # ... e.g. through sbatch's own environment variables.
    with_env = load_profile({"SBATCH_ACCOUNT": "proj42", "SBATCH_PARTITION": "short"})
    assert with_env["default-resources"]["slurm_account"] == "'proj42'"
    assert with_env["default-resources"]["slurm_partition"] == "'short'"


def test_slurm_profile_names_only_real_rules():
    """A renamed rule must not silently lose its resources or its group."""
    profile = load_profile()
    rules = workflow_rules()
    named = set(profile["set-resources"]) | set(profile["groups"])
    assert named <= rules, f"profiles/slurm names unknown rules: {sorted(named - rules)}"
    assert set(profile["group-components"]) <= set(profile["groups"].values())


# --- the large preset (no SLURM needed) ----------------------------------------------------------


def test_large_preset_dry_run(tmp_path: Path):
    preset = yaml.safe_load(LARGE.read_text())
    assert preset["scenarios"]["replicates"] == 100
    assert preset["features"]["degrees"]["max"] == 20
    assert preset["lambdas"]["num"] == 60
    assert max(preset["scenarios"]["n_samples"]) == 10_000

    proc = snakemake(tmp_path, "-n", configfile=LARGE)
    counts = job_counts(proc.output)
    n_scenarios = (
        len(preset["scenarios"]["functions"])
        * len(preset["scenarios"]["noise_sd"])
        * len(preset["scenarios"]["n_samples"])
    )
    assert counts["simulate"] == counts["split"] == n_scenarios
    assert counts["fit"] == n_scenarios * len(preset["models"])
    assert counts["aggregate"] == 1


def test_large_preset_dry_run_with_slurm_profile(tmp_path: Path):
    """The profile parses and evaluates anywhere (no SLURM needed for -n) and batches the DAG."""
    proc = snakemake(tmp_path, "-n", "--workflow-profile", str(PROFILE), configfile=LARGE)
    preset = yaml.safe_load(LARGE.read_text())
    n_scenarios = (
        len(preset["scenarios"]["functions"])
        * len(preset["scenarios"]["noise_sd"])
        * len(preset["scenarios"]["n_samples"])
    )
    per_job = load_profile()["group-components"]
    n_fits = n_scenarios * len(preset["models"])
    # simulate+split of `data` scenarios per SLURM job; `fits` fit jobs per SLURM job; the
    # reference job, the tables and the figures made from them in one.
    assert proc.output.count("Group job data ") == -(-n_scenarios // int(per_job["data"]))
    assert proc.output.count("Group job fits ") == -(-n_fits // int(per_job["fits"]))
    assert proc.output.count("Group job post ") == 1


# --- a real SLURM cluster ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slurm_cluster() -> str:
    """Make sure the single-node SLURM cluster runs; skip only if it cannot (not root)."""
    proc = subprocess.run(
        ["bash", str(START)], capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL
    )
    if proc.returncode == 3:
        reason = (proc.stderr.strip().splitlines() or ["SLURM unavailable"])[-1]
        pytest.skip(f"SLURM unavailable (tests/slurm/start.sh exit 3): {reason}")
    if proc.returncode != 0:
        pytest.fail(
            f"tests/slurm/start.sh failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc.stdout


#: What the SLURM run builds: every table (and so every data file, fit and reference) and three
#: figure rules. The animated and per-scenario figure sets cost ~1 min more of CPU on a 2-core CI
#: machine and add nothing SLURM-specific; the local workflow tests build them.
SLURM_TARGETS = (
    "results/tables/metrics.csv",
    "results/tables/crosscheck.csv",
    "results/tables/selection.csv",
    "results/tables/summary.csv",
    "results/figures/crosscheck.png",
    "results/figures/sparse_legendre_sd0.2_n60/support_recovery.png",
    "results/figures/convergence.png",
)


@pytest.mark.slurm
@pytest.mark.workflow
def test_tiny_study_through_slurm_matches_local(slurm_cluster, tiny_run: Path, tmp_path: Path):
    workdir = tmp_path / "slurm"
    workdir.mkdir()
    proc = snakemake(
        workdir,
        "--workflow-profile",
        str(PROFILE),
        # Only to make the test quick: first status check after 1 s instead of 20 s; and keep
        # the SLURM logs of successful jobs to inspect them.
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--slurm-keep-successful-logs",
        *SLURM_TARGETS,
        timeout=600,
    )

    # Jobs really went through SLURM: sbatch job ids, one SLURM log per job ...
    submitted = SUBMITTED.findall(proc.output)
    assert submitted, f"no job was submitted to SLURM:\n{proc.output[-3000:]}"
    job_ids = [int(job_id) for job_id, _ in submitted]
    assert len(set(job_ids)) == len(job_ids)
    for job_id, log in submitted:
        assert Path(log).name == f"{job_id}.log" and Path(log).is_file(), log
        assert "Finished jobid" in Path(log).read_text(), log
    # ... that SLURM itself reports as completed (MinJobAge keeps them visible to squeue) ...
    listing = subprocess.run(
        [
            "squeue",
            "--states=all",
            "--noheader",
            "--format=%i %T",
            "--jobs",
            ",".join(map(str, job_ids)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert dict(zip(listing[::2], listing[1::2], strict=True)) == {
        str(i): "COMPLETED" for i in job_ids
    }
    # ... every job ran in SLURM (none as a local rule), bundled as the profile's groups say:
    # simulate+split, fits, and the reference, tables and figures after the fits.
    assert not LOCAL_RULE.findall(proc.output)
    logdirs = {Path(log).parent.name for _, log in submitted}
    assert "group_data_simulate_split" in logdirs
    assert "group_fits_fit" in logdirs
    assert any(d.startswith("group_post_aggregate") for d in logdirs), logdirs
    assert len(job_ids) < job_counts(proc.output)["total"]

    # The same bytes as the local run of the same config (tests/conftest.py's tiny_run).
    local, remote = files(tiny_run), files(workdir)
    assert set(remote) <= set(local), sorted(set(remote) - set(local))
    differ = [name for name in remote if remote[name].read_bytes() != local[name].read_bytes()]
    assert not differ, f"SLURM and local outputs differ: {differ}"
    assert {name for name in local if name.startswith("data/")} <= set(remote)
    assert {name for name in local if name.startswith("results/fits/")} <= set(remote)
    tables = {n for n in local if n.startswith("results/tables/") and n.endswith(".csv")}
    assert tables <= set(remote), sorted(tables - set(remote))
    assert sum(name.endswith(".png") for name in remote) == 3
