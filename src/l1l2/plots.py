"""Figures of the study, and the small computations behind them.

Every figure function takes tables (or data) and writes one file; nothing here knows about
Snakemake. Output is deterministic: a fixed style (no dependence on the user's matplotlibrc), the
Agg backend, PNG metadata without dates or versions, and GIF frames written by Pillow without
timestamps, so the same inputs give byte-identical files.

Conventions shared by all figures:

* one colour per model (:data:`MODEL_COLORS`), the same everywhere;
* λ axes are logarithmic and labelled "λ (α in F, log scale)";
* the polynomial basis is named wherever sparsity or coefficients depend on it;
* legends sit outside the data (below the axes) when the data fill the panel.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import animation, ticker  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .data import get_true_function, to_unit_interval  # noqa: E402
from .features import Standardizer, design_matrix  # noqa: E402

STYLE = Path(__file__).with_name("l1l2.mplstyle")
#: One colour per model, the same in every figure.
MODEL_COLORS = {"ols": "#4d4d4d", "ridge": "#1f77b4", "lasso": "#d62728", "elasticnet": "#9467bd"}
MODEL_LABELS = {
    "ols": "OLS",
    "ridge": "Ridge (L2)",
    "lasso": "Lasso (L1)",
    "elasticnet": "Elastic Net",
}
#: Models with a penalty, in display order.
PENALIZED = ("ridge", "lasso", "elasticnet")
#: Colours of the optimization methods (figures 7 and 8).
METHOD_COLORS = {"gd": "#1f77b4", "subgradient": "#ff7f0e", "ista": "#d62728", "fista": "#17becf"}
#: Colours of the two bases (figure 8).
BASIS_COLORS = {"legendre": "#2ca02c", "monomial": "#8c564b"}
PNG_METADATA = {"Software": None}
LAMBDA_LABEL = "λ (penalty strength α, log scale)"

_SCENARIO_NAME = re.compile(r"^(?P<function>.+)_sd(?P<noise>[^_]+)_n(?P<n>\d+)$")


# --------------------------------------------------------------------------- basics


@contextmanager
def figure(path, dpi: int = 110, **subplots_kw):
    """A styled figure and axes, saved to ``path`` deterministically on exit.

    Parameters
    ----------
    path : str or pathlib.Path
        Output file; the format follows the suffix (PNG throughout the workflow).
    dpi : int, default=110
    **subplots_kw
        Passed to :func:`matplotlib.pyplot.subplots`.

    Yields
    ------
    (matplotlib.figure.Figure, axes)
    """
    with plt.style.context(["default", STYLE]):
        fig, axes = plt.subplots(**subplots_kw)
        try:
            yield fig, axes
            fig.savefig(path, dpi=dpi, metadata=PNG_METADATA)
        finally:
            plt.close(fig)


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


def _log_lambda_axis(ax, label: bool = True) -> None:
    ax.set_xscale("log")
    if label:
        ax.set_xlabel(LAMBDA_LABEL)


def _integer_axis(axis) -> None:
    axis.set_major_locator(ticker.MaxNLocator(integer=True))


def _readable_log_y(ax) -> None:
    """Log y axis with plain-number labels at 1, 2, 5 × 10^k when it spans few decades."""
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    if high / low < 300:
        ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def _fmt(value: float) -> str:
    """Compact number for annotations: 3 significant digits."""
    return f"{value:.3g}"


def spread_degrees(degrees: Sequence[int], count: int = 6) -> list[int]:
    """``count`` degrees spread evenly over ``degrees`` (first and last included)."""
    degrees = sorted(int(d) for d in degrees)
    if len(degrees) <= count:
        return degrees
    picks = np.linspace(0, len(degrees) - 1, count).round().astype(int)
    return [degrees[i] for i in sorted(set(picks.tolist()))]


# --------------------------------------------------------------------------- computations


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

    from .data import SPARSE_LEGENDRE_COEFS

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


# --------------------------------------------------------------------------- 1 under/overfitting


def _fit_curves(split_table, coefs_by_model, metrics, replicate, degrees, x, basis, domain):
    """(model, degree) -> (λ, curve at x, test MSE) of one replicate at its best-CV λ."""
    best = best_lambda_by_degree(metrics, replicate).set_index(["model", "degree"])
    table = split_table[split_table["replicate"] == replicate]
    out = {}
    for model, coefs in coefs_by_model.items():
        rep_coefs = coefs[coefs["replicate"] == replicate]
        for degree in degrees:
            row = best.loc[(model, degree)]
            lam = float(row["lambda"])
            pred = predict(table, rep_coefs, degree, x, basis, domain)
            curve = pred.xs(lam, level="lambda").to_numpy()[0]
            out[(model, degree)] = (lam, curve, float(row["test_mse"]))
    return out


def _fits_setup(split_table, function, domain, replicate):
    table = split_table[split_table["replicate"] == replicate]
    x = np.linspace(float(domain[0]), float(domain[1]), 400)
    truth = get_true_function(function)(to_unit_interval(x, domain))
    y = table["y"].to_numpy()
    low, high = min(y.min(), truth.min()), max(y.max(), truth.max())
    pad = 0.25 * (high - low)
    return table, x, truth, (low - pad, high + pad)


def _draw_fits(ax, table, x, truth, curves, models, degree, ylim, basis):
    train = table[table["split"] == "train"]
    test = table[table["split"] == "test"]
    ax.scatter(train["x"], train["y"], s=12, color="0.55", zorder=2, linewidths=0)
    ax.scatter(test["x"], test["y"], s=16, facecolors="none", edgecolors="0.3", zorder=2)
    ax.plot(x, truth, color="black", linestyle="--", linewidth=1.2, zorder=3)
    for model in models:
        _, curve, _ = curves[(model, degree)]
        ax.plot(x, curve, color=MODEL_COLORS[model], linewidth=1.6, zorder=4)
    ax.set_ylim(*ylim)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
    ax.set_title(f"degree {degree} ({basis} basis)\n\n", fontsize=9.5)
    # one coloured line of test errors (and λ) per panel, under the title
    text = ax.annotate("test MSE:", xy=(0, 1), xycoords="axes fraction", xytext=(0, 4),
                       textcoords="offset points", fontsize=8, va="bottom", color="0.2")
    for model in models:
        lam, _, test_mse = curves[(model, degree)]
        label = MODEL_LABELS[model].split(" ")[0]
        label += f" {test_mse:.3g}" + ("" if model == "ols" else f" (λ {lam:.2g})")
        text = ax.annotate(" " + label, xycoords=text, xy=(1, 0), va="bottom", fontsize=8,
                           color=MODEL_COLORS[model])


def _fits_legend(fig, models, ncol=None):
    handles = [
        Line2D([], [], marker="o", linestyle="none", color="0.55", label="training data"),
        Line2D(
            [], [], marker="o", linestyle="none", markerfacecolor="none", color="0.3",
            label="test data",
        ),
        Line2D([], [], color="black", linestyle="--", label="true function"),
    ] + [
        Line2D([], [], color=MODEL_COLORS[m], linewidth=2, label=MODEL_LABELS[m]) for m in models
    ]
    fig.legend(handles=handles, loc="lower center", ncol=ncol or len(handles), frameon=False)


def under_overfitting(
    split_table: pd.DataFrame,
    coefs_by_model: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    scenario: str,
    function: str,
    path,
    degrees: Sequence[int],
    basis: str = "legendre",
    domain: Sequence[float] = (-1.0, 1.0),
    replicate: int = 0,
    dpi: int = 110,
) -> None:
    """Figure 1 (static): fitted curves over the data as the degree grows, one panel per degree.

    Each model (OLS, Ridge, Lasso among those given) is drawn at the λ with the lowest CV error
    of that replicate at that degree; the test MSE of the drawn curve is in the panel title.
    """
    models = [m for m in ("ols", "ridge", "lasso") if m in coefs_by_model]
    metrics = metrics[metrics["scenario"] == scenario]
    table, x, truth, ylim = _fits_setup(split_table, function, domain, replicate)
    curves = _fit_curves(
        split_table, {m: coefs_by_model[m] for m in models}, metrics, replicate, degrees, x,
        basis, domain,
    )
    ncols = min(3, len(degrees))
    nrows = math.ceil(len(degrees) / ncols)
    with figure(
        path, dpi, nrows=nrows, ncols=ncols, figsize=(4.9 * ncols, 3.4 * nrows + 0.9),
        sharex=True, sharey=True, squeeze=False,
    ) as (fig, axes):
        for ax, degree in zip(axes.flat, degrees, strict=False):
            _draw_fits(ax, table, x, truth, curves, models, degree, ylim, basis)
        for ax in axes.flat[len(degrees):]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel("x")
        for ax in axes[:, 0]:
            ax.set_ylabel("y")
        fig.suptitle(
            f"Under- to overfitting — {describe_scenario(scenario)}; replicate {replicate}, "
            "each model at its best-CV λ for the degree"
        )
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        _fits_legend(fig, models)


def under_overfitting_animation(
    split_table: pd.DataFrame,
    coefs_by_model: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    scenario: str,
    function: str,
    path,
    degrees: Sequence[int],
    basis: str = "legendre",
    domain: Sequence[float] = (-1.0, 1.0),
    replicate: int = 0,
    dpi: int = 90,
    fps: float = 1.5,
) -> None:
    """Figure 1 (animated GIF): one frame per degree, the fits beside their test error.

    Left: data, true function and the fits of :func:`under_overfitting` at the frame's degree.
    Right: the test MSE of those fits against degree, with the current degree marked. The last
    frame is held for three frame durations. Written with Pillow; byte-identical across runs.
    """
    models = [m for m in ("ols", "ridge", "lasso") if m in coefs_by_model]
    metrics = metrics[metrics["scenario"] == scenario]
    degrees = sorted(int(d) for d in degrees)
    table, x, truth, ylim = _fits_setup(split_table, function, domain, replicate)
    curves = _fit_curves(
        split_table, {m: coefs_by_model[m] for m in models}, metrics, replicate, degrees, x,
        basis, domain,
    )
    errors = {m: np.array([curves[(m, d)][2] for d in degrees]) for m in models}
    frames = degrees + [degrees[-1]] * 3
    with plt.style.context(["default", STYLE]):
        fig, (ax_fit, ax_err) = plt.subplots(
            ncols=2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [1.6, 1]}
        )
        try:

            def draw(degree):
                ax_fit.clear()
                ax_err.clear()
                _draw_fits(ax_fit, table, x, truth, curves, models, degree, ylim, basis)
                ax_fit.set_xlabel("x")
                ax_fit.set_ylabel("y")
                for m in models:
                    ax_err.plot(degrees, errors[m], marker="o", ms=3, color=MODEL_COLORS[m])
                    ax_err.plot(
                        [degree], [curves[(m, degree)][2]], marker="o", ms=9,
                        color=MODEL_COLORS[m], markeredgecolor="white",
                    )
                ax_err.axvline(degree, color="0.5", linewidth=1)
                _readable_log_y(ax_err)
                ax_err.set_xlabel(f"polynomial degree ({basis} basis)")
                ax_err.set_ylabel("test MSE of the drawn fits (log scale)")
                ax_err.set_title(f"replicate {replicate}: test error vs degree", fontsize=9)
                _integer_axis(ax_err.xaxis)
                return []

            fig.suptitle(f"Under- to overfitting — {describe_scenario(scenario)}", fontsize=10)
            draw(degrees[0])
            fig.tight_layout(rect=(0, 0.06, 1, 1))
            _fits_legend(fig, models)
            anim = animation.FuncAnimation(fig, draw, frames=frames, blit=False)
            anim.save(path, writer=animation.PillowWriter(fps=fps), dpi=dpi)
        finally:
            plt.close(fig)


# --------------------------------------------------------------------------- 2 error vs degree


def error_vs_degree(
    metrics: pd.DataFrame, scenario: str, path, basis: str = "legendre", dpi: int = 110
) -> None:
    """Figure 2: train and test MSE against degree, each model at its best-CV λ per degree.

    Lines are the mean over replicates; bands the interquartile range across replicates (the
    mean can sit outside it when one replicate's fit explodes: that is the point of OLS).
    """
    data = metrics[metrics["scenario"] == scenario]
    best = best_lambda_by_degree(data)
    with figure(path, dpi, ncols=2, figsize=(10, 4.4), sharey=True) as (fig, axes):
        for model in [m for m in MODEL_COLORS if m in set(best["model"])]:
            rows = best[best["model"] == model]
            for ax, column in zip(axes, ["train_mse", "test_mse"], strict=True):
                stats = rows.groupby("degree")[column]
                mean = stats.mean()
                low, high = stats.quantile(0.25), stats.quantile(0.75)
                ax.plot(
                    mean.index,
                    mean.to_numpy(),
                    marker="o",
                    ms=3,
                    color=MODEL_COLORS[model],
                    label=MODEL_LABELS[model],
                )
                ax.fill_between(
                    mean.index,
                    low.to_numpy(),
                    high.to_numpy(),
                    color=MODEL_COLORS[model],
                    alpha=0.15,
                    linewidth=0,
                )
        for ax, title in zip(axes, ["training error", "test error"], strict=True):
            ax.set_yscale("log")
            ax.set_xlabel(f"polynomial degree ({basis} basis)")
            ax.set_title(title)
            _integer_axis(ax.xaxis)
        axes[0].set_ylabel("mean squared error (log scale)")
        fig.suptitle(
            f"Error vs degree — {describe_scenario(scenario)}\n"
            "λ chosen by CV at each degree; line = mean, band = middle 50 % of replicates",
            fontsize=10,
        )
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)


# --------------------------------------------------------------------------- 3 error vs λ


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


def error_vs_lambda(
    metrics: pd.DataFrame,
    selection: pd.DataFrame,
    scenario: str,
    path,
    basis: str = "legendre",
    dpi: int = 110,
) -> None:
    """Figure 3: CV and test MSE against λ for each penalized model at its selected degree.

    The degree is the one selected by the ``min`` rule in ``selection`` (the most frequent choice
    over replicates). Curves are means over replicates; the band is ± the mean CV standard error;
    thin lines are the individual replicates' CV curves. λ_min and λ_1se are those of the mean
    curve (:func:`lambda_min_1se`). The dotted line is OLS's test error at the same degree.
    """
    data = metrics[metrics["scenario"] == scenario]
    models = [m for m in PENALIZED if m in set(data["model"])]
    chosen = selection[(selection["scenario"] == scenario) & (selection["rule"] == "min")]
    chosen = chosen.set_index("model")["degree"]
    with figure(
        path, dpi, ncols=len(models), figsize=(4.4 * len(models), 4.4), sharey=True,
        squeeze=False,
    ) as (fig, axes):
        for ax, model in zip(axes[0], models, strict=True):
            degree = int(chosen[model])
            rows = data[(data["model"] == model) & (data["degree"] == degree)]
            color = MODEL_COLORS[model]
            for _, rep in rows.groupby("replicate"):
                rep = rep.sort_values("lambda")
                ax.plot(rep["lambda"], rep["cv_mse"], color=color, alpha=0.15, linewidth=0.7)
            curve = rows.groupby("lambda")[["cv_mse", "cv_se", "test_mse"]].mean().reset_index()
            ax.fill_between(
                curve["lambda"], curve["cv_mse"] - curve["cv_se"],
                curve["cv_mse"] + curve["cv_se"], color=color, alpha=0.2, linewidth=0,
            )
            ax.plot(curve["lambda"], curve["cv_mse"], color=color, linewidth=2)
            ax.plot(curve["lambda"], curve["test_mse"], color="black", linewidth=1.3,
                    linestyle="--")
            ols = data[(data["model"] == "ols") & (data["degree"] == degree)]["test_mse"]
            if len(ols):
                ax.axhline(ols.mean(), color=MODEL_COLORS["ols"], linestyle=":", linewidth=1.3)
            lam_min, lam_1se = lambda_min_1se(curve)
            ax.axvline(lam_min, color="0.2", linewidth=1)
            ax.axvline(lam_1se, color="0.2", linewidth=1, linestyle="-.")
            ax.set_title(
                f"{MODEL_LABELS[model]}, degree {degree}\n"
                f"λ_min = {_fmt(lam_min)}, λ_1se = {_fmt(lam_1se)}",
                color=color, fontsize=10,
            )
            _log_lambda_axis(ax)
            ax.set_yscale("log")
        axes[0, 0].set_ylabel("mean squared error (log scale)")
        handles = [
            Line2D([], [], color="0.4", linewidth=2, label="CV MSE (mean ± SE; thin: replicates)"),
            Line2D([], [], color="black", linestyle="--", label="test MSE (mean)"),
            Line2D([], [], color=MODEL_COLORS["ols"], linestyle=":", label="OLS test MSE"),
            Line2D([], [], color="0.2", linewidth=1, label="λ_min"),
            Line2D([], [], color="0.2", linewidth=1, linestyle="-.", label="λ_1se"),
        ]
        fig.suptitle(
            f"Error vs λ — {describe_scenario(scenario)} ({basis} basis)\n"
            "each model at its CV-selected degree; λ_min, λ_1se from the mean CV curve",
            fontsize=10,
        )
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)


# --------------------------------------------------------------------------- 4 coefficient paths


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


def coefficient_paths(
    coefs_by_model: Mapping[str, pd.DataFrame],
    scenario: str,
    path,
    degree: int,
    basis: str = "legendre",
    replicate: int = 0,
    dpi: int = 110,
) -> None:
    """Figure 4: coefficients against λ at one degree, one column per penalized model.

    Top row: the signed coefficients. Bottom row: their absolute values on a log scale, with
    coefficients that are *exactly* zero drawn on the shaded strip at the bottom — Lasso's
    coefficients drop onto it one by one, Ridge's keep shrinking (about as 1/λ) but never reach it.
    """
    models = [m for m in PENALIZED if m in coefs_by_model]
    paths = {}
    for model in models:
        wide = coef_matrix(coefs_by_model[model], degree).xs(replicate, level="replicate")
        paths[model] = wide[list(range(1, degree + 1))].sort_index()
    magnitudes = np.concatenate([np.abs(p.to_numpy()).ravel() for p in paths.values()])
    nonzero = magnitudes[magnitudes > 0]
    floor = 10 ** (math.floor(math.log10(nonzero.min())) - 1) if nonzero.size else 1e-8
    top = 10 ** math.ceil(math.log10(magnitudes.max())) if magnitudes.max() > 0 else 1.0
    cmap = plt.get_cmap("viridis")
    colors = [cmap(i / max(degree - 1, 1)) for i in range(degree)]
    with figure(
        path, dpi, nrows=2, ncols=len(models), figsize=(4.6 * len(models), 7.4),
        sharex=True, squeeze=False, gridspec_kw={"height_ratios": [1, 1.15]},
    ) as (fig, axes):
        for col, model in enumerate(models):
            wide = paths[model]
            lam = wide.index.to_numpy()
            ax_top, ax_abs = axes[0, col], axes[1, col]
            for j in range(degree):
                values = wide[j + 1].to_numpy()
                ax_top.plot(lam, values, color=colors[j], linewidth=1.3)
                shown = np.where(values == 0, floor, np.abs(values))
                ax_abs.plot(lam, shown, color=colors[j], linewidth=1.3)
                zero = values == 0
                ax_abs.plot(lam[zero], np.full(zero.sum(), floor), linestyle="none",
                            marker="|", ms=7, color=colors[j])
            ax_top.axhline(0, color="black", linewidth=0.8)
            ax_top.set_title(MODEL_LABELS[model], color=MODEL_COLORS[model])
            ax_abs.set_yscale("log")
            ax_abs.set_ylim(floor / 3, top)
            ax_abs.axhspan(floor / 3, floor * 2.5, color="0.85", zorder=0)
            ax_abs.text(lam.min(), floor * 1.3, " exactly 0", va="center", fontsize=8,
                        color="0.25")
            first, full = first_zero_lambda(wide)
            notes = []
            if first is not None:
                ax_abs.axvline(first, color="0.3", linestyle=":", linewidth=1)
                edge = " (smallest λ of the grid)" if first == lam.min() else ""
                notes.append(f"first exact zero at λ = {_fmt(first)}{edge}")
            if full is not None:
                ax_abs.axvline(full, color="0.3", linestyle="--", linewidth=1)
                notes.append(f"all zero from λ = {_fmt(full)}")
            if not notes:
                notes.append("no coefficient is ever exactly 0")
            ax_abs.set_title("\n".join(notes), fontsize=8.5)
            _log_lambda_axis(ax_abs)
            ax_top.set_xscale("log")
        axes[0, 0].set_ylabel("coefficient (standardized basis)")
        axes[1, 0].set_ylabel("|coefficient| (log scale)")
        sm = matplotlib.cm.ScalarMappable(
            cmap=matplotlib.colors.ListedColormap(colors),
            norm=matplotlib.colors.BoundaryNorm(np.arange(degree + 1) + 0.5, degree),
        )
        fig.suptitle(
            f"Coefficient paths — {describe_scenario(scenario)}\n"
            f"degree {degree}, {basis} basis (standardized columns), replicate {replicate}",
            fontsize=10,
        )
        fig.tight_layout(rect=(0, 0, 0.92, 1))
        cax = fig.add_axes((0.93, 0.15, 0.015, 0.7))
        bar = fig.colorbar(sm, cax=cax)
        bar.set_label(f"term: {basis} degree j")
        bar.locator = ticker.MaxNLocator(integer=True)
        bar.update_ticks()


# --------------------------------------------------------------------------- 5 sparsity vs λ


def sparsity_vs_lambda(
    metrics: pd.DataFrame,
    scenario: str,
    path,
    degrees: Sequence[int],
    basis: str = "legendre",
    dpi: int = 110,
) -> None:
    """Figure 5: share of coefficients that are exactly 0 against λ, per model and degree.

    Mean over replicates (line) and 10–90 % range (band); one panel per degree in ``degrees``.
    Zero means exactly 0.0 in the fitted coefficients (no threshold).
    """
    data = metrics[(metrics["scenario"] == scenario) & (metrics["model"].isin(PENALIZED))]
    data = data.assign(zero_share=1 - data["n_nonzero"] / data["n_coef"])
    models = [m for m in PENALIZED if m in set(data["model"])]
    with figure(
        path, dpi, ncols=len(degrees), figsize=(4.4 * len(degrees), 4.2), sharey=True,
        squeeze=False,
    ) as (fig, axes):
        for ax, degree in zip(axes[0], degrees, strict=True):
            for model in models:
                rows = data[(data["model"] == model) & (data["degree"] == degree)]
                stats = rows.groupby("lambda")["zero_share"]
                mean = stats.mean()
                ax.fill_between(
                    mean.index, stats.quantile(0.1).to_numpy(), stats.quantile(0.9).to_numpy(),
                    color=MODEL_COLORS[model], alpha=0.15, linewidth=0,
                )
                ax.plot(mean.index, mean.to_numpy(), color=MODEL_COLORS[model], linewidth=2,
                        marker="o", ms=2.5, label=MODEL_LABELS[model])
            ax.set_title(f"degree {degree} ({degree} coefficients, {basis} basis)", fontsize=10)
            _log_lambda_axis(ax)
            ax.set_ylim(-0.03, 1.03)
            ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0))
        axes[0, 0].set_ylabel("coefficients exactly 0 (share)")
        fig.suptitle(
            f"Sparsity vs λ — {describe_scenario(scenario)}\n"
            "line = mean over replicates, band = 10–90 %; Ridge never gives an exact zero",
            fontsize=10,
        )
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)


# --------------------------------------------------------------------------- 6 penalties


def penalties(path, l1_ratio: float = 0.5, threshold: float = 0.5, dpi: int = 110) -> None:
    """Figure 6: the penalties, their (sub)gradients, and what one proximal step does.

    Left: |w|, ½w² and the elastic-net mix ρ|w| + (1−ρ)/2·w². Middle: derivatives sign(w) (with
    the subdifferential [−1, 1] at 0), w, and the mix. Right: the proximal step with step·α = t,
    soft-thresholding S_t(z) = sign(z)·max(|z| − t, 0) for L1 (every |z| ≤ t becomes exactly 0)
    against z/(1 + t) for L2 (a rescaling that never reaches 0).
    """
    w = np.linspace(-2, 2, 801)
    rho = float(l1_ratio)
    c_l1, c_l2, c_en = MODEL_COLORS["lasso"], MODEL_COLORS["ridge"], MODEL_COLORS["elasticnet"]
    with figure(path, dpi, ncols=3, figsize=(13, 4.3)) as (fig, (ax_p, ax_g, ax_x)):
        ax_p.plot(w, np.abs(w), color=c_l1, linewidth=2, label="L1: |w|")
        ax_p.plot(w, 0.5 * w**2, color=c_l2, linewidth=2, label="L2: ½w²")
        ax_p.plot(w, rho * np.abs(w) + (1 - rho) / 2 * w**2, color=c_en, linewidth=1.5,
                  linestyle="--", label=f"EN (ρ={rho:g}): ρ|w| + (1−ρ)/2·w²")
        ax_p.set_title("penalty R(w)")
        ax_p.set_xlabel("weight w")
        ax_p.set_ylabel("R(w)")
        ax_p.legend(loc="upper center", fontsize=8)

        neg, pos = w < 0, w > 0
        for part in (neg, pos):
            ax_g.plot(w[part], np.sign(w[part]), color=c_l1, linewidth=2)
        ax_g.plot([0, 0], [-1, 1], color=c_l1, linewidth=4, alpha=0.35)
        ax_g.plot(w, w, color=c_l2, linewidth=2)
        for part in (neg, pos):
            ax_g.plot(w[part], rho * np.sign(w[part]) + (1 - rho) * w[part], color=c_en,
                      linewidth=1.5, linestyle="--")
        ax_g.annotate("sign(w) = ±1:\na constant pull", xy=(1.5, 1.0), xytext=(0.9, 1.5),
                      fontsize=8, color=c_l1, arrowprops={"arrowstyle": "->", "color": c_l1})
        ax_g.annotate("at 0: any value\nin [−1, 1]", xy=(0.0, -0.6), xytext=(0.35, -1.6),
                      fontsize=8, color=c_l1, arrowprops={"arrowstyle": "->", "color": c_l1})
        ax_g.annotate("w: the pull fades\nas w → 0", xy=(-0.3, -0.3), xytext=(-1.95, 0.6),
                      fontsize=8, color=c_l2, arrowprops={"arrowstyle": "->", "color": c_l2})
        ax_g.set_title("derivative R′(w) (subgradient for L1)")
        ax_g.set_xlabel("weight w")
        ax_g.set_ylabel("R′(w)")
        ax_g.set_ylim(-2.1, 2.1)

        t = float(threshold)
        ax_x.plot(w, w, color="0.6", linestyle=":", linewidth=1, label="no penalty: z")
        ax_x.plot(w, np.sign(w) * np.maximum(np.abs(w) - t, 0), color=c_l1, linewidth=2,
                  label=f"L1: S_t(z), t={t:g}")
        ax_x.plot(w, w / (1 + t), color=c_l2, linewidth=2, label=f"L2: z/(1+t), t={t:g}")
        ax_x.axvspan(-t, t, color=c_l1, alpha=0.08)
        ax_x.text(0, -1.7, "|z| ≤ t → exactly 0", ha="center", fontsize=8, color=c_l1)
        ax_x.set_title("one proximal step (step × α = t)")
        ax_x.set_xlabel("z (weight after the gradient step of the data term)")
        ax_x.set_ylabel("new weight")
        ax_x.legend(loc="upper left", fontsize=8)
        for ax in (ax_p, ax_g, ax_x):
            ax.axhline(0, color="black", linewidth=0.6)
            ax.axvline(0, color="black", linewidth=0.6)
        fig.suptitle("Penalties and their gradients: L1 pulls with constant force and can "
                     "stop at 0; L2's pull vanishes near 0", fontsize=10)
        fig.tight_layout()


# --------------------------------------------------------------------------- 7 trajectories


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
    from .solvers import solve, solve_history
    from .study import gram_spectrum

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


def trajectories(
    traj: dict, scenario: str, degree: int, basis: str, path, dpi: int = 110
) -> None:
    """Figure 7: one weight's iterates under L2 gd, L1 subgradient and L1 ISTA.

    Left: the weight against iteration. Right: its absolute value on a log scale, with iterates
    that are exactly 0 on the shaded strip: ISTA lands there and stays; the subgradient method
    walks down in constant steps of step·α and then chatters around 0 (never exactly 0); L2
    shrinks geometrically towards the Ridge solution, which is not 0.
    """
    j = traj["term"]
    labels = {
        "gd": "L2, gradient descent",
        "subgradient": "L1, subgradient (the seed's update)",
        "ista": "L1, proximal step (ISTA)",
    }
    pull = traj["step"] * traj["alpha"]
    with figure(path, dpi, ncols=2, figsize=(12.5, 5.0)) as (fig, (ax, ax_log)):
        series = {m: h.coef[:, j - 1] for m, h in traj["runs"].items()}
        nonzero = np.concatenate([np.abs(s[s != 0]) for s in series.values()])
        floor = 10 ** (math.floor(math.log10(nonzero.min())) - 1)
        widths = {"gd": 1.6, "ista": 3.2, "subgradient": 1.2}  # ISTA under, subgradient on top
        for method in ("gd", "ista", "subgradient"):
            values = series[method]
            k = np.arange(values.size)
            ax.plot(k, values, color=METHOD_COLORS[method], linewidth=widths[method],
                    label=labels[method])
            shown = np.where(values == 0, floor, np.abs(values))
            ax_log.plot(k, shown, color=METHOD_COLORS[method], linewidth=widths[method])
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axhline(traj["ridge"], color=METHOD_COLORS["gd"], linestyle=":", linewidth=1)
        ax.set_xlabel(f"iteration k (step {_fmt(traj['step'])}, L1 pull per step "
                      f"step·α = {_fmt(pull)})")
        ax.set_ylabel(f"weight w_{j} ({basis} term {j}, standardized)")
        ax.set_title(f"w_{j}: dotted = Ridge solution {_fmt(traj['ridge'])}; Lasso solution "
                     f"{_fmt(traj['lasso'])}", fontsize=9.5)
        notes = []
        ista_zero = np.flatnonzero(series["ista"] == 0)
        if ista_zero.size:
            first = int(ista_zero[0])
            stays = bool((series["ista"][first:] == 0).all())
            notes.append(f"ISTA: exactly 0 from iteration {first}" + (" on" if stays else ""))
        else:
            notes.append("ISTA: never exactly 0 in this run")
        sub = series["subgradient"]
        tail = sub[sub.size // 2:]
        flips = int((np.diff(np.sign(tail)) != 0).sum())
        notes.append(
            f"subgradient, 2nd half: |w| up to {_fmt(np.abs(tail).max())}, "
            f"{int((tail == 0).sum())} exact zeros, {flips} sign changes"
        )
        gd = series["gd"]
        notes.append(f"L2: smallest |w| {_fmt(np.abs(gd).min())}, never 0")
        ax_log.set_title("\n".join(notes), fontsize=8.5)
        ax_log.set_yscale("log")
        ax_log.set_ylim(floor / 3, None)
        ax_log.axhspan(floor / 3, floor * 2.5, color="0.85", zorder=0)
        ax_log.text(sub.size * 0.5, floor * 1.3, "exactly 0", va="center", ha="center",
                    fontsize=8, color="0.25")
        ax_log.set_xlabel("iteration k")
        ax_log.set_ylabel(f"|w_{j}| (log scale)")
        fig.suptitle(
            f"Gradient-descent trajectories of one weight (l1l2.solvers.solve_history) — "
            f"{scenario}, degree {degree}, {basis} basis\n"
            f"all three start at the OLS value {_fmt(traj['start'])} with α = "
            f"{_fmt(traj['alpha'])}",
            fontsize=10,
        )
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        handles, names = ax.get_legend_handles_labels()
        fig.legend(handles, names, loc="lower center", ncol=3, frameon=False)


# --------------------------------------------------------------------------- 8 convergence


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
) -> pd.DataFrame:
    """FISTA's iterations, convergence and cond(G) per basis, degree, model and λ.

    On one replicate's training rows, in both bases, every model is fitted at every degree and
    every λ of ``lambdas`` (OLS at λ = 0) with the study's solver settings, one batched
    :func:`l1l2.solvers.solve_many` call per (basis, model). ``converged`` is the solver's own
    verdict (gap ≤ ``tol·‖y_c‖²/n`` within ``max_iter``), recorded as it is.

    Returns
    -------
    pandas.DataFrame
        Columns ``basis, degree, model, lambda, cond_gram, n_iter, converged, gap,
        gap_target``.
    """
    import warnings

    from .solvers import solve_many
    from .study import gram_condition, model_lambdas, penalty_of

    rows = []
    for basis in ("legendre", "monomial"):
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
                    tol=tol, max_iter=max_iter,
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
                        }
                    )
    return pd.DataFrame(rows)


_MODEL_MARKERS = {"ols": "o", "ridge": "s", "lasso": "D", "elasticnet": "^"}


def convergence(
    split_table: pd.DataFrame,
    table: pd.DataFrame,
    scenario: str,
    degree: int,
    alpha: float,
    basis: str,
    domain: Sequence[float],
    path,
    tol: float,
    max_iter: int,
    n_iter: int = 20_000,
    replicate: int = 0,
    dpi: int = 110,
) -> None:
    """Figure 8: ISTA vs FISTA, Legendre vs monomial, and what λ does to the iterations.

    (a) The Lasso's duality gap against iteration for ISTA and FISTA at ``degree`` and ``alpha``
    in both bases (:func:`l1l2.solvers.solve_history`, at most ``n_iter`` iterations), with the
    target gap. (b) The most iterations FISTA needed over the λ grid, per
    degree, basis and model (from ``table``, see :func:`conditioning_table`); fits that stopped
    at ``max_iter`` without converging are crosses, and counted in the title. (c) cond(G) per
    degree and basis. (d) Iterations against λ at the highest degree: a larger λ conditions the
    problem (cond(G + αI) = (λ_max + α)/(λ_min + α) for Ridge) and FISTA needs fewer steps.
    """
    import warnings

    from .solvers import solve_history

    runs = {}
    for b in BASIS_COLORS:
        X, y = example_problem(split_table, degree, b, domain, replicate)
        for method in ("ista", "fista"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # non-convergence is drawn, not warned
                runs[(b, method)] = solve_history(X, y, "l1", alpha, method=method,
                                                  max_iter=n_iter, tol=tol)
    present = [m for m in _MODEL_MARKERS if m in set(table["model"])]
    with figure(path, dpi, nrows=2, ncols=2, figsize=(13, 9.6)) as (fig, axes):
        (ax_gap, ax_it), (ax_cond, ax_lam) = axes
        for (b, method), res in runs.items():
            gap = res.history.gap
            k = np.arange(1, gap.size + 1)
            label = f"{method.upper()}, {b}: " + (
                f"target at iteration {int(res.n_iter[0])}" if res.converged[0]
                else f"not reached in {n_iter} (gap {gap[-1]:.1e})"
            )
            ax_gap.plot(k, np.maximum(gap, 1e-300), color=METHOD_COLORS[method],
                        linestyle="-" if b == "legendre" else "--", label=label)
        target = runs[("legendre", "ista")].gap_target
        ax_gap.axhline(target, color="black", linestyle=":", linewidth=1,
                       label=f"target tol·‖y_c‖²/n = {target:.2g}")
        ax_gap.set_xscale("log")
        ax_gap.set_yscale("log")
        ax_gap.set_ylim(target * 1e-5, None)  # room for the legend below the target
        ax_gap.set_xlabel("iteration + 1 (log scale)")
        ax_gap.set_ylabel("duality gap (log scale)")
        ax_gap.set_title(f"(a) ISTA vs FISTA: Lasso, α = {_fmt(alpha)}, degree {degree}; "
                         "each run stops at the target", fontsize=9.5)
        ax_gap.legend(loc="lower left", fontsize=7.5)

        worst = table.groupby(["basis", "model", "degree"], sort=False).agg(
            n_iter=("n_iter", "max"), failed=("converged", lambda c: int((~c).sum()))
        ).reset_index()
        for (b, model), rows in worst.groupby(["basis", "model"], sort=False):
            rows = rows.sort_values("degree")
            bad = rows["failed"].to_numpy() > 0
            ax_it.plot(rows["degree"], rows["n_iter"], color=BASIS_COLORS[b], linewidth=0.8,
                       alpha=0.7)
            ax_it.plot(rows["degree"][~bad], rows["n_iter"][~bad], linestyle="none",
                       marker=_MODEL_MARKERS[model], ms=4, color=BASIS_COLORS[b])
            ax_it.plot(rows["degree"][bad], rows["n_iter"][bad], linestyle="none", marker="x",
                       ms=8, mew=2, color=BASIS_COLORS[b])
        ax_it.axhline(max_iter, color="0.4", linestyle=":", linewidth=1)
        ax_it.set_yscale("log")
        ax_it.set_ylim(None, max_iter * 6)
        ax_it.text(table["degree"].min(), max_iter * 1.15, f"max_iter = {max_iter}",
                   ha="left", va="bottom", fontsize=8, color="0.3")
        counts = table.groupby("basis")["converged"].agg(["sum", "size"])
        summary = "; ".join(
            f"{b}: {int(r['size'] - r['sum'])} of {int(r['size'])} fits not converged"
            for b, r in counts.iterrows()
        )
        ax_it.set_xlabel("polynomial degree")
        ax_it.set_ylabel("FISTA iterations, most over the λ grid (log)")
        ax_it.set_title(f"(b) iterations per degree\n{summary}", fontsize=9.5)
        _integer_axis(ax_it.xaxis)

        conds = table.drop_duplicates(["basis", "degree"])
        for b, rows in conds.groupby("basis", sort=False):
            ax_cond.plot(rows["degree"], rows["cond_gram"], color=BASIS_COLORS[b], marker="o",
                         ms=3)
            last = rows.sort_values("degree").iloc[-1]
            ax_cond.annotate(f"{last['cond_gram']:.1e}", (last["degree"], last["cond_gram"]),
                             xytext=(-4, 6), textcoords="offset points", ha="right",
                             fontsize=8, color=BASIS_COLORS[b])
        ax_cond.set_yscale("log")
        ax_cond.set_xlabel("polynomial degree")
        ax_cond.set_ylabel("cond(G) = λ_max/λ_min of X_cᵀX_c/n (log)")
        ax_cond.set_title("(c) conditioning of the standardized design", fontsize=9.5)
        _integer_axis(ax_cond.xaxis)

        top = table[table["degree"] == table["degree"].max()]
        for (b, model), rows in top.groupby(["basis", "model"], sort=False):
            if model == "ols":
                ax_lam.axhline(rows["n_iter"].iloc[0], color=BASIS_COLORS[b], linestyle="--",
                               linewidth=1)
                continue
            rows = rows.sort_values("lambda")
            ok = rows["converged"].to_numpy()
            ax_lam.plot(rows["lambda"], rows["n_iter"].clip(lower=1), color=BASIS_COLORS[b],
                        linewidth=0.8, marker=_MODEL_MARKERS[model], ms=3.5)
            ax_lam.plot(rows["lambda"][~ok], rows["n_iter"][~ok], linestyle="none",
                        marker="x", ms=8, mew=2, color=BASIS_COLORS[b])
        ax_lam.set_yscale("log")
        _log_lambda_axis(ax_lam)
        ax_lam.set_ylabel("FISTA iterations (log)")
        ax_lam.set_title(f"(d) iterations vs λ at degree {int(top['degree'].max())} "
                         "(dashed: OLS; 0 iterations drawn at 1)", fontsize=9.5)

        handles = [
            Line2D([], [], color=BASIS_COLORS[b], linewidth=2, label=f"{b} basis")
            for b in BASIS_COLORS
        ] + [
            Line2D([], [], color="0.3", marker=_MODEL_MARKERS[m], linestyle="none",
                   label=MODEL_LABELS[m])
            for m in present
        ] + [Line2D([], [], color="0.3", marker="x", mew=2, linestyle="none", ms=8,
                    label="not converged (stopped at max_iter)")]
        fig.suptitle(
            f"Convergence and conditioning — {describe_scenario(scenario)}\n"
            f"replicate {replicate}'s training rows; FISTA with tol {tol:g}, "
            f"max_iter {max_iter}",
            fontsize=10,
        )
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)


# --------------------------------------------------------------------------- 9 cross-check


def crosscheck(
    pairs: pd.DataFrame, table: pd.DataFrame, path, basis: str = "legendre", dpi: int = 110
) -> None:
    """Figure 9: l1l2 against scikit-learn.

    Left: every coefficient of the compared fits in ``pairs`` (columns ``model, l1l2,
    sklearn``, as written by the reference stage), l1l2 against scikit-learn, on a
    symmetric-log scale. Right: for every compared
    fit of the cross-check ``table``, the largest coefficient difference against its certified
    tolerance ``coef_tol``; points below the diagonal pass. The largest difference is printed.
    """
    models = [m for m in MODEL_COLORS if m in set(table["model"])]
    with figure(path, dpi, ncols=2, figsize=(12, 5.4)) as (fig, (ax_sc, ax_tol)):
        for model in models:
            rows = pairs[pairs["model"] == model]
            ax_sc.scatter(rows["sklearn"], rows["l1l2"], s=6, color=MODEL_COLORS[model],
                          alpha=0.5, linewidths=0, label=MODEL_LABELS[model], rasterized=True)
        if len(pairs):
            limit = float(np.abs(pairs[["sklearn", "l1l2"]].to_numpy()).max()) * 1.2
            ax_sc.plot([-limit, limit], [-limit, limit], color="black", linewidth=0.8)
            worst = pairs.iloc[int(np.argmax((pairs["l1l2"] - pairs["sklearn"]).abs()))]
            diff = abs(worst["l1l2"] - worst["sklearn"])
            ax_sc.text(
                0.02, 0.98,
                f"{len(pairs)} coefficients; largest |difference| = {diff:.2e}\n"
                f"({worst['scenario']}, {worst['model']}, degree {int(worst['degree'])}, "
                f"λ = {_fmt(worst['lambda'])})",
                transform=ax_sc.transAxes, va="top", fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"},
            )
            inset = ax_sc.inset_axes((0.07, 0.5, 0.36, 0.26))
            diffs = np.log10((pairs["l1l2"] - pairs["sklearn"]).abs().to_numpy() + 1e-17)
            inset.hist(diffs, bins=np.arange(-17, 0.5, 0.5), color="0.4")
            inset.set_xlabel("log10 |l1l2 − sklearn| (0 → −17)", fontsize=7)
            inset.set_ylabel("coefficients", fontsize=7)
            inset.tick_params(labelsize=7)
            inset.set_yscale("log")
        ax_sc.set_xscale("symlog", linthresh=1e-3)
        ax_sc.set_yscale("symlog", linthresh=1e-3)
        ax_sc.set_xlabel("scikit-learn coefficient (symlog; linear within ±1e-3)")
        ax_sc.set_ylabel("l1l2 coefficient (symlog)")
        ax_sc.set_title(f"coefficients of every compared fit, {basis} basis", fontsize=10)
        ax_sc.legend(loc="lower right", markerscale=3)

        floor = 1e-17
        for model in reversed(models):  # OLS (fewest fits) on top
            rows = table[table["model"] == model]
            ax_tol.scatter(rows["coef_tol"], rows["max_abs_coef_diff"].clip(lower=floor), s=6,
                           color=MODEL_COLORS[model], alpha=0.4, linewidths=0,
                           label=MODEL_LABELS[model], rasterized=True)
        finite = table["coef_tol"][np.isfinite(table["coef_tol"])]
        if len(finite):
            lo, hi = finite.min() / 3, finite.max() * 3
            ax_tol.plot([lo, hi], [lo, hi], color="black", linewidth=0.8)
            ax_tol.text(hi, hi, "difference = tolerance ", ha="right", va="top", fontsize=8,
                        rotation=0)
        worst = table.iloc[int(np.argmax(table["max_abs_coef_diff"]))]
        status = table["status"].value_counts()
        ax_tol.set_title(
            "every compared fit: difference vs its certified tolerance\n"
            f"{len(table)} fits: " + ", ".join(f"{int(n)} {s}" for s, n in status.items())
            + f"; largest |Δcoef| = {worst['max_abs_coef_diff']:.2e} (tolerance "
            f"{worst['coef_tol']:.1e})\n{worst['scenario']}, {worst['model']}, replicate "
            f"{int(worst['replicate'])}, degree {int(worst['degree'])}, "
            f"λ = {_fmt(worst['lambda'])}, cond(G) = {worst['cond_gram']:.1e}",
            fontsize=9,
        )
        ax_tol.set_xscale("log")
        ax_tol.set_yscale("log")
        ax_tol.set_ylim(floor / 3, None)
        ax_tol.set_xlabel("certified coefficient tolerance (log scale)")
        ax_tol.set_ylabel("max |l1l2 − scikit-learn| coefficient (log; 0 drawn at 1e-17)")
        handles, labels = ax_tol.get_legend_handles_labels()
        ax_tol.legend(handles[::-1], labels[::-1], loc="lower right", markerscale=3)
        fig.suptitle("Cross-check: l1l2's gradient-descent fits against scikit-learn on the "
                     "same objective", fontsize=10)
        fig.tight_layout()


# --------------------------------------------------------------------------- 10 bias–variance


def bias_variance_figure(
    tables: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    scenario: str,
    degree: int,
    noise_sd: float,
    path,
    basis: str = "legendre",
    dpi: int = 110,
) -> None:
    """Figure 10: squared bias, variance and test error against λ, one panel per model.

    ``tables`` maps model -> :func:`bias_variance` output at ``degree``. The predicted error
    bias² + variance + σ² is drawn with the measured test MSE (mean over replicates) on top;
    the dotted line is OLS's test MSE at the same degree.
    """
    data = metrics[(metrics["scenario"] == scenario) & (metrics["degree"] == degree)]
    models = [m for m in PENALIZED if m in tables]
    noise = float(noise_sd) ** 2
    with figure(
        path, dpi, ncols=len(models), figsize=(4.4 * len(models), 4.4), sharey=True,
        squeeze=False,
    ) as (fig, axes):
        for ax, model in zip(axes[0], models, strict=True):
            bv = tables[model]
            lam = bv["lambda"]
            ax.plot(lam, bv["bias2"], color="#e6a100", linewidth=2)
            ax.plot(lam, bv["variance"], color="#17a589", linewidth=2)
            ax.plot(lam, bv["bias2"] + bv["variance"] + noise, color=MODEL_COLORS[model],
                    linewidth=2.2)
            test = data[data["model"] == model].groupby("lambda")["test_mse"].mean()
            ax.plot(test.index, test.to_numpy(), linestyle="none", marker="o", ms=3.5,
                    color="black")
            ols = data[data["model"] == "ols"]["test_mse"]
            if len(ols):
                ax.axhline(ols.mean(), color=MODEL_COLORS["ols"], linestyle=":", linewidth=1.3)
            ax.axhline(noise, color="0.5", linestyle="--", linewidth=1)
            total = bv["bias2"] + bv["variance"]
            best = bv.loc[total.idxmin()]
            ax.axvline(best["lambda"], color="0.3", linewidth=0.8)
            ax.set_title(
                f"{MODEL_LABELS[model]}, degree {degree}\n"
                f"bias² + variance smallest at λ = {_fmt(best['lambda'])}",
                color=MODEL_COLORS[model], fontsize=10,
            )
            _log_lambda_axis(ax)
            ax.set_yscale("log")
        axes[0, 0].set_ylabel("squared error (log scale)")
        handles = [
            Line2D([], [], color="#e6a100", linewidth=2, label="bias²"),
            Line2D([], [], color="#17a589", linewidth=2, label="variance"),
            Line2D([], [], color="0.3", linewidth=2.2, label="bias² + variance + σ²"),
            Line2D([], [], color="black", marker="o", linestyle="none", ms=4,
                   label="measured test MSE"),
            Line2D([], [], color="0.5", linestyle="--", label=f"noise σ² = {_fmt(noise)}"),
            Line2D([], [], color=MODEL_COLORS["ols"], linestyle=":", label="OLS test MSE"),
        ]
        n_rep = int(next(iter(tables.values()))["n_replicates"].iloc[0])
        fig.suptitle(
            f"Bias–variance over {n_rep} replicates — {describe_scenario(scenario)}\n"
            f"{basis} basis; averaged over x uniform on the domain",
            fontsize=10,
        )
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False,
                   fontsize=8.5)


# --------------------------------------------------------------------------- 11 support recovery


def support_recovery(
    coefs: pd.DataFrame,
    scenario: str,
    function: str,
    degree: int,
    path,
    basis: str = "legendre",
    model: str = "lasso",
    selected: Mapping[str, float] | None = None,
    dpi: int = 110,
) -> None:
    """Figure 11: how often each term is kept (non-zero) by the Lasso, against λ.

    Top: a heat map of the share of replicates in which term j is exactly non-zero, rows marked
    ★ for the true support (in ``basis``). Bottom: the mean number of true terms kept and of
    false terms kept, against λ. ``selected`` (rule -> λ) draws vertical lines, e.g. the
    median λ chosen by CV.
    """
    true = true_coefficients(function, degree, basis)
    wide = coef_matrix(coefs, degree)
    terms = list(range(1, degree + 1))
    kept = (wide[terms] != 0).groupby(level="lambda").mean().sort_index()
    lam = kept.index.to_numpy()
    support = set() if true is None else {int(j) + 1 for j in np.flatnonzero(true)}
    with figure(
        path, dpi, nrows=2, ncols=2, figsize=(9.5, 8.0),
        gridspec_kw={"height_ratios": [1.6, 1], "width_ratios": [1, 0.025]},
    ) as (fig, axes):
        (ax_map, cax), (ax_cnt, spare) = axes
        spare.set_visible(False)
        edges = np.sqrt(lam[1:] * lam[:-1])
        x_edges = np.concatenate([[lam[0] ** 2 / edges[0]], edges, [lam[-1] ** 2 / edges[-1]]])
        y_edges = np.arange(degree + 1) + 0.5
        mesh = ax_map.pcolormesh(x_edges, y_edges, kept.to_numpy().T, cmap="Greys",
                                 vmin=0, vmax=1, shading="flat")
        ax_map.set_xscale("log")
        ax_map.set_yticks(terms)
        ax_map.set_yticklabels([f"{'★ ' if j in support else ''}{j}" for j in terms])
        for tick, j in zip(ax_map.get_yticklabels(), terms, strict=True):
            if j in support:
                tick.set_color(MODEL_COLORS[model])
                tick.set_fontweight("bold")
        ax_map.set_ylabel(f"term ({basis} degree j)")
        ax_map.grid(False)
        ax_map.invert_yaxis()
        bar = fig.colorbar(mesh, cax=cax)
        bar.set_label("share of replicates with\ncoefficient exactly ≠ 0")
        title = f"{MODEL_LABELS[model]} at degree {degree}: which terms are kept"
        if true is not None:
            title += f" (★ = true support {sorted(support)})"
        ax_map.set_title(title, fontsize=10)

        per_fit = (wide[terms] != 0)
        true_cols = [j for j in terms if j in support]
        false_cols = [j for j in terms if j not in support]
        n_true = per_fit[true_cols].sum(axis=1).groupby(level="lambda").mean().sort_index()
        n_false = per_fit[false_cols].sum(axis=1).groupby(level="lambda").mean().sort_index()
        ax_cnt.plot(n_true.index, n_true.to_numpy(), color=MODEL_COLORS[model], marker="o",
                    ms=3, linewidth=2, label=f"true terms kept (of {len(true_cols)})")
        ax_cnt.plot(n_false.index, n_false.to_numpy(), color="0.35", marker="s", ms=3,
                    linewidth=1.5, linestyle="--",
                    label=f"false terms kept (of {len(false_cols)})")
        exact = per_fit[true_cols].all(axis=1) & ~per_fit[false_cols].any(axis=1)
        share = exact.groupby(level="lambda").mean().sort_index()
        ax_cnt2 = ax_cnt.twinx()
        ax_cnt2.bar(share.index, share.to_numpy(), width=share.index * 0.25, color="#2ca02c",
                    alpha=0.35, label="exact support recovered (share)")
        ax_cnt2.set_ylim(0, 1.05)
        ax_cnt2.set_ylabel("exact recovery (share of replicates)", color="#2ca02c")
        ax_cnt2.grid(False)
        ax_cnt.set_zorder(ax_cnt2.get_zorder() + 1)
        ax_cnt.patch.set_visible(False)
        for ax in (ax_map, ax_cnt):
            for rule, value in (selected or {}).items():
                ax.axvline(value, color="#ff7f0e", linestyle="-." if rule == "1se" else "-",
                           linewidth=1.2)
        if selected:
            ax_cnt.plot([], [], color="#ff7f0e", label="CV choice (median): " + ", ".join(
                f"λ_{r} = {_fmt(v)}" for r, v in sorted(selected.items(), reverse=True)))
        ax_cnt.set_xscale("log")
        ax_cnt.set_xlim(ax_map.get_xlim())
        ax_cnt.set_xlabel(LAMBDA_LABEL)
        ax_cnt.set_ylabel("terms kept (mean over replicates)")
        handles = ax_cnt.get_legend_handles_labels()
        extra = ax_cnt2.get_legend_handles_labels()
        fig.suptitle(f"Support recovery — {describe_scenario(scenario)}", fontsize=10)
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        fig.legend(handles[0] + extra[0], handles[1] + extra[1], loc="lower center", ncol=2,
                   fontsize=8.5, frameon=False)


# --------------------------------------------------------------------------- summary table


def summary_table(
    selection: pd.DataFrame, crosscheck_table: pd.DataFrame, metrics: pd.DataFrame
) -> pd.DataFrame:
    """One row per (scenario, model, rule): the selected model and whether to trust it.

    Joins ``selection.csv`` (degree, median λ, mean/sd test MSE, zero share, convergence of the
    chosen fits) with the cross-check verdicts of that (scenario, model) and the number of the
    model's fits in ``metrics.csv`` (full-training and CV) that did not converge.

    Returns
    -------
    pandas.DataFrame
        Columns of ``selection`` plus ``n_compared, n_agree, n_not_converged, n_disagree,
        max_abs_coef_diff, n_fits, n_fits_unconverged``.
    """
    cross = crosscheck_table.groupby(["scenario", "model"]).agg(
        n_compared=("status", "size"),
        n_agree=("status", lambda s: int((s == "agree").sum())),
        n_not_converged=("status", lambda s: int((s == "not converged").sum())),
        n_disagree=("status", lambda s: int((s == "DISAGREE").sum())),
        max_abs_coef_diff=("max_abs_coef_diff", "max"),
    )
    fits = metrics.assign(
        unconverged=~(metrics["converged"].astype(bool) & metrics["cv_converged"].astype(bool))
    ).groupby(["scenario", "model"]).agg(
        n_fits=("unconverged", "size"), n_fits_unconverged=("unconverged", "sum")
    )
    out = selection.join(cross, on=["scenario", "model"]).join(fits, on=["scenario", "model"])
    for column in ("n_compared", "n_agree", "n_not_converged", "n_disagree"):
        out[column] = out[column].fillna(0).astype(int)
    out["n_fits_unconverged"] = out["n_fits_unconverged"].astype(int)
    return out.reset_index(drop=True)


def _scenario_cell(name: str) -> str:
    match = _SCENARIO_NAME.match(name)
    if not match:
        return name
    return f"{match['function']}, σ = {match['noise']}, n = {match['n']}"


def _summary_sections(summary: pd.DataFrame, basis: str) -> list[dict]:
    """Tables of the summary as plain cells, with a bold flag: rendered to Markdown or HTML."""
    models = [m for m in MODEL_COLORS if m in set(summary["model"])]
    rule_text = {
        "min": "the (degree, λ) with the lowest CV error",
        "1se": "glmnet's one-standard-error rule (the largest λ, then the lowest degree, "
        "within one SE of the lowest CV error)",
    }
    sections = []
    scenarios = list(dict.fromkeys(summary["scenario"]))
    for rule in [r for r in ("min", "1se") if r in set(summary["rule"])]:
        part = summary[summary["rule"] == rule].set_index(["scenario", "model"])
        rows = []
        for scenario in scenarios:
            cells = [(_scenario_cell(scenario), False)]
            present = [m for m in models if (scenario, m) in part.index]
            best = min(present, key=lambda m: part.loc[(scenario, m), "test_mse"])
            for model in models:
                if (scenario, model) not in part.index:
                    cells.append(("–", False))
                    continue
                r = part.loc[(scenario, model)]
                text = f"{r['test_mse']:.4f} ± {r['test_mse_sd']:.4f} (degree {int(r['degree'])}"
                if model != "ols":
                    text += f", λ {r['lambda']:.2g}"
                if model in ("lasso", "elasticnet"):
                    text += f", {100 * r['zero_share']:.0f} % zero"
                text += ")"
                if not r["all_converged"]:
                    text += " †"
                cells.append((text, model == best))
            verdicts = part.loc[scenario]
            compared = int(verdicts["n_compared"].sum())
            agree = int(verdicts["n_agree"].sum())
            worst = verdicts["max_abs_coef_diff"].max()
            cells.append((f"{agree}/{compared} agree (max |Δw| {worst:.1e})", False))
            rows.append(cells)
        sections.append(
            {
                "title": f"Selected by rule `{rule}`",
                "intro": f"Each replicate chooses {rule_text[rule]}; test MSE is the mean ± sd "
                "over replicates of the chosen fits (test data never choose). Bold: lowest test "
                "MSE of the scenario. λ is the median choice; “zero” is the mean share of "
                "coefficients exactly 0. † some chosen fit did not converge.",
                "header": ["scenario"] + [MODEL_LABELS[m] for m in models]
                + ["cross-check vs scikit-learn"],
                "rows": rows,
            }
        )
    per_model = summary[summary["rule"] == summary["rule"].iloc[0]].groupby("model").agg(
        n_compared=("n_compared", "sum"),
        n_agree=("n_agree", "sum"),
        n_not_converged=("n_not_converged", "sum"),
        n_disagree=("n_disagree", "sum"),
        worst=("max_abs_coef_diff", "max"),
        n_fits=("n_fits", "sum"),
        n_fits_unconverged=("n_fits_unconverged", "sum"),
    )
    rows = []
    for model in models:
        r = per_model.loc[model]
        rows.append(
            [
                (MODEL_LABELS[model], False),
                (f"{int(r['n_compared'])}", False),
                (f"{int(r['n_agree'])}", False),
                (f"{int(r['n_not_converged'])}", False),
                (f"{int(r['n_disagree'])}", int(r["n_disagree"]) > 0),
                (f"{r['worst']:.1e}", False),
                (f"{int(r['n_fits_unconverged'])} of {int(r['n_fits'])}", False),
            ]
        )
    sections.append(
        {
            "title": "Cross-check and convergence per model",
            "intro": "Fits compared with scikit-learn on the same objective (status from "
            "`crosscheck.csv`: agree within the certified tolerance, not converged on either "
            "side, or DISAGREE), and the l1l2 fits of `metrics.csv` (full-training or any CV "
            "fold) that did not reach the target gap.",
            "header": [
                "model", "fits compared", "agree", "not converged", "disagree",
                "largest |Δcoef|", "l1l2 fits not converged",
            ],
            "rows": rows,
        }
    )
    return sections


def summary_markdown(summary: pd.DataFrame, basis: str = "legendre") -> str:
    """The summary as a Markdown document (``results/tables/summary.md``)."""
    lines = [
        "# l1l2: selected models per scenario",
        "",
        f"Polynomial regression in the {basis} basis; every number comes from "
        "`results/tables/selection.csv`, `crosscheck.csv` and `metrics.csv`.",
    ]
    for section in _summary_sections(summary, basis):
        lines += ["", f"## {section['title']}", "", section["intro"], ""]
        lines.append("| " + " | ".join(h.replace("|", "\\|") for h in section["header"]) + " |")
        lines.append("|" + "|".join(["---"] * len(section["header"])) + "|")
        for row in section["rows"]:
            cells = [f"**{t}**" if bold else t for t, bold in row]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def summary_html(summary: pd.DataFrame, basis: str = "legendre") -> str:
    """The same summary as a small self-contained HTML page (shown in the Snakemake report)."""
    from html import escape

    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>l1l2 summary</title><style>",
        "body{font-family:sans-serif;font-size:13px;margin:1em}",
        "table{border-collapse:collapse;margin-bottom:1.5em}",
        "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}",
        "th{background:#f0f0f0}td.best{font-weight:bold;background:#eef6ee}",
        "</style></head><body>",
        "<h2>l1l2: selected models per scenario</h2>",
        f"<p>Polynomial regression in the {escape(basis)} basis.</p>",
    ]
    for section in _summary_sections(summary, basis):
        parts.append(f"<h3>{escape(section['title'].replace('`', ''))}</h3>")
        parts.append(f"<p>{escape(section['intro'].replace('`', ''))}</p><table><tr>")
        parts += [f"<th>{escape(h)}</th>" for h in section["header"]]
        parts.append("</tr>")
        for row in section["rows"]:
            parts.append("<tr>")
            parts += [
                f"<td class='best'>{escape(t)}</td>" if bold else f"<td>{escape(t)}</td>"
                for t, bold in row
            ]
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


__all__ = [
    "MODEL_COLORS",
    "MODEL_LABELS",
    "bias_variance",
    "bias_variance_figure",
    "coef_matrix",
    "coefficient_paths",
    "conditioning_table",
    "convergence",
    "crosscheck",
    "describe_scenario",
    "error_vs_degree",
    "error_vs_lambda",
    "figure",
    "penalties",
    "predict",
    "sparsity_vs_lambda",
    "summary_html",
    "summary_markdown",
    "summary_table",
    "support_recovery",
    "trajectories",
    "trajectory_runs",
    "under_overfitting",
    "under_overfitting_animation",
]
