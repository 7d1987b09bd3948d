"""Figure 0: every model at its CV-selected (degree, λ) in every scenario — who wins where."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .style import MODEL_COLORS, MODEL_LABELS, figure_function, tight_layout

_MARKERS = {"ols": "o", "ridge": "s", "lasso": "D", "elasticnet": "^"}


@figure_function
def selected_models(
    table: pd.DataFrame, models: Sequence[str], basis: str = "legendre"
) -> Figure:
    """Test MSE ÷ σ² of every model at its CV-selected (degree, λ), one row per scenario.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`l1l2.overview.selected_errors` (friendly scenario order; medians and
        quartiles over replicates of the per-replicate choices).
    models : sequence of str
        Models in legend order.
    basis : str
        The polynomial basis (named in the title).

    Each model is a marker at the median with a bar over the interquartile range; the winner of a
    row (lowest median) is drawn filled and named on the right, in bold when its third quartile
    is below every other model's first quartile (a clear win). The dotted line at 1 is the noise
    floor: a model that knew the true function would score about 1.
    """
    scenarios = list(dict.fromkeys(table["scenario"]))
    models = [m for m in models if m in set(table["model"])]
    n = len(scenarios)
    fig, ax = plt.subplots(figsize=(9.6, 2.0 + 0.42 * n))
    offsets = np.linspace(-0.27, 0.27, len(models)) if len(models) > 1 else np.zeros(1)
    for i, scenario in enumerate(scenarios):
        rows = table[table["scenario"] == scenario].set_index("model")
        for offset, model in zip(offsets, models, strict=True):
            if model not in rows.index:
                continue
            row = rows.loc[model]
            y = i + offset
            color = MODEL_COLORS[model]
            ax.plot([row["ratio_q1"], row["ratio_q3"]], [y, y], color=color, linewidth=1.6)
            ax.plot(
                row["ratio_median"],
                y,
                marker=_MARKERS.get(model, "o"),
                markersize=6.5,
                color=color,
                markerfacecolor=color if row["winner"] else "white",
                markeredgewidth=1.4,
                linestyle="none",
            )
        best = rows[rows["winner"]]
        names = " = ".join(MODEL_LABELS[m].split(" (")[0] for m in best.index)
        ax.annotate(
            names,
            xy=(1.01, i),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=8.5,
            color=MODEL_COLORS[best.index[0]],
            fontweight="bold" if bool(best["clear_win"].any()) else "normal",
        )
    # horizontal separators between true functions
    functions = [table.loc[table["scenario"] == s, "function"].iloc[0] for s in scenarios]
    for i in range(1, n):
        if functions[i] != functions[i - 1]:
            ax.axhline(i - 0.5, color="0.75", linewidth=0.8)
    ax.axvline(1.0, color="black", linestyle=":", linewidth=1)
    labels = []
    for s in scenarios:
        row = table[table["scenario"] == s].iloc[0]
        labels.append(f"{row['function']}  sd {row['noise_sd']:g}  n {int(row['n_samples'])}")
    ax.set_yticks(range(n), labels, fontsize=8.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("test MSE ÷ noise variance σ²  (log scale; dotted line = noise floor 1)")
    ax.grid(axis="x", color="0.9", linewidth=0.6)
    rule = table["rule"].iloc[0]
    replicates = int(table["n_replicates"].max())
    fig.suptitle(
        "Which regularizer wins where: each model at its CV-selected (degree, λ)\n"
        f"rule '{rule}' per replicate, {basis} basis; marker = median, bar = interquartile "
        f"range over {replicates} replicates\n"
        "winner (lowest median) filled and named; bold = clear win (no IQR overlap)",
        fontsize=9.5,
    )
    handles = [
        Line2D([], [], color=MODEL_COLORS[m], marker=_MARKERS.get(m, "o"), linewidth=1.6,
               markerfacecolor="white", markeredgewidth=1.4, label=MODEL_LABELS[m])
        for m in models
    ]
    tight_layout(fig, rect=(0, 0.06, 0.93, 1))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    return fig
