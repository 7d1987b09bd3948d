"""Figures of the study. Every function takes tables, returns nothing and writes one file.

Output is deterministic: a fixed style (no dependence on the user's matplotlibrc), the Agg
backend, and PNG metadata without dates or versions.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

STYLE = Path(__file__).with_name("l1l2.mplstyle")
#: One colour per model, the same in every figure.
MODEL_COLORS = {"ols": "#4d4d4d", "ridge": "#1f77b4", "lasso": "#d62728", "elasticnet": "#9467bd"}
MODEL_LABELS = {
    "ols": "OLS",
    "ridge": "Ridge (L2)",
    "lasso": "Lasso (L1)",
    "elasticnet": "Elastic Net",
}
PNG_METADATA = {"Software": None}


@contextmanager
def figure(path, dpi: int = 110, **subplots_kw):
    """A styled figure and axes, saved to ``path`` deterministically on exit."""
    with plt.style.context(["default", STYLE]):
        fig, axes = plt.subplots(**subplots_kw)
        try:
            yield fig, axes
            fig.savefig(path, dpi=dpi, metadata=PNG_METADATA)
        finally:
            plt.close(fig)


def error_vs_degree(
    metrics: pd.DataFrame, scenario: str, path, basis: str = "legendre", dpi: int = 110
) -> None:
    """Train and test MSE against degree, each model at its best-CV λ per degree and replicate.

    Lines are the mean over replicates; bands are the 10–90 % range across replicates.
    """
    data = metrics[metrics["scenario"] == scenario]
    with figure(path, dpi, ncols=2, figsize=(10, 4), sharey=True) as (fig, axes):
        for model, rows in data.groupby("model", sort=False):
            best = rows.loc[rows.groupby(["replicate", "degree"])["cv_mse"].idxmin()]
            for ax, column in zip(axes, ["train_mse", "test_mse"], strict=True):
                stats = best.groupby("degree")[column]
                mean = stats.mean()
                low, high = stats.quantile(0.1), stats.quantile(0.9)
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
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        axes[0].set_ylabel("mean squared error (log scale)")
        axes[1].legend(loc="upper left")
        fig.suptitle(
            f"{scenario}: error vs degree (λ chosen by CV at each degree; "
            "band = 10–90 % of replicates)"
        )
        fig.tight_layout()


__all__ = ["error_vs_degree", "figure", "MODEL_COLORS", "MODEL_LABELS"]
