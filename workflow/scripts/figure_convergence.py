"""Figure 8: ISTA vs FISTA, Legendre vs monomial basis, cond(G), iterations vs λ."""

import logging

from l1l2 import plots
from l1l2.tables import read_split

from _runner import run

#: Iterations of panel (a)'s gap histories at most: enough for the runs that converge (tens to
#: hundreds in the Legendre basis) and to show the monomial runs still far from it. Every
#: iteration of a history is measured (gap and certificate), so this sets the job's cost.
GAP_HISTORY_ITERATIONS = 5000


def main(smk):
    p = smk.params
    split = read_split(smk.input.split, smk.params.expected)
    tol, max_iter = p.solver["tol"], p.solver["max_iter"]
    table = plots.conditioning_table(
        split,
        p.degrees,
        p.domain,
        p.lambdas,
        tol=tol,
        max_iter=max_iter,
        coef_tol=p.solver["coef_tol"],
        models=p.models,
        l1_ratio=p.l1_ratio,
    )
    table.to_csv(smk.output.table, index=False)
    failed = table[~table["converged"]]
    logging.info("%d of %d fits did not converge:\n%s", len(failed), len(table), failed)
    alpha = min(p.lambdas, key=lambda lam: abs(lam - 1e-3))  # a mid-range λ of the grid
    degree = max(p.degrees)
    runs = plots.lasso_gap_histories(
        split, degree, alpha, p.domain, tol, n_iter=GAP_HISTORY_ITERATIONS,
        coef_tol=p.solver["coef_tol"],
    )
    figure = plots.convergence(
        runs, table, p.scenario, degree, alpha, tol=tol, max_iter=max_iter,
        n_iter=GAP_HISTORY_ITERATIONS, style=p.style, dpi=p.dpi,
    )
    plots.save(figure, smk.output.figure, p.dpi)


run(main, snakemake)  # noqa: F821 - injected by Snakemake
