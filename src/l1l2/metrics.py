"""Model selection by cross-validation and summaries of the metrics table.

Selection follows glmnet (Friedman, Hastie & Tibshirani 2010, §3.3 and ``cv.glmnet``):

* ``min``: the (degree, λ) with the lowest mean CV error;
* ``1se``: the most regularized, then the simplest, candidate whose CV error is within one
  standard error of that minimum: the largest λ, and among those the lowest degree.

Only CV error chooses; the test error is reported next to the choice, never used to make it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SELECTION_RULES = ("min", "1se")
GROUP = ["scenario", "model"]


def select_one(candidates: pd.DataFrame, rule: str) -> pd.Series:
    """The row of ``candidates`` (one replicate's grid) chosen by ``rule``."""
    if rule not in SELECTION_RULES:
        raise ValueError(f"unknown selection rule {rule!r}; expected one of {SELECTION_RULES}")
    usable = candidates[np.isfinite(candidates["cv_mse"])]
    if usable.empty:
        raise ValueError("no candidate has a finite cross-validation error")
    best = usable.loc[usable["cv_mse"].idxmin()]
    if rule == "min":
        return best
    threshold = best["cv_mse"] + (best["cv_se"] if np.isfinite(best["cv_se"]) else 0.0)
    within = usable[usable["cv_mse"] <= threshold]
    return within.sort_values(["lambda", "degree"], ascending=[False, True], kind="mergesort").iloc[
        0
    ]


def modal_degree(degrees: pd.Series) -> tuple[int, int]:
    """The degree chosen most often among the replicates' ``degrees`` (ties: the lowest) and
    how many replicates chose it: ``selection.csv``'s ``degree`` and ``n_degree``."""
    counts = degrees.value_counts()
    return int(counts.index[counts.to_numpy() == counts.max()].min()), int(counts.max())


def select_models(metrics: pd.DataFrame, rules: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Choose (degree, λ) per (scenario, model, replicate) and summarize per (scenario, model).

    Returns
    -------
    summary : pandas.DataFrame
        One row per (scenario, model, rule): the most frequently chosen degree (ties: the lowest)
        and how many replicates chose it (``n_degree``), the median chosen λ, the mean CV and
        test error of the per-replicate choices (and the test error's standard deviation), the
        mean share of exactly-zero coefficients, and whether every chosen fit converged.
    per_replicate : pandas.DataFrame
        The chosen row of every (scenario, model, rule, replicate).
    """
    chosen = []
    for (scenario, model, replicate), grid in metrics.groupby(GROUP + ["replicate"], sort=True):
        for rule in rules:
            row = select_one(grid, rule)
            chosen.append(
                {
                    "scenario": scenario,
                    "model": model,
                    "rule": rule,
                    "replicate": replicate,
                    "degree": int(row["degree"]),
                    "lambda": float(row["lambda"]),
                    "cv_mse": float(row["cv_mse"]),
                    "cv_se": float(row["cv_se"]),
                    "test_mse": float(row["test_mse"]),
                    "n_coef": int(row["n_coef"]),
                    "n_nonzero": int(row["n_nonzero"]),
                    "converged": bool(row["converged"]),
                }
            )
    per_replicate = pd.DataFrame(chosen)
    rows = []
    for (scenario, model, rule), group in per_replicate.groupby(GROUP + ["rule"], sort=True):
        degree, n_degree = modal_degree(group["degree"])
        rows.append(
            {
                "scenario": scenario,
                "model": model,
                "rule": rule,
                "degree": degree,
                "n_degree": n_degree,
                "lambda": float(group["lambda"].median()),
                "cv_mse": float(group["cv_mse"].mean()),
                "test_mse": float(group["test_mse"].mean()),
                "test_mse_sd": float(group["test_mse"].std(ddof=1)) if len(group) > 1 else np.nan,
                "zero_share": float((1 - group["n_nonzero"] / group["n_coef"]).mean()),
                "n_replicates": int(len(group)),
                "all_converged": bool(group["converged"].all()),
            }
        )
    return pd.DataFrame(rows), per_replicate
