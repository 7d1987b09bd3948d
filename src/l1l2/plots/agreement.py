"""Figure 9: l1l2's fits against scikit-learn's on the same objective."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from .style import MODEL_COLORS, MODEL_LABELS, attach_data, figure_function, fmt, tight_layout

#: The columns of the cross-check table the right panel and its title draw.
_FITS_DRAWN = ("scenario", "replicate", "model", "degree", "lambda", "coef_tol",
               "max_abs_coef_diff", "status", "cond_gram")


@figure_function
def crosscheck(
    pairs: pd.DataFrame, table: pd.DataFrame, basis: str = "legendre"
) -> Figure:
    """Figure 9: l1l2 against scikit-learn.

    Left: every coefficient of the compared fits in ``pairs`` (columns ``model, l1l2,
    sklearn``, as written by the reference stage), l1l2 against scikit-learn, on a
    symmetric-log scale. Right: for every compared
    fit of the cross-check ``table``, the largest coefficient difference against its certified
    tolerance ``coef_tol``; points below the diagonal pass. The largest difference is printed.
    """
    models = [m for m in MODEL_COLORS if m in set(table["model"])]
    fig, (ax_sc, ax_tol) = plt.subplots(ncols=2, figsize=(10, 5.0))
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
            f"λ = {fmt(worst['lambda'])})",
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
    if len(pairs):
        # a label every other decade: at one per decade, "−10⁻¹ −10⁻²" ran into one another
        top = max(math.ceil(math.log10(limit)), 0)
        major = [10.0**k for k in range(-2, top + 1, 2)]
        minor = [10.0**k for k in range(-3, top + 1) if 10.0**k not in major]
        ax_sc.xaxis.set_major_locator(ticker.FixedLocator(
            sorted([0.0] + [s * d for d in major for s in (-1, 1)])))
        ax_sc.xaxis.set_minor_locator(ticker.FixedLocator(
            sorted(s * d for d in minor for s in (-1, 1))))
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
        ax_tol.text(hi, hi, "difference = tolerance ", ha="right", va="bottom", fontsize=8,
                    rotation=0)
    worst = table.iloc[int(np.argmax(table["max_abs_coef_diff"]))]
    status = table["status"].value_counts()
    ax_tol.set_title(
        "every compared fit: difference vs its certified tolerance\n"
        f"{len(table)} fits: " + ", ".join(f"{int(n)} {s}" for s, n in status.items())
        + f"; largest |Δcoef| = {worst['max_abs_coef_diff']:.2e}\n(tolerance "
        f"{worst['coef_tol']:.1e}) at {worst['scenario']}, {worst['model']}, replicate "
        f"{int(worst['replicate'])},\ndegree {int(worst['degree'])}, "
        f"λ = {fmt(worst['lambda'])}, cond(G) = {worst['cond_gram']:.1e}",
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
    tight_layout(fig)
    drawn = pd.concat([
        pairs.assign(panel="coefficients"),
        table[list(_FITS_DRAWN)].assign(panel="fits"),
    ], ignore_index=True)
    return attach_data(fig, drawn)
