"""An interactive explorer of one scenario: degree and λ sliders over the stored fits.

A chart (Vega-Lite through Altair) with

* the data of one replicate, the true function and every model's fit at the chosen degree and λ;
* the fitted coefficients at that point (exact zeros marked);
* train, CV and test error against λ at the chosen degree, and their values at the point.

It is written twice: as a self-contained HTML page (:func:`write_explorer`: Vega, Vega-Lite and
vega-embed inlined, works offline anywhere) and as a plain Vega specification
(:func:`write_vega_spec`) that the report's overview draws with the Vega library the Snakemake
report already carries, so the report does not hold a second copy of that JavaScript.

Nothing is refitted: the page carries the stored coefficients of the fit stage (the standardized
basis weights ``w`` and the intercept ``b``) and the basis columns of a grid of x, standardized
with the replicate's training mean and scale exactly as in the fits; the browser computes
``b + Σ_k w_k z_k(x)``. Only numbers are rounded (to :data:`DIGITS` significant digits); exact
zeros stay exact.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .data import get_true_function, to_unit_interval
from .features import Standardizer, design_matrix

#: Significant digits of the numbers written into the page.
DIGITS = 6
MODEL_COLORS = {"ols": "#4d4d4d", "ridge": "#1f77b4", "lasso": "#d62728", "elasticnet": "#9467bd"}
MODEL_LABELS = {"ols": "OLS", "ridge": "Ridge", "lasso": "Lasso", "elasticnet": "Elastic net"}


def _round(value: float) -> float:
    return float(f"{value:.{DIGITS}g}")


def page_data(frame: pd.DataFrame):
    """A table as the page carries it: CSV text with its numeric columns named (a third of the
    size of the same rows as JSON objects). List columns (a fit's weights) become one text cell,
    the numbers separated by spaces; the chart splits them again."""
    import altair as alt

    frame = frame.copy()
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, list)).any():
            frame[column] = frame[column].map(lambda v: " ".join(repr(float(x)) for x in v))
    return alt.InlineData(
        values=frame.to_csv(index=False, lineterminator="\n"),
        format=alt.CsvDataFormat(type="csv", parse={c: "number" for c in numeric}),
    )


def explorer_tables(
    split_table: pd.DataFrame,
    coefs_by_model: Mapping[str, pd.DataFrame],
    metrics: pd.DataFrame,
    function: str,
    basis: str,
    domain: Sequence[float],
    replicate: int = 0,
    n_grid: int = 121,
) -> dict[str, pd.DataFrame]:
    """The tables the explorer draws, for one replicate of one scenario.

    Parameters
    ----------
    split_table : pandas.DataFrame
        The scenario's split table (``replicate, x, y, y_true, split, fold``).
    coefs_by_model : mapping
        Model -> its coefficient table (``replicate, degree, model, lambda, term, coef``; term 0
        is the intercept, the others weights of the standardized basis).
    metrics : pandas.DataFrame
        The scenario's rows of ``metrics.csv``.
    function, basis : str
    domain : (float, float)
    replicate : int
        The replicate shown.
    n_grid : int
        Points of the x grid the fits are drawn on.

    Returns
    -------
    dict of pandas.DataFrame
        ``points`` (x, y, split), ``truth`` (x, y), ``basis`` (key = i·(D+1) + k, z: standardized
        basis column k at grid point i; k = 0 is the constant 1), ``fits`` (model, degree,
        lambda, k and w as lists: the intercept then the weights), ``errors`` (model, degree,
        lambda, train, cv, test) and ``grid`` (x0, dx, n: the x grid).
    """
    rows = split_table[split_table["replicate"] == replicate]
    if rows.empty:
        raise ValueError(f"replicate {replicate} is not in the split table")
    train = rows[rows["split"] == "train"]
    lo, hi = float(domain[0]), float(domain[1])
    x = np.linspace(lo, hi, n_grid)
    max_degree = max(int(c["degree"].max()) for c in coefs_by_model.values())
    scaler = Standardizer.fit(design_matrix(train["x"].to_numpy(), max_degree, basis, domain))
    Z = scaler.transform(design_matrix(x, max_degree, basis, domain))
    Z = np.column_stack([np.ones(n_grid), Z])
    basis_rows = pd.DataFrame(
        {
            "key": (
                np.arange(n_grid)[:, None] * (max_degree + 1) + np.arange(max_degree + 1)
            ).ravel(),
            "z": [_round(v) for v in Z.ravel()],
        }
    )
    fits = []
    for model, coefs in coefs_by_model.items():
        mine = coefs[coefs["replicate"] == replicate]
        for (degree, lam), block in mine.groupby(["degree", "lambda"], sort=True):
            block = block.sort_values("term")
            terms = block["term"].to_numpy()
            if not np.array_equal(terms, np.arange(int(degree) + 1)):
                raise ValueError(f"{model}: degree {degree} does not have terms 0..{degree}")
            fits.append(
                {
                    "model": model,
                    "degree": int(degree),
                    "lambda": float(lam),
                    "k": terms.tolist(),
                    "w": [_round(v) for v in block["coef"].to_numpy()],
                }
            )
    errors = metrics[metrics["replicate"] == replicate][
        ["model", "degree", "lambda", "train_mse", "cv_mse", "test_mse"]
    ].rename(columns={"train_mse": "train", "cv_mse": "CV", "test_mse": "test"})
    for column in ("train", "CV", "test"):
        errors[column] = errors[column].map(_round)
    truth_x = np.linspace(lo, hi, 241)
    truth = get_true_function(function)(to_unit_interval(truth_x, domain))
    return {
        "points": rows[["x", "y", "split"]].reset_index(drop=True),
        "truth": pd.DataFrame({"x": truth_x, "y": [_round(v) for v in truth]}),
        "basis": basis_rows,
        "fits": pd.DataFrame(fits),
        "errors": errors.reset_index(drop=True),
        "grid": pd.DataFrame({"x0": [lo], "dx": [(hi - lo) / (n_grid - 1)], "n": [n_grid]}),
    }


def cv_blowup_note(
    errors: pd.DataFrame, split_table: pd.DataFrame, replicate: int = 0, factor: float = 10.0
) -> str | None:
    """A sentence on OLS's CV error where it is more than ``factor`` times its test error.

    The explorer's error panel draws OLS's test error only; in small samples its CV error at high
    degree can be orders of magnitude larger, because each CV fit sees only the training rows
    outside one fold. Returns ``None`` when no degree has such a gap.

    Parameters
    ----------
    errors : pandas.DataFrame
        The explorer's ``errors`` table (``model, degree, lambda, train, CV, test``) of the
        replicate shown.
    split_table : pandas.DataFrame
        The scenario's split table (for the number of training rows and CV folds).
    replicate : int
    factor : float
    """
    ols = errors[errors["model"] == "ols"].sort_values("degree")
    ratio = ols["CV"] / ols["test"]
    far = ols[ratio > factor]
    if far.empty:
        return None
    worst = ols.loc[ratio.idxmax()]
    rows = split_table[(split_table["replicate"] == replicate) & (split_table["split"] == "train")]
    fitted = len(rows) - rows["fold"].value_counts()
    lo, hi = int(fitted.min()), int(fitted.max())
    return (
        f"OLS's CV error is more than {factor:g}× its test error at {len(far)} of "
        f"{len(ols)} degrees (the most at degree {int(worst['degree'])}: CV MSE "
        f"{worst['CV']:.3g}, test MSE {worst['test']:.3g}); each CV fit has only "
        f"{lo if lo == hi else f'{lo}–{hi}'} of the {len(rows)} training rows. "
        "The error panel draws OLS's test error only."
    )


def evaluate(tables: Mapping[str, pd.DataFrame], model: str, degree: int, lam: float) -> np.ndarray:
    """The explorer's curve of one fit on its x grid, computed as the page computes it."""
    fits = tables["fits"]
    row = fits[(fits["model"] == model) & (fits["degree"] == degree) & (fits["lambda"] == lam)]
    if len(row) != 1:
        raise ValueError(f"no single fit for {model}, degree {degree}, λ {lam}")
    row = row.iloc[0]
    grid = tables["grid"].iloc[0]
    n = int(grid["n"])
    z = tables["basis"].set_index("key")["z"]
    width = len(z) // n
    keys = np.arange(n)[:, None] * width + np.asarray(row["k"])[None, :]
    return (z.to_numpy()[keys] * np.asarray(row["w"])[None, :]).sum(axis=1)


def explorer_chart(
    tables: Mapping[str, pd.DataFrame],
    title: str,
    basis: str,
    models: Sequence[str],
    lambdas: Sequence[float],
    degree: int,
    lam: float,
    subtitle: str | None = None,
    replicate: int = 0,
):
    """The explorer as an Altair chart (import of Altair happens here, not at module import).

    Parameters
    ----------
    tables : mapping
        Output of :func:`explorer_tables`.
    title : str
        Heading of the page (the scenario).
    basis : str
        Name of the basis (the coefficients are its standardized weights).
    models : sequence of str
        Models to draw, in legend order.
    lambdas : sequence of float
        The λ grid (log-spaced); the λ slider moves along it.
    degree, lam : int, float
        Where the sliders start.
    subtitle : str, optional
        A line under the title (wrapped), e.g. :func:`cv_blowup_note`.
    replicate : int
        The replicate ``tables`` hold (named in the legend and the errors' title).
    """
    import altair as alt

    grid = tables["grid"].iloc[0]
    x0, dx, n = float(grid["x0"]), float(grid["dx"]), int(grid["n"])
    fits = tables["fits"]
    degrees = sorted(fits["degree"].unique())
    width = int(tables["basis"]["key"].max()) // n + 1
    logs = np.log10(np.sort(np.asarray([v for v in lambdas if v > 0], dtype=float)))
    step = float(np.diff(logs).mean()) if logs.size > 1 else 1.0
    half = step / 2 if logs.size > 1 else 0.5

    deg = alt.param(
        name="degree",
        value=int(degree),
        bind=alt.binding_range(min=int(degrees[0]), max=int(degrees[-1]), step=1, name="degree "),
    )
    loglam = alt.param(
        name="log10_lambda",
        value=round(float(np.log10(lam)), 6),
        bind=alt.binding_range(
            min=round(float(logs[0]), 6),
            max=round(float(logs[-1]), 6),
            step=round(step, 6),
            name="log10 λ ",
        ),
    )
    at_point = (
        f"datum.degree == degree && (datum.model == 'ols' || "
        f"abs(log(datum.lambda) / LN10 - log10_lambda) < {half:.6g})"
    )
    label_expr = (
        " : ".join(f"datum.value == '{m}' ? '{MODEL_LABELS[m]}'" for m in models)
        + " : datum.value"
    )
    model_scale = alt.Scale(domain=list(models), range=[MODEL_COLORS[m] for m in models])
    color = alt.Color(
        "model:N",
        scale=model_scale,
        legend=alt.Legend(
            title=None,
            orient="top",
            labelExpr=label_expr,
        ),
    )
    name_axis = alt.Axis(labelExpr=label_expr, domain=False, ticks=False)
    points = tables["points"]
    ys = np.concatenate([points["y"].to_numpy(), tables["truth"]["y"].to_numpy()])
    pad = 0.25 * (ys.max() - ys.min())
    y_scale = alt.Scale(domain=[float(ys.min() - pad), float(ys.max() + pad)], nice=False)
    fit_w, fit_h = 430, 250

    data_layer = (
        alt.Chart(page_data(points))
        .mark_point(size=28, strokeWidth=1.2)
        .encode(
            x=alt.X("x:Q", title="x"),
            y=alt.Y("y:Q", scale=y_scale, title="y"),
            fill=alt.Fill(
                "split:N",
                scale=alt.Scale(domain=["train", "test"], range=["#8c8c8c", "transparent"]),
                legend=alt.Legend(title=f"data (replicate {replicate})", orient="bottom"),
            ),
            stroke=alt.value("#4d4d4d"),
        )
    )
    truth_layer = (
        alt.Chart(page_data(tables["truth"]))
        .mark_line(strokeDash=[5, 4], color="black", strokeWidth=1.4)
        .encode(x="x:Q", y=alt.Y("y:Q", scale=y_scale))
    )
    # the fits' weights travel as text ("w0 w1 … wd", see page_data): split them back into
    # numbers, with k = 0…d their term numbers
    fits_data = page_data(fits.drop(columns="k"))
    unpack = [
        alt.CalculateTransform(calculate="sequence(0, datum.degree + 1)", **{"as": "k"}),
        alt.CalculateTransform(calculate="split(datum.w, ' ')", **{"as": "w"}),
        alt.FlattenTransform(flatten=["k", "w"]),
        alt.CalculateTransform(calculate="toNumber(datum.w)", **{"as": "w"}),
    ]

    def fit_chart():
        return alt.Chart(fits_data, transform=[alt.FilterTransform(filter=at_point), *unpack])

    curves = (
        fit_chart()
        .transform_calculate(xi=f"sequence(0, {n})")
        .transform_flatten(["xi"])
        .transform_calculate(key=f"datum.xi * {width} + datum.k")
        .transform_lookup(
            lookup="key", from_=alt.LookupData(page_data(tables["basis"]), "key", ["z"])
        )
        .transform_calculate(term="datum.w * datum.z")
        .transform_aggregate(fit="sum(term)", groupby=["model", "xi"])
        .transform_calculate(x=f"{x0!r} + datum.xi * {dx!r}")
        .mark_line(strokeWidth=2, clip=True)
        .encode(x="x:Q", y=alt.Y("fit:Q", scale=y_scale), color=color)
    )
    fit_panel = (data_layer + truth_layer + curves).properties(
        width=fit_w, height=fit_h, title="the fits at this degree and λ (dashed: true function)"
    )

    coef_base = fit_chart().transform_filter("datum.k >= 1")
    bars = coef_base.mark_bar().encode(
        x=alt.X("k:O", title=f"term k ({basis}, standardized)"),
        xOffset=alt.XOffset("model:N", sort=list(models)),
        y=alt.Y("w:Q", title="weight w_k"),
        color=color,
    )
    zeros = (
        coef_base.transform_filter("datum.w == 0")
        .mark_point(shape="cross", size=45, filled=True)
        .encode(
            x=alt.X("k:O"),
            xOffset=alt.XOffset("model:N", sort=list(models)),
            y=alt.datum(0),
            color=color,
        )
    )
    zero_counts = (
        coef_base.transform_calculate(is_zero="datum.w == 0 ? 1 : 0")
        .transform_aggregate(zeros="sum(is_zero)", terms="count()", groupby=["model"])
        .transform_calculate(
            label="datum.zeros + ' of ' + datum.terms + ' weights exactly 0'"
        )
        .mark_text(align="left", fontSize=11)
        .encode(
            x=alt.value(4),
            y=alt.Y("model:N", sort=list(models), title=None, axis=name_axis),
            text="label:N",
            color=alt.Color("model:N", scale=model_scale, legend=None),
        )
        .properties(width=180, height=80, title="exact zeros (✚ on the axis)")
    )
    coef_panel = (bars + zeros).properties(
        width=380, height=fit_h, title="coefficients at this degree and λ"
    )

    errors = tables["errors"]
    err_base = alt.Chart(page_data(errors)).transform_filter("datum.degree == degree")
    err_long = err_base.transform_fold(["train", "CV", "test"], as_=["error", "mse"])
    err_lines = (
        err_long.transform_filter("datum.model != 'ols'")
        .mark_line(strokeWidth=1.6)
        .encode(
            x=alt.X("lambda:Q", scale=alt.Scale(type="log"), title="λ (log scale)"),
            y=alt.Y("mse:Q", scale=alt.Scale(type="log"), title="MSE (log scale)"),
            color=color,
            strokeDash=alt.StrokeDash(
                "error:N",
                scale=alt.Scale(domain=["train", "CV", "test"], range=[[2, 2], [6, 3], [1, 0]]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
        )
    )
    ols_test = (
        err_base.transform_filter("datum.model == 'ols'")
        .mark_rule(strokeDash=[1, 0], strokeWidth=1, opacity=0.7)
        .encode(y="test:Q", color=color)
    )
    marker = (
        alt.Chart(page_data(pd.DataFrame({"one": [1]})))
        .transform_calculate(lam="pow(10, log10_lambda)")
        .mark_rule(color="black", strokeWidth=1)
        .encode(x="lam:Q")
    )
    err_panel = (err_lines + ols_test + marker).properties(
        width=fit_w,
        height=190,
        title="error vs λ at this degree (OLS: horizontal test-error line)",
    )
    table = (
        err_base.transform_filter(at_point)
        .transform_calculate(
            label=(
                "'train ' + format(datum.train, '.4f') + '   CV ' + format(datum.CV, '.4f')"
                " + '   test ' + format(datum.test, '.4f')"
            )
        )
        .mark_text(align="left", fontSize=12)
        .encode(
            x=alt.value(4),
            y=alt.Y("model:N", sort=list(models), title=None, axis=name_axis),
            text="label:N",
            color=alt.Color("model:N", scale=model_scale, legend=None),
        )
        .properties(width=300, height=110, title=f"errors at this point (replicate {replicate})")
    )
    chart = (
        alt.vconcat(
            alt.hconcat(fit_panel, coef_panel),
            alt.hconcat(err_panel, alt.vconcat(table, zero_counts)),
        )
        .add_params(deg, loglam)
        .properties(
            title=alt.TitleParams(
                title, subtitle=textwrap.wrap(subtitle, 150) if subtitle else alt.Undefined,
                subtitleFontSize=12, subtitleColor="#333",
            )
        )
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=12)
        .configure_title(fontSize=13, anchor="start")
    )
    return chart


#: vega-embed puts the slider bindings under the charts; these rules show them first.
_SLIDERS_FIRST = (
    "<style>.vega-embed .chart-wrapper { display: flex; flex-direction: column; } "
    ".vega-bindings { order: -1; margin: 0 0 6px 8px; font: 14px sans-serif; } "
    ".vega-bind { display: inline-block; margin-right: 28px; } "
    ".vega-bind input[type=range] { width: 220px; vertical-align: middle; }</style>"
)


def write_explorer(chart, path) -> None:
    """Save the chart as one HTML file with Vega, Vega-Lite and vega-embed inlined (offline)."""
    html = chart.to_html(inline=True)
    head = html.find("<head>")
    if head < 0 or head > html.find("<script"):
        raise ValueError("unexpected HTML from Altair: no <head> before the scripts")
    html = html.replace("<head>", "<head>" + _SLIDERS_FIRST, 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(html)


#: Vega-Lite version the report's copy is compiled with (by vl-convert): its output is a Vega 5
#: specification, which the Vega inside Snakemake's report (5.21) draws.
REPORT_VEGALITE = "5.21"


def vega_spec(chart, vl_version: str = REPORT_VEGALITE) -> dict:
    """The chart compiled from Vega-Lite to a plain Vega specification (vl-convert)."""
    import vl_convert

    return vl_convert.vegalite_to_vega(chart.to_dict(), vl_version=vl_version)


def write_vega_spec(chart, path) -> None:
    """Save :func:`vega_spec` as compact JSON (what the overview embeds and draws)."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(vega_spec(chart), handle, separators=(",", ":"), ensure_ascii=False)
