"""Concatenate the per-(scenario, model) metrics into results/tables/metrics.csv."""

import itertools

import pandas as pd

from l1l2.tables import METRICS, read_fit_metrics

from _runner import run


def main(smk):
    p = smk.params
    parts = []
    for (scenario, model), path in zip(
        itertools.product(p.scenarios, p.models), smk.input, strict=True
    ):
        part = read_fit_metrics(path, p.fits, scenario, model)
        part.insert(0, "scenario", scenario)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table["basis"] = p.fits["basis"]
    table[list(METRICS)].to_csv(smk.output[0], index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
