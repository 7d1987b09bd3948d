"""Figure 8: ISTA vs FISTA, Legendre vs monomial basis, cond(G), iterations vs λ."""

import logging

import pandas as pd

from l1l2 import plots
from l1l2.data import validate_split

from _runner import run


def main(smk):
    p = smk.params
    split = pd.read_csv(smk.input.split)
    validate_split(split, smk.input.split)
    table = plots.conditioning_table(
        split,
        p.degrees,
        p.domain,
        p.lambdas,
        tol=p.solver["tol"],
        max_iter=p.solver["max_iter"],
        models=p.models,
        l1_ratio=p.l1_ratio,
    )
    table.to_csv(smk.output.table, index=False)
    failed = table[~table["converged"]]
    logging.info("%d of %d fits did not converge:\n%s", len(failed), len(table), failed)
    alpha = min(p.lambdas, key=lambda lam: abs(lam - 1e-3))  # a mid-range λ of the grid
    plots.convergence(
        split,
        table,
        p.scenario,
        max(p.degrees),
        alpha,
        p.basis,
        p.domain,
        smk.output.figure,
        tol=p.solver["tol"],
        max_iter=p.solver["max_iter"],
        dpi=p.dpi,
    )


run(main, snakemake)  # noqa: F821 - injected by Snakemake
