"""Figure 11: which terms the Lasso keeps against λ, on a scenario with a sparse truth."""

import pandas as pd

from l1l2.plots import per_replicate_lambdas, save, support_recovery
from l1l2.tables import read_scenario_metrics

from _runner import run


def main(smk):
    p = smk.params
    metrics = read_scenario_metrics([smk.input.metrics], p.fits, p.scenario, ["lasso"])
    # CV's choice at the degree of the figure (not the degree selection.csv prefers)
    chosen = per_replicate_lambdas(metrics, "lasso", p.degree)
    figure = support_recovery(
        pd.read_csv(smk.input.coefs),
        p.scenario,
        p.function,
        p.degree,
        basis=p.basis,
        selected={rule: float(chosen[rule].median()) for rule in p.rules},
        style=p.style,
        dpi=p.dpi,
    )
    save(figure, smk.output.figure, p.dpi)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
