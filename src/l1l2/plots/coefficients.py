"""Figures 4, 5 and 11: coefficient paths, sparsity against λ, and support recovery."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .analysis import (
    coef_matrix,
    describe_scenario,
    first_zero_lambda,
    lambda_min_1se,
    true_coefficients,
    true_projection,
    true_zero_share,
)
from .style import (
    LAMBDA_LABEL,
    MODEL_COLORS,
    MODEL_LABELS,
    PENALIZED,
    attach_data,
    figure_function,
    fmt,
    log_lambda_axis,
    tight_layout,
)

#: Colours of the highlighted terms of the coefficient paths (the other terms are grey).
TERM_COLORS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628"]


def highlighted_terms(function: str | None, degree: int, basis: str, count: int = 4) -> list[int]:
    """Terms (1-based) drawn in colour: the true support of a sparse truth, else the ``count``
    terms with the largest coefficients in the true function's projection
    (:func:`~l1l2.plots.analysis.true_projection`)."""
    if function is None:
        return []
    true = true_coefficients(function, degree, basis)
    if true is not None:
        return [int(j) + 1 for j in np.flatnonzero(true)]
    projection = np.abs(true_projection(function, degree, basis))
    order = np.argsort(-projection, kind="mergesort")[:count]
    return sorted(int(j) + 1 for j in order if projection[j] > 0)


@figure_function
def coefficient_paths(
    coefs_by_model: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    scenario: str,
    degree: int,
    basis: str = "legendre",
    function: str | None = None,
    replicate: int = 0,
) -> Figure:
    """Figure 4: coefficients against λ at one degree, one column per penalized model.

    Top row: the signed coefficients, with the number of non-zero coefficients along the top
    axis (as glmnet's ``plot``). Highlighted in colour and labelled: the true support when the
    true function is a sparse polynomial, else the 4 largest terms of the truth's projection
    (:func:`highlighted_terms`); other terms are grey. Vertical lines: λ_min (solid) and λ_1se
    (dash-dotted) of this replicate's CV curve at this degree
    (:func:`~l1l2.plots.analysis.lambda_min_1se`, the rules of ``selection.csv``). Bottom row:
    absolute values on a log scale; coefficients that are *exactly* zero sit on the shaded strip.
    """
    models = [m for m in PENALIZED if m in coefs_by_model]
    metrics = metrics[metrics["scenario"] == scenario]
    highlight = highlighted_terms(function, degree, basis)
    sparse_truth = function is not None and true_coefficients(function, degree, basis) is not None
    paths, marks, drawn = {}, {}, []
    for model in models:
        wide = coef_matrix(coefs_by_model[model], degree).xs(replicate, level="replicate")
        paths[model] = wide[list(range(1, degree + 1))].sort_index()
        rows = metrics[(metrics["model"] == model) & (metrics["replicate"] == replicate)
                       & (metrics["degree"] == degree)]
        marks[model] = lambda_min_1se(rows) if len(rows) else None
        long = paths[model].stack().rename("coef").reset_index()
        long.columns = ["lambda", "term", "coef"]
        drawn.append(long.assign(
            model=model, highlighted=long["term"].isin(highlight),
            lambda_min=marks[model][0] if marks[model] else np.nan,
            lambda_1se=marks[model][1] if marks[model] else np.nan,
        ))
    magnitudes = np.concatenate([np.abs(p.to_numpy()).ravel() for p in paths.values()])
    nonzero = magnitudes[magnitudes > 0]
    floor = 10 ** (math.floor(math.log10(nonzero.min())) - 1) if nonzero.size else 1e-8
    top = 10 ** math.ceil(math.log10(magnitudes.max())) if magnitudes.max() > 0 else 1.0
    colors = {j: TERM_COLORS[i % len(TERM_COLORS)] for i, j in enumerate(highlight)}
    fig, axes = plt.subplots(
        nrows=2, ncols=len(models), figsize=(3.1 * len(models), 7.2),
        sharex=True, squeeze=False, gridspec_kw={"height_ratios": [1.15, 1]},
    )
    for ax in axes.flat:  # before any secondary axis: setting a scale later would reset its ticks
        ax.set_xscale("log")
    for col, model in enumerate(models):
        wide = paths[model]
        lam = wide.index.to_numpy()
        ax_top, ax_abs = axes[0, col], axes[1, col]
        for j in [j for j in wide.columns if j not in colors] + list(colors):
            values = wide[j].to_numpy()
            color, width = colors.get(j, "0.72"), (2.0 if j in colors else 0.9)
            ax_top.plot(lam, values, color=color, linewidth=width, zorder=3 if j in colors else 2)
            shown = np.where(values == 0, floor, np.abs(values))
            ax_abs.plot(lam, shown, color=color, linewidth=width, zorder=3 if j in colors else 2)
            zero = values == 0
            ax_abs.plot(lam[zero], np.full(zero.sum(), floor), linestyle="none", marker="|",
                        ms=6, color=color)
            if j in colors:  # label at the small-λ end
                ax_top.annotate(f"{j}", (lam[0], values[0]), xytext=(-3, 0),
                                textcoords="offset points", ha="right", va="center",
                                fontsize=8.5, color=color, fontweight="bold")
        ax_top.axhline(0, color="black", linewidth=0.8)
        counts = (wide != 0).sum(axis=1).to_numpy()
        picks = np.unique(np.linspace(0, lam.size - 1, 6).round().astype(int))
        counter = ax_top.secondary_xaxis("top")
        counter.set_xticks(lam[picks], [str(int(counts[i])) for i in picks])
        counter.tick_params(labelsize=8.5, length=2, pad=1)
        counter.xaxis.set_minor_locator(ticker.NullLocator())
        ax_top.set_title(f"{MODEL_LABELS[model]}\nnon-zero coefficients ↓",
                         color=MODEL_COLORS[model], fontsize=9.5)
        if marks[model]:
            for ax in (ax_top, ax_abs):
                ax.axvline(marks[model][0], color="0.15", linewidth=1)
                ax.axvline(marks[model][1], color="0.15", linewidth=1, linestyle="-.")
        ax_abs.set_yscale("log")
        ax_abs.set_ylim(floor / 3, top)
        ax_abs.axhspan(floor / 3, floor * 2.5, color="0.85", zorder=0)
        ax_abs.text(lam.min(), floor * 1.3, " exactly 0", va="center", fontsize=8, color="0.25")
        first, full = first_zero_lambda(wide)
        notes = []
        if first is not None:
            edge = " (grid's smallest)" if first == lam.min() else ""
            notes.append(f"first exact 0 at λ = {fmt(first)}{edge}")
        if full is not None:
            notes.append(f"all 0 from λ = {fmt(full)}")
        if not notes:
            notes.append("never exactly 0")
        ax_abs.set_title("\n".join(notes), fontsize=8.5)
        ax_abs.set_xlabel("λ (log scale)")
        ax_top.set_xlim(lam.min() / 4, lam.max() * 1.5)
    axes[0, 0].set_ylabel("coefficient (standardized basis)")
    axes[1, 0].set_ylabel("|coefficient| (log scale)")
    which = "true support" if sparse_truth else "largest terms of the true function"
    fig.suptitle(
        f"Coefficient paths — {describe_scenario(scenario)}\n"
        f"degree {degree}, {basis} basis (standardized), replicate {replicate}; coloured: "
        f"{which} (term j), grey: the others",
        fontsize=9.5,
    )
    tight_layout(fig, rect=(0, 0.045, 1, 1))
    fig.text(0.5, 0.008, "vertical lines: λ_min (solid), λ_1se (dash-dotted) of this "
             "replicate's CV at this degree", ha="center", va="bottom", fontsize=8.5, color="0.3")
    return attach_data(fig, pd.concat(drawn, ignore_index=True).assign(scenario=scenario,
                                                                        degree=degree))


@figure_function
def sparsity_vs_lambda(
    metrics: pd.DataFrame,
    scenario: str,
    degrees: Sequence[int],
    basis: str = "legendre",
    function: str | None = None,
) -> Figure:
    """Figure 5: share of coefficients that are exactly 0 against λ, per model and degree.

    Median over replicates (line) and 10–90 % range (band); one panel per degree in ``degrees``.
    Zero means exactly 0.0 in the fitted coefficients (no threshold). The dotted line is the
    share of zeros in the true function's own coefficients at that degree
    (:func:`~l1l2.plots.analysis.true_zero_share`).
    """
    data = metrics[(metrics["scenario"] == scenario) & (metrics["model"].isin(PENALIZED))]
    data = data.assign(zero_share=1 - data["n_nonzero"] / data["n_coef"])
    models = [m for m in PENALIZED if m in set(data["model"])]
    fig, axes = plt.subplots(
        ncols=len(degrees), figsize=(4.3 * len(degrees), 4.2), sharey=True,
        squeeze=False,
    )
    drawn = []
    for ax, degree in zip(axes[0], degrees, strict=True):
        for model in models:
            rows = data[(data["model"] == model) & (data["degree"] == degree)]
            stats = rows.groupby("lambda")["zero_share"]
            frame = pd.DataFrame({
                "median": stats.median(), "p10": stats.quantile(0.1), "p90": stats.quantile(0.9),
                "n_fits": stats.size(),
                "n_exact_zeros": rows.groupby("lambda").apply(
                    lambda g: int((g["n_coef"] - g["n_nonzero"]).sum()), include_groups=False),
            }).reset_index()
            ax.fill_between(frame["lambda"], frame["p10"], frame["p90"],
                            color=MODEL_COLORS[model], alpha=0.15, linewidth=0)
            ax.plot(frame["lambda"], frame["median"], color=MODEL_COLORS[model], linewidth=2,
                    marker="o", ms=2.5, label=MODEL_LABELS[model])
            drawn.append(frame.assign(model=model, degree=degree))
        title = f"degree {degree} ({degree} coefficients)"
        if function is not None:
            share = true_zero_share(function, degree, basis)
            ax.axhline(share, color="black", linestyle=":", linewidth=1.4)
            ax.annotate(f"true function: {share:.0%} zero", (0, share), xycoords=("axes fraction",
                        "data"), xytext=(4, 3), textcoords="offset points", ha="left",
                        va="bottom", fontsize=8.5)
            drawn.append(pd.DataFrame({"model": ["truth"], "degree": [degree],
                                       "median": [share]}))
        ax.set_title(title, fontsize=10)
        log_lambda_axis(ax)
        ax.set_ylim(-0.03, 1.03)
        ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0))
    axes[0, 0].set_ylabel("coefficients exactly 0 (share)")
    ridge = data[data["model"] == "ridge"]
    note = ""
    if len(ridge):
        zeros = int((ridge["n_coef"] - ridge["n_nonzero"]).sum())
        note = f"; Ridge: {zeros} exact zeros in {len(ridge)} fits"
    fig.suptitle(
        f"Sparsity vs λ — {describe_scenario(scenario)} ({basis} basis)\n"
        f"line = median over replicates, band = 10–90 %{note}",
        fontsize=9.5,
    )
    tight_layout(fig, rect=(0, 0.08, 1, 1))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if function is not None:
        handles.append(Line2D([], [], color="black", linestyle=":", linewidth=1.4))
        labels.append("true function's share of zeros")
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, fontsize=9)
    return attach_data(fig, pd.concat(drawn, ignore_index=True).assign(scenario=scenario))


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
    false terms kept, against λ. ``selected`` (rule -> λ) draws vertical lines: the workflow
    passes the median over replicates of each replicate's λ_min and λ_1se at ``degree``
    (:func:`~l1l2.plots.analysis.per_replicate_lambdas`).
    """
    true = true_coefficients(function, degree, basis)
    wide = coef_matrix(coefs, degree)
    terms = list(range(1, degree + 1))
    kept = (wide[terms] != 0).groupby(level="lambda").mean().sort_index()
    lam = kept.index.to_numpy()
    support = set() if true is None else {int(j) + 1 for j in np.flatnonzero(true)}
    fig, axes = plt.subplots(
        nrows=2, ncols=2, figsize=(8.6, 7.6),
        gridspec_kw={"height_ratios": [1.6, 1], "width_ratios": [1, 0.025]},
    )
    (ax_map, cax), (ax_cnt, spare) = axes
    spare.set_visible(False)
    edges = np.sqrt(lam[1:] * lam[:-1])
    x_edges = np.concatenate([[lam[0] ** 2 / edges[0]], edges, [lam[-1] ** 2 / edges[-1]]])
    y_edges = np.arange(degree + 1) + 0.5
    # a share of R replicates takes R + 1 values: one grey per value, not a continuous scale
    n_rep = int(wide.index.get_level_values("replicate").nunique())
    steps = BoundaryNorm(np.arange(n_rep + 2) / n_rep - 0.5 / n_rep, n_rep + 1)
    mesh = ax_map.pcolormesh(x_edges, y_edges, kept.to_numpy().T,
                             cmap=plt.get_cmap("Greys", n_rep + 1), norm=steps, shading="flat")
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
    every = max(1, math.ceil(n_rep / 10))
    shown = list(range(0, n_rep + 1, every))
    bar = fig.colorbar(mesh, cax=cax, ticks=[k / n_rep for k in shown])
    bar.ax.set_yticklabels([f"{k}/{n_rep}" for k in shown])
    bar.ax.minorticks_off()
    bar.set_label("replicates with coefficient\nexactly ≠ 0 (of all replicates)")
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
        ax_cnt.plot([], [], color="#ff7f0e", label=f"CV at degree {degree}, median of the "
                    "replicates' choices: " + ", ".join(
                        f"λ_{r} = {fmt(v)}" for r, v in sorted(selected.items(), reverse=True)))
    ax_cnt.set_xscale("log")
    ax_cnt.set_xlim(ax_map.get_xlim())
    ax_cnt.set_xlabel(LAMBDA_LABEL)
    ax_cnt.set_ylabel("terms kept (mean over replicates)")
    handles = ax_cnt.get_legend_handles_labels()
    extra = ax_cnt2.get_legend_handles_labels()
    fig.suptitle(f"Support recovery — {describe_scenario(scenario)}", fontsize=10)
    tight_layout(fig, rect=(0, 0.08, 1, 1))
    fig.legend(handles[0] + extra[0], handles[1] + extra[1], loc="lower center", ncol=2,
               fontsize=8.5, frameon=False)
    table = pd.DataFrame({"lambda": lam}).assign(
        true_terms_kept=n_true.to_numpy(), false_terms_kept=n_false.to_numpy(),
        exact_support_share=share.to_numpy(),
        **{f"kept_share_term_{j}": kept[j].to_numpy() for j in terms},
        **{f"lambda_{rule}": value for rule, value in (selected or {}).items()},
    )
    return attach_data(fig, table.assign(scenario=scenario, model=model, degree=degree))
