"""The report's overview: the claims of the post this project comes from, measured on one run.

The post makes four claims; each is checked here against the study's own tables, and what the
claim leaves out is measured as well:

1. *Under- to overfitting as the degree grows.* OLS (no penalty) in the *lead* scenario, the one
   whose OLS test error grows most from its best degree to the largest degree:
   ``ratio = median_r test(d_max) / min_d median_r test(d)``. Training error alone cannot show
   it: it falls with every added degree.
2. *Regularization pulls the model back.* At the largest degree of the lead scenario, OLS against
   each penalized model at the λ with the lowest CV error at that degree (chosen per replicate).
   Left out: λ has to be chosen on held-out data; the largest λ of the grid underfits.
3. *The Lasso reaches exact zeros, Ridge only shrinks.* Counts of exactly-zero coefficients
   (``n_nonzero`` counts ``coef == 0.0``, no threshold) over every fit of the study and at the
   CV-selected models. Left out: the zeros are those of the fitted basis, and CV keeps more terms
   than a sparse truth has.
4. *L1's constant pull drives a weight to zero.* The plain subgradient update chatters around
   zero and never lands on it; the proximal step (ISTA) lands on exactly zero. Numbers come from
   the trajectory experiment of figure 7 (:func:`l1l2.plots.trajectory_runs`).

Plus the answer to "which regularizer wins where": every model at its CV-selected (degree, λ)
(rule ``min``, chosen per replicate), test MSE summarized by the median and the interquartile
range over replicates, divided by the noise variance σ² so that scenarios share one scale (the
test MSE is measured on noisy test points, so a perfect model scores about 1).

Everything here is a pure function of tables; no matplotlib. Medians and quartiles are
``numpy.percentile`` with linear interpolation.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .data import Scenario, get_true_function

PENALIZED = ("ridge", "lasso", "elasticnet")
MODEL_NAMES = {"ols": "OLS", "ridge": "Ridge", "lasso": "Lasso", "elasticnet": "Elastic net"}
#: Relative tolerance of "training error never rises" (the fits are accurate to ~1e-10).
MONOTONE_RTOL = 1e-8


def scenario_order(scenarios: Mapping[str, Scenario], functions: Sequence[str]) -> list[str]:
    """Scenario names by true function (in ``functions`` order), then noise, then sample size."""
    rank = {f: i for i, f in enumerate(functions)}

    def key(name):
        s = scenarios[name]
        return (rank.get(s.function, len(rank)), s.function, s.noise_sd, s.n_samples)

    return sorted(scenarios, key=key)


def quartiles(values) -> tuple[float, float, float]:
    """(median, first quartile, third quartile) of ``values``."""
    q1, median, q3 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return float(median), float(q1), float(q3)


# --------------------------------------------------------------------------- which model wins


def selected_errors(
    per_replicate: pd.DataFrame,
    scenarios: Mapping[str, Scenario],
    functions: Sequence[str],
    models: Sequence[str],
    rule: str = "min",
) -> pd.DataFrame:
    """Test error of every model at its CV-selected (degree, λ), per scenario.

    Parameters
    ----------
    per_replicate : pandas.DataFrame
        ``results/tables/selection_replicates.csv``: the choice of every
        (scenario, model, rule, replicate).
    scenarios : mapping
        Scenario name -> :class:`l1l2.data.Scenario` (its noise level gives σ²).
    functions, models : sequence of str
        The configuration's order of true functions and models.
    rule : str
        Selection rule (``min`` or ``1se``).

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, model) in friendly order: ``test_median, test_q1, test_q3`` of the
        chosen fits' test MSE over replicates, the same divided by σ² (``ratio_*``), the median
        chosen degree and λ, ``n_replicates``, ``rank`` (1 = lowest median in its scenario),
        ``winner`` and ``clear_win`` (the winner's third quartile lies below the first quartile
        of every other model).
    """
    chosen = per_replicate[per_replicate["rule"] == rule]
    rows = []
    for scenario in scenario_order(scenarios, functions):
        info = scenarios[scenario]
        variance = info.noise_sd**2
        for model in models:
            group = chosen[(chosen["scenario"] == scenario) & (chosen["model"] == model)]
            if group.empty:
                continue
            median, q1, q3 = quartiles(group["test_mse"])
            rows.append(
                {
                    "scenario": scenario,
                    "function": info.function,
                    "noise_sd": info.noise_sd,
                    "n_samples": info.n_samples,
                    "model": model,
                    "rule": rule,
                    "n_replicates": int(len(group)),
                    "degree_median": float(group["degree"].median()),
                    "lambda_median": float(group["lambda"].median()),
                    "test_median": median,
                    "test_q1": q1,
                    "test_q3": q3,
                    "ratio_median": median / variance,
                    "ratio_q1": q1 / variance,
                    "ratio_q3": q3 / variance,
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        raise ValueError(f"no selected models for rule {rule!r} in the selection table")
    table["rank"] = (
        table.groupby("scenario", sort=False)["test_median"].rank(method="min").astype(int)
    )
    table["winner"] = table["rank"] == 1
    clear = {}
    for scenario, group in table.groupby("scenario", sort=False):
        best = group.loc[group["test_median"].idxmin()]
        others = group.drop(index=best.name)
        clear[scenario] = bool(len(others) and (best["test_q3"] < others["test_q1"]).all())
    table["clear_win"] = table["winner"] & table["scenario"].map(clear)
    return table


def wins(table: pd.DataFrame, models: Sequence[str]) -> dict:
    """Scenario counts per model: ``wins`` (lowest median) and ``clear`` (clear wins)."""
    winners = table[table["winner"]]
    return {
        "n_scenarios": int(table["scenario"].nunique()),
        "wins": {m: int((winners["model"] == m).sum()) for m in models},
        "clear": {m: int(winners.loc[winners["model"] == m, "clear_win"].sum()) for m in models},
    }


# --------------------------------------------------------------------------- claims 1 and 2


def degree_curve(metrics: pd.DataFrame, scenario: str, model: str = "ols") -> pd.DataFrame:
    """Median and quartiles of train and test MSE per degree (OLS, or a model's best-CV λ)."""
    rows = metrics[(metrics["scenario"] == scenario) & (metrics["model"] == model)]
    if model != "ols":
        rows = rows.loc[rows.groupby(["replicate", "degree"])["cv_mse"].idxmin()]
    out = []
    for degree, group in rows.groupby("degree", sort=True):
        test = quartiles(group["test_mse"])
        out.append(
            {
                "degree": int(degree),
                "train_median": quartiles(group["train_mse"])[0],
                "test_median": test[0],
                "test_q1": test[1],
                "test_q3": test[2],
            }
        )
    return pd.DataFrame(out)


def overfit_ratio(curve: pd.DataFrame) -> float:
    """Median test MSE at the largest degree over the smallest median test MSE of any degree."""
    return float(curve["test_median"].iloc[-1] / curve["test_median"].min())


def lead_scenario(metrics: pd.DataFrame, order: Sequence[str]) -> str:
    """The scenario whose OLS overfits most (largest :func:`overfit_ratio`; ties: first in order)."""
    ratios = {s: overfit_ratio(degree_curve(metrics, s)) for s in order}
    return max(order, key=lambda s: (ratios[s], -order.index(s)))


def _train_never_rises(curve: pd.DataFrame) -> bool:
    train = curve["train_median"].to_numpy()
    return bool(np.all(np.diff(train) <= MONOTONE_RTOL * train[:-1]))


def _best_cv_at_degree(metrics, scenario, model, degree) -> pd.DataFrame:
    rows = metrics[
        (metrics["scenario"] == scenario)
        & (metrics["model"] == model)
        & (metrics["degree"] == degree)
    ]
    return rows.loc[rows.groupby("replicate")["cv_mse"].idxmin()]


# --------------------------------------------------------------------------- all claims


def measure_claims(
    metrics: pd.DataFrame,
    per_replicate: pd.DataFrame,
    scenarios: Mapping[str, Scenario],
    functions: Sequence[str],
    models: Sequence[str],
    trajectory: Mapping | None = None,
) -> dict:
    """Every number the overview states, measured on one run's tables.

    Parameters
    ----------
    metrics : pandas.DataFrame
        ``results/tables/metrics.csv``.
    per_replicate : pandas.DataFrame
        ``results/tables/selection_replicates.csv``.
    scenarios : mapping
        Scenario name -> :class:`l1l2.data.Scenario`.
    functions, models : sequence of str
        Configuration order of true functions and models.
    trajectory : mapping, optional
        Output of :func:`l1l2.plots.trajectory_runs` (claim 4); omitted -> no claim 4.

    Returns
    -------
    dict
        Nested numbers, keyed by claim: ``overfitting``, ``regularization``, ``sparsity``,
        ``chatter`` and ``winners``; see :func:`claims_table` for the flat list.
    """
    order = scenario_order(scenarios, functions)
    lead = lead_scenario(metrics, order)
    info = scenarios[lead]
    curve = degree_curve(metrics, lead)
    best = curve.loc[curve["test_median"].idxmin()]
    first, last = curve.iloc[0], curve.iloc[-1]
    # the same function and noise with the largest sample: how much overfitting is left
    siblings = [
        s
        for s in order
        if scenarios[s].function == info.function and scenarios[s].noise_sd == info.noise_sd
    ]
    large = max(siblings, key=lambda s: scenarios[s].n_samples)
    large_curve = degree_curve(metrics, large)
    monotone = [s for s in order if _train_never_rises(degree_curve(metrics, s))]
    claims = {
        "lead": lead,
        "lead_function": info.function,
        "lead_formula": get_true_function(info.function).formula,
        "lead_noise_sd": info.noise_sd,
        "lead_n": info.n_samples,
        "n_replicates": int(metrics.loc[metrics["scenario"] == lead, "replicate"].nunique()),
        "overfitting": {
            "degree_min": int(first["degree"]),
            "degree_max": int(last["degree"]),
            "degree_best": int(best["degree"]),
            "test_at_min": float(first["test_median"]),
            "test_at_best": float(best["test_median"]),
            "test_at_max": float(last["test_median"]),
            "test_q1_at_max": float(last["test_q1"]),
            "test_q3_at_max": float(last["test_q3"]),
            "train_at_min": float(first["train_median"]),
            "train_at_max": float(last["train_median"]),
            "ratio": overfit_ratio(curve),
            "noise_var": info.noise_sd**2,
            "large": large,
            "large_n": scenarios[large].n_samples,
            "large_ratio": overfit_ratio(large_curve),
            "train_monotone": len(monotone),
            "n_scenarios": len(order),
        },
    }

    degree = int(last["degree"])
    ols_test = quartiles(
        metrics.loc[
            (metrics["scenario"] == lead)
            & (metrics["model"] == "ols")
            & (metrics["degree"] == degree),
            "test_mse",
        ]
    )[0]
    pulled = {}
    for model in models:
        if model not in PENALIZED:
            continue
        chosen = _best_cv_at_degree(metrics, lead, model, degree)
        rows = metrics[
            (metrics["scenario"] == lead)
            & (metrics["model"] == model)
            & (metrics["degree"] == degree)
        ]
        strongest = rows[rows["lambda"] == rows["lambda"].max()]
        pulled[model] = {
            "test": quartiles(chosen["test_mse"])[0],
            "lambda": float(np.median(chosen["lambda"])),
            "test_strongest": quartiles(strongest["test_mse"])[0],
            "lambda_strongest": float(rows["lambda"].max()),
        }
    claims["regularization"] = {"degree": degree, "ols_test": ols_test, "models": pulled}

    sparsity = {}
    for model in models:
        rows = metrics[metrics["model"] == model]
        if rows.empty:
            continue
        zeros = rows["n_coef"] - rows["n_nonzero"]
        sel = per_replicate[(per_replicate["model"] == model) & (per_replicate["rule"] == "min")]
        lead_rows = _best_cv_at_degree(metrics, lead, model, degree) if model in PENALIZED else None
        sparsity[model] = {
            "n_fits": int(len(rows)),
            "fits_with_zero": int((zeros > 0).sum()),
            "zero_coefs": int(zeros.sum()),
            "n_coefs": int(rows["n_coef"].sum()),
            "selected_zero_share": float(np.median(1 - sel["n_nonzero"] / sel["n_coef"]))
            if len(sel)
            else float("nan"),
            "lead_nonzero": float(np.median(lead_rows["n_nonzero"]))
            if lead_rows is not None
            else float(degree),
        }
    sparse = [s for s in order if get_true_function(scenarios[s].function).support is not None]
    sparse_info = None
    if sparse and "lasso" in models:
        name = sparse[0]
        support = get_true_function(scenarios[name].function).support
        lasso = _best_cv_at_degree(metrics, name, "lasso", degree)
        sparse_info = {
            "scenario": name,
            "support": list(support),
            "support_size": len(support),
            "lasso_nonzero": float(np.median(lasso["n_nonzero"])),
            "lasso_nonzero_min": int(lasso["n_nonzero"].min()),
            "lasso_nonzero_max": int(lasso["n_nonzero"].max()),
        }
    claims["sparsity"] = {"degree": degree, "models": sparsity, "sparse": sparse_info}

    if trajectory is not None:
        claims["chatter"] = chatter_numbers(trajectory)

    table = selected_errors(per_replicate, scenarios, functions, models)
    counted = wins(table, models)
    ols_rows = table[table["model"] == "ols"]
    counted["ols_rank_median"] = float(ols_rows["rank"].median()) if len(ols_rows) else None
    counted["best_ratio_median"] = float(table[table["winner"]]["ratio_median"].median())
    claims["winners"] = counted
    return claims


def chatter_numbers(trajectory: Mapping) -> dict:
    """What the trajectory experiment shows: exact zeros of ISTA, chatter of the subgradient.

    ``trajectory`` is the output of :func:`l1l2.plots.trajectory_runs` (one weight whose Lasso
    solution is 0, all methods from the OLS start with the same step). The "second half" is the
    last half of the iterations.
    """
    runs = trajectory["runs"]
    j = int(trajectory["term"]) - 1
    ista = runs["ista"].coef
    sub = runs["subgradient"].coef
    weight_ista, weight_sub = ista[:, j], sub[:, j]
    zero_at = np.flatnonzero(weight_ista == 0)
    tail = weight_sub[weight_sub.size // 2 :]
    return {
        "alpha": float(trajectory["alpha"]),
        "term": int(trajectory["term"]),
        "start": float(trajectory["start"]),
        "n_iter": int(weight_sub.size - 1),
        "ista_first_zero": int(zero_at[0]) if zero_at.size else None,
        "ista_stays_zero": bool(zero_at.size and (weight_ista[zero_at[0] :] == 0).all()),
        "sub_tail_max": float(np.abs(tail).max()),
        "sub_tail_zeros": int((tail == 0).sum()),
        "sub_tail_sign_changes": int((np.diff(np.sign(tail)) != 0).sum()),
        "n_weights": int(ista.shape[1]),
        "ista_zero_weights": int((ista[-1] == 0).sum()),
        "sub_zero_weights": int((sub[-1] == 0).sum()),
        "gd_min_abs": float(np.abs(runs["gd"].coef[:, j]).min()),
    }


def claims_table(claims: Mapping) -> pd.DataFrame:
    """The nested claims as a flat table ``name, value`` (dotted names), for CSV and tests."""
    rows = []

    def walk(prefix, value):
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            rows.append((prefix, " ".join(str(v) for v in value)))
        else:
            rows.append((prefix, value))

    walk("", claims)
    return pd.DataFrame(rows, columns=["name", "value"])


def data_uri(path: str | Path) -> str:
    """A base64 ``data:`` URI of a file (PNG, GIF, ...), for a self-contained page."""
    mime = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(Path(path).read_bytes()).decode('ascii')}"
