import os
import re
import subprocess
from pathlib import Path

from l1l2.data import scenarios_from_config
from l1l2.provenance import sha256, source_digest
from l1l2.study import lambda_grid
from l1l2.tables import (
    SIMULATED,
    SPLIT,
    Expected,
    FitsExpected,
    edited_since_written,
)

SCENARIOS = {
    s.name: s
    for s in scenarios_from_config(
        config["scenarios"]["functions"],
        config["scenarios"]["noise_sd"],
        config["scenarios"]["n_samples"],
    )
}
MODELS = config["models"]
LAMBDAS = [
    float(v)
    for v in lambda_grid(
        config["lambdas"]["min"], config["lambdas"]["max"], config["lambdas"]["num"]
    )
]
DEGREES = list(
    range(
        config["features"]["degrees"]["min"], config["features"]["degrees"]["max"] + 1
    )
)
ENV = "../envs/l1l2.yaml"
# ENV installs l1l2 from the checkout this workflow is loaded from, also when it is used as a
# module from another folder: pip expands ${L1L2_SOURCE} in its requirements. A workflow loaded
# from a remote source (github(...)) has no checkout: set L1L2_SOURCE yourself (README.md).
if isinstance(workflow.current_basedir, os.PathLike):
    os.environ.setdefault(
        "L1L2_SOURCE", str(Path(os.fspath(workflow.current_basedir)).parents[1])
    )


# Ctrl-C reaches every job. A script job's Python spends its first second or so importing
# (Snakemake's script preamble, then the script's imports) before workflow/scripts/_runner.py can
# turn an interrupt into one line; an interrupt there was Python's KeyboardInterrupt traceback.
# So jobs start with SIGINT blocked (GNU env --block-signal, coreutils >= 8.31): a Ctrl-C waits,
# pending, until _runner.run() unblocks it and reports it (docs/promises.md, "Faults"). Only where
# this Snakefile is the main one: in module use the prefix would reach the user's own commands.
def _env_blocks_signals():
    try:
        probe = ["env", "--block-signal=INT", "true"]
        return subprocess.run(probe, stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False


if workflow.modifier.is_main_snakefile() and _env_blocks_signals():
    shell.prefix("set -euo pipefail; env --block-signal=INT ")


def expected_tables(scenario):
    """What the data tables of ``scenario`` must contain (l1l2.tables.Expected), as plain values:
    the stages that read them get it as ``params.expected`` and check every row against it.
    """
    s = SCENARIOS[scenario]
    return Expected(
        function=s.function,
        noise_sd=s.noise_sd,
        n_samples=s.n_samples,
        replicates=config["scenarios"]["replicates"],
        domain=tuple(config["scenarios"]["domain"]),
        test_size=config["split"]["test_size"],
        folds=config["split"]["folds"],
    ).as_dict()


def expected_fits(compared=False):
    """What the fits' metrics tables must contain (l1l2.tables.FitsExpected: one row per
    scenario, replicate, model, degree and λ), as plain values: the stages that read them get it
    as ``params.fits`` and check the table against it. ``compared``: the fits compared with
    scikit-learn (the reference tables), replicate 0 only unless crosscheck.all_replicates.
    """
    subset = compared and not config["crosscheck"]["all_replicates"]
    return FitsExpected(
        scenarios=tuple(SCENARIOS),
        models=tuple(MODELS),
        replicates=1 if subset else config["scenarios"]["replicates"],
        degrees=tuple(DEGREES),
        lambdas=tuple(LAMBDAS),
        basis=config["features"]["basis"],
        replicates_note=(
            "crosscheck.all_replicates = false: replicate 0 only" if subset else ""
        ),
    ).as_dict()


# A data file edited after its stage wrote it (even with its old modification time kept, which
# Snakemake cannot see) no longer matches the SHA-256 its writer recorded beside it: refuse to
# plan anything on top of it, naming the file (docs/promises.md, "Bad data"). Only the main
# process checks: jobs run while other jobs write their files.
if workflow.is_main_process:
    for _scenario in SCENARIOS:
        for _folder, _columns in (("data/simulated", SIMULATED), ("data/split", SPLIT)):
            _problem = edited_since_written(
                f"{_folder}/{_scenario}.csv",
                Expected.from_mapping(expected_tables(_scenario)),
                _columns,
            )
            if _problem:
                raise WorkflowError(_problem)


def one_of(names):
    """A wildcard constraint matching exactly one of ``names`` (a regular expression)."""
    return "|".join(re.escape(name) for name in names)


def library_hash(*modules):
    """Content hash of the l1l2 modules or subpackages that a rule's script imports (and of the
    library modules those import), given as `params: code=library_hash(...)`.

    Editing one of them changes the value, so Snakemake reruns the rules using it ("Params have
    changed"); touching them, moving or copying the study, or running the workflow as a module
    from another folder does not. The library is found where Python imports it from (the
    installed package, or PYTHONPATH), not beside this file. Which modules a module imports is
    read from its syntax tree once per version of its bytes and kept in _IMPORT_CACHE (parsing
    the library at every start cost 0.15-0.3 CPU-s of a no-change rerun: benchmarks/rerun.py);
    the digest is the same without.
    """
    return source_digest(*modules, cache=_IMPORT_CACHE)


# Beside Snakemake's own records (git-ignored, removed with .snakemake/); see ImportCache.
_IMPORT_CACHE = ".snakemake/l1l2/library-imports.json"


def workflow_file(relative):
    """A file of the workflow itself (path relative to workflow/rules/), wherever the workflow
    lives: a checkout, a module used from another folder, a moved copy.

    Returns a `pathlib.Path`, which Snakemake leaves out of its params comparison: give a rule
    `workflow_file_hash(...)` as well, so a changed file reruns it and a moved one does not.
    """
    return Path(workflow.source_path(relative))


def workflow_file_hash(relative):
    return sha256(workflow.source_path(relative))


def per_scenario_model(pattern):
    """``pattern`` for every (scenario, model), scenario-major: the models of the first
    scenario, then of the next (workflow/scripts/reference.py slices its inputs so)."""
    return expand(pattern, scenario=SCENARIOS, model=MODELS)


def final_outputs():
    return [
        "results/tables/metrics.csv",
        "results/tables/crosscheck.csv",
        "results/tables/selection.csv",
        *FIGURES,
        *OVERVIEW,
        "results/manifest.tsv",
    ]


def manifest_patterns():
    """Output patterns of all rules except the manifest rule; results/manifest.tsv lists them.

    Evaluated when jobs are built (a params function), so rules defined later count too.
    """
    outputs = [
        {str(pattern) for pattern in declared.output} for declared in workflow.rules
    ]
    # Found by its output, not its name: used as a module, the rules get new names.
    return sorted(
        set().union(*outputs)
        - set().union(*(o for o in outputs if "results/manifest.tsv" in o))
    )
