"""Where the time of a no-change rerun goes: ``snakemake`` in a finished study, as is and with
each of the workflow's start-up savings undone, interleaved, in fresh processes, and each run
split into the phases of Snakemake's start.

Variants (each run is a full ``snakemake --cores N`` that finds nothing to do):

* ``as is``: the workflow as it is;
* ``no import cache``: ``.snakemake/l1l2/library-imports.json`` removed before each run, so
  ``library_hash`` parses every library module for its imports;
* ``no config cache``: ``.snakemake/l1l2/valid-configs.json`` removed before each run, so the
  config goes through jsonschema (imported for it) again;
* ``no gc.freeze``: the Snakefile's ``gc.freeze()`` made a no-op (by the launcher, before
  Snakemake starts), so Python's garbage collector walks every imported module's objects again
  at each full collection while the Snakefile and the DAG are built, and once more at exit;
* ``no SLURM plugin``: the SLURM executor plugins hidden from Snakemake's plugin search (by the
  launcher), as if they were not installed. Snakemake 9 imports every installed executor plugin
  to build its command line, and the SLURM plugin imports pandas and asks ``scontrol`` for the
  cluster's configuration; this is what moving the plugin to an environment of its own would
  save. (Snakemake imports pandas anyway, wherever it is installed, to compare the jobs' params;
  without the plugin the workflow's report.smk imports it first, through l1l2.plots.analysis.)
* ``one-rule workflow``: the same ``snakemake`` command in a finished workflow of one rule and
  one file (with the same ``gc.freeze()``), for scale: Snakemake's own start, whatever the
  workflow;
* ``python only``: ``python -c pass``, the interpreter's own start, for scale.

The variants run in turn, ``--runs`` times each, in the order rotating, so load from other
processes on a shared machine hits all alike. Printed: median, fastest and slowest wall seconds,
and the median CPU seconds (the process and its children); then, per variant, the median CPU
seconds of each phase of the Snakemake process (exclusive, so the phases add up):

* ``imports``: Snakemake's modules and everything they import (its executor, storage, report,
  logger and scheduler plugins among them) before its ``main`` starts;
* ``command line``: Snakemake's argument parser (built twice) and the profiles (profiles/default
  is a YTE template that reads the --configfile files first);
* ``Snakefile: parse``: Snakemake translating the Snakefile and the rule files into Python (and
  importing smart_open, which it does on its first source file);
* ``Snakefile: run``: that code running: the workflow's own Python at parse time (config
  checks, ``library_hash``, the l1l2 modules it imports) and Snakemake making its rules;
* ``DAG: jobs``: jobs, wildcards and dependencies for every target;
* ``DAG: needrun``: what must run: metadata, mtimes, params, code and software-environment
  checks per job;
* ``garbage collector``: Python's cyclic collections, wherever they ran;
* ``rest``: everything else of the Snakemake process until it exits (the API set-up, the lock,
  the scheduler finding nothing to do);
* ``outside``: the run's CPU outside these phases: the interpreter's start and shutdown (which
  collects every object not frozen out of the garbage collector) and the commands Snakemake
  runs (the SLURM plugin's ``which`` and ``scontrol``, the workflow's ``env --block-signal``
  probe).

The phases are taken by wrapping, in the launcher, the Snakemake functions that start them
(``cli.parse_args``, ``Workflow.include``, ``snakemake.workflow.parse``, ``DAG.init``,
``DAG.update_needrun``) and by a ``gc.callbacks`` hook; the wrappers only read the clock.

    .venv/bin/python benchmarks/rerun.py [--directory FINISHED_STUDY] [--runs 7] [--cores 2]

Without ``--directory`` the study in the repository's own folder is used; it must be finished
(``snakemake`` says "Nothing to be done").
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Runs Snakemake's command line in this process with the phases timed; sys.argv[1] names the
#: savings to undo ("nofreeze", "noslurm", comma-separated, or "-"). Last line on stderr:
#: PHASES {"phase": [cpu, wall], ...}.
LAUNCH = r"""
import gc, json, sys, time
undo = sys.argv.pop(1).split(",")
clock = lambda: (time.process_time(), time.perf_counter())
spent, stack, last = {}, ["imports"], [clock()]
def switch(push=None):
    now = clock()
    cpu, wall = spent.get(stack[-1], (0.0, 0.0))
    spent[stack[-1]] = (cpu + now[0] - last[0][0], wall + now[1] - last[0][1])
    last[0] = now
    stack.append(push) if push else stack.pop()
def phase(name, function):
    def timed(*args, **kwargs):
        switch(name)
        try:
            return function(*args, **kwargs)
        finally:
            switch()
    return timed
def async_phase(name, function):
    async def timed(*args, **kwargs):
        switch(name)
        try:
            return await function(*args, **kwargs)
        finally:
            switch()
    return timed
# A collection is charged to the garbage collector and taken off the phase it interrupted (kept
# apart from the stack: a collection can start inside switch() itself).
collecting, collected = [None], {}
def on_gc(step, info):
    if step == "start":
        collecting[0] = (stack[-1], *clock())
    elif collecting[0]:
        name, cpu0, wall0 = collecting[0]
        cpu, wall = clock()
        for key in (name, "-garbage collector"):
            c, w = collected.get(key, (0.0, 0.0))
            collected[key] = (c + cpu - cpu0, w + wall - wall0)
        collecting[0] = None
gc.callbacks.append(on_gc)
if "nofreeze" in undo:
    gc.freeze = lambda: None
if "noslurm" in undo:
    import pkgutil
    _modules = pkgutil.iter_modules
    pkgutil.iter_modules = lambda *a, **k: (
        m for m in _modules(*a, **k) if not m.name.startswith("snakemake_executor_plugin_slurm")
    )
import snakemake.cli as cli, snakemake.dag as dag, snakemake.workflow as workflow
switch(); stack.append("rest")
cli.parse_args = phase("command line", cli.parse_args)
workflow.parse = phase("Snakefile: parse", workflow.parse)
_include = workflow.Workflow.include
def include(self, *args, **kwargs):
    if stack[-1] in ("Snakefile: run", "Snakefile: parse"):
        return _include(self, *args, **kwargs)
    return phase("Snakefile: run", _include)(self, *args, **kwargs)
workflow.Workflow.include = include
dag.DAG.init = async_phase("DAG: jobs", dag.DAG.init)
dag.DAG.update_needrun = async_phase("DAG: needrun", dag.DAG.update_needrun)
def report():
    switch("rest")
    for name, (cpu, wall) in collected.items():
        if name == "-garbage collector":
            spent["garbage collector"] = (cpu, wall)
        else:
            spent[name] = (spent[name][0] - cpu, spent[name][1] - wall)
    print("PHASES", json.dumps(spent), file=sys.stderr)
import atexit
atexit.register(report)
sys.argv[0] = "snakemake"
cli.main()
"""

#: The smallest finished workflow, for Snakemake's start without the study ("one-rule workflow").
ONE_RULE = """import gc

gc.freeze()


rule all:
    input:
        "done.txt",


rule done:
    output:
        "done.txt",
    shell:
        "touch {output}"
"""

CACHES = {"no import cache": "library-imports.json", "no config cache": "valid-configs.json"}
UNDO = {"no gc.freeze": "nofreeze", "no SLURM plugin": "noslurm"}
PHASES = [
    "imports",
    "command line",
    "Snakefile: parse",
    "Snakefile: run",
    "DAG: jobs",
    "DAG: needrun",
    "garbage collector",
    "rest",
]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(variant: str, directory: Path, cores: int) -> tuple[float, float, dict]:
    if variant == "one-rule workflow":
        directory = ONE_RULE_DIR
    if variant == "python only":
        command = [sys.executable, "-c", "pass"]
    else:
        if variant in CACHES:
            (directory / ".snakemake" / "l1l2" / CACHES[variant]).unlink(missing_ok=True)
        command = [sys.executable, "-c", LAUNCH, UNDO.get(variant, "-"), "--cores", str(cores)]
    cpu, start = children_cpu(), time.perf_counter()
    proc = subprocess.run(command, cwd=directory, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    if variant == "python only":
        return wall, cpu, {}
    if proc.returncode != 0 or "Nothing to be done" not in proc.stdout + proc.stderr:
        sys.exit(f"{variant}: not a no-change rerun in {directory}:\n{proc.stderr[-3000:]}")
    line = proc.stderr.rstrip().rsplit("\n", 1)[-1]
    phases = {name: times[0] for name, times in json.loads(line.split(" ", 1)[1]).items()}
    phases["outside"] = cpu - sum(phases.values())
    return wall, cpu, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    variants = ["as is", *CACHES, *UNDO, "one-rule workflow", "python only"]
    (ONE_RULE_DIR / "Snakefile").write_text(ONE_RULE)
    subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "--quiet"],
        cwd=ONE_RULE_DIR, check=True, capture_output=True,
    )
    # A dry run first: a study that is not finished would be brought up to date by the first run.
    check = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", str(args.cores)],
        cwd=args.directory, capture_output=True, text=True,
    )
    if "Nothing to be done" not in check.stdout + check.stderr:
        sys.exit(f"{args.directory}: not a finished study (snakemake -n has jobs to run); "
                 "run snakemake there first")
    run("as is", args.directory, args.cores)  # warm the caches and the OS file cache
    times: dict[str, list[tuple[float, float, dict]]] = {v: [] for v in variants}
    for i in range(args.runs):
        for variant in variants[i % len(variants) :] + variants[: i % len(variants)]:
            times[variant].append(run(variant, args.directory, args.cores))
    run("as is", args.directory, args.cores)  # leave the caches warm
    print(f"no-change rerun of snakemake --cores {args.cores} in {args.directory}, "
          f"{args.runs} runs per variant, interleaved")
    print(f"{'variant':18s} {'median':>7s} {'min':>6s} {'max':>6s}  wall [s]   {'CPU [s]':>8s}")
    for variant, runs in times.items():
        walls = [wall for wall, _, _ in runs]
        print(f"{variant:18s} {statistics.median(walls):7.2f} {min(walls):6.2f} "
              f"{max(walls):6.2f}            {statistics.median(c for _, c, _ in runs):8.2f}")
    shown = [v for v in variants if v != "python only"]
    print("\nCPU seconds by phase of the Snakemake process, median per phase")
    print(f"{'phase':18s}" + "".join(f"{v:>18s}" for v in shown))
    for name in [*PHASES, "outside"]:
        cells = [statistics.median(p.get(name, 0.0) for _, _, p in times[v]) for v in shown]
        print(f"{name:18s}" + "".join(f"{c:18.3f}" for c in cells))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="l1l2-one-rule-") as folder:
        ONE_RULE_DIR = Path(folder)
        main()
