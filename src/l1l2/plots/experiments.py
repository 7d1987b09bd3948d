"""Solver experiments behind the mechanics figures: trajectories of one weight, duality-gap
histories of ISTA and FISTA, and FISTA's iterations and conditioning over degrees and λ.

These run :mod:`l1l2.solvers` on one replicate's training rows; they compute, the figure
functions draw. No matplotlib here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..features import Standardizer, design_matrix
from ..solvers import solve, solve_history, solve_many
from ..study import gram_condition, gram_spectrum, model_lambdas, penalty_of

#: The two polynomial bases compared by the convergence figure.
BASES = ("legendre", "monomial")


def example_problem(
    split_table: pd.DataFrame,
    degree: int,
    basis: str,
    domain: Sequence[float],
    replicate: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The standardized full-training design and response of one replicate (as in the fits)."""
    rows = split_table[
        (split_table["replicate"] == replicate) & (split_table["split"] == "train")
    ]
    F = design_matrix(rows["x"].to_numpy(), degree, basis, domain)
    return Standardizer.fit(F).transform(F), rows["y"].to_numpy()


def trajectory_runs(
    X: np.ndarray,
    y: np.ndarray,
    alphas: Sequence[float],
    n_iter: int = 300,
    target_steps: float = 60.0,
) -> dict:
    """Per-iteration weights of L2 gd, L1 subgradient and L1 ISTA, all started at OLS.

    The weight and α are the (α in ``alphas``, term j) whose Lasso solution is exactly 0 and
    whose OLS value is the largest (the smallest such α for that weight). The step is
    ``step_scale / L`` with ``step_scale`` chosen so that reaching 0 takes about
    ``target_steps`` L1 pulls of size step·α (at most 1, the solver's default step): with
    the full step the weight would reach 0 in one or two iterations and the constant-step phase
    would be invisible. All three methods use the same α, step and start.

    Returns
    -------
    dict
        ``alpha``, ``term`` (1-based), ``start`` (the OLS weight), ``lasso`` and ``ridge``
        (that weight's solutions), ``step`` and ``step_scale``, and ``runs``: method ->
        History of :func:`l1l2.solvers.solve_history`.
    """
    lipschitz = gram_spectrum(X)[1]
    ols = solve(X, y, penalty="none", method="fista", tol=1e-14, max_iter=200_000).coef[0]
    grid = np.sort(np.asarray(alphas, dtype=float))
    grid = grid[grid > 0]
    lasso = solve(X, y, penalty="l1", alphas=grid, method="fista", tol=1e-12).coef
    best, choice = 0.0, None
    for i in range(grid.size):  # increasing α: the first α that zeroes a weight wins ties
        for j in np.flatnonzero((lasso[i] == 0) & (ols != 0)):
            if abs(ols[j]) > best:
                best, choice = abs(ols[j]), (i, int(j))
    if choice is None:
        raise ValueError("no λ of the grid sets any Lasso coefficient to zero")
    i, j = choice
    alpha = float(grid[i])
    step_scale = min(1.0, abs(ols[j]) * lipschitz / (alpha * target_steps))
    common = {"max_iter": n_iter, "coef_init": ols, "stop_early": False, "step_scale": step_scale}
    runs = {
        "gd": solve_history(X, y, "l2", alpha, method="gd", **common),
        "subgradient": solve_history(X, y, "l1", alpha, method="subgradient", **common),
        "ista": solve_history(X, y, "l1", alpha, method="ista", **common),
    }
    ridge = solve(X, y, penalty="l2", alphas=alpha, method="fista", tol=1e-14).coef[0]
    return {
        "alpha": alpha,
        "term": j + 1,
        "start": float(ols[j]),
        "lasso": float(lasso[i, j]),
        "ridge": float(ridge[j]),
        "step": step_scale / lipschitz,
        "step_scale": step_scale,
        "runs": {m: r.history for m, r in runs.items()},
    }


def lasso_gap_histories(
    split_table: pd.DataFrame,
    degree: int,
    alpha: float,
    domain: Sequence[float],
    tol: float,
    n_iter: int = 20_000,
    replicate: int = 0,
    coef_tol: float | None = 1e-6,
) -> dict:
    """Duality gap per iteration of the Lasso with ISTA and FISTA, in both bases.

    Each run (:func:`l1l2.solvers.solve_history`) stops once converged (the gap at most
    ``tol·‖y_c‖²/n`` and, where the problem is strongly convex, the certified coefficient bound
    at most ``coef_tol``) or after ``n_iter`` iterations; non-convergence is kept in the result
    (and drawn), not warned about.

    Returns
    -------
    dict
        (basis, method) -> the :func:`~l1l2.solvers.solve_history` result.
    """
    runs = {}
    for basis in BASES:
        X, y = example_problem(split_table, degree, basis, domain, replicate)
        for method in ("ista", "fista"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # non-convergence is drawn, not warned
                runs[(basis, method)] = solve_history(X, y, "l1", alpha, method=method,
                                                      max_iter=n_iter, tol=tol,
                                                      coef_tol=coef_tol)
    return runs


def conditioning_table(
    split_table: pd.DataFrame,
    degrees: Sequence[int],
    domain: Sequence[float],
    lambdas: Sequence[float],
    tol: float,
    max_iter: int,
    models: Sequence[str] = ("ols", "ridge", "lasso", "elasticnet"),
    replicate: int = 0,
    l1_ratio: float = 0.5,
    coef_tol: float | None = 1e-6,
) -> pd.DataFrame:
    """FISTA's iterations, convergence and cond(G) per basis, degree, model and λ.

    On one replicate's training rows, in both bases, every model is fitted at every degree and
    every λ of ``lambdas`` (OLS at λ = 0) with the study's solver settings, one batched
    :func:`l1l2.solvers.solve_many` call per (basis, model). ``converged`` is the solver's own
    verdict within ``max_iter``, recorded as it is: the duality gap is at most
    ``tol·‖y_c‖²/n`` (``gap_target``) and, where the problem is strongly convex, the certified
    bound on the coefficients and intercept (``coef_bound``) is at most ``coef_tol`` (see
    :mod:`l1l2.solvers`, "Accuracy contract"; ``None``: the gap alone).

    Returns
    -------
    pandas.DataFrame
        Columns ``basis, degree, model, lambda, cond_gram, n_iter, converged, gap,
        gap_target, coef_bound``.
    """
    rows = []
    for basis in BASES:
        problems = [example_problem(split_table, d, basis, domain, replicate) for d in degrees]
        conds = [gram_condition(X) for X, _ in problems]
        for model in models:
            penalty = penalty_of(model)
            alphas = model_lambdas(model, np.asarray(lambdas, dtype=float))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # recorded in the table instead
                results = solve_many(
                    problems, penalty=penalty, alphas=None if penalty == "none" else alphas,
                    l1_ratio=l1_ratio if penalty == "elasticnet" else None, method="fista",
                    tol=tol, coef_tol=coef_tol, max_iter=max_iter,
                )
            for degree, cond, res in zip(degrees, conds, results, strict=True):
                for i, lam in enumerate(alphas):
                    rows.append(
                        {
                            "basis": basis,
                            "degree": int(degree),
                            "model": model,
                            "lambda": float(lam),
                            "cond_gram": float(cond),
                            "n_iter": int(res.n_iter[i]),
                            "converged": bool(res.converged[i]),
                            "gap": float(res.gap[i]),
                            "gap_target": float(res.gap_target),
                            "coef_bound": float(res.coef_bound[i]),
                        }
                    )
    return pd.DataFrame(rows)
