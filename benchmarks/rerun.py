"""Where the time of a no-change rerun goes: ``snakemake`` in a finished study, as is and with
each of the workflow's start-up savings undone, interleaved, in fresh processes.

Variants (each run is a full ``snakemake --cores N`` that finds nothing to do):

* ``as is``: the workflow as it is;
* ``no import cache``: ``.snakemake/l1l2/library-imports.json`` removed before each run, so
  ``library_hash`` parses every library module for its imports;
* ``no config cache``: ``.snakemake/l1l2/valid-configs.json`` removed before each run, so the
  config goes through jsonschema (imported for it) again;
* ``no gc.freeze``: the Snakefile's ``gc.freeze()`` made a no-op (by the launcher, before
  Snakemake starts), so Python's garbage collector walks every imported module's objects again
  at each full collection while the Snakefile and the DAG are built;
* ``python only``: ``python -c pass``, the interpreter's own start, for scale.

The variants run in turn, ``--runs`` times each, in the order rotating, so load from other
processes on a shared machine hits all alike. Printed: median, fastest and slowest wall seconds,
and the median CPU seconds (the process and its children).

    .venv/bin/python benchmarks/rerun.py [--directory FINISHED_STUDY] [--runs 7] [--cores 2]

Without ``--directory`` the study in the repository's own folder is used; it must be finished
(``snakemake`` says "Nothing to be done").
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Runs Snakemake's command line in this process, with gc.freeze() made a no-op if asked.
LAUNCH = """
import gc, sys
if sys.argv.pop(1) == "nofreeze":
    gc.freeze = lambda: None
from snakemake.cli import main
sys.argv[0] = "snakemake"
main()
"""


CACHES = {"no import cache": "library-imports.json", "no config cache": "valid-configs.json"}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(variant: str, directory: Path, cores: int) -> tuple[float, float]:
    if variant == "python only":
        command = [sys.executable, "-c", "pass"]
    else:
        if variant in CACHES:
            (directory / ".snakemake" / "l1l2" / CACHES[variant]).unlink(missing_ok=True)
        freeze = "nofreeze" if variant == "no gc.freeze" else "freeze"
        command = [sys.executable, "-c", LAUNCH, freeze, "--cores", str(cores)]
    cpu, start = children_cpu(), time.perf_counter()
    proc = subprocess.run(command, cwd=directory, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if variant != "python only" and (
        proc.returncode != 0 or "Nothing to be done" not in proc.stdout + proc.stderr
    ):
        sys.exit(f"{variant}: not a no-change rerun in {directory}:\n{proc.stderr[-3000:]}")
    return wall, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    variants = ["as is", *CACHES, "no gc.freeze", "python only"]
    run("as is", args.directory, args.cores)  # warm the caches and the OS file cache
    times: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
    for i in range(args.runs):
        for variant in variants[i % len(variants) :] + variants[: i % len(variants)]:
            times[variant].append(run(variant, args.directory, args.cores))
    run("as is", args.directory, args.cores)  # leave the caches warm
    print(f"no-change rerun of snakemake --cores {args.cores} in {args.directory}, "
          f"{args.runs} runs per variant, interleaved")
    print(f"{'variant':16s} {'median':>7s} {'min':>6s} {'max':>6s}  wall [s]   {'CPU [s]':>8s}")
    for variant, runs in times.items():
        walls = [wall for wall, _ in runs]
        print(f"{variant:16s} {statistics.median(walls):7.2f} {min(walls):6.2f} "
              f"{max(walls):6.2f}            {statistics.median(c for _, c in runs):8.2f}")


if __name__ == "__main__":
    main()
