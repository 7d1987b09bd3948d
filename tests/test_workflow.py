"""Real Snakemake runs: the tiny study end to end, the default study's DAG, and lint."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, SNAKEMAKE, snakemake

pytestmark = pytest.mark.workflow

METRICS_CONTRACT = [
    "scenario",
    "replicate",
    "model",
    "degree",
    "lambda",
    "train_mse",
    "cv_mse",
    "test_mse",
    "n_coef",
    "n_nonzero",
    "converged",
    "n_iter",
]
CROSSCHECK_CONTRACT = [
    "scenario",
    "replicate",
    "model",
    "degree",
    "lambda",
    "max_abs_coef_diff",
    "rel_objective_diff",
    "same_support",
    "ok",
]


def test_tiny_run_writes_the_contract_tables(tiny_run: Path):
    metrics = pd.read_csv(tiny_run / "results/tables/metrics.csv")
    assert metrics.columns[: len(METRICS_CONTRACT)].tolist() == METRICS_CONTRACT
    # 2 scenarios x 2 replicates x 6 degrees x (1 OLS + 3 models x 6 lambdas)
    assert len(metrics) == 2 * 2 * 6 * (1 + 3 * 6)
    assert (metrics.loc[metrics["model"] == "ols", "lambda"] == 0).all()
    assert metrics["converged"].all()
    assert (metrics["n_nonzero"] <= metrics["n_coef"]).all()
    assert (metrics["n_coef"] == metrics["degree"]).all()
    # Lasso at the largest lambda (1.0, above lambda_max) zeroes every coefficient exactly.
    top = metrics[(metrics["model"] == "lasso") & (metrics["lambda"] == 1.0)]
    assert (top["n_nonzero"] == 0).all()
    # OLS overfits: its training error falls with degree.
    ols = metrics[metrics["model"] == "ols"].groupby("degree")["train_mse"].mean()
    assert ols.is_monotonic_decreasing

    cross = pd.read_csv(tiny_run / "results/tables/crosscheck.csv")
    assert set(CROSSCHECK_CONTRACT) <= set(cross.columns)
    assert cross["ok"].all()
    # all_replicates: true in the tiny config: every full-training fit is compared.
    assert len(cross) == len(metrics)

    selection = pd.read_csv(tiny_run / "results/tables/selection.csv")
    assert len(selection) == 2 * 4 * 2  # scenarios x models x rules
    assert set(selection["rule"]) == {"min", "1se"}
    per_rep = pd.read_csv(tiny_run / "results/tables/selection_replicates.csv")
    one_se = per_rep[per_rep["rule"] == "1se"].set_index(["scenario", "model", "replicate"])
    best = per_rep[per_rep["rule"] == "min"].set_index(["scenario", "model", "replicate"])
    assert (one_se["lambda"] >= best["lambda"]).all()


def test_tiny_run_data_files(tiny_run: Path):
    simulated = pd.read_csv(tiny_run / "data/simulated/sine_sd0.2_n60.csv")
    assert simulated.columns.tolist() == ["replicate", "x", "y", "y_true"]
    assert len(simulated) == 2 * 60
    split = pd.read_csv(tiny_run / "data/split/sine_sd0.2_n60.csv")
    assert split.columns.tolist() == ["replicate", "x", "y", "y_true", "split", "fold"]
    assert (split.groupby("replicate")["split"].apply(lambda s: (s == "test").sum()) == 15).all()


def test_the_size_estimates_bound_the_tiny_run(tiny_run: Path):
    """The budget's estimates (l1l2.budget) against what the tiny run wrote: rows and fits
    exactly, bytes of data/ and results/ from above, within a factor of 3."""
    import yaml

    from l1l2.budget import estimate
    from l1l2.config import read_config

    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    config, problems = read_config([ROOT / "tests/config/tiny.yaml"], [], schema)
    assert problems == []
    sizes = estimate(config)
    rows = sum(len(pd.read_csv(p)) for p in (tiny_run / "data/simulated").glob("*.csv"))
    assert rows == sizes["rows"]
    metrics = pd.read_csv(tiny_run / "results/tables/metrics.csv")
    assert len(metrics) * (config["split"]["folds"] + 1) == sizes["fits"]
    written = sum(
        p.stat().st_size
        for folder in ("data", "results")
        for p in (tiny_run / folder).rglob("*")
        if p.is_file() and p.name != "report.html"
    )
    assert written <= sizes["output_bytes"] <= 3 * written


def test_tiny_run_manifest_lists_every_output(tiny_run: Path):
    manifest = pd.read_csv(tiny_run / "results/manifest.tsv", sep="\t")
    assert manifest.columns.tolist() == ["path", "sha256", "bytes"]
    paths = set(manifest["path"])
    assert "results/tables/metrics.csv" in paths
    assert "data/simulated/sine_sd0.2_n60.csv" in paths
    assert any(p.endswith(".png") for p in paths)


def test_every_job_logs_its_cpu_time_and_peak_memory(tiny_run: Path):
    """benchmarks/pipeline.py profiles the rules from these lines (one per job, in its log)."""
    pattern = re.compile(
        r"resources: rule=(\w+) cpu_s=([\d.]+) startup_cpu_s=([\d.]+) max_rss_mb=([\d.]+) "
        r"wall_s=([\d.]+)$",
        flags=re.MULTILINE,
    )
    logs = sorted((tiny_run / "logs").rglob("*.log"))
    rules = {}
    for log in logs:
        found = pattern.findall(log.read_text())
        assert len(found) == 1, log
        rule, cpu, startup, rss, wall = found[0]
        assert 0 < float(startup) <= float(cpu) and 20 < float(rss) < 2000, (log, found)
        # the job's start is its log's last change minus wall_s (benchmarks/pipeline.py)
        assert 0 < float(wall) < 600, (log, found)
        rules[rule] = rules.get(rule, 0) + 1
    assert rules["fit"] == 8 and rules["simulate"] == 2 and "manifest" in rules


def test_peak_memory_is_the_jobs_own_not_its_parents(tmp_path: Path):
    """A job is forked from Snakemake and exec'd: its logged peak must not be the parent's (Linux
    keeps ru_maxrss across execve). A parent holding 300 MB starts a small Python child."""
    child = (
        "import sys; sys.path.insert(0, sys.argv[1]); import _runner; "
        "print(_runner.peak_memory_mb())"
    )
    parent = (
        "import subprocess, sys; block = bytearray(300 * 2**20); "
        "block[::4096] = b'\\1' * len(block[::4096]); "
        f"print(subprocess.run([sys.executable, '-c', {child!r}, sys.argv[1]], "
        "capture_output=True, text=True, check=True).stdout)"
    )
    scripts = str(ROOT / "workflow/scripts")
    out = subprocess.run(
        [sys.executable, "-c", parent, scripts],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert 5 < float(out) < 150, out


def test_no_change_rerun_does_nothing(tiny_run: Path):
    proc = snakemake(tiny_run, "-n")
    assert "Nothing to be done" in proc.output


def test_default_config_dry_run(tmp_path: Path):
    proc = snakemake(tmp_path, "-n", "--quiet", "rules", configfile=ROOT / "config/config.yaml")
    counts = {}
    for line in proc.output.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].isdigit():
            counts[fields[0]] = int(fields[1])
    # 4 functions x 2 noise levels x 2 sample sizes = 16 scenarios, 4 models: jobs are few and
    # meaty: one fit per (scenario, model), never one per lambda; one scikit-learn reference job
    # for the study (each job pays scikit-learn's import).
    assert counts["simulate"] == counts["split"] == 16
    assert counts["reference"] == 1
    assert counts["fit"] == 64
    assert counts["total"] < 300


def test_lint_and_format_are_clean():
    lint = subprocess.run(
        [*SNAKEMAKE, "--lint"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert lint.returncode == 0 and "Congratulations" in lint.stdout + lint.stderr, lint.stdout
    fmt = subprocess.run(
        [str(Path(SNAKEMAKE[0]).with_name("snakefmt")), "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fmt.returncode == 0, fmt.stderr
