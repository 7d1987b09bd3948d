"""The study's fitting grid: replicate x degree x λ, on the full training set and each CV fold.

This module is the library side of the pipeline's ``fit`` and ``reference`` stages: it turns one
scenario's split table into design matrices (standardized on training rows only), fits them with
:mod:`l1l2.solvers` and scores them. It knows nothing about Snakemake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .data import TEST_FOLD
from .features import Standardizer, design_matrix
from .tables import FIT_METRICS, Columns

if TYPE_CHECKING:  # imported where used: a fit job runs without pandas
    import pandas as pd

#: Model name -> solver penalty.
PENALTIES = {"ols": "none", "ridge": "l2", "lasso": "l1", "elasticnet": "elasticnet"}


def penalty_of(model: str) -> str:
    try:
        return PENALTIES[model]
    except KeyError:
        raise ValueError(
            f"unknown model {model!r}; expected one of {', '.join(PENALTIES)}"
        ) from None


def lambda_grid(lmin: float, lmax: float, num: int) -> np.ndarray:
    """Log-spaced penalty strengths from ``lmax`` down to ``lmin`` (glmnet's order: decreasing)."""
    if not (lmin > 0 and lmax >= lmin and num >= 1):
        raise ValueError(
            f"lambda grid needs 0 < min <= max and num >= 1, got {lmin}, {lmax}, {num}"
        )
    if num == 1:
        return np.array([float(lmax)])
    return np.geomspace(lmax, lmin, num)


def model_lambdas(model: str, grid: np.ndarray) -> np.ndarray:
    """The λ values a model is fitted at: the grid, or just 0 for unpenalized least squares."""
    return np.array([0.0]) if penalty_of(model) == "none" else np.asarray(grid, dtype=float)


@dataclass(frozen=True)
class Problem:
    """One standardized least-squares problem and the rows it is scored on."""

    replicate: int
    degree: int
    fold: int  # TEST_FOLD (-1) for the full training set, else the held-out CV fold
    X: np.ndarray
    y: np.ndarray
    X_eval: np.ndarray  # test rows (full fit) or the held-out fold (CV fit)
    y_eval: np.ndarray


def _standardized(F_fit, F_eval):
    """Standardize the basis columns with the mean and scale of the rows a problem is fitted on.

    The statistics are reduced over each column stored contiguously (Fortran order), so column j's
    mean and scale are the same bits whatever the other columns.
    """
    scaler = Standardizer.fit(np.asfortranarray(F_fit))
    return scaler.transform(F_fit), scaler.transform(F_eval)


def build_problems(
    split_table: pd.DataFrame | Columns,
    degrees: Sequence[int],
    basis: str,
    domain: Sequence[float],
    replicates: Sequence[int] | None = None,
    folds: bool = True,
) -> list[Problem]:
    """Every (replicate, degree, fold) problem of a scenario's split table (a ``DataFrame``, or
    the same values as :class:`l1l2.tables.Columns`).

    The full-training problem (``fold = -1``) is scored on the test rows; fold k's problem is fitted
    on the other training folds and scored on fold k. Standardization is fitted on the rows a
    problem is fitted on.

    The basis is evaluated once per replicate at the largest degree and standardized once per
    fitting set (full training set, each fold's complement): a degree-d problem is the first d
    columns, since basis column j and its mean and scale do not depend on the other columns.
    """
    top = max(degrees)
    rep = np.asarray(split_table["replicate"])
    is_train = np.asarray(split_table["split"]) == "train"
    fold = np.asarray(split_table["fold"])
    x = np.asarray(split_table["x"])
    y = np.asarray(split_table["y"])

    def design(rows):
        return design_matrix(x[rows], top, basis, domain)

    problems = []
    for r in np.unique(rep):
        if replicates is not None and r not in replicates:
            continue
        train, test = (rep == r) & is_train, (rep == r) & ~is_train
        # (fold, rows fitted, rows scored), standardized on the rows fitted
        sets = [(TEST_FOLD, train, test)]
        for k in sorted(int(k) for k in np.unique(fold[train])) if folds else []:
            sets.append((k, train & (fold != k), train & (fold == k)))
        sets = [(k, *_standardized(design(fit), design(ev)), y[fit], y[ev]) for k, fit, ev in sets]
        for degree in degrees:
            for k, Z_fit, Z_eval, y_fit, y_eval in sets:
                # A copy of the first columns in the basis' own memory layout (Fortran for
                # legendre), as if the basis had been evaluated at this degree.
                problems.append(
                    Problem(
                        int(r),
                        int(degree),
                        k,
                        np.array(Z_fit[:, :degree], order="K"),
                        y_fit,
                        np.array(Z_eval[:, :degree], order="K"),
                        y_eval,
                    )
                )
    return problems


def _mse(X, y, coef, intercept):
    """Mean squared error of every λ's fit: coef (n_alphas, p), intercept (n_alphas,)."""
    residual = y[:, None] - X @ coef.T - intercept[None, :]
    return np.mean(residual**2, axis=0)


def gram_spectrum(X: np.ndarray) -> tuple[float, float]:
    """Smallest and largest eigenvalue of G = X_cᵀX_c/n, the centred design's Gram matrix."""
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    return float(s[-1] ** 2 / len(X)), float(s[0] ** 2 / len(X))


def gram_condition(X: np.ndarray) -> float:
    """cond(G) = λ_max(G)/λ_min(G) of the centred design (inf when singular)."""
    low, high = gram_spectrum(X)
    return float(np.inf) if low == 0 else high / low


def fit_grid(
    split_table: pd.DataFrame | Columns,
    model: str,
    degrees: Sequence[int],
    lambdas: np.ndarray,
    **options,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit ``model`` at every replicate, degree and λ with the l1l2 solver and score it.

    ``options`` are :func:`fit_grid_columns`'s keywords (basis, domain, l1_ratio, method, tol,
    max_iter, coef_tol), with the same defaults.

    Returns
    -------
    metrics : pandas.DataFrame
        One row per (replicate, degree, lambda): train/cv/test MSE, the CV standard error, the
        number of (exactly) non-zero coefficients, convergence of the full-training fit and of every
        CV fit, iterations, final stopping measure and cond(G) of the full-training design.
    coefs : pandas.DataFrame
        Long table (replicate, degree, model, lambda, term, coef) of the full-training fits on the
        standardized basis (term j is the degree-j basis column), intercept as ``term = 0``.
    """
    import pandas as pd

    metrics, coefs = fit_grid_columns(split_table, model, degrees, lambdas, **options)
    return pd.DataFrame(metrics), pd.DataFrame(coefs)


def fit_grid_columns(
    split_table: pd.DataFrame | Columns,
    model: str,
    degrees: Sequence[int],
    lambdas: np.ndarray,
    basis: str = "legendre",
    domain: Sequence[float] = (-1.0, 1.0),
    l1_ratio: float | None = None,
    method: str = "auto",
    tol: float = 1e-10,
    max_iter: int = 100_000,
    coef_tol: float | None = 1e-6,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """:func:`fit_grid`'s two tables as ordered mappings of column name to numpy array (what a
    fit job writes with :func:`l1l2.tables.write_columns`, without importing pandas)."""
    from .solvers import solve_many

    penalty = penalty_of(model)
    alphas = model_lambdas(model, lambdas)
    metric_rows, coef_rows = [], []
    for chunk in replicate_chunks(split_table, degrees):
        problems = build_problems(split_table, degrees, basis, domain, replicates=chunk)
        results = solve_many(
            [(p.X, p.y) for p in problems],
            penalty=penalty,
            alphas=alphas,
            l1_ratio=l1_ratio if penalty == "elasticnet" else None,
            method=method,
            tol=tol,
            max_iter=max_iter,
            coef_tol=coef_tol,
        )
        _score(problems, results, model, alphas, metric_rows, coef_rows)
    metrics = _columns(metric_rows, FIT_METRICS)
    coefs = _columns(coef_rows, ["replicate", "degree", "lambda", "term", "coef"])
    model_column = np.full(len(coefs["replicate"]), model, dtype=object)
    coefs = {
        name: model_column if name == "model" else coefs[name]
        for name in ("replicate", "degree", "model", "lambda", "term", "coef")
    }
    return metrics, coefs


#: Design matrices of one batch of replicates stay below this size (bytes).
DESIGN_BUDGET = 256 * 2**20


def replicate_chunks(
    split_table: pd.DataFrame | Columns, degrees: Sequence[int], budget: float | None = None
) -> list[list[int]]:
    """Replicates in batches whose design matrices fit in ``budget`` bytes.

    Batching many replicates into one solver call is what makes the fit fast, but all their
    design matrices (full training set, every CV fold, and the rows they are scored on) are
    alive at once: about 8·n·Σdegree·(folds + 1) bytes per replicate. Batches keep a job's
    memory bounded as n grows; the default study fits in one batch. ``budget`` defaults to
    :data:`DESIGN_BUDGET`.
    """
    budget = DESIGN_BUDGET if budget is None else budget
    replicate = np.asarray(split_table["replicate"])
    replicates = sorted(int(r) for r in np.unique(replicate))
    train = np.asarray(split_table["split"]) == "train"
    folds = len(np.unique(np.asarray(split_table["fold"])[train]))
    rows = len(replicate) / max(len(replicates), 1)
    per_replicate = 8 * rows * sum(degrees) * (folds + 1)
    size = max(1, int(budget // max(per_replicate, 1)))
    return [replicates[i : i + size] for i in range(0, len(replicates), size)]


def _score(problems, results, model, alphas, metric_rows, coef_rows) -> None:
    """Append the metrics and coefficient columns of solved ``problems`` (one batch).

    Each (replicate, degree) adds one block of columns, one entry per λ, to ``metric_rows`` and
    its coefficients (intercept as term 0, then terms 1..degree, per λ) to ``coef_rows``.
    """
    full = {}
    cv = {}
    for problem, res in zip(problems, results, strict=True):
        key = (problem.replicate, problem.degree)
        scored = (problem, res, _mse(problem.X_eval, problem.y_eval, res.coef, res.intercept))
        if problem.fold == TEST_FOLD:
            full[key] = scored
        else:
            cv.setdefault(key, []).append(scored)

    n_alphas = len(alphas)
    lambdas = np.asarray(alphas, dtype=float)
    for key in sorted(full):
        replicate, degree = key
        problem, res, test_mse = full[key]
        train_mse = _mse(problem.X, problem.y, res.coef, res.intercept)
        fold_mse = np.array([s[2] for s in cv.get(key, [])])  # (n_folds, n_alphas)
        fold_ok = np.array([s[1].converged for s in cv.get(key, [])], dtype=bool)
        n_folds = len(fold_mse)
        cv_mse = fold_mse.mean(axis=0) if n_folds else np.full(n_alphas, np.nan)
        cv_se = (
            fold_mse.std(axis=0, ddof=1) / np.sqrt(n_folds)
            if n_folds > 1
            else np.full(n_alphas, np.nan)
        )
        cv_converged = fold_ok.all(axis=0) if n_folds else np.ones(n_alphas, dtype=bool)
        n_coef = res.coef.shape[1]
        metric_rows.append(
            {
                "replicate": np.full(n_alphas, replicate, dtype=np.int64),
                "model": np.full(n_alphas, model, dtype=object),
                "degree": np.full(n_alphas, degree, dtype=np.int64),
                "lambda": lambdas,
                "train_mse": train_mse,
                "cv_mse": cv_mse,
                "cv_se": cv_se,
                "test_mse": test_mse,
                "n_coef": np.full(n_alphas, n_coef, dtype=np.int64),
                "n_nonzero": np.count_nonzero(res.coef, axis=1).astype(np.int64),
                "converged": np.asarray(res.converged, dtype=bool),
                "cv_converged": np.asarray(cv_converged, dtype=bool),
                "n_iter": np.asarray(res.n_iter, dtype=np.int64),
                "gap": np.asarray(res.gap, dtype=float),
                "cond_gram": np.full(n_alphas, gram_condition(problem.X)),
                "intercept": np.asarray(res.intercept, dtype=float),
            }
        )
        terms = n_coef + 1
        coef_rows.append(
            {
                "replicate": np.full(n_alphas * terms, replicate, dtype=np.int64),
                "degree": np.full(n_alphas * terms, degree, dtype=np.int64),
                "lambda": np.repeat(lambdas, terms),
                "term": np.tile(np.arange(terms, dtype=np.int64), n_alphas),
                "coef": np.column_stack([res.intercept, res.coef]).ravel(),
            }
        )


def _columns(blocks, names):
    """The column blocks of :func:`_score` joined into columns ``names`` (in this order)."""
    if not blocks:
        return {name: np.array([], dtype=object) for name in names}
    return {name: np.concatenate([b[name] for b in blocks]) for name in names}


def compare_with_reference(
    split_table: pd.DataFrame,
    coefs: pd.DataFrame,
    metrics: pd.DataFrame,
    model: str,
    degrees: Sequence[int],
    basis: str,
    domain: Sequence[float],
    l1_ratio: float | None,
    replicates: Sequence[int] | None,
    tol: float,
    max_iter: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refit the full-training problems with scikit-learn and measure how far l1l2 is from it.

    Both fits are evaluated on the same objective F (DESIGN.md §3); the table records raw
    differences only, and :func:`crosscheck_verdict` applies the tolerances, so changing a
    tolerance does not require refitting.

    Returns
    -------
    comparison : pandas.DataFrame
        One row per compared fit (replicate, model, degree, lambda) with the differences.
    pairs : pandas.DataFrame
        Both coefficient vectors side by side: ``replicate, model, degree, lambda, term, l1l2,
        sklearn`` (terms 1..degree, the intercept left out), for the cross-check figure.
    """
    import pandas as pd

    from .reference import reference_fit
    from .solvers import objective

    penalty = penalty_of(model)
    ratio = l1_ratio if penalty == "elasticnet" else None
    if replicates is not None:
        coefs = coefs[coefs["replicate"].isin(replicates)]
        metrics = metrics[metrics["replicate"].isin(replicates)]
    # (replicate, degree) -> the l1l2 fits of that problem, λ decreasing; coefficient columns
    # ordered by term (0 = intercept).
    wide = coefs.pivot_table(
        index=["replicate", "degree", "lambda"], columns="term", values="coef", sort=True
    )
    fits = {
        key: group.sort_values("lambda", ascending=False)
        for key, group in metrics.groupby(["replicate", "degree"], sort=True)
    }
    rows, pairs = [], []
    for problem in build_problems(split_table, degrees, basis, domain, replicates, folds=False):
        fit_rows = fits[(problem.replicate, problem.degree)]
        alphas = fit_rows["lambda"].to_numpy()
        fit_converged, fit_gap = fit_rows["converged"].to_numpy(), fit_rows["gap"].to_numpy()
        ours = wide.loc[(problem.replicate, problem.degree)].loc[alphas]
        ours = ours[list(range(problem.degree + 1))].to_numpy()
        ref = reference_fit(
            problem.X,
            problem.y,
            penalty=penalty,
            alphas=alphas,
            l1_ratio=ratio,
            tol=tol,
            max_iter=max_iter,
        )
        terms = np.arange(1, problem.degree + 1)
        pairs.append(
            pd.DataFrame(
                {
                    "replicate": problem.replicate,
                    "model": model,
                    "degree": problem.degree,
                    "lambda": np.repeat(alphas, terms.size),
                    "term": np.tile(terms, alphas.size),
                    "l1l2": ours[:, 1:].ravel(),
                    "sklearn": ref.coef.ravel(),
                }
            )
        )
        low, high = gram_spectrum(problem.X)
        rho = 1.0 if penalty == "l1" else 0.0 if penalty in ("l2", "none") else float(ratio)
        for i, lam in enumerate(alphas):
            b_ours, w_ours = ours[i, 0], ours[i, 1:]
            w_ref, b_ref = ref.coef[i], float(ref.intercept[i])
            f_ours = objective(problem.X, problem.y, w_ours, b_ours, penalty, lam, ratio)
            f_ref = objective(problem.X, problem.y, w_ref, b_ref, penalty, lam, ratio)
            pred_diff = problem.X @ (w_ours - w_ref) + (b_ours - b_ref)
            mismatch = (w_ours == 0) != (w_ref == 0)
            rows.append(
                {
                    "replicate": problem.replicate,
                    "model": model,
                    "degree": problem.degree,
                    "lambda": float(lam),
                    "max_abs_coef_diff": float(np.abs(w_ours - w_ref).max()),
                    "max_abs_pred_diff": float(np.abs(pred_diff).max()),
                    "rms_pred_diff": float(np.sqrt(np.mean(pred_diff**2))),
                    "objective_l1l2": float(f_ours),
                    "objective_sklearn": float(f_ref),
                    "rel_objective_diff": float(abs(f_ours - f_ref) / max(abs(f_ref), 1e-300)),
                    "same_support": bool(not mismatch.any()),
                    "support_mismatch_max_coef": float(
                        np.abs(np.concatenate([w_ours[mismatch], w_ref[mismatch]])).max()
                        if mismatch.any()
                        else 0.0
                    ),
                    "n_nonzero_l1l2": int(np.count_nonzero(w_ours)),
                    "n_nonzero_sklearn": int(np.count_nonzero(w_ref)),
                    "converged": bool(fit_converged[i]),
                    "sklearn_converged": bool(ref.converged[i]),
                    "gap_l1l2": float(fit_gap[i]),
                    "gap_sklearn": float(ref.gap[i]),
                    # strong-convexity modulus of F: λ_min(G) + α(1 − ρ)
                    "mu": low + float(lam) * (1.0 - rho),
                    "cond_gram": high / low if low > 0 else float(np.inf),
                }
            )
    return pd.DataFrame(rows), pd.concat(pairs, ignore_index=True)


def crosscheck_verdict(
    table: pd.DataFrame, coef_atol: float, objective_rtol: float, prediction_atol: float
) -> pd.DataFrame:
    """Add the tolerances used, ``status`` and ``ok`` to a comparison table.

    Each side stopped with a certified bound ``g`` (its final gap) on F(w) − F*. The least-squares
    term makes F(w) − F* ≥ ‖X(w − w*)‖²/(2n) + μ‖w − w*‖²/2 with μ = λ_min(G) + α(1 − ρ), so two
    correct fits must satisfy, up to the stated slack,

    * objectives: |F₁ − F₂| ≤ g₁ + g₂ + objective_rtol·|F₂|;
    * predictions: rms(X(w₁ − w₂)) ≤ √(2g₁) + √(2g₂) + prediction_atol;
    * coefficients: max|w₁ − w₂| ≤ (√(2g₁) + √(2g₂))/√μ + coef_atol (no bound when μ = 0: an
      OLS fit with more terms than it can identify has a flat valley of minimizers);
    * zero patterns: equal, except for coefficients within that coefficient bound.

    The bounds scale with the conditioning through μ, as they must: along flat directions
    coefficients can differ while the objective agrees. ``ok`` is True only for converged fits
    that satisfy all four; a fit of either side that did not converge gets
    ``status = "not converged"`` and is never a pass.
    """
    out = table.copy()
    root = np.sqrt(2 * out["gap_l1l2"].clip(lower=0)) + np.sqrt(
        2 * out["gap_sklearn"].clip(lower=0)
    )
    mu = out["mu"].to_numpy()
    with np.errstate(divide="ignore"):
        out["coef_tol"] = np.where(mu > 0, root / np.sqrt(np.where(mu > 0, mu, 1.0)), np.inf)
    out["coef_tol"] += coef_atol
    out["objective_tol"] = (
        out["gap_l1l2"].clip(lower=0)
        + out["gap_sklearn"].clip(lower=0)
        + (objective_rtol * out["objective_sklearn"].abs())
    )
    out["prediction_tol"] = root + prediction_atol
    agrees = (
        ((out["objective_l1l2"] - out["objective_sklearn"]).abs() <= out["objective_tol"])
        & (out["rms_pred_diff"] <= out["prediction_tol"])
        & (out["max_abs_coef_diff"] <= out["coef_tol"])
        & (out["same_support"] | (out["support_mismatch_max_coef"] <= out["coef_tol"]))
    )
    both_converged = out["converged"] & out["sklearn_converged"]
    out["status"] = np.where(
        ~both_converged, "not converged", np.where(agrees, "agree", "DISAGREE")
    )
    out["ok"] = both_converged & agrees
    return out
