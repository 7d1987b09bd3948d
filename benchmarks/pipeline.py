"""Time of the whole pipeline against a plain scikit-learn script, measured in the same run.

Runs, in one process and on this machine:

1. the default study (or ``--configfile``) from clean with Snakemake in a temporary directory
   on ``--cores`` CPUs (2 by default): simulate, split, l1l2 fits on the full training sets *and*
   on every CV fold, the scikit-learn reference fits (replicate 0 unless
   ``crosscheck.all_replicates``), the cross-check, the tables, every figure, the overview and
   the manifest -- all stages but the Snakemake report, in ONE ``snakemake`` invocation, as
   ``make run`` runs them (its second step, the report, is left out);
2. no-change reruns of ``snakemake`` in the same directory (``--reruns``, 5 by default: the
   median, fastest and slowest are printed; a no-change rerun takes ~2 s, so one is noise);
3. a one-process scikit-learn script that fits the same *full-training* problems fit by fit
   (``LinearRegression``, ``Ridge(alpha=n·α)``, ``Lasso``, ``ElasticNet`` with the study's tol),
   as a user without the pipeline would, on the same data files: no CV folds, no reference, no
   tables, no figures;

and prints what each side did, the times (wall, and CPU: the CPU time of Snakemake and all its
jobs, read from ``getrusage(RUSAGE_CHILDREN)``, is robust to load from other processes on a
shared machine), the pipeline / scikit-learn ratios, a profile per rule read from the jobs'
logs (every job logs its CPU seconds, start-up CPU -- interpreter, Snakemake's preamble,
imports -- peak memory and wall seconds; see workflow/scripts/_runner.py), Snakemake's own share
(the run's CPU minus its jobs'), the jobs' timeline and the cross-check's largest coefficient
difference among converged fits. The wall ratio compares the pipeline on ``--cores`` CPUs with
the script on one; the CPU ratio compares total work. With ``--rounds N`` the runs are repeated
N times, the order of the pipeline and the script alternating, and the medians are reported.

The computing stages (simulate, split, fit, reference, aggregate, crosscheck, select: the
tables) are not timed on their own: they share the run with the figure jobs, which start as
soon as their inputs exist. Their time is *derived* from the jobs' logs: each job's end is its
log's modification time (the log's last line is the resources line, written when the job's work
is done) and its start that end minus the job's own ``wall_s``; "computing stages" is the end of
the last of their jobs, measured from the start of the run, and their CPU the sum of their
jobs' CPU (Snakemake's own CPU is not split between stages). Earlier versions of this benchmark
timed two invocations instead (up to the tables, then the rest) and added them: that put a barrier
between the parts that ``make run`` does not have (the single-core reference job ran alone at
the end of the first part instead of beside the figure jobs), so it overstated the wall time of
the whole pipeline; the single invocation is what a user runs.

The timeline (from the same logs) shows how well the jobs fill the cores: the time during
which fewer jobs ran than there are cores, and the jobs that ended last.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/pipeline.py \
        [--configfile config/config.yaml] [--cores 2] [--rounds 2] [--reruns 5]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


#: The rules of the computing stages (what the tables need: ``snakemake results/tables/*.csv``
#: runs exactly these); every other rule draws figures, the overview or the manifest.
COMPUTING = ("simulate", "split", "fit", "reference", "aggregate", "crosscheck", "select")


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
    r"max_rss_mb=(?P<rss>[\d.]+)(?: wall_s=(?P<wall>[\d.]+))?"
)


@dataclass(frozen=True)
class Job:
    """One job, from its log: CPU s, start-up CPU s, peak memory MB, and its start and end in
    seconds since the run started (end: the log's modification time, start: end - wall_s)."""

    rule: str
    log: str
    cpu: float
    startup: float
    rss: float
    start: float
    end: float


def read_jobs(logs: Path, since: float) -> list[Job]:
    """Every job of the run that started at ``since`` (epoch seconds), from the jobs' logs."""
    jobs = []
    for log in sorted(logs.rglob("*.log")):
        found = RESOURCES.search(log.read_text(errors="replace"))
        if found:
            end = log.stat().st_mtime - since
            wall = float(found["wall"]) if found["wall"] else 0.0
            jobs.append(
                Job(found["rule"], log.relative_to(logs).as_posix(), float(found["cpu"]),
                    float(found["startup"]), float(found["rss"]), end - wall, end)
            )
    return jobs


def occupancy(jobs: list[Job], span: float) -> dict[int, float]:
    """Seconds of ``[0, span]`` during which exactly k jobs ran, for each k seen."""
    events = sorted([(j.start, 1) for j in jobs] + [(j.end, -1) for j in jobs])
    seconds: dict[int, float] = {}
    running, last = 0, 0.0
    for when, step in [*events, (span, 0)]:
        when = min(max(when, 0.0), span)
        seconds[running] = seconds.get(running, 0.0) + when - last
        running, last = running + step, when
    return seconds


def one_round(configfile: Path, config: dict, cores: int, sklearn_first: bool,
              script: bool = True, keep: Path | None = None, reruns: int = 5) -> dict:
    with tempfile.TemporaryDirectory(prefix="l1l2-bench-") as tmp:
        workdir = Path(tmp)
        out = {}
        if sklearn_first:  # the script needs the split data: make them (untimed) first
            snakemake(workdir, configfile, cores, "--until", "split")
            out["sklearn"] = sklearn_script(workdir, config)
            subprocess.run(["rm", "-rf", "data", ".snakemake"], cwd=workdir, check=True)
        # From clean in one call, as `make run` runs it; the computing stages' share is derived
        # from the jobs' logs (see the module docstring).
        started = time.time()
        out["clean"] = snakemake(workdir, configfile, cores)
        out["jobs"] = read_jobs(workdir / "logs", started)
        out["reruns"] = [snakemake(workdir, configfile, cores) for _ in range(reruns)]
        if script and not sklearn_first:
            out["sklearn"] = sklearn_script(workdir, config)
        computing = [j for j in out["jobs"] if j.rule in COMPUTING]
        out["tables"] = (max(j.end for j in computing), sum(j.cpu for j in computing))
        out["figures"] = sorted(
            p.relative_to(workdir).as_posix()
            for p in (workdir / "results").rglob("*")
            if p.suffix in (".png", ".gif")
        )
        out["metrics"] = pd.read_csv(workdir / "results/tables/metrics.csv")
        out["cross"] = pd.read_csv(workdir / "results/tables/crosscheck.csv")
        if keep is not None:  # the clean run's files, for comparisons between versions
            for folder in ("data", "results", "logs"):
                shutil.copytree(workdir / folder, keep / folder, dirs_exist_ok=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", type=Path, default=ROOT / "config/config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--skip-script", action="store_true",
                        help="run the pipeline only (its profile and timeline; no ratios)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="copy the run's data/, results/ and logs/ to DIR")
    parser.add_argument("--reruns", type=int, default=5, help="no-change reruns per round")
    args = parser.parse_args()
    config = yaml.safe_load(args.configfile.read_text())
    rounds = [one_round(args.configfile.resolve(), config, args.cores,
                        sklearn_first=r % 2 == 1 and not args.skip_script,
                        script=not args.skip_script, keep=args.keep, reruns=args.reruns)
              for r in range(args.rounds)]

    def med(key, i):
        return statistics.median(r[key][i] for r in rounds)

    last = rounds[-1]
    metrics, cross = last["metrics"], last["cross"]
    print(f"config: {args.configfile}  cores: {args.cores}  rounds: {args.rounds}  "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}  "
          f"load average {os.getloadavg()[0]:.1f} (at the end)")
    folds = config["split"]["folds"]
    print(f"pipeline (snakemake --cores {args.cores}): {len(metrics)} full-training l1l2 fits and "
          f"{len(metrics) * folds} on the {folds} CV folds, {len(cross)} scikit-learn reference "
          f"fits and their cross-check, the tables, {len(last['figures'])} figures (PNG/GIF), "
          "the overview, the manifest")
    if not args.skip_script:
        print(f"script (one process): {last['sklearn'][2]} full-training scikit-learn fits, fit "
              "by fit; no CV folds, no reference, no tables, no figures")
    print(f"{'':36s} {'wall [s]':>9s} {'CPU [s]':>9s}")
    print(f"{'pipeline from clean (all stages)':36s} {med('clean', 0):9.1f} {med('clean', 1):9.1f}"
          f"  (one snakemake call; {len(cross)} cross-checked, {int(cross['ok'].sum())} ok)")
    print(f"{'  computing stages (derived)':36s} {med('tables', 0):9.1f} {med('tables', 1):9.1f}"
          "  (end of the last simulate/split/fit/reference/aggregate/crosscheck/select job; "
          "their jobs' CPU)")
    reruns = [run for r in rounds for run in r["reruns"]]
    walls = [wall for wall, _ in reruns]
    print(f"{'no-change rerun of snakemake':36s} {statistics.median(walls):9.2f} "
          f"{statistics.median(cpu for _, cpu in reruns):9.2f}  (median of {len(reruns)}; wall "
          f"min {min(walls):.2f}, max {max(walls):.2f})")
    if not args.skip_script:
        print(f"{'scikit-learn script, same fits':36s} {med('sklearn', 0):9.1f} "
              f"{med('sklearn', 1):9.1f}")
        print(f"{'ratio pipeline / scikit-learn':36s} {med('clean', 0) / med('sklearn', 0):9.2f} "
              f"{med('clean', 1) / med('sklearn', 1):9.2f}  (wall: pipeline on {args.cores} "
              "cores, script on one; CPU: total work)")
        print(f"{'ratio computing stages / sklearn':36s} "
              f"{med('tables', 0) / med('sklearn', 0):9.2f} "
              f"{med('tables', 1) / med('sklearn', 1):9.2f}  (derived, see above)")
    jobs = last["jobs"]
    rules: dict[str, list[Job]] = {}
    for job in jobs:
        rules.setdefault(job.rule, []).append(job)
    jobs_cpu = sum(j.cpu for j in jobs)
    print("per rule (last round, from the jobs' logs): jobs, CPU s, of which start-up "
          "(interpreter, Snakemake preamble, imports), slowest job, peak memory, first start and "
          "last end (s since the run started)")
    for rule, group in sorted(rules.items(), key=lambda kv: -sum(j.cpu for j in kv[1])):
        slow = max(group, key=lambda j: j.cpu)
        print(f"  {rule:24s} {len(group):4d} {sum(j.cpu for j in group):8.1f} s "
              f"{sum(j.startup for j in group):7.1f} s  {slow.cpu:6.1f} s ({slow.log})  "
              f"{max(j.rss for j in group):6.0f} MB  {min(j.start for j in group):6.1f} to "
              f"{max(j.end for j in group):6.1f}")
    print(f"  {'all jobs':24s} {len(jobs):4d} {jobs_cpu:8.1f} s "
          f"{sum(j.startup for j in jobs):7.1f} s")
    print(f"  {'snakemake itself':24s} {'':4s} {last['clean'][1] - jobs_cpu:8.1f} s  "
          "(the run's CPU minus its jobs': parsing, DAG, scheduling, job launch)")
    span = last["clean"][0]
    busy = occupancy(jobs, span)
    print(f"timeline (last round, {span:.1f} s): "
          + ", ".join(f"{k} job{'s' if k != 1 else ''} running {busy[k]:.1f} s"
                      for k in sorted(busy)))
    print("  jobs that ended last (start to end, s since the run started): " + "; ".join(
        f"{j.log} {j.start:.1f}-{j.end:.1f}" for j in sorted(jobs, key=lambda j: j.end)[-6:]))
    conv = metrics["converged"].astype(bool)
    print(f"non-converged l1l2 fits: {int((~conv).sum())} of {len(metrics)} "
          f"(basis {config['features']['basis']})")
    if "max_abs_coef_diff" in cross:
        print(f"crosscheck: max |coef - sklearn| {cross['max_abs_coef_diff'].max():.2e} over "
              f"{len(cross)} fits; same support: {int(cross['same_support'].sum())} of "
              f"{len(cross)}; ok: {int(cross['ok'].sum())}")


if __name__ == "__main__":
    main()
