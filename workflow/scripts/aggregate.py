"""Concatenate the per-(scenario, model) metrics into results/tables/metrics.csv."""

import itertools

import pandas as pd

from _runner import run

CONTRACT = [
    "scenario",
    "replicate",
    "model",
    "degree",
    "lambda",
    "train_mse",
    "cv_mse",
    "test_mse",
    "n_coef",
    "n_nonzero",
    "converged",
    "n_iter",
]


def main(smk):
    p = smk.params
    parts = []
    for (scenario, _model), path in zip(
        itertools.product(p.scenarios, p.models), smk.input, strict=True
    ):
        part = pd.read_csv(path)
        part.insert(0, "scenario", scenario)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    extra = [c for c in table.columns if c not in CONTRACT]
    table = table[CONTRACT + extra]
    table["basis"] = p.basis
    table.to_csv(smk.output[0], index=False)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
