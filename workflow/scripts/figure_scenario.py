"""All per-scenario figures of one scenario (figures 1–5 and 10) in one job."""

import pandas as pd

from l1l2 import plots
from l1l2.overview import representative_replicate
from l1l2.tables import read_scenario_metrics, read_split

from _runner import run

#: Resolution of the animation relative to the config's dpi (18 frames: kept light; with the
#: default dpi 96 that is 82 dpi, large enough for its labels in the overview).
ANIMATION_DPI_SCALE = 0.85


def main(smk):
    p, out = smk.params, smk.output
    scenario = p.scenario
    metrics = read_scenario_metrics(smk.input.metrics, p.fits, scenario, p.models)
    selection = pd.read_csv(smk.input.selection)
    split = read_split(smk.input.split, smk.params.expected)
    coefs = {m: pd.read_csv(path) for m, path in zip(p.models, smk.input.coefs, strict=True)}
    # each figure laid out at the resolution it is saved at (see l1l2.plots.style.figure_function)
    look = {"style": p.style, "dpi": p.dpi}
    shared = {"basis": p.basis, "domain": p.domain, **look}
    degree = max(p.degrees)
    # fits.png and fits.gif show one replicate: the one with the median OLS test error at the
    # largest degree, so that they show the overfitting the medians over replicates describe
    shown = representative_replicate(metrics, scenario)

    figures = {
        out.fits: plots.under_overfitting(
            split, coefs, metrics, scenario, p.function, p.grid_degrees, **shared,
            replicate=shown,
        ),
        out.error_vs_degree: plots.error_vs_degree(
            metrics, scenario, basis=p.basis, **look
        ),
        out.error_vs_lambda: plots.error_vs_lambda(
            metrics, selection, scenario, p.basis, **look
        ),
        out.coef_paths: plots.coefficient_paths(
            coefs, metrics, scenario, degree, p.basis, p.function, **look
        ),
        out.sparsity: plots.sparsity_vs_lambda(
            metrics, scenario, p.sparsity_degrees, p.basis, p.function, **look
        ),
    }
    for path, figure in figures.items():
        plots.save(figure, path, p.dpi)
    animation_dpi = round(p.dpi * ANIMATION_DPI_SCALE)
    animation = plots.under_overfitting_animation(
        split, coefs, metrics, scenario, p.function, p.degrees, **{**shared, "dpi": animation_dpi},
        replicate=shown,
    )
    plots.save(animation, out.animation, animation_dpi, data_path=out.animation_csv)
    tables = {
        m: plots.bias_variance(split, coefs[m], degree, p.basis, p.domain, p.noise_sd)
        for m in plots.PENALIZED
        if m in coefs
    }
    figure = plots.bias_variance_figure(
        tables, metrics, scenario, degree, p.basis, **look
    )
    plots.save(figure, out.bias_variance, p.dpi)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
