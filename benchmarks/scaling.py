"""How the pipeline scales on this machine (local executor): replicates x1, x4, x16 and n growing.

For each point the study's compute stages (simulate, split, fit, reference, crosscheck, aggregate;
not the figures) run from clean with Snakemake in a temporary directory, and the script prints

* total wall time of the run, and per fit (one fit = one λ of one (replicate, degree, fold)
  path: the unit of work; a job solves thousands of them),
* the summed time of the ``fit`` jobs (from their ``benchmark:`` files) and that per fit,
* peak memory (max RSS) of the largest ``fit`` and ``reference`` job (``benchmark:`` files) and of
  any process of the run (``getrusage`` of the run's process tree, i.e. the largest single job or
  Snakemake itself).

The number of jobs is the same at every point of a sweep, so the fixed costs (Snakemake ~65 ms per
job, Python + numpy/pandas imports per job) are paid once per job and amortized over more fits as
the study grows: time per fit should fall with replicates. The fits work on the Gram matrix
G = XᵀX/n, so the cost of an iteration does not depend on n; what still grows with n is building
the design matrices and scoring.

    .venv/bin/python benchmarks/scaling.py            # both sweeps, ~10 min on 2 cores
    .venv/bin/python benchmarks/scaling.py --quick    # smaller points, ~2 min
    .venv/bin/python benchmarks/scaling.py --sweep replicates --cores 4

Writes benchmarks/out/scaling.csv and benchmarks/out/scaling.png; copy the PNG to
workflow/report/scaling.png to update the figure the report shows (rule figure_scaling).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"

#: The compute part of the study; figures are left out (their cost does not scale with the fits).
TARGETS = ("results/tables/metrics.csv", "results/tables/crosscheck.csv")

#: A small but complete study: 2 scenarios x 4 models = 8 fit jobs at every point.
BASE = {
    "seed": 7,
    "scenarios": {
        "functions": ["sine", "sparse_legendre"],
        "noise_sd": [0.2],
        "n_samples": [200],
        "replicates": 2,
        "domain": [-1.0, 1.0],
    },
    "split": {"test_size": 0.25, "folds": 5},
    "features": {"basis": "legendre", "degrees": {"min": 1, "max": 15}},
    "models": ["ols", "ridge", "lasso", "elasticnet"],
    "lambdas": {"min": 1.0e-5, "max": 10.0, "num": 30},
    "crosscheck": {"all_replicates": False},
}

SWEEPS = {
    # (replicates, n_samples)
    "replicates": [(4, 200), (16, 200), (64, 200)],
    "n": [(8, 100), (8, 1000), (8, 10000), (8, 30000)],
}
QUICK = {
    "replicates": [(1, 200), (4, 200), (16, 200)],
    "n": [(2, 100), (2, 1000), (2, 10000)],
}

COLUMNS = [
    "sweep",
    "replicates",
    "n_samples",
    "scenarios",
    "jobs",
    "fit_jobs",
    "fits",
    "wall_s",
    "wall_ms_per_fit",
    "fit_jobs_s",
    "fit_us_per_fit",
    "fit_max_rss_mb",
    "reference_max_rss_mb",
    "peak_rss_mb",
]


def config_for(replicates: int, n_samples: int) -> dict:
    cfg = yaml.safe_load(yaml.safe_dump(BASE))
    cfg["scenarios"]["replicates"] = replicates
    cfg["scenarios"]["n_samples"] = [n_samples]
    return cfg


def run_point(replicates: int, n_samples: int, cores: int, keep: Path | None) -> dict:
    """One clean run; returns its measurements."""
    cfg = config_for(replicates, n_samples)
    with tempfile.TemporaryDirectory(prefix="l1l2-scaling-") as tmp:
        workdir = Path(tmp)
        configfile = workdir / "config.yaml"
        configfile.write_text(yaml.safe_dump(cfg, sort_keys=False))
        command = [
            sys.executable, "-m", "snakemake",
            *TARGETS,
            "-s", str(ROOT / "Snakefile"),
            "--directory", str(workdir),
            "--configfile", str(configfile),
            "--cores", str(cores),
            "--quiet", "all",
        ]  # fmt: skip
        # Peak RSS of the run's process tree: run it under a small Python parent that reports
        # getrusage(RUSAGE_CHILDREN) (max RSS of the largest descendant it waited for).
        probe = (
            "import resource, subprocess, sys\n"
            "rc = subprocess.run(sys.argv[1:]).returncode\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(rc)\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("SNAKEMAKE_")}
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", probe, *command],
            cwd=workdir, capture_output=True, text=True, env=env,
        )  # fmt: skip
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(
                f"snakemake failed for replicates={replicates}, n={n_samples}:\n"
                f"{(proc.stdout + proc.stderr)[-4000:]}"
            )
        peak_kb = int(proc.stderr.strip().splitlines()[-1])

        fits = fits_in(workdir / "results/tables/metrics.csv", cfg["split"]["folds"])
        bench = read_benchmarks(workdir / "benchmarks/out")
        fit = bench[bench["rule"] == "fit"]
        ref = bench[bench["rule"] == "reference"]
        jobs = count_jobs(workdir)
        if keep is not None:
            target = keep / f"r{replicates}_n{n_samples}"
            subprocess.run(["rm", "-rf", str(target)], check=True)
            subprocess.run(["cp", "-r", str(workdir), str(target)], check=True)
    return {
        "replicates": replicates,
        "n_samples": n_samples,
        "scenarios": len(cfg["scenarios"]["functions"]),
        "jobs": jobs,
        "fit_jobs": len(fit),
        "fits": fits,
        "wall_s": round(wall, 2),
        "wall_ms_per_fit": round(1e3 * wall / fits, 4),
        "fit_jobs_s": round(float(fit["s"].sum()), 2),
        "fit_us_per_fit": round(1e6 * float(fit["s"].sum()) / fits, 2),
        "fit_max_rss_mb": round(float(fit["max_rss"].max()), 1),
        "reference_max_rss_mb": round(float(ref["max_rss"].max()), 1) if len(ref) else "",
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def fits_in(metrics_csv: Path, folds: int) -> int:
    """Fits solved: every metrics row is one λ of a full-training fit plus one per CV fold."""
    rows = sum(1 for _ in metrics_csv.open()) - 1
    return rows * (1 + folds)


def read_benchmarks(root: Path) -> pd.DataFrame:
    """Snakemake ``benchmark:`` files under benchmarks/out/<rule>/..., one row per job."""
    frames = []
    for path in sorted(root.rglob("*.tsv")):
        frame = pd.read_csv(path, sep="\t")
        frame["rule"] = path.relative_to(root).parts[0]
        frames.append(frame)
    if not frames:
        raise SystemExit(f"no benchmark files under {root}: do the rules still have `benchmark:`?")
    return pd.concat(frames, ignore_index=True)


def count_jobs(workdir: Path) -> int:
    """Jobs run (Snakemake's metadata has one record per output file; count logs instead)."""
    return sum(1 for _ in (workdir / "logs").rglob("*.log"))


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator, ScalarFormatter

    def log_x(ax, values):
        ax.set_xscale("log")
        ax.set_xticks(list(values))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_locator(NullLocator())

    frame = pd.DataFrame(rows)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), layout="constrained")
    for sweep, x, label in (("replicates", "replicates", "replicates"), ("n", "n_samples", "n")):
        part = frame[frame["sweep"] == sweep]
        if part.empty:
            continue
        ax = axes[0] if sweep == "replicates" else axes[1]
        ax.plot(part[x], part["wall_ms_per_fit"], "o-", label="whole run / fits")
        ax.plot(part[x], part["fit_us_per_fit"] / 1e3, "s-", label="fit jobs / fits")
        log_x(ax, part[x])
        ax.set_ylim(bottom=0)
        ax.set_xlabel(label)
        ax.set_ylabel("ms per fit")
        ax.set_title(f"time per fit vs {label}")
        ax.legend(fontsize=8)
        if sweep == "n":
            axes[2].plot(part[x], part["fit_max_rss_mb"], "o-", label="largest fit job")
            axes[2].plot(part[x], part["peak_rss_mb"], "s-", label="largest process")
            log_x(axes[2], part[x])
            axes[2].set_ylim(bottom=0)
            axes[2].set_xlabel("n")
            axes[2].set_ylabel("max RSS (MB)")
            axes[2].set_title("peak memory vs n")
            axes[2].legend(fontsize=8)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", choices=["replicates", "n", "both"], default="both")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="smaller points (~2 min)")
    parser.add_argument("--keep", type=Path, help="copy every run's directory here")
    parser.add_argument("--out", type=Path, default=OUT, help="where scaling.csv/.png go")
    args = parser.parse_args(argv)

    sweeps = QUICK if args.quick else SWEEPS
    names = ["replicates", "n"] if args.sweep == "both" else [args.sweep]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)

    print(
        f"l1l2 scaling, local executor, --cores {args.cores}; study: 2 scenarios x 4 models, "
        f"degrees {BASE['features']['degrees']['min']}-{BASE['features']['degrees']['max']}, "
        f"{BASE['lambdas']['num']} lambdas, {BASE['split']['folds']} CV folds; "
        f"targets: {' '.join(TARGETS)}"
    )
    header = (
        f"{'sweep':<10} {'reps':>5} {'n':>6} {'jobs':>5} {'fits':>9} {'wall s':>8} "
        f"{'ms/fit':>8} {'fit s':>8} {'us/fit':>8} {'fit MB':>7} {'ref MB':>7} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for name in names:
        for replicates, n_samples in sweeps[name]:
            row = {"sweep": name, **run_point(replicates, n_samples, args.cores, args.keep)}
            rows.append(row)
            print(
                f"{name:<10} {row['replicates']:>5} {row['n_samples']:>6} {row['jobs']:>5} "
                f"{row['fits']:>9} {row['wall_s']:>8.1f} {row['wall_ms_per_fit']:>8.3f} "
                f"{row['fit_jobs_s']:>8.1f} {row['fit_us_per_fit']:>8.1f} "
                f"{row['fit_max_rss_mb']:>7.0f} {row['reference_max_rss_mb']:>7} "
                f"{row['peak_rss_mb']:>8.0f}",
                flush=True,
            )
    csv_path = args.out / "scaling.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, args.out / "scaling.png")
    print(f"\nwrote {csv_path} and {args.out / 'scaling.png'}")
    for name in names:
        part = [r for r in rows if r["sweep"] == name]
        if len(part) > 1:
            first, last = part[0], part[-1]
            print(
                f"{name}: x{last['fits'] / first['fits']:.0f} fits -> wall x"
                f"{last['wall_s'] / first['wall_s']:.2f}, time per fit x"
                f"{last['wall_ms_per_fit'] / first['wall_ms_per_fit']:.2f} (whole run), x"
                f"{last['fit_us_per_fit'] / first['fit_us_per_fit']:.2f} (fit jobs); "
                f"largest fit job {first['fit_max_rss_mb']:.0f} -> {last['fit_max_rss_mb']:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
