"""Time of the whole pipeline against a plain scikit-learn script, measured in the same run.

Runs, in one process and on this machine:

1. the default study (or ``--configfile``) from clean with Snakemake in a temporary directory
   on ``--cores`` CPUs (2 by default): simulate, split, l1l2 fits on the full training sets *and*
   on every CV fold, the scikit-learn reference fits (replicate 0 unless
   ``crosscheck.all_replicates``), the cross-check, the tables, every figure, the overview and
   the manifest -- all stages but the Snakemake report;
   timed in two parts: up to the tables (the computing stages), then the figures, the
   overview and the manifest;
2. a no-change rerun of ``snakemake`` in the same directory;
3. a one-process scikit-learn script that fits the same *full-training* problems fit by fit
   (``LinearRegression``, ``Ridge(alpha=n·α)``, ``Lasso``, ``ElasticNet`` with the study's tol),
   as a user without the pipeline would, on the same data files: no CV folds, no reference, no
   tables, no figures;

and prints what each side did, the times (wall, and CPU: the CPU time of Snakemake and all its
jobs, read from ``getrusage(RUSAGE_CHILDREN)``, is robust to load from other processes on a
shared machine), the pipeline / scikit-learn ratios, a profile per rule read from the jobs'
logs (every job logs its CPU seconds, start-up CPU -- interpreter, Snakemake's preamble,
imports -- and peak memory; see workflow/scripts/_runner.py), Snakemake's own share (the run's
CPU minus its jobs'), and the cross-check's largest coefficient difference among converged fits.
The wall ratio compares the pipeline on ``--cores`` CPUs with the script on one; the CPU ratio
compares total work. With ``--rounds N`` the runs are repeated N times, the order of the
pipeline and the script alternating, and the medians are reported.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/pipeline.py \
        [--configfile config/config.yaml] [--cores 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


#: The computing stages' products: asking for these runs simulate, split, fit, reference,
#: aggregate, crosscheck and select, and no figure.
TABLES = ("results/tables/metrics.csv", "results/tables/crosscheck.csv",
          "results/tables/selection.csv")


def snakemake(workdir: Path, configfile: Path, cores: int, *args: str,
              targets: tuple[str, ...] = ()) -> tuple[float, float]:
    """Run snakemake; return (wall seconds, CPU seconds of it and all its jobs)."""
    cpu = children_cpu()
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(ROOT / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(configfile),
            "--cores",
            str(cores),
            *targets,
            *args,
            "--quiet",  # takes choices: last, so that no target is read as one
            "all",
        ],
        check=True,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return time.perf_counter() - start, children_cpu() - cpu


def sklearn_script(workdir: Path, config: dict) -> tuple[float, float, int]:
    """Time a plain scikit-learn loop over the study's full-training fits.

    Returns (wall seconds, CPU seconds, fits). Imports are timed too (a cold start, like a
    pipeline job's).
    """
    cpu = time.process_time()
    start = time.perf_counter()
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge

    from l1l2.study import build_problems, lambda_grid

    lambdas = lambda_grid(
        config["lambdas"]["min"], config["lambdas"]["max"], config["lambdas"]["num"]
    )
    degrees = range(config["features"]["degrees"]["min"], config["features"]["degrees"]["max"] + 1)
    tol = config["solver"]["tol"]
    fits = 0
    warnings.simplefilter("ignore", ConvergenceWarning)
    for path in sorted((workdir / "data/split").glob("*.csv")):
        table = pd.read_csv(path)
        for problem in build_problems(
            table, degrees, config["features"]["basis"], config["scenarios"]["domain"], folds=False
        ):
            X, y, n = problem.X, problem.y, len(problem.y)
            for model in config["models"]:
                if model == "ols":
                    LinearRegression().fit(X, y)
                    fits += 1
                    continue
                for lam in lambdas:
                    if model == "ridge":
                        Ridge(alpha=n * lam).fit(X, y)
                    elif model == "lasso":
                        Lasso(alpha=lam, tol=tol, max_iter=100_000).fit(X, y)
                    else:
                        ElasticNet(
                            alpha=lam,
                            l1_ratio=config["elasticnet"]["l1_ratio"],
                            tol=tol,
                            max_iter=100_000,
                        ).fit(X, y)
                    fits += 1
    return time.perf_counter() - start, time.process_time() - cpu, fits


RESOURCES = re.compile(
    r"resources: rule=(?P<rule>\S+) cpu_s=(?P<cpu>[\d.]+) startup_cpu_s=(?P<startup>[\d.]+) "
    r"max_rss_mb=(?P<rss>[\d.]+)"
)


def rule_profile(logs: Path) -> dict[str, list[tuple[float, float, float, str]]]:
    """rule -> [(CPU s, start-up CPU s, max RSS MB, log)] of every job, from the jobs' logs."""
    rules: dict[str, list] = {}
    for log in sorted(logs.rglob("*.log")):
        found = RESOURCES.search(log.read_text(errors="replace"))
        if found:
            rules.setdefault(found["rule"], []).append(
                (float(found["cpu"]), float(found["startup"]), float(found["rss"]),
                 log.relative_to(logs).as_posix())
            )
    return rules


def one_round(configfile: Path, config: dict, cores: int, sklearn_first: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="l1l2-bench-") as tmp:
        workdir = Path(tmp)
        out = {}
        if sklearn_first:  # the script needs the split data: make them (untimed) first
            snakemake(workdir, configfile, cores, "--until", "split")
            out["sklearn"] = sklearn_script(workdir, config)
            subprocess.run(["rm", "-rf", "data", ".snakemake"], cwd=workdir, check=True)
        # From clean in two calls, so each part is timed on its own: the computing stages up to
        # the tables, then the figures, overview and manifest (a single call would overlap the
        # two parts a little, so the sum is at most slightly pessimistic).
        out["tables"] = snakemake(workdir, configfile, cores, targets=TABLES)
        out["figures_stage"] = snakemake(workdir, configfile, cores)
        parts = zip(out["tables"], out["figures_stage"], strict=True)
        out["clean"] = tuple(a + b for a, b in parts)
        out["rerun"] = snakemake(workdir, configfile, cores)
        if not sklearn_first:
            out["sklearn"] = sklearn_script(workdir, config)
        out["rules"] = rule_profile(workdir / "logs")
        out["figures"] = sorted(
            p.relative_to(workdir).as_posix()
            for p in (workdir / "results").rglob("*")
            if p.suffix in (".png", ".gif")
        )
        out["metrics"] = pd.read_csv(workdir / "results/tables/metrics.csv")
        out["cross"] = pd.read_csv(workdir / "results/tables/crosscheck.csv")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", type=Path, default=ROOT / "config/config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    config = yaml.safe_load(args.configfile.read_text())
    rounds = [one_round(args.configfile.resolve(), config, args.cores, sklearn_first=r % 2 == 1)
              for r in range(args.rounds)]

    def med(key, i):
        return statistics.median(r[key][i] for r in rounds)

    last = rounds[-1]
    metrics, cross, fits = last["metrics"], last["cross"], last["sklearn"][2]
    print(f"config: {args.configfile}  cores: {args.cores}  rounds: {args.rounds}  "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}  "
          f"load average {os.getloadavg()[0]:.1f} (at the end)")
    folds = config["split"]["folds"]
    print(f"pipeline (snakemake --cores {args.cores}): {len(metrics)} full-training l1l2 fits and "
          f"{len(metrics) * folds} on the {folds} CV folds, {len(cross)} scikit-learn reference "
          f"fits and their cross-check, the tables, {len(last['figures'])} figures (PNG/GIF), "
          "the overview, the manifest")
    print(f"script (one process): {fits} full-training scikit-learn fits, fit by fit; no CV "
          "folds, no reference, no tables, no figures")
    print(f"{'':36s} {'wall [s]':>9s} {'CPU [s]':>9s}")
    print(f"{'pipeline from clean (all stages)':36s} {med('clean', 0):9.1f} {med('clean', 1):9.1f}"
          f"  ({len(cross)} cross-checked, {int(cross['ok'].sum())} ok)")
    print(f"{'  of which: up to the tables':36s} {med('tables', 0):9.1f} {med('tables', 1):9.1f}"
          "  (simulate, split, fit, reference, aggregate, crosscheck, select)")
    print(f"{'  of which: figures, overview, manif.':36s} {med('figures_stage', 0):9.1f} "
          f"{med('figures_stage', 1):9.1f}")
    print(f"{'no-change rerun of snakemake':36s} {med('rerun', 0):9.2f} {med('rerun', 1):9.2f}")
    print(f"{'scikit-learn script, same fits':36s} {med('sklearn', 0):9.1f} "
          f"{med('sklearn', 1):9.1f}")
    print(f"{'ratio pipeline / scikit-learn':36s} {med('clean', 0) / med('sklearn', 0):9.2f} "
          f"{med('clean', 1) / med('sklearn', 1):9.2f}  (wall: pipeline on {args.cores} cores, "
          "script on one; CPU: total work)")
    print(f"{'ratio up to the tables / scikit-learn':36s} "
          f"{med('tables', 0) / med('sklearn', 0):9.2f} {med('tables', 1) / med('sklearn', 1):9.2f}"
          "  (the computing stages without the figures)")
    rules = last["rules"]
    jobs_cpu = sum(j[0] for jobs in rules.values() for j in jobs)
    print("per rule (last round, from the jobs' logs): jobs, CPU s, of which start-up "
          "(interpreter, Snakemake preamble, imports), slowest job, peak memory")
    for rule, jobs in sorted(rules.items(), key=lambda kv: -sum(j[0] for j in kv[1])):
        slow = max(jobs, key=lambda j: j[0])
        peak = max(jobs, key=lambda j: j[2])
        print(f"  {rule:24s} {len(jobs):4d} {sum(j[0] for j in jobs):8.1f} s "
              f"{sum(j[1] for j in jobs):7.1f} s  {slow[0]:6.1f} s ({slow[3]})  "
              f"{peak[2]:6.0f} MB")
    print(f"  {'all jobs':24s} {sum(len(j) for j in rules.values()):4d} {jobs_cpu:8.1f} s "
          f"{sum(j[1] for jobs in rules.values() for j in jobs):7.1f} s")
    print(f"  {'snakemake itself':24s} {'':4s} {last['clean'][1] - jobs_cpu:8.1f} s  "
          "(the run's CPU minus its jobs': parsing, DAG, scheduling, job launch)")
    conv = metrics["converged"].astype(bool)
    print(f"non-converged l1l2 fits: {int((~conv).sum())} of {len(metrics)} "
          f"(basis {config['features']['basis']})")
    if "max_abs_coef_diff" in cross:
        print(f"crosscheck: max |coef - sklearn| {cross['max_abs_coef_diff'].max():.2e} over "
              f"{len(cross)} fits; same support: {int(cross['same_support'].sum())} of "
              f"{len(cross)}; ok: {int(cross['ok'].sum())}")


if __name__ == "__main__":
    main()
