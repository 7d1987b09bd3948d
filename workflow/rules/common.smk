import os

from l1l2.data import scenarios_from_config
from l1l2.study import lambda_grid

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


def library(*modules):
    """Library sources, listed as inputs so that editing the library reruns what uses it.

    A module is ``src/l1l2/<name>.py``; a package (``src/l1l2/<name>/``) counts with every file
    in it (sources and the style file).
    """
    root = os.path.join(workflow.basedir, "src", "l1l2")
    files = []
    for m in modules:
        package = os.path.join(root, m)
        if os.path.isdir(package):
            files += sorted(
                os.path.join(package, f)
                for f in os.listdir(package)
                if f.endswith((".py", ".mplstyle"))
            )
        else:
            files.append(os.path.join(root, f"{m}.py"))
    return files


def per_scenario_model(pattern):
    return expand(pattern, scenario=SCENARIOS, model=MODELS)


def final_outputs():
    return [
        "results/tables/metrics.csv",
        "results/tables/crosscheck.csv",
        "results/tables/selection.csv",
        *FIGURES,
        "results/manifest.tsv",
    ]


def manifest_patterns():
    """Output patterns of all rules except manifest and all; results/manifest.tsv lists them.

    Evaluated when jobs are built (a params function), so rules defined later count too.
    """
    return sorted(
        {
            str(pattern)
            for declared in workflow.rules
            if declared.name not in ("manifest", "all")
            for pattern in declared.output
        }
    )
