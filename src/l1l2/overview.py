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
from .metrics import modal_degree

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
    """Scenario counts per model: ``wins`` (lowest median) and ``clear_wins``."""
    winners = table[table["winner"]]
    return {
        "n_scenarios": int(table["scenario"].nunique()),
        "wins": {m: int((winners["model"] == m).sum()) for m in models},
        "clear_wins": {
            m: int(winners.loc[winners["model"] == m, "clear_win"].sum()) for m in models
        },
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
    """The scenario whose OLS overfits most: largest :func:`overfit_ratio`, ties to the first."""
    ols = metrics[metrics["model"] == "ols"]  # the OLS rows once, not the whole table per scenario
    ratios = {s: overfit_ratio(degree_curve(ols, s)) for s in order}
    return max(order, key=lambda s: (ratios[s], -order.index(s)))


def representative_replicate(metrics: pd.DataFrame, scenario: str) -> int:
    """The replicate a figure of one replicate shows: OLS's median test error at the top degree.

    With OLS's test MSE at the largest degree of ``scenario`` sorted over the :math:`R`
    replicates, :math:`e_{(1)} \\le \\dots \\le e_{(R)}`, the chosen value is the lower median
    :math:`e_{(\\lceil R/2 \\rceil)}` (the median itself when :math:`R` is odd); among replicates
    with that value, the smallest index. So the figure's overfitting is the one the median over
    replicates describes, not that of whichever replicate happens to be number 0.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Rows of ``results/tables/metrics.csv`` (at least ``scenario``'s OLS rows).
    scenario : str
        The scenario.

    Returns
    -------
    int
        The replicate index.
    """
    rows = metrics[(metrics["scenario"] == scenario) & (metrics["model"] == "ols")]
    if rows.empty:
        raise ValueError(f"no OLS rows for scenario {scenario!r} in the metrics table")
    top = rows[rows["degree"] == rows["degree"].max()]
    errors = np.sort(top["test_mse"].to_numpy(dtype=float))
    lower_median = errors[(len(errors) - 1) // 2]
    return int(top.loc[top["test_mse"] == lower_median, "replicate"].min())


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
    shown = representative_replicate(metrics, lead)
    claims = {
        "lead": lead,
        "lead_function": info.function,
        "lead_formula": get_true_function(info.function).formula,
        "lead_noise_sd": info.noise_sd,
        "lead_n": info.n_samples,
        "n_replicates": int(metrics.loc[metrics["scenario"] == lead, "replicate"].nunique()),
        # the replicate the lead's figures of one replicate show (animation, explorer)
        "shown_replicate": shown,
        "shown_test_at_max": float(
            metrics.loc[
                (metrics["scenario"] == lead)
                & (metrics["model"] == "ols")
                & (metrics["degree"] == last["degree"])
                & (metrics["replicate"] == shown),
                "test_mse",
            ].iloc[0]
        ),
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
    # the error-vs-λ figure beside these numbers draws each model at selection.csv's degree
    lead_min = per_replicate[(per_replicate["scenario"] == lead) & (per_replicate["rule"] == "min")]
    drawn_at = {
        model: modal_degree(lead_min.loc[lead_min["model"] == model, "degree"])[0]
        for model in pulled
    }
    claims["regularization"] = {"degree": degree, "ols_test": ols_test, "models": pulled,
                                "figure_degrees": drawn_at}

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
    # OLS at its CV-chosen degree against the best penalized model of the same scenario
    best_penalized = table[table["model"].isin(PENALIZED)].groupby("scenario")["ratio_median"].min()
    ols_vs = (ols_rows.set_index("scenario")["ratio_median"] / best_penalized).dropna()
    counted["ols_vs_penalized"] = {
        "median": float(ols_vs.median()) if len(ols_vs) else None,
        "max": float(ols_vs.max()) if len(ols_vs) else None,
        "max_scenario": str(ols_vs.idxmax()) if len(ols_vs) else None,
    }
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


# --------------------------------------------------------------------------- the landing page

#: Styles of the landing page. Snakemake's report shows the workflow description in a narrow
#: column beside the rule graph; these rules (scoped to the page with ``:has``) give the overview
#: the full width, start it at the top and move the rule graph below it.
_CSS = """
.prose:has(#l1l2-overview) { max-width: none !important; }
div.flex:has(> div > .prose #l1l2-overview) { flex-wrap: wrap; }
div.items-center:has(#l1l2-overview) { align-items: flex-start !important; }
#l1l2-overview { max-width: 1100px; font-size: 15px; line-height: 1.5; color: #1e293b; }
#l1l2-overview h1 { font-size: 1.6em; margin: 0.2em 0 0.3em; }
#l1l2-overview h2 { font-size: 1.25em; margin: 1.4em 0 0.3em; border-top: 1px solid #cbd5e1;
  padding-top: 0.6em; }
#l1l2-overview p { margin: 0.35em 0; }
#l1l2-overview .lead { font-size: 1.02em; }
#l1l2-overview .glance li { margin: 0.15em 0; }
#l1l2-overview .tag { font-weight: 600; color: #475569; }
#l1l2-overview figure { margin: 0.6em 0 0.2em; }
#l1l2-overview img { max-width: 100%; height: auto; border: 1px solid #e2e8f0; }
#l1l2-overview figcaption { font-size: 0.85em; color: #475569; }
#l1l2-overview code::before, #l1l2-overview code::after { content: none; }
#l1l2-overview code { font-weight: 400; font-size: 0.9em; }
#l1l2-overview .num { font-weight: 600; font-variant-numeric: tabular-nums; }
#l1l2-explorer-sliders .vega-bind { display: inline-block; margin: 0 28px 6px 0; }
#l1l2-explorer-sliders input[type=range] { width: 220px; vertical-align: middle; }
#l1l2-explorer { overflow-x: auto; }
#l1l2-overview a.button { display: inline-block; padding: 0.35em 0.8em; margin: 0.3em 0;
  background: #0f766e; color: white; border-radius: 6px; text-decoration: none; }
"""

_TEMPLATE = """\
<style>{{ css|safe }}</style>
<div id="l1l2-overview">
<h1>L1 and L2 regularization: what this run shows</h1>
<p class="lead">L1 (Lasso) and L2 (Ridge) regularization on noisy polynomial regression.
{{ study }} Every number on this page is measured on this run's tables
(<code>results/tables/metrics.csv</code>, <code>selection_replicates.csv</code>; all of them in
<code>results/overview/claims.csv</code>). Medians and quartiles are over the
{{ c.n_replicates }} replicates of a scenario.</p>
<ul class="glance">
<li><a href="#l1l2-claim-1">Under- to overfitting</a>: in {{ c.lead }}, OLS's test MSE is
<span class="num">{{ o.test_at_best|g3 }}</span> at degree {{ o.degree_best }} and
<span class="num">{{ o.test_at_max|g3 }}</span> at degree {{ o.degree_max }}.</li>
<li><a href="#l1l2-claim-2">Regularization pulls back</a>: at degree {{ r.degree }} with λ
chosen by cross-validation, the test MSE is
{% for m, v in r.models.items() %}<span class="num">{{ v.test|g3 }}</span> ({{ names[m] }})
{{- ", " if not loop.last }}{% endfor %}.</li>
{% if s.models.lasso is defined %}
<li><a href="#l1l2-claim-3">Exact zeros</a>: {{ s.models.lasso.fits_with_zero }} of
{{ s.models.lasso.n_fits }} Lasso fits have coefficients exactly 0
{%- if s.models.ridge is defined %};
Ridge: {{ s.models.ridge.fits_with_zero }} of {{ s.models.ridge.n_fits }}{% endif %}.</li>
{% endif %}
{% if ch %}
<li><a href="#l1l2-claim-4">Subgradient vs proximal step</a>: ISTA lands on exactly 0
{%- if ch.ista_first_zero is not none %} at iteration {{ ch.ista_first_zero }}{% endif %};
the subgradient update still swings up to |w| = <span class="num">{{ ch.sub_tail_max|g3 }}</span>
with {{ ch.sub_tail_sign_changes }} sign changes.</li>
{% endif %}
<li><a href="#l1l2-winners">Which regularizer wins where</a>: lowest median test error at the
CV-selected model in
{% for m, k in w.wins.items() %}{{ k }} ({{ names[m] }})
{{- ", " if not loop.last else " " }}{% endfor %}
of {{ w.n_scenarios }} scenarios.</li>
{% if explorer %}<li><a href="{{ open_explorer }}">Interactive explorer</a>: move degree and λ
yourself.</li>{% endif %}
</ul>

<h2 id="l1l2-claim-1">1. Under- to overfitting as the degree grows</h2>
<p><span class="tag">The post:</span> a low-degree polynomial is too stiff for the data
(underfitting); a high-degree one follows the noise (overfitting).</p>
<p><span class="tag">This run:</span> the scenario where OLS overfits most is
<b>{{ c.lead }}</b> (f(t) = {{ c.lead_formula }}, noise sd {{ c.lead_noise_sd|g3 }},
n = {{ c.lead_n }}). OLS's median test MSE is <span class="num">{{ o.test_at_min|g3 }}</span>
at degree {{ o.degree_min }}, <span class="num">{{ o.test_at_best|g3 }}</span> at its best degree
{{ o.degree_best }} and <span class="num">{{ o.test_at_max|g3 }}</span> at degree
{{ o.degree_max }}: <span class="num">{{ o.ratio|g3 }}×</span> its best (interquartile range
{{ o.test_q1_at_max|g3 }}–{{ o.test_q3_at_max|g3 }}; the noise variance σ² is
{{ o.noise_var|g3 }}). Meanwhile its training MSE falls from {{ o.train_at_min|g3 }} to
{{ o.train_at_max|g3 }}.</p>
<p><span class="tag">What it misses:</span> the training error cannot show overfitting: OLS's
median training MSE never rises with the degree in {{ o.train_monotone }} of
{{ o.n_scenarios }} scenarios; only held-out data reveal it.
{% if o.large != c.lead %}And overfitting is a small-sample effect: with n = {{ o.large_n }}
({{ o.large }}) the degree-{{ o.degree_max }} OLS test MSE is
<span class="num">{{ o.large_ratio|g3 }}×</span> its best instead of
{{ o.ratio|g3 }}×.{% endif %}</p>
{% if images.get("animation") %}
<figure><img alt="animation: fits of {{ c.lead }} at every degree" src="{{ images.animation }}">
<figcaption>Animated: replicate {{ c.shown_replicate }} of {{ c.lead }} at every degree, OLS, Ridge
and Lasso (each penalized model at its best-CV λ for that degree), with the test MSE per degree on
the right. Replicate {{ c.shown_replicate }} is shown because its degree-{{ o.degree_max }} OLS
test MSE, <span class="num">{{ c.shown_test_at_max|g3 }}</span>, is the
{{ "median" if c.n_replicates is odd else "lower median" }} over the {{ c.n_replicates }}
replicates{% if c.n_replicates is even %} (the median quoted above,
{{ o.test_at_max|g3 }}, is the mean of the two middle ones){% endif %}.</figcaption></figure>
{% endif %}
{% if images.get("error_vs_degree") %}
<figure><img alt="error vs degree, {{ c.lead }}" src="{{ images.error_vs_degree }}">
<figcaption>Training and test error against degree in {{ c.lead }}, all replicates.</figcaption>
</figure>
{% endif %}

<h2 id="l1l2-claim-2">2. Regularization pulls the model back</h2>
<p><span class="tag">The post:</span> penalizing the size of the weights tames the high-degree
fit.</p>
<p><span class="tag">This run:</span> at degree {{ r.degree }} in {{ c.lead }}, OLS's median
test MSE is <span class="num">{{ r.ols_test|g3 }}</span>. With λ chosen by cross-validation at
that degree (per replicate) it is
{% for m, v in r.models.items() %}<span class="num">{{ v.test|g3 }}</span> for {{ names[m] }}
(median λ {{ v.lambda|g3 }}){{ ", " if not loop.last else "." }}{% endfor %}</p>
<p><span class="tag">What it misses:</span> λ has to be chosen on held-out data, and too much
penalty underfits: at the largest λ of the grid the median test MSE is
{% for m, v in r.models.items() %}<span class="num">{{ v.test_strongest|g3 }}</span>
({{ names[m] }}, λ = {{ v.lambda_strongest|g3 }}){{ ", " if not loop.last else ". " }}{% endfor %}
{% if w.ols_vs_penalized.median is not none -%}
A penalty is also not the only cure: with its degree chosen by cross-validation, OLS's median test
MSE is <span class="num">{{ w.ols_vs_penalized.median|g3 }}×</span> the best penalized model's in
the median scenario (at most {{ w.ols_vs_penalized.max|g3 }}×, in
{{ w.ols_vs_penalized.max_scenario }}; see <a href="#l1l2-winners">which regularizer wins
where</a>).{% endif %}</p>
{% if images.get("error_vs_lambda") %}
<figure><img alt="error vs lambda, {{ c.lead }}" src="{{ images.error_vs_lambda }}">
<figcaption>Cross-validation and test error against λ in {{ c.lead }}
{%- if r.figure_degrees.values()|select("ne", r.degree)|list %}, each model at the degree its
replicates' cross-validation chose most often ({% for m, d in r.figure_degrees.items() -%}
{{ names[m] }} {{ d }}{{ ", " if not loop.last }}{% endfor %}), with the λ chosen together with
that degree: not the degree {{ r.degree }} of the numbers above
{%- else %}, at degree {{ r.degree }}{% endif %}.</figcaption></figure>
{% endif %}

{% if s.models.lasso is defined %}
<h2 id="l1l2-claim-3">3. The Lasso reaches exact zeros; Ridge only shrinks</h2>
<p><span class="tag">The post:</span> L1's pull is constant and drives weights to zero; L2's
pull shrinks with the weight, so weights get small but never zero.</p>
<p><span class="tag">This run:</span> over every fit of the study (scenario, replicate, degree and
λ), {% if s.models.ridge is defined %}{{ s.models.ridge.fits_with_zero }} of
{{ s.models.ridge.n_fits }} Ridge fits have a coefficient exactly 0, while {% endif %}
{{ s.models.lasso.fits_with_zero }} of {{ s.models.lasso.n_fits }} Lasso fits do
({{ s.models.lasso.zero_coefs }} of {{ s.models.lasso.n_coefs }} coefficients; "exactly" means
== 0.0, no threshold). At the model chosen by cross-validation the median share of exactly-zero
coefficients is <span class="num">{{ (100 * s.models.lasso.selected_zero_share)|g3 }} %</span> for
the Lasso{% if s.models.ridge is defined %} and
{{ (100 * s.models.ridge.selected_zero_share)|g3 }} %
for Ridge{% endif %}.</p>
<p><span class="tag">What it misses:</span> sparsity belongs to the basis that was fitted
({{ basis }} terms, standardized), not to the curve: the same curve written in another basis
need not have the same zeros.
{% if s.sparse %}And the Lasso chosen for prediction is not the true support: in
{{ s.sparse.scenario }} (true terms {{ s.sparse.support|join(", ") }}), at degree {{ s.degree }}
and CV-chosen λ it keeps a median of <span class="num">{{ s.sparse.lasso_nonzero|g3 }}</span>
non-zero terms (range {{ s.sparse.lasso_nonzero_min }}–{{ s.sparse.lasso_nonzero_max }}) for
{{ s.sparse.support_size }} true ones.{% endif %}</p>
{% if images.get("coef_paths") %}
<figure><img alt="coefficient paths" src="{{ images.coef_paths }}">
<figcaption>Coefficient paths of {{ coef_scenario }} at degree {{ s.degree }}.</figcaption>
</figure>
{% endif %}
{% endif %}

{% if ch %}
<h2 id="l1l2-claim-4">4. The subgradient chatters; the proximal step lands on zero</h2>
<p><span class="tag">The post:</span> L1's gradient is ±1, so gradient descent walks a weight to
zero in constant steps.</p>
<p><span class="tag">This run:</span> one weight (w<sub>{{ ch.term }}</sub>) whose Lasso
solution is 0, α = {{ ch.alpha|g3 }}, {{ ch.n_iter }} iterations from its OLS value
{{ ch.start|g3 }}. The proximal step (ISTA)
{% if ch.ista_first_zero is not none %}is exactly 0 from iteration {{ ch.ista_first_zero }}
{%- if ch.ista_stays_zero %} on{% endif %}{% else %}never reaches 0 in this run{% endif %}. The
plain subgradient update, in its second half, has {{ ch.sub_tail_zeros }} exact zeros,
{{ ch.sub_tail_sign_changes }} sign changes and |w| up to
<span class="num">{{ ch.sub_tail_max|g3 }}</span>. At the last iteration ISTA has
{{ ch.ista_zero_weights }} of {{ ch.n_weights }} weights exactly 0, the subgradient
{{ ch.sub_zero_weights }}. L2 gradient descent gets down to |w| = {{ ch.gd_min_abs|g3 }}, never
0.</p>
<p><span class="tag">What it misses:</span> the constant pull alone does not make zeros: the data
term keeps pushing the weight back across 0. Exact zeros come from the proximal
(soft-threshold) step or coordinate descent.</p>
{% if images.get("trajectories") %}
<figure><img alt="trajectories" src="{{ images.trajectories }}">
<figcaption>The weight's iterates under L2 gradient descent, the L1 subgradient update and
ISTA.</figcaption></figure>
{% endif %}
{% endif %}

<h2 id="l1l2-winners">Which regularizer wins where</h2>
<p>Every model at its cross-validation choice of degree and λ (rule <code>min</code>, chosen per
replicate), test MSE divided by the noise variance so that all scenarios share one scale. The
lowest median wins in
{% for m, k in w.wins.items() %}{{ k }} ({{ names[m] }})
{{- ", " if not loop.last else " " }}{% endfor %}
of {{ w.n_scenarios }} scenarios; {{ w.clear_wins.values()|sum }} of these wins are clear (the
winner's interquartile range below every other model's). The winner's median test MSE is
{{ w.best_ratio_median|g3 }} σ² (median over scenarios).</p>
{% if images.get("selected_models") %}
<figure><img alt="which regularizer wins where" src="{{ images.selected_models }}"></figure>
{% endif %}
{% if explorer %}
<h2 id="l1l2-explore">Explore it yourself</h2>
<p>The interactive explorer of {{ explorer_scenario }} (replicate {{ c.shown_replicate }}, the
one whose degree-{{ o.degree_max }} OLS test MSE is the
{{ "median" if c.n_replicates is odd else "lower median" }} over replicates) moves degree and λ
with sliders (log10 λ along the study's λ grid) and shows the data with the true function and every
model's fit, the fitted weights with exact zeros marked and counted, and the train, CV and test
error against λ with their values at that point. Nothing is refitted: it draws the coefficients
the fit stage stored. Outside the report, <code>results/overview/explorer.html</code> is the same
explorer as a page of its own that works offline.</p>
<p><a class="button" href="{{ open_explorer }}">Open the interactive explorer</a></p>
<div id="l1l2-explorer-sliders"></div>
<div id="l1l2-explorer"></div>
<div id="l1l2-explorer-spec" hidden>{{ explorer|json_text }}</div>
{% endif %}
<p>All figures, per scenario, are in the menu on the left.</p>
</div>
"""


#: What the explorer's links run: draw the Vega specification kept in the page (once) with the
#: Vega library of Snakemake's report, its sliders above it, and scroll to it. (HTML put in the
#: report's description runs no ``<script>``; a ``javascript:`` link runs when clicked.)
OPEN_EXPLORER = (
    "javascript:void((function(){var box=document.getElementById('l1l2-explorer');"
    "if(!box.hasChildNodes()){new vega.View(vega.parse(JSON.parse(document.getElementById("
    "'l1l2-explorer-spec').textContent)),{renderer:'svg',container:box,"
    "bind:'#l1l2-explorer-sliders'}).runAsync();}"
    "document.getElementById('l1l2-explore').scrollIntoView();})())"
)


def _json_text(text: str):
    """JSON as the text of an HTML element: only ``&``, ``<`` and ``>`` escaped (the element's
    ``textContent`` is the JSON again), quotes kept as they are."""
    from markupsafe import Markup

    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def render_overview(
    claims: Mapping,
    images: Mapping[str, str | Path],
    study: str,
    basis: str,
    coef_scenario: str | None = None,
    explorer: str | None = None,
    explorer_scenario: str | None = None,
) -> str:
    """The overview as an HTML fragment (styles included, images as ``data:`` URIs).

    Parameters
    ----------
    claims : mapping
        Output of :func:`measure_claims`.
    images : mapping
        Slot -> image file: ``animation``, ``error_vs_degree``, ``error_vs_lambda``,
        ``coef_paths``, ``trajectories``, ``selected_models`` (missing slots are left out).
    study : str
        One sentence describing the study (scenarios, replicates, models, degrees, basis).
    basis : str
    coef_scenario : str, optional
        The scenario of the coefficient-path figure.
    explorer : str, optional
        The interactive explorer as a Vega specification (JSON text,
        :func:`l1l2.explorer.write_vega_spec`), kept in the page and drawn when its link is
        clicked (:data:`OPEN_EXPLORER`).
    explorer_scenario : str, optional
    """
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True)
    env.filters["g3"] = lambda v: f"{float(v):.3g}"
    env.filters["json_text"] = _json_text
    return env.from_string(_TEMPLATE).render(
        css=_CSS,
        c=claims,
        o=claims["overfitting"],
        r=claims["regularization"],
        s=claims["sparsity"],
        ch=claims.get("chatter"),
        w=claims["winners"],
        names=MODEL_NAMES,
        images={k: data_uri(v) for k, v in images.items() if v is not None},
        study=study,
        basis=basis,
        coef_scenario=coef_scenario,
        explorer=explorer,
        explorer_scenario=explorer_scenario,
        open_explorer=OPEN_EXPLORER,
    )
