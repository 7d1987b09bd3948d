"""Figure 1: under- to overfitting, as a grid of panels and as an animated GIF."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import animation, ticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..data import get_true_function, to_unit_interval
from .analysis import best_lambda_by_degree, describe_scenario, standardized_basis
from .style import (
    MODEL_COLORS,
    MODEL_LABELS,
    attach_data,
    figure_function,
    fmt,
    integer_axis,
    readable_log_y,
    redrawn_per_frame,
    tight_layout,
)

#: Points at which the true function and every fit are drawn (and written to the CSV).
CURVE_POINTS = 200


def _fit_curves(split_table, coefs_by_model, metrics, replicate, degrees, x, basis, domain):
    """(model, degree) -> (λ, curve at x, test MSE) of one replicate at its best-CV λ."""
    best = best_lambda_by_degree(metrics, replicate).set_index(["model", "degree"])
    own = {model: coefs[coefs["replicate"] == replicate] for model, coefs in coefs_by_model.items()}
    out = {}
    for degree in degrees:
        Z = standardized_basis(split_table, replicate, degree, x, basis, domain)
        for model, coefs in own.items():
            row = best.loc[(model, degree)]
            lam = float(row["lambda"])
            fit = coefs[(coefs["degree"] == degree) & (coefs["lambda"] == lam)]
            w = fit.sort_values("term")["coef"].to_numpy()
            if w.size != degree + 1:
                raise ValueError(f"{model}: replicate {replicate}, degree {degree}, λ {lam:g}: "
                                 f"{w.size} coefficients, expected {degree + 1}")
            out[(model, degree)] = (lam, w[0] + Z @ w[1:], float(row["test_mse"]))
    return out


def _fits_data(table, x, truth, curves, degrees):
    """The numbers drawn: data points, the true function and every drawn fit (tidy)."""
    parts = [
        pd.DataFrame({"kind": rows["split"].to_numpy(), "x": rows["x"].to_numpy(),
                      "y": rows["y"].to_numpy()})
        for _, rows in table.groupby("split", sort=True)
    ]
    parts.append(pd.DataFrame({"kind": "truth", "x": x, "y": truth}))
    for (model, degree), (lam, curve, test_mse) in sorted(curves.items()):
        if degree in degrees:
            parts.append(pd.DataFrame({"kind": "fit", "model": model, "degree": degree,
                                       "lambda": lam, "test_mse": test_mse, "x": x, "y": curve}))
    columns = ["kind", "model", "degree", "lambda", "test_mse", "x", "y"]
    return pd.concat(parts, ignore_index=True).reindex(columns=columns)


def _fits_setup(split_table, function, domain, replicate):
    table = split_table[split_table["replicate"] == replicate]
    x = np.linspace(float(domain[0]), float(domain[1]), CURVE_POINTS)
    truth = get_true_function(function)(to_unit_interval(x, domain))
    y = table["y"].to_numpy()
    low, high = min(y.min(), truth.min()), max(y.max(), truth.max())
    pad = 0.25 * (high - low)
    return table, x, truth, (low - pad, high + pad)


def _fits_panel(ax, table, x, truth, models, ylim, prefix="test MSE"):
    """Draw the data and the true function on ``ax``, and the (empty) artists of the fits.

    Returns ``show(degree, curves)``, which puts the fits of one degree (``curves`` as from
    :func:`_fit_curves`) into those artists, and the artists ``show`` changes: the animation
    redraws only these per frame.
    """
    train = table[table["split"] == "train"]
    test = table[table["split"] == "test"]
    ax.scatter(train["x"], train["y"], s=12, color="0.55", zorder=2, linewidths=0)
    ax.scatter(test["x"], test["y"], s=16, facecolors="none", edgecolors="0.3", zorder=2)
    ax.plot(x, truth, color="black", linestyle="--", linewidth=1.2, zorder=3)
    lines = {
        model: ax.plot(x, truth, color=MODEL_COLORS[model], linewidth=1.6, zorder=4)[0]
        for model in models
    }
    ax.set_ylim(*ylim)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
    title = ax.set_title("", fontsize=10)
    # one coloured line of test errors (and λ) per panel, under the title
    text = ax.annotate(prefix, xy=(0, 1), xycoords="axes fraction", xytext=(0, 3),
                       textcoords="offset points", fontsize=8.5, va="bottom", color="0.2")
    labels = {}
    for model in models:
        text = labels[model] = ax.annotate("", xycoords=text, xy=(1, 0), va="bottom",
                                           fontsize=8.5, color=MODEL_COLORS[model])

    def show(degree, curves):
        title.set_text(f"degree {degree}\n")
        for model in models:
            lam, curve, test_mse = curves[(model, degree)]
            lines[model].set_ydata(curve)
            label = MODEL_LABELS[model].split(" ")[0]
            label += f" {test_mse:.3g}" + ("" if model == "ols" else f" (λ {fmt(lam)})")
            labels[model].set_text("  " + label)

    return show, [title, *lines.values(), *labels.values()]


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
    fig.legend(handles=handles, loc="lower center", ncol=ncol or len(handles), frameon=False,
               fontsize=9)


@figure_function
def under_overfitting(
    split_table: pd.DataFrame,
    coefs_by_model: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    scenario: str,
    function: str,
    degrees: Sequence[int],
    basis: str = "legendre",
    domain: Sequence[float] = (-1.0, 1.0),
    replicate: int = 0,
) -> Figure:
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
    ncols = min(2, len(degrees))
    nrows = math.ceil(len(degrees) / ncols)
    fig, axes = plt.subplots(
        nrows=nrows, ncols=ncols, figsize=(4.6 * ncols, 2.9 * nrows + 1.1),
        sharex=True, sharey=True, squeeze=False,
    )
    for ax, degree in zip(axes.flat, degrees, strict=False):
        # narrow panels: the line of test errors without its prefix (the suptitle names it), so
        # that the right column's line ends inside the figure
        _fits_panel(ax, table, x, truth, models, ylim, prefix="")[0](degree, curves)
    for ax in axes.flat[len(degrees):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("y")
    fig.suptitle(
        f"Under- to overfitting — {describe_scenario(scenario)}\n{basis} basis, replicate "
        f"{replicate}; each model at its best-CV λ for the degree, its test MSE above each panel",
        fontsize=10,
    )
    tight_layout(fig, rect=(0, 0.08 if ncols < 3 else 0.05, 1, 1))
    _fits_legend(fig, models, ncol=3)
    return attach_data(fig, _fits_data(table, x, truth, curves, set(degrees)))


@figure_function
def under_overfitting_animation(
    split_table: pd.DataFrame,
    coefs_by_model: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    scenario: str,
    function: str,
    degrees: Sequence[int],
    basis: str = "legendre",
    domain: Sequence[float] = (-1.0, 1.0),
    replicate: int = 0,
    fps: float = 1.5,
) -> animation.FuncAnimation:
    """Figure 1 (animated GIF): one frame per degree, the fits beside their test error.

    Left: data, true function and the fits of :func:`under_overfitting` at the frame's degree.
    Right: the test MSE of those fits against degree, with the current degree marked. The last
    frame is held for three frame durations. Returns the animation; :func:`~l1l2.plots.style.save`
    writes it as a GIF with Pillow, byte-identical across runs.
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
    fig, (ax_fit, ax_err) = plt.subplots(
        ncols=2, figsize=(8.4, 4.0), gridspec_kw={"width_ratios": [1.5, 1]}
    )
    values = np.concatenate(list(errors.values()))
    log_scale = values.max() / values.min() > 10

    show, changing = _fits_panel(ax_fit, table, x, truth, models, ylim)
    ax_fit.set_xlabel("x")
    ax_fit.set_ylabel("y")
    current = {}
    for m in models:
        ax_err.plot(degrees, errors[m], marker="o", ms=3, color=MODEL_COLORS[m])
    # the frame's marks above every line and spine (zorder 3): nothing drawn later covers them
    for m in models:
        current[m] = ax_err.plot([], [], marker="o", ms=9, color=MODEL_COLORS[m],
                                 markeredgecolor="white", zorder=3)[0]
    cursor = ax_err.axvline(degrees[0], color="0.5", linewidth=1, zorder=3)
    if log_scale:
        readable_log_y(ax_err)
    else:  # a small range on a linear axis from 0: differences shown at their true size
        ax_err.set_ylim(0, values.max() * 1.1)
    ax_err.set_xlabel("polynomial degree")
    ax_err.set_ylabel("test MSE of the drawn fits" + (" (log scale)" if log_scale else ""))
    ax_err.set_title(f"replicate {replicate}: test error vs degree", fontsize=9)
    integer_axis(ax_err.xaxis)

    def draw(degree):
        show(degree, curves)
        for m in models:
            current[m].set_data([degree], [curves[(m, degree)][2]])
        cursor.set_xdata([degree, degree])
        return []

    fig.suptitle(f"Under- to overfitting — {describe_scenario(scenario)} ({basis} basis)",
                 fontsize=10)
    draw(degrees[0])
    tight_layout(fig, rect=(0, 0.07, 1, 1))
    _fits_legend(fig, models)
    anim = animation.FuncAnimation(fig, draw, frames=frames, interval=1000 / fps, blit=False)
    redrawn_per_frame(anim, [*changing, *current.values(), cursor])
    return attach_data(anim, _fits_data(table, x, truth, curves, set(degrees)))
