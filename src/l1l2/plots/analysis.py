"""Table analysis behind the figures: predictions from stored coefficients, the bias–variance
decomposition, CV choices along a curve, true supports, names of scenarios.

No matplotlib here: these functions turn the study's tables into the numbers the figures draw
(and that tests check), nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data import get_true_function, to_unit_interval
from ..features import Standardizer, design_matrix

_SCENARIO_NAME = re.compile(r"^(?P<function>.+)_sd(?P<noise>[^_]+)_n(?P<n>\d+)$")


def describe_scenario(name: str) -> str:
    """A readable one-line description of a scenario name such as ``sine_sd0.1_n50``.

    Unknown names are returned unchanged.
    """
    match = _SCENARIO_NAME.match(name)
    if not match:
        return name
    try:
        formula = get_true_function(match["function"]).formula
    except ValueError:
        return name
    return f"{match['function']}: f(t) = {formula}, noise sd {match['noise']}, n = {match['n']}"


def spread_degrees(degrees: Sequence[int], count: int = 6) -> list[int]:
    """``count`` degrees spread evenly over ``degrees`` (first and last included)."""
    degrees = sorted(int(d) for d in degrees)
    if len(degrees) <= count:
        return degrees
    picks = np.linspace(0, len(degrees) - 1, count).round().astype(int)
    return [degrees[i] for i in sorted(set(picks.tolist()))]


def coef_matrix(coefs: pd.DataFrame, degree: int) -> pd.DataFrame:
    """Wide table of one degree's fits: rows (replicate, lambda), columns term 0..degree.

    Parameters
    ----------
    coefs : pandas.DataFrame
        Long coefficient table (``replicate, degree, lambda, term, coef``) of one model, as
        written by the fit stage (term 0 is the intercept; coefficients are on the standardized
        basis).
    degree : int
    """
    rows = coefs[coefs["degree"] == degree]
    if rows.empty:
        raise ValueError(f"no coefficients at degree {degree}")
    wide = rows.pivot_table(
        index=["replicate", "lambda"], columns="term", values="coef", aggfunc="first"
    )
    return wide.sort_index()


def predict(
    split_table: pd.DataFrame,
    coefs: pd.DataFrame,
    degree: int,
    x: np.ndarray,
    basis: str,
    domain: Sequence[float],
) -> pd.DataFrame:
    """Predictions of every full-training fit of one degree at the points ``x``.

    The basis columns of ``x`` are standardized with the mean and scale of each replicate's
    *training* rows, exactly as in the fit stage, so ``b + Z(x) w`` reproduces the fitted model.

    Returns
    -------
    pandas.DataFrame
        Rows (replicate, lambda), one column per point of ``x``.
    """
    wide = coef_matrix(coefs, degree)
    x = np.asarray(x, dtype=float)
    blocks = []
    for replicate, block in wide.groupby(level="replicate", sort=True):
        rows = split_table[
            (split_table["replicate"] == replicate) & (split_table["split"] == "train")
        ]
        if rows.empty:
            raise ValueError(f"replicate {replicate} has no training rows in the split table")
        scaler = Standardizer.fit(design_matrix(rows["x"].to_numpy(), degree, basis, domain))
        Z = scaler.transform(design_matrix(x, degree, basis, domain))
        W = block[list(range(1, degree + 1))].to_numpy()
        b = block[0].to_numpy()
        blocks.append(pd.DataFrame(b[:, None] + W @ Z.T, index=block.index))
    return pd.concat(blocks)


def best_lambda_by_degree(metrics: pd.DataFrame, replicate: int | None = None) -> pd.DataFrame:
    """For every (model, replicate, degree), the row with the lowest CV error over λ."""
    rows = metrics if replicate is None else metrics[metrics["replicate"] == replicate]
    rows = rows[np.isfinite(rows["cv_mse"])]
    idx = rows.groupby(["model", "replicate", "degree"], sort=True)["cv_mse"].idxmin()
    return rows.loc[idx.to_numpy()]


def bias_variance(
    split_table: pd.DataFrame,
    coefs: pd.DataFrame,
    degree: int,
    basis: str,
    domain: Sequence[float],
    function: str,
    n_grid: int = 201,
) -> pd.DataFrame:
    """Squared bias and variance of one model's fits over replicates, per λ.

    On a uniform grid of ``n_grid`` points over ``domain``, with f̂_r the fit of replicate r:
    bias² = mean_x (mean_r f̂_r(x) − f(x))², variance = mean_x var_r f̂_r(x) (population
    variance over replicates). Their sum plus the noise variance is the expected test error of a
    new point drawn uniformly from the domain.

    Returns
    -------
    pandas.DataFrame
        Columns ``lambda, bias2, variance, n_replicates``, sorted by λ.
    """
    x = np.linspace(float(domain[0]), float(domain[1]), n_grid)
    truth = get_true_function(function)(to_unit_interval(x, domain))
    pred = predict(split_table, coefs, degree, x, basis, domain)
    rows = []
    for lam, block in pred.groupby(level="lambda", sort=True):
        values = block.to_numpy()
        rows.append(
            {
                "lambda": float(lam),
                "bias2": float(np.mean((values.mean(axis=0) - truth) ** 2)),
                "variance": float(np.mean(values.var(axis=0))),
                "n_replicates": int(len(values)),
            }
        )
    return pd.DataFrame(rows)


def true_coefficients(function: str, degree: int, basis: str) -> np.ndarray | None:
    """Coefficients of a sparse Legendre true function in ``basis`` (terms 1..degree).

    Returns ``None`` when the true function is not a sparse polynomial (no known support) or
    has terms above ``degree``. For ``monomial`` the Legendre series is converted exactly, so the
    support is that basis's support (different from the Legendre one).
    """
    from numpy.polynomial import legendre

    from ..data import SPARSE_LEGENDRE_COEFS

    true = get_true_function(function)
    if true.support is None or max(true.support) > degree:
        return None
    series = np.zeros(degree + 1)
    for d, value in SPARSE_LEGENDRE_COEFS.items():
        series[d] = value
    if basis == "monomial":
        series = legendre.leg2poly(series)[: degree + 1]
        series = np.pad(series, (0, degree + 1 - series.size))
    series[np.abs(series) < 1e-12] = 0.0
    return series[1:]


def lambda_min_1se(curve: pd.DataFrame) -> tuple[float, float]:
    """glmnet's λ_min and λ_1se of one CV curve.

    Parameters
    ----------
    curve : pandas.DataFrame
        Columns ``lambda, cv_mse, cv_se`` (one row per λ).

    Returns
    -------
    (λ_min, λ_1se)
        The λ of the lowest CV error, and the largest λ whose CV error is within one standard
        error (``cv_se`` at λ_min) of that minimum.
    """
    best = curve.loc[curve["cv_mse"].idxmin()]
    se = best["cv_se"] if np.isfinite(best["cv_se"]) else 0.0
    within = curve[curve["cv_mse"] <= best["cv_mse"] + se]
    return float(best["lambda"]), float(within["lambda"].max())


def first_zero_lambda(wide: pd.DataFrame) -> tuple[float | None, float | None]:
    """λ at which a path first has an exactly-zero coefficient, and from which all are zero.

    Parameters
    ----------
    wide : pandas.DataFrame
        One replicate's coefficients: index λ, columns terms 1..d (no intercept).

    Returns
    -------
    (λ_first_zero, λ_all_zero)
        The smallest λ of the grid with at least one coefficient exactly 0, and the smallest λ
        from which every coefficient is exactly 0 at that and all larger λ (``None`` if never).
    """
    wide = wide.sort_index()
    zeros = (wide == 0).sum(axis=1)
    any_zero = zeros[zeros > 0]
    first = float(any_zero.index.min()) if len(any_zero) else None
    all_zero = zeros == wide.shape[1]
    tail = all_zero[::-1].cummin()[::-1]  # True where all larger λ are all-zero too
    full = float(tail[tail].index.min()) if tail.any() else None
    return first, full
