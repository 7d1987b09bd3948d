"""Wall time of the whole pipeline against a plain scikit-learn script doing the same fits.

Runs, in one process and on this machine:

1. the default study (or ``--configfile``) from clean with Snakemake in a temporary directory
   (all stages: simulate, split, l1l2 fits on full training sets *and* every CV fold, the
   scikit-learn reference, the cross-check, tables, figures, manifest);
2. a no-change rerun of ``snakemake`` in the same directory;
3. a one-process scikit-learn script that fits the same full-training problems fit by fit
   (``LinearRegression``, ``Ridge(alpha=n·α)``, ``Lasso``, ``ElasticNet`` with the study's tol),
   as a user without the pipeline would, on the same data files;

and prints the three times (wall and CPU: the CPU time of all Snakemake jobs, read from
``getrusage(RUSAGE_CHILDREN)``, is robust to load from other processes on a shared machine),
the pipeline / scikit-learn ratios, the time and peak memory (max RSS) per rule from
Snakemake's ``benchmark:`` files, and the cross-check's largest coefficient difference among
converged fits. With ``--rounds N`` the three runs are repeated N times, the order of the
pipeline and the script alternating, and the medians are reported.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/pipeline.py \
        [--configfile config/config.yaml] [--cores 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
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


def snakemake(workdir: Path, configfile: Path, cores: int, *args: str) -> tuple[float, float]:
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
            "--quiet",
            "all",
            *args,
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


def one_round(configfile: Path, config: dict, cores: int, sklearn_first: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="l1l2-bench-") as tmp:
        workdir = Path(tmp)
        out = {}
        if sklearn_first:  # the script needs the split data: make them (untimed) first
            snakemake(workdir, configfile, cores, "--until", "split")
            out["sklearn"] = sklearn_script(workdir, config)
            subprocess.run(["rm", "-rf", "data", ".snakemake"], cwd=workdir, check=True)
        out["clean"] = snakemake(workdir, configfile, cores)
        out["rerun"] = snakemake(workdir, configfile, cores)
        if not sklearn_first:
            out["sklearn"] = sklearn_script(workdir, config)
        rules: dict[str, list] = {}
        for tsv in sorted((workdir / "benchmarks/out").rglob("*.tsv")):
            row = pd.read_csv(tsv, sep="\t").iloc[-1]
            rule = tsv.relative_to(workdir / "benchmarks/out").parts[0]
            rules.setdefault(rule, []).append((float(row["s"]), float(row["max_rss"]),
                                               tsv.relative_to(workdir / "benchmarks/out")))
        out["rules"] = rules
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
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'':36s} {'wall [s]':>9s} {'CPU [s]':>9s}")
    print(f"{'pipeline from clean (all stages)':36s} {med('clean', 0):9.1f} {med('clean', 1):9.1f}"
          f"  ({len(metrics)} full-training fits, x{1 + config['split']['folds']} with CV "
          f"folds; {len(cross)} cross-checked, {int(cross['ok'].sum())} ok)")
    print(f"{'no-change rerun of snakemake':36s} {med('rerun', 0):9.2f} {med('rerun', 1):9.2f}")
    print(f"{'scikit-learn script, same fits':36s} {med('sklearn', 0):9.1f} "
          f"{med('sklearn', 1):9.1f}  ({fits} fits, fit by fit, one process)")
    print(f"{'ratio pipeline / scikit-learn':36s} {med('clean', 0) / med('sklearn', 0):9.2f} "
          f"{med('clean', 1) / med('sklearn', 1):9.2f}")
    print("per rule (last round): jobs, total job seconds, slowest job, peak memory")
    for rule, jobs in sorted(last["rules"].items(), key=lambda kv: -sum(j[0] for j in kv[1])):
        slow = max(jobs, key=lambda j: j[0])
        peak = max(jobs, key=lambda j: j[1])
        print(f"  {rule:22s} {len(jobs):4d} {sum(j[0] for j in jobs):8.1f} s  "
              f"{slow[0]:6.1f} s ({slow[2].as_posix()})  {peak[1]:6.0f} MB")
    conv = metrics["converged"].astype(bool)
    print(f"non-converged l1l2 fits: {int((~conv).sum())} of {len(metrics)} "
          f"(basis {config['features']['basis']})")
    if "max_abs_coef_diff" in cross:
        print(f"crosscheck: max |coef - sklearn| {cross['max_abs_coef_diff'].max():.2e} over "
              f"{len(cross)} fits; same support: {int(cross['same_support'].sum())} of "
              f"{len(cross)}; ok: {int(cross['ok'].sum())}")


if __name__ == "__main__":
    main()
