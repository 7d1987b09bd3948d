"""Wall time of the whole pipeline against a plain scikit-learn script doing the same fits.

Runs, in one process and on this machine:

1. the default study (or ``--configfile``) from clean with Snakemake in a temporary directory
   (all stages: simulate, split, l1l2 fits on full training sets *and* every CV fold, the
   scikit-learn reference, the cross-check, tables, figures, manifest);
2. a no-change rerun of ``snakemake`` in the same directory;
3. a one-process scikit-learn script that fits the same full-training problems fit by fit
   (``LinearRegression``, ``Ridge(alpha=n·α)``, ``Lasso``, ``ElasticNet`` with the study's tol),
   as a user without the pipeline would, on the same data files;

and prints the three times, the pipeline / scikit-learn ratio and the peak memory (max RSS) of
every job from Snakemake's ``benchmark:`` files.

    .venv/bin/python benchmarks/pipeline.py [--configfile config/config.yaml] [--cores 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]


def snakemake(workdir: Path, configfile: Path, cores: int, *args: str) -> float:
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
    return time.perf_counter() - start


def sklearn_script(workdir: Path, config: dict) -> tuple[float, int]:
    """Time a plain scikit-learn loop over the study's full-training fits; returns (s, fits)."""
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
    return time.perf_counter() - start, fits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", type=Path, default=ROOT / "config/config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    config = yaml.safe_load(args.configfile.read_text())

    with tempfile.TemporaryDirectory(prefix="l1l2-bench-") as tmp:
        workdir = Path(tmp)
        t_clean = snakemake(workdir, args.configfile.resolve(), args.cores)
        t_rerun = snakemake(workdir, args.configfile.resolve(), args.cores)
        t_sklearn, fits = sklearn_script(workdir, config)
        jobs = []
        for tsv in sorted((workdir / "benchmarks/out").rglob("*.tsv")):
            row = pd.read_csv(tsv, sep="\t").iloc[-1]
            jobs.append(
                (tsv.relative_to(workdir / "benchmarks/out").as_posix(), row["s"], row["max_rss"])
            )
        metrics = pd.read_csv(workdir / "results/tables/metrics.csv")
        cross = pd.read_csv(workdir / "results/tables/crosscheck.csv")

    print(f"config: {args.configfile}  cores: {args.cores}")
    print(
        f"pipeline from clean (all stages):  {t_clean:8.1f} s  "
        f"({len(metrics)} full-training fits, x{1 + config['split']['folds']} with CV folds; "
        f"{len(cross)} cross-checked, {int(cross['ok'].sum())} ok)"
    )
    print(f"no-change rerun of snakemake:      {t_rerun:8.2f} s")
    print(f"scikit-learn script, same fits:    {t_sklearn:8.1f} s  ({fits} fits, fit by fit)")
    print(f"ratio pipeline / scikit-learn:     {t_clean / t_sklearn:8.2f}")
    if jobs:
        name, seconds, rss = max(jobs, key=lambda j: j[2])
        print(
            f"peak memory of any job: {rss:.0f} MB ({name}, {seconds:.1f} s); "
            f"slowest job: {max(jobs, key=lambda j: j[1])[0]} "
            f"({max(j[1] for j in jobs):.1f} s)"
        )
    print(
        f"non-converged l1l2 fits: {int((~metrics['converged']).sum())} of {len(metrics)} "
        f"(basis {config['features']['basis']})"
    )


if __name__ == "__main__":
    main()
