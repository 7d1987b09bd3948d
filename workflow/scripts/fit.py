"""Fit one model over the scenario's replicate x degree x λ grid with the l1l2 solver."""

import numpy as np

from l1l2.study import fit_grid
from l1l2.tables import read_split, write_csv

from _runner import run


def main(smk):
    table = read_split(smk.input.data, smk.params.expected)
    p = smk.params
    metrics, coefs = fit_grid(
        table,
        p.model,
        p.degrees,
        np.asarray(p.lambdas),
        basis=p.basis,
        domain=p.domain,
        l1_ratio=p.l1_ratio,
        method=p.solver["method"],
        tol=p.solver["tol"],
        max_iter=p.solver["max_iter"],
        coef_tol=p.solver["coef_tol"],
    )
    write_csv(metrics, smk.output.metrics)
    write_csv(coefs, smk.output.coefs)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
