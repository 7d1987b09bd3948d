"""Figures 4, 5 and 11: coefficient paths, sparsity against λ, and support recovery."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from .analysis import coef_matrix, describe_scenario, first_zero_lambda, true_coefficients
from .style import (
    LAMBDA_LABEL,
    MODEL_COLORS,
    MODEL_LABELS,
    PENALIZED,
    figure_function,
    fmt,
    log_lambda_axis,
)


@figure_function
def coefficient_paths(
    coefs_by_model: Mapping[str, pd.DataFrame],
    scenario: str,
    degree: int,
    basis: str = "legendre",
    replicate: int = 0,
) -> Figure:
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
    fig, axes = plt.subplots(
        nrows=2, ncols=len(models), figsize=(4.6 * len(models), 7.4),
        sharex=True, squeeze=False, gridspec_kw={"height_ratios": [1, 1.15]},
    )
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
            notes.append(f"first exact zero at λ = {fmt(first)}{edge}")
        if full is not None:
            ax_abs.axvline(full, color="0.3", linestyle="--", linewidth=1)
            notes.append(f"all zero from λ = {fmt(full)}")
        if not notes:
            notes.append("no coefficient is ever exactly 0")
        ax_abs.set_title("\n".join(notes), fontsize=8.5)
        log_lambda_axis(ax_abs)
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
    return fig


@figure_function
def sparsity_vs_lambda(
    metrics: pd.DataFrame,
    scenario: str,
    degrees: Sequence[int],
    basis: str = "legendre",
) -> Figure:
    """Figure 5: share of coefficients that are exactly 0 against λ, per model and degree.

    Mean over replicates (line) and 10–90 % range (band); one panel per degree in ``degrees``.
    Zero means exactly 0.0 in the fitted coefficients (no threshold).
    """
    data = metrics[(metrics["scenario"] == scenario) & (metrics["model"].isin(PENALIZED))]
    data = data.assign(zero_share=1 - data["n_nonzero"] / data["n_coef"])
    models = [m for m in PENALIZED if m in set(data["model"])]
    fig, axes = plt.subplots(
        ncols=len(degrees), figsize=(4.4 * len(degrees), 4.2), sharey=True,
        squeeze=False,
    )
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
        log_lambda_axis(ax)
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
    return fig


@figure_function
def support_recovery(
    coefs: pd.DataFrame,
    scenario: str,
    function: str,
    degree: int,
    basis: str = "legendre",
    model: str = "lasso",
    selected: Mapping[str, float] | None = None,
) -> Figure:
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
    fig, axes = plt.subplots(
        nrows=2, ncols=2, figsize=(9.5, 8.0),
        gridspec_kw={"height_ratios": [1.6, 1], "width_ratios": [1, 0.025]},
    )
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
            f"λ_{r} = {fmt(v)}" for r, v in sorted(selected.items(), reverse=True)))
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
    return fig
