"""All per-scenario figures of one scenario (figures 1–5 and 10) in one job."""

import pandas as pd

from l1l2 import plots
from l1l2.data import validate_split

from _runner import run


def main(smk):
    p, out = smk.params, smk.output
    scenario = p.scenario
    metrics = pd.read_csv(smk.input.metrics)
    metrics = metrics[metrics["scenario"] == scenario]
    selection = pd.read_csv(smk.input.selection)
    split = pd.read_csv(smk.input.split)
    validate_split(split, smk.input.split)
    coefs = {m: pd.read_csv(path) for m, path in zip(p.models, smk.input.coefs, strict=True)}
    shared = {"basis": p.basis, "domain": p.domain}

    plots.under_overfitting(
        split, coefs, metrics, scenario, p.function, out.fits, p.grid_degrees, dpi=p.dpi,
        **shared,
    )
    plots.under_overfitting_animation(
        split, coefs, metrics, scenario, p.function, out.animation, p.degrees, **shared
    )
    plots.error_vs_degree(metrics, scenario, out.error_vs_degree, basis=p.basis, dpi=p.dpi)
    plots.error_vs_lambda(metrics, selection, scenario, out.error_vs_lambda, p.basis, p.dpi)
    plots.coefficient_paths(coefs, scenario, out.coef_paths, max(p.degrees), p.basis, dpi=p.dpi)
    plots.sparsity_vs_lambda(metrics, scenario, out.sparsity, p.sparsity_degrees, p.basis, p.dpi)
    degree = max(p.degrees)
    tables = {
        m: plots.bias_variance(split, coefs[m], degree, p.basis, p.domain, p.function)
        for m in plots.PENALIZED
        if m in coefs
    }
    plots.bias_variance_figure(
        tables, metrics, scenario, degree, p.noise_sd, out.bias_variance, p.basis, p.dpi
    )


run(main, snakemake)  # noqa: F821 - injected by Snakemake
