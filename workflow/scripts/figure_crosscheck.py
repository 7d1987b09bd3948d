"""Figure 9: l1l2 against scikit-learn, coefficient by coefficient and fit by fit."""

import itertools

import pandas as pd

from l1l2 import plots

from _runner import run


def main(smk):
    p = smk.params
    splits = dict(zip(p.scenarios, smk.input.splits, strict=True))
    coef_paths = dict(
        zip(itertools.product(p.scenarios, p.models), smk.input.coefs, strict=True)
    )
    pairs = []
    for scenario, model in itertools.product(p.scenarios, p.models):
        part = plots.crosscheck_pairs(
            pd.read_csv(splits[scenario]),
            pd.read_csv(coef_paths[(scenario, model)]),
            model,
            p.degrees,
            p.basis,
            p.domain,
            p.l1_ratio,
            tol=p.reference["tol"],
            max_iter=p.reference["max_iter"],
        )
        part.insert(0, "scenario", scenario)
        pairs.append(part)
    plots.crosscheck(
        pd.concat(pairs, ignore_index=True),
        pd.read_csv(smk.input.crosscheck),
        smk.output[0],
        basis=p.basis,
        dpi=p.dpi,
    )


run(main, snakemake)  # noqa: F821 - injected by Snakemake
