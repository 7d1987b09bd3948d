"""Fit one model over the scenario's replicate x degree x λ grid with the l1l2 solver.

Reads and writes its tables as numpy columns: a split file as ``split`` wrote it is parsed without
pandas, which the job then never imports (~0.3 CPU-s of its ~0.45 s start-up; the same bytes out).
"""

import numpy as np

from l1l2.study import fit_grid_columns
from l1l2.tables import read_split_columns, write_columns

from _runner import run


def main(smk):
    table = read_split_columns(smk.input.data, smk.params.expected)
    p = smk.params
    metrics, coefs = fit_grid_columns(
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
    write_columns(metrics, smk.output.metrics)
    write_columns(coefs, smk.output.coefs)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
