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

from ..data import get_true_function
from ..features import Standardizer, design_matrix
from ..metrics import select_one

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
    blocks = []
    for replicate, block in wide.groupby(level="replicate", sort=True):
        Z = standardized_basis(split_table, replicate, degree, x, basis, domain)
        W = block[list(range(1, degree + 1))].to_numpy()
        b = block[0].to_numpy()
        blocks.append(pd.DataFrame(b[:, None] + W @ Z.T, index=block.index))
    return pd.concat(blocks)


def standardized_basis(
    split_table: pd.DataFrame,
    replicate: int,
    degree: int,
    x: np.ndarray,
    basis: str,
    domain: Sequence[float],
) -> np.ndarray:
    """The basis columns 1..degree at the points ``x``, standardized with the mean and scale of
    one replicate's *training* rows, exactly as in the fit stage: a fit's prediction at ``x`` is
    ``b + Z w``. Shape ``(len(x), degree)``."""
    rows = split_table[
        (split_table["replicate"] == replicate) & (split_table["split"] == "train")
    ]
    if rows.empty:
        raise ValueError(f"replicate {replicate} has no training rows in the split table")
    scaler = Standardizer.fit(design_matrix(rows["x"].to_numpy(), degree, basis, domain))
    return scaler.transform(design_matrix(np.asarray(x, dtype=float), degree, basis, domain))


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
    noise_sd: float,
) -> pd.DataFrame:
    """Squared bias, variance and measured test error of one model's fits, per λ.

    The decomposition is taken where the test error is measured: at the test points of every
    replicate, pooled (N points x_i with true values f(x_i) from the split table's ``y_true``).
    With f̂_r the full-training fit of replicate r = 1..R, m(x) = mean_r f̂_r(x) and s²(x) the
    sample variance over replicates (ddof = 1):

    * variance = mean_i s²(x_i), unbiased for the variance of a fit over training sets;
    * bias² = mean_i [(m(x_i) − f(x_i))² − s²(x_i)/R]: (m − f)² alone is biased upwards by
      Var(m) = variance/R, which this subtracts (it can come out slightly negative when the
      bias is small);
    * expected = bias² + variance + σ², the expected squared error on a new test point.

    The measured error is each replicate's test MSE on its own test points, averaged over
    replicates (``test_mse``, as in ``metrics.csv``). Both estimate the same quantity; their
    paired difference per replicate, d_r = test MSE_r − (mean_i (f̂_r(x_i) − f(x_i))² + σ²),
    has standard error ``diff_se`` = sd(d)/√R, the yardstick for "agrees within sampling
    error".

    Parameters
    ----------
    split_table : pandas.DataFrame
        The scenario's split table (``replicate, x, y, y_true, split``).
    coefs : pandas.DataFrame
        One model's long coefficient table (see :func:`coef_matrix`).
    degree : int
    basis, domain
        As in the fit stage.
    noise_sd : float
        The noise standard deviation σ of the scenario.

    Returns
    -------
    pandas.DataFrame
        Columns ``lambda, bias2, variance, noise, expected_mse, test_mse, test_mse_se,
        diff_se, n_replicates, n_points``, sorted by λ.
    """
    test = split_table[split_table["split"] == "test"].sort_values(["replicate", "x"])
    replicates = sorted(int(r) for r in coefs["replicate"].unique())
    test = test[test["replicate"].isin(replicates)]
    x = test["x"].to_numpy()
    truth = test["y_true"].to_numpy()
    own = [test["replicate"].to_numpy() == r for r in replicates]
    y = test["y"].to_numpy()
    noise = float(noise_sd) ** 2
    pred = predict(split_table, coefs, degree, x, basis, domain)
    rows = []
    for lam, block in pred.groupby(level="lambda", sort=True):
        values = block.droplevel("lambda").loc[replicates].to_numpy()  # (R, N)
        n_rep = values.shape[0]
        s2 = values.var(axis=0, ddof=1) if n_rep > 1 else np.full(x.size, np.nan)
        bias2 = float(np.mean((values.mean(axis=0) - truth) ** 2 - s2 / n_rep))
        variance = float(np.mean(s2))
        measured = np.array([np.mean((v[mask] - y[mask]) ** 2) for v, mask in zip(
            values, own, strict=True)])
        paired = measured - (np.mean((values - truth) ** 2, axis=1) + noise)
        root = np.sqrt(n_rep)
        rows.append(
            {
                "lambda": float(lam),
                "bias2": bias2,
                "variance": variance,
                "noise": noise,
                "expected_mse": bias2 + variance + noise,
                "test_mse": float(measured.mean()),
                "test_mse_se": float(measured.std(ddof=1) / root) if n_rep > 1 else np.nan,
                "diff_se": float(paired.std(ddof=1) / root) if n_rep > 1 else np.nan,
                "n_replicates": int(n_rep),
                "n_points": int(x.size),
            }
        )
    return pd.DataFrame(rows)


def true_projection(function: str, degree: int, basis: str = "legendre") -> np.ndarray:
    """Coefficients of the true function's best degree-``degree`` approximation (terms 1..d).

    The L²-projection on [-1, 1] under the uniform measure (the distribution of x), computed
    with 200-point Gauss–Legendre quadrature; in the Legendre basis these are the first Legendre
    coefficients of f. Coefficients below 1e-12 times the largest are set to exactly 0: they are
    zero by symmetry (an odd f has no even terms, an even f no odd terms) or by construction.
    For ``monomial`` the Legendre series is converted exactly. The zero pattern is that of the
    standardized basis the fits use (standardizing rescales columns and moves the intercept).
    """
    from numpy.polynomial import legendre

    nodes, weights = legendre.leggauss(200)
    values = get_true_function(function)(nodes)
    series = np.array([
        (2 * k + 1) / 2 * np.sum(weights * values * legendre.legval(nodes, np.eye(degree + 1)[k]))
        for k in range(degree + 1)
    ])
    if basis == "monomial":
        series = np.pad(legendre.leg2poly(series), (0, degree + 1))[: degree + 1]
    scale = np.abs(series).max()
    series[np.abs(series) < 1e-12 * (scale if scale > 0 else 1.0)] = 0.0
    return series[1:]


def true_zero_share(function: str, degree: int, basis: str = "legendre") -> float:
    """Share of the ``degree`` coefficients that are exactly 0 in :func:`true_projection`."""
    return float(np.mean(true_projection(function, degree, basis) == 0))


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
    """glmnet's λ_min and λ_1se of one CV curve, by the study's selection rules.

    The same definition as ``selection.csv`` (:func:`l1l2.metrics.select_one`), applied to one
    curve (one replicate at one degree).

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
    curve = curve.assign(degree=curve["degree"] if "degree" in curve else 0)
    return (
        float(select_one(curve, "min")["lambda"]),
        float(select_one(curve, "1se")["lambda"]),
    )


def per_replicate_lambdas(metrics: pd.DataFrame, model: str, degree: int) -> pd.DataFrame:
    """Each replicate's λ_min and λ_1se (:func:`lambda_min_1se`) at one fixed degree.

    Returns
    -------
    pandas.DataFrame
        Columns ``replicate, min, 1se``.
    """
    rows = metrics[(metrics["model"] == model) & (metrics["degree"] == degree)]
    out = []
    for replicate, curve in rows.groupby("replicate", sort=True):
        lam_min, lam_1se = lambda_min_1se(curve)
        out.append({"replicate": int(replicate), "min": lam_min, "1se": lam_1se})
    return pd.DataFrame(out, columns=["replicate", "min", "1se"])


#: A replicate's test MSE "blows up" when it exceeds this multiple of the median test MSE over
#: the replicates of the same model and choice (same degree and λ rule).
BLOWUP_FACTOR = 10.0


def is_blowup(values, factor: float = BLOWUP_FACTOR) -> np.ndarray:
    """True where a value exceeds ``factor`` times the median of ``values`` (NaNs never)."""
    values = np.asarray(values, dtype=float)
    return values > factor * np.nanmedian(values)


def robust_stats(frame: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    """Median, quartiles, mean, count and blow-ups of ``column`` per group of ``by``.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, median, q25, q75, mean, n, n_blowups, max``; a blow-up is a value above
        :data:`BLOWUP_FACTOR` times the group's median (:func:`is_blowup`).
    """
    rows = []
    for key, group in frame.groupby(by, sort=True):
        values = group[column].to_numpy(dtype=float)
        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "median": float(np.median(values)),
                "q25": float(np.quantile(values, 0.25)),
                "q75": float(np.quantile(values, 0.75)),
                "mean": float(values.mean()),
                "n": int(values.size),
                "n_blowups": int(is_blowup(values).sum()),
                "max": float(values.max()),
            }
        )
    return pd.DataFrame(rows)


def scenario_order(names) -> list[str]:
    """Scenario names in reading order: by function (first appearance), then n, then noise."""
    names = list(dict.fromkeys(names))
    first = {}
    for name in names:
        match = _SCENARIO_NAME.match(name)
        first.setdefault(match["function"] if match else name, len(first))

    def key(name):
        match = _SCENARIO_NAME.match(name)
        if not match:
            return (first[name], 0, 0.0, name)
        return (first[match["function"]], int(match["n"]), float(match["noise"]), name)

    return sorted(names, key=key)


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
