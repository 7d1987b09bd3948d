"""Figures 2, 3 and 10: error against degree and λ, and the bias–variance decomposition.

Error curves are medians over replicates with the interquartile range as band: a single
replicate whose fit explodes moves a mean by orders of magnitude, not a median. Such replicates
are counted instead (a *blow-up*: test MSE above :data:`~l1l2.plots.analysis.BLOWUP_FACTOR`
times the median of its group, see :func:`~l1l2.plots.analysis.robust_stats`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .analysis import (
    BLOWUP_FACTOR,
    best_lambda_by_degree,
    describe_scenario,
    robust_stats,
)
from .style import (
    MODEL_COLORS,
    MODEL_LABELS,
    PENALIZED,
    attach_data,
    figure_function,
    fmt,
    integer_axis,
    log_lambda_axis,
    readable_log_y,
    tight_layout,
)

BLOWUP_NOTE = f"▲k: k replicates blow up (test MSE > {BLOWUP_FACTOR:g}× the median)"


#: Offset of a ▲ mark above its point and its font size, in points.
_MARK_OFFSET, _MARK_SIZE = 4, 8.5


def _blowup_marks(ax, stats, x, color) -> None:
    """A ▲ with the count above every point where some replicate blew up."""
    for _, row in stats[stats["n_blowups"] > 0].iterrows():
        ax.annotate(f"▲{int(row['n_blowups'])}", (row[x], row["q75"]), xytext=(0, _MARK_OFFSET),
                    textcoords="offset points", ha="center", va="bottom", fontsize=_MARK_SIZE,
                    color=color, fontweight="bold")


def _room_above_marks(fig, axes, stats) -> None:
    """Raise the shared log y axis' top so that every ▲ mark ends inside the axes (call after
    the layout: it uses the axes' height in pixels)."""
    marked = stats[stats["n_blowups"] > 0]
    if marked.empty:
        return
    low, high = (math.log10(v) for v in axes[0].get_ylim())
    height = axes[0].bbox.height
    needed = (_MARK_OFFSET + 1.5 * _MARK_SIZE) * fig.dpi / 72  # mark's height, with room
    top = math.log10(float(marked["q75"].max()))
    # top of the mark at the axes' top: (top - low) / (new - low) * height + needed = height
    new = low + (top - low) * height / (height - needed)
    if new > high:
        for ax in axes:
            ax.set_ylim(10**low, 10**new)


@figure_function
def error_vs_degree(metrics: pd.DataFrame, scenario: str, basis: str = "legendre") -> Figure:
    """Figure 2: train and test MSE against degree, each model at its best-CV λ per degree.

    Lines are medians over replicates, bands the interquartile range; where some replicate's
    error exceeds 10 times the median (a blow-up) the count is written above the point.
    """
    data = metrics[metrics["scenario"] == scenario]
    best = best_lambda_by_degree(data)
    long = best.melt(id_vars=["model", "replicate", "degree"], value_vars=["train_mse", "test_mse"],
                     var_name="split", value_name="mse")
    long["split"] = long["split"].str.replace("_mse", "")
    stats = robust_stats(long, ["model", "split", "degree"], "mse")
    fig, axes = plt.subplots(ncols=2, figsize=(8.6, 4.3), sharey=True)
    for model in [m for m in MODEL_COLORS if m in set(best["model"])]:
        for ax, split in zip(axes, ["train", "test"], strict=True):
            rows = stats[(stats["model"] == model) & (stats["split"] == split)]
            color = MODEL_COLORS[model]
            ax.plot(rows["degree"], rows["median"], marker="o", ms=3, color=color,
                    label=MODEL_LABELS[model])
            ax.fill_between(rows["degree"], rows["q25"], rows["q75"], color=color, alpha=0.15,
                            linewidth=0)
            _blowup_marks(ax, rows, "degree", color)
    for ax, title in zip(axes, ["training error", "test error"], strict=True):
        ax.set_yscale("log")
        ax.set_xlabel(f"polynomial degree ({basis} basis)")
        ax.set_title(title)
        integer_axis(ax.xaxis)
    axes[0].set_ylabel("MSE (log scale)")
    readable_log_y(axes[0])
    fig.suptitle(
        f"Error vs degree — {describe_scenario(scenario)}\n"
        "λ chosen by CV at each degree; line = median, band = middle 50 % of replicates",
        fontsize=10,
    )
    tight_layout(fig, rect=(0, 0.1, 1, 1))
    _room_above_marks(fig, axes, stats)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False,
               bbox_to_anchor=(0.5, 0.035))
    fig.text(0.5, 0.005, BLOWUP_NOTE, ha="center", va="bottom", fontsize=8.5, color="0.3")
    return attach_data(fig, stats.assign(scenario=scenario))


@figure_function
def error_vs_lambda(
    metrics: pd.DataFrame,
    selection: pd.DataFrame,
    scenario: str,
    basis: str = "legendre",
) -> Figure:
    """Figure 3: CV and test MSE against λ for each penalized model at its selected degree.

    The degree is ``selection.csv``'s degree of the ``min`` rule: the degree chosen most often
    over replicates (ties: the lowest). Curves are medians over replicates (band: interquartile
    range of the CV error; thin lines: single replicates' CV curves). The vertical lines are
    ``selection.csv``'s λ (the median of the replicates' choices) for the ``min`` (solid) and
    ``1se`` (dash-dotted) rules. The dotted line is OLS's median test error at the same degree.
    """
    data = metrics[metrics["scenario"] == scenario]
    models = [m for m in PENALIZED if m in set(data["model"])]
    chosen = selection[selection["scenario"] == scenario].set_index(["model", "rule"])
    fig, axes = plt.subplots(ncols=len(models), figsize=(3.1 * len(models), 4.4), sharey=True,
                             squeeze=False)
    drawn = []
    for ax, model in zip(axes[0], models, strict=True):
        degree = int(chosen.loc[(model, "min"), "degree"])
        rows = data[(data["model"] == model) & (data["degree"] == degree)]
        color = MODEL_COLORS[model]
        for _, rep in rows.groupby("replicate"):
            rep = rep.sort_values("lambda")
            ax.plot(rep["lambda"], rep["cv_mse"], color=color, alpha=0.2, linewidth=0.7)
        cv = robust_stats(rows, ["lambda"], "cv_mse")
        test = robust_stats(rows, ["lambda"], "test_mse")
        ax.fill_between(cv["lambda"], cv["q25"], cv["q75"], color=color, alpha=0.2, linewidth=0)
        ax.plot(cv["lambda"], cv["median"], color=color, linewidth=2)
        ax.plot(test["lambda"], test["median"], color="black", linewidth=1.3, linestyle="--")
        ols = data[(data["model"] == "ols") & (data["degree"] == degree)]["test_mse"]
        if len(ols):
            ax.axhline(ols.median(), color=MODEL_COLORS["ols"], linestyle=":", linewidth=1.3)
        lines = []
        for rule, style in (("min", "-"), ("1se", "-.")):
            if (model, rule) in chosen.index:
                lam = float(chosen.loc[(model, rule), "lambda"])
                ax.axvline(lam, color="0.2", linewidth=1, linestyle=style)
                lines.append(f"λ_{rule} {fmt(lam)}")
        n_chose = int(chosen.loc[(model, "min"), "n_degree"]) if "n_degree" in chosen else None
        ax.set_title(
            f"{MODEL_LABELS[model]}, degree {degree}"
            + (f" ({n_chose}/{int(chosen.loc[(model, 'min'), 'n_replicates'])})"
               if n_chose is not None else "")
            + "\n" + ", ".join(lines),
            color=color, fontsize=9.5,
        )
        log_lambda_axis(ax)
        ax.set_yscale("log")
        drawn += [
            cv.assign(model=model, degree=degree, curve="cv_mse"),
            test.assign(model=model, degree=degree, curve="test_mse"),
        ]
        if len(ols):
            drawn.append(pd.DataFrame({"model": [model], "degree": [degree],
                                       "curve": ["ols_test_mse"], "median": [ols.median()]}))
    axes[0, 0].set_ylabel("MSE (log scale)")
    readable_log_y(axes[0, 0])
    handles = [
        Line2D([], [], color="0.4", linewidth=2, label="CV MSE (median, IQR; thin: replicates)"),
        Line2D([], [], color="black", linestyle="--", label="test MSE (median)"),
        Line2D([], [], color=MODEL_COLORS["ols"], linestyle=":", label="OLS test MSE (median)"),
        Line2D([], [], color="0.2", linewidth=1, label="λ_min"),
        Line2D([], [], color="0.2", linewidth=1, linestyle="-.", label="λ_1se"),
    ]
    fig.suptitle(
        f"Error vs λ — {describe_scenario(scenario)} ({basis} basis)\n"
        "degree and λ as in selection.csv: the degree most replicates chose (count in "
        "brackets), the median chosen λ",
        fontsize=9.5,
    )
    tight_layout(fig, rect=(0, 0.12, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=8.5)
    return attach_data(fig, pd.concat(drawn, ignore_index=True).assign(scenario=scenario))


@figure_function
def bias_variance_figure(
    tables: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    scenario: str,
    degree: int,
    basis: str = "legendre",
) -> Figure:
    """Figure 10: squared bias, variance and test error against λ, one panel per model.

    ``tables`` maps model -> :func:`~l1l2.plots.analysis.bias_variance` at ``degree`` (taken at
    the test points). The predicted error bias² + variance + σ² is drawn with the measured test
    MSE (mean over replicates, bars ± 2 standard errors of the paired difference) on top; the
    dotted line is OLS's mean test MSE at the same degree. A bias² estimate ≤ 0 (possible: it is
    unbiased, not positive) is drawn at the bottom edge as a hollow marker.
    """
    data = metrics[(metrics["scenario"] == scenario) & (metrics["degree"] == degree)]
    models = [m for m in PENALIZED if m in tables]
    first = next(iter(tables.values()))
    noise = float(first["noise"].iloc[0])
    values = pd.concat([t[["bias2", "variance", "expected_mse", "test_mse"]] for t in
                        tables.values()]).to_numpy().ravel()
    positive = values[values > 0]
    floor = positive.min() / 2 if positive.size else noise / 10
    fig, axes = plt.subplots(ncols=len(models), figsize=(3.1 * len(models), 4.4), sharey=True,
                             squeeze=False)
    for ax, model in zip(axes[0], models, strict=True):
        bv = tables[model]
        lam = bv["lambda"].to_numpy()
        bias2 = bv["bias2"].to_numpy()
        ax.plot(lam, np.where(bias2 > 0, bias2, np.nan), color="#e6a100", linewidth=2)
        low = bias2 <= 0
        ax.plot(lam[low], np.full(low.sum(), floor), linestyle="none", marker="o", ms=4,
                markerfacecolor="none", color="#e6a100")
        ax.plot(lam, bv["variance"], color="#17a589", linewidth=2)
        ax.plot(lam, bv["expected_mse"], color=MODEL_COLORS[model], linewidth=2.2)
        ax.errorbar(lam, bv["test_mse"], yerr=2 * bv["diff_se"].fillna(0), linestyle="none",
                    marker="o", ms=3, color="black", elinewidth=0.8, capsize=0)
        ols = data[data["model"] == "ols"]["test_mse"]
        if len(ols):
            ax.axhline(ols.mean(), color=MODEL_COLORS["ols"], linestyle=":", linewidth=1.3)
        ax.axhline(noise, color="0.5", linestyle="--", linewidth=1)
        best = bv.loc[(bv["bias2"] + bv["variance"]).idxmin()]
        ax.axvline(best["lambda"], color="0.3", linewidth=0.8)
        ax.set_title(
            f"{MODEL_LABELS[model]}, degree {degree}\n"
            f"bias² + variance smallest at λ = {fmt(best['lambda'])}",
            color=MODEL_COLORS[model], fontsize=9.5,
        )
        log_lambda_axis(ax)
        ax.set_yscale("log")
    axes[0, 0].set_ylim(bottom=floor / 1.5)
    axes[0, 0].set_ylabel("squared error (log scale)")
    readable_log_y(axes[0, 0])
    handles = [
        Line2D([], [], color="#e6a100", linewidth=2, label="bias² (○: estimate ≤ 0)"),
        Line2D([], [], color="#17a589", linewidth=2, label="variance"),
        Line2D([], [], color="0.3", linewidth=2.2, label="bias² + variance + σ²"),
        Line2D([], [], color="black", marker="o", linestyle="none", ms=4,
               label="measured test MSE (± 2 SE)"),
        Line2D([], [], color="0.5", linestyle="--", label=f"noise σ² = {fmt(noise)}"),
        Line2D([], [], color=MODEL_COLORS["ols"], linestyle=":", label="OLS test MSE (mean)"),
    ]
    n_rep = int(first["n_replicates"].iloc[0])
    n_points = int(first["n_points"].iloc[0])
    fig.suptitle(
        f"Bias–variance over {n_rep} replicates — {describe_scenario(scenario)}\n"
        f"{basis} basis; at the {n_points} test points of all replicates",
        fontsize=9.5,
    )
    tight_layout(fig, rect=(0, 0.13, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=8.5)
    table = pd.concat([tables[m].assign(model=m) for m in models], ignore_index=True)
    return attach_data(fig, table.assign(scenario=scenario, degree=degree))
