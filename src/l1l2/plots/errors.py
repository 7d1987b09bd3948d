"""Figures 2, 3 and 10: error against degree and λ, and the bias–variance decomposition."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .analysis import best_lambda_by_degree, describe_scenario, lambda_min_1se
from .style import (
    MODEL_COLORS,
    MODEL_LABELS,
    PENALIZED,
    figure_function,
    fmt,
    integer_axis,
    log_lambda_axis,
)


@figure_function
def error_vs_degree(
    metrics: pd.DataFrame, scenario: str, basis: str = "legendre"
) -> Figure:
    """Figure 2: train and test MSE against degree, each model at its best-CV λ per degree.

    Lines are the mean over replicates; bands the interquartile range across replicates (the
    mean can sit outside it when one replicate's fit explodes: that is the point of OLS).
    """
    data = metrics[metrics["scenario"] == scenario]
    best = best_lambda_by_degree(data)
    fig, axes = plt.subplots(ncols=2, figsize=(10, 4.4), sharey=True)
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
        integer_axis(ax.xaxis)
    axes[0].set_ylabel("mean squared error (log scale)")
    fig.suptitle(
        f"Error vs degree — {describe_scenario(scenario)}\n"
        "λ chosen by CV at each degree; line = mean, band = middle 50 % of replicates",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    return fig


@figure_function
def error_vs_lambda(
    metrics: pd.DataFrame,
    selection: pd.DataFrame,
    scenario: str,
    basis: str = "legendre",
) -> Figure:
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
    fig, axes = plt.subplots(
        ncols=len(models), figsize=(4.4 * len(models), 4.4), sharey=True,
        squeeze=False,
    )
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
            f"λ_min = {fmt(lam_min)}, λ_1se = {fmt(lam_1se)}",
            color=color, fontsize=10,
        )
        log_lambda_axis(ax)
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
    return fig


@figure_function
def bias_variance_figure(
    tables: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    scenario: str,
    degree: int,
    noise_sd: float,
    basis: str = "legendre",
) -> Figure:
    """Figure 10: squared bias, variance and test error against λ, one panel per model.

    ``tables`` maps model -> :func:`bias_variance` output at ``degree``. The predicted error
    bias² + variance + σ² is drawn with the measured test MSE (mean over replicates) on top;
    the dotted line is OLS's test MSE at the same degree.
    """
    data = metrics[(metrics["scenario"] == scenario) & (metrics["degree"] == degree)]
    models = [m for m in PENALIZED if m in tables]
    noise = float(noise_sd) ** 2
    fig, axes = plt.subplots(
        ncols=len(models), figsize=(4.4 * len(models), 4.4), sharey=True,
        squeeze=False,
    )
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
            f"bias² + variance smallest at λ = {fmt(best['lambda'])}",
            color=MODEL_COLORS[model], fontsize=10,
        )
        log_lambda_axis(ax)
        ax.set_yscale("log")
    axes[0, 0].set_ylabel("squared error (log scale)")
    handles = [
        Line2D([], [], color="#e6a100", linewidth=2, label="bias²"),
        Line2D([], [], color="#17a589", linewidth=2, label="variance"),
        Line2D([], [], color="0.3", linewidth=2.2, label="bias² + variance + σ²"),
        Line2D([], [], color="black", marker="o", linestyle="none", ms=4,
               label="measured test MSE"),
        Line2D([], [], color="0.5", linestyle="--", label=f"noise σ² = {fmt(noise)}"),
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
    return fig
