"""Figures of the study, and the small computations behind them.

One module per figure family; the table analysis and the solver experiments apart, free of
matplotlib:

=====================  =====================================================================
:mod:`.palette`        colours and names of models, methods, bases (no matplotlib)
:mod:`.style`          the style file, :func:`save` (the one writer)
:mod:`.analysis`       predictions, bias–variance, λ_min/λ_1se, true supports (no matplotlib)
:mod:`.experiments`    solver runs behind figures 7 and 8 (no matplotlib)
:mod:`.fits`           figure 1: under- to overfitting (grid and animation)
:mod:`.errors`         figures 2, 3, 10: error vs degree, error vs λ, bias–variance
:mod:`.coefficients`   figures 4, 5, 11: coefficient paths, sparsity, support recovery
:mod:`.mechanics`      figures 6, 7, 8: penalties, trajectories, convergence
:mod:`.agreement`      figure 9: l1l2 against scikit-learn
:mod:`.summary`        the summary table (CSV, Markdown, HTML)
:mod:`.selection`      figure 0: every model at its CV-selected (degree, λ), per scenario
=====================  =====================================================================

Every figure function takes tables (or data), returns a :class:`matplotlib.figure.Figure` (an
animation for the GIF) drawn in the fixed style, and knows nothing about Snakemake or files;
:func:`save` writes it with the config's dpi and deterministic metadata.

Names are loaded on first use (``l1l2.plots.penalties`` imports :mod:`.mechanics`), so importing
a matplotlib-free module such as :mod:`l1l2.plots.analysis` does not import matplotlib.
"""

from __future__ import annotations

import importlib

_MODULE_OF = {
    "palette": [
        "BASIS_COLORS", "LAMBDA_LABEL", "METHOD_COLORS", "MODEL_COLORS", "MODEL_LABELS",
        "PENALIZED",
    ],
    "style": ["STYLES", "attach_data", "save", "use_style"],
    "analysis": [
        "BLOWUP_FACTOR", "best_lambda_by_degree", "bias_variance", "coef_matrix",
        "describe_scenario", "first_zero_lambda", "is_blowup", "lambda_min_1se",
        "per_replicate_lambdas", "predict", "robust_stats", "scenario_order", "spread_degrees",
        "true_coefficients", "true_projection", "true_zero_share",
    ],
    "experiments": [
        "conditioning_table", "example_problem", "lasso_gap_histories", "trajectory_runs",
    ],
    "fits": ["under_overfitting", "under_overfitting_animation"],
    "errors": ["bias_variance_figure", "error_vs_degree", "error_vs_lambda"],
    "coefficients": ["coefficient_paths", "sparsity_vs_lambda", "support_recovery"],
    "mechanics": ["convergence", "penalties", "trajectories"],
    "agreement": ["crosscheck"],
    "summary": ["summary_html", "summary_markdown", "summary_table"],
    "selection": ["selected_models"],
}
_WHERE = {name: module for module, names in _MODULE_OF.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
