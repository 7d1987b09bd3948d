"""The summary table: the selected model per scenario, its test error and whether to trust it,
as CSV, Markdown and a small HTML page. No matplotlib here."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .analysis import _SCENARIO_NAME, BLOWUP_FACTOR, robust_stats, scenario_order
from .palette import MODEL_COLORS, MODEL_LABELS


def summary_table(
    selection: pd.DataFrame,
    crosscheck_table: pd.DataFrame,
    metrics: pd.DataFrame,
    per_replicate: pd.DataFrame,
    scenarios: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per (scenario, model, rule): the selected model and whether to trust it.

    Joins ``selection.csv`` (degree, median λ, mean/sd test MSE, zero share, convergence of the
    chosen fits) with robust statistics of the chosen fits' test MSE over replicates (from
    ``selection_replicates.csv``: median, quartiles and the number of blow-ups, see
    :func:`~l1l2.plots.analysis.robust_stats`), the cross-check verdicts of that (scenario,
    model) and the number of the model's fits in ``metrics.csv`` (full-training and CV) that did
    not converge.

    Parameters
    ----------
    selection, crosscheck_table, metrics, per_replicate : pandas.DataFrame
        The tables named above.
    scenarios : sequence of str, optional
        The study's scenarios in the order the rows should follow (the workflow passes the
        configuration's order: function, then noise, then n). By default the reading order of
        :func:`~l1l2.plots.analysis.scenario_order`.

    Returns
    -------
    pandas.DataFrame
        Columns of ``selection`` plus ``test_mse_median, test_mse_q25, test_mse_q75,
        n_blowups, test_mse_max, n_compared, n_agree, n_not_converged, n_disagree,
        max_abs_coef_diff, n_fits, n_fits_unconverged``; rows by scenario in that order, then
        model and rule. The Markdown and HTML summaries keep the rows' order.
    """
    robust = robust_stats(per_replicate, ["scenario", "model", "rule"], "test_mse").rename(
        columns={"median": "test_mse_median", "q25": "test_mse_q25", "q75": "test_mse_q75",
                 "max": "test_mse_max"}
    ).drop(columns=["mean", "n"]).set_index(["scenario", "model", "rule"])
    cross = crosscheck_table.groupby(["scenario", "model"]).agg(
        n_compared=("status", "size"),
        n_agree=("status", lambda s: int((s == "agree").sum())),
        n_not_converged=("status", lambda s: int((s == "not converged").sum())),
        n_disagree=("status", lambda s: int((s == "DISAGREE").sum())),
        max_abs_coef_diff=("max_abs_coef_diff", "max"),
    )
    fits = metrics.assign(
        unconverged=~(metrics["converged"].astype(bool) & metrics["cv_converged"].astype(bool))
    ).groupby(["scenario", "model"]).agg(
        n_fits=("unconverged", "size"), n_fits_unconverged=("unconverged", "sum")
    )
    out = selection.join(robust, on=["scenario", "model", "rule"])
    out = out.join(cross, on=["scenario", "model"]).join(fits, on=["scenario", "model"])
    present = set(out["scenario"])
    if scenarios is None:
        scenarios = scenario_order(present)
    missing = sorted(present - set(scenarios))
    if missing:
        raise ValueError(f"summary: scenario(s) {', '.join(missing)} not in the study's list")
    order = {name: i for i, name in enumerate(scenarios)}
    out = out.sort_values(["scenario", "model", "rule"], key=lambda c: c.map(order)
                          if c.name == "scenario" else c, kind="mergesort")
    for column in ("n_compared", "n_agree", "n_not_converged", "n_disagree"):
        out[column] = out[column].fillna(0).astype(int)
    out["n_fits_unconverged"] = out["n_fits_unconverged"].astype(int)
    return out.reset_index(drop=True)


def _scenario_cell(name: str) -> str:
    match = _SCENARIO_NAME.match(name)
    if not match:
        return name
    return f"{match['function']}, σ = {match['noise']}, n = {match['n']}"


def _summary_sections(summary: pd.DataFrame, basis: str) -> list[dict]:
    """Tables of the summary as plain cells, with a bold flag: rendered to Markdown or HTML."""
    models = [m for m in MODEL_COLORS if m in set(summary["model"])]
    rule_text = {
        "min": "the (degree, λ) with the lowest CV error",
        "1se": "glmnet's one-standard-error rule (the largest λ, then the lowest degree, "
        "within one SE of the lowest CV error)",
    }
    sections = []
    scenarios = list(dict.fromkeys(summary["scenario"]))  # the rows' order (summary_table)
    for rule in [r for r in ("min", "1se") if r in set(summary["rule"])]:
        part = summary[summary["rule"] == rule].set_index(["scenario", "model"])
        rows = []
        for scenario in scenarios:
            cells = [(_scenario_cell(scenario), False)]
            present = [m for m in models if (scenario, m) in part.index]
            best = min(present, key=lambda m: part.loc[(scenario, m), "test_mse_median"])
            clear = all(
                part.loc[(scenario, best), "test_mse_median"] < part.loc[(scenario, m),
                                                                           "test_mse_q25"]
                for m in present if m != best
            )
            for model in models:
                if (scenario, model) not in part.index:
                    cells.append(("–", False))
                    continue
                r = part.loc[(scenario, model)]
                text = (
                    f"{r['test_mse_median']:.3g} [{r['test_mse_q25']:.3g}–"
                    f"{r['test_mse_q75']:.3g}] (degree {int(r['degree'])}"
                )
                if model != "ols":
                    text += f", λ {r['lambda']:.2g}"
                if model in ("lasso", "elasticnet"):
                    text += f", {100 * r['zero_share']:.0f} % zero"
                text += ")"
                if r["n_blowups"]:
                    text += f" ▲{int(r['n_blowups'])}"
                if not r["all_converged"]:
                    text += " †"
                cells.append((text, model == best and clear))
            verdicts = part.loc[scenario]
            compared = int(verdicts["n_compared"].sum())
            agree = int(verdicts["n_agree"].sum())
            worst = verdicts["max_abs_coef_diff"].max()
            cells.append((f"{agree}/{compared} agree (max |Δw| {worst:.1e})", False))
            rows.append(cells)
        sections.append(
            {
                "title": f"Selected by rule `{rule}`",
                "intro": f"Each replicate chooses {rule_text[rule]}; test MSE is the median "
                "[interquartile range] over replicates of the chosen fits (test data never "
                "choose). Bold: the lowest median of the scenario when it is below every other "
                "model's first quartile (a clear winner; none bold otherwise). The degree is "
                "the one most replicates chose (ties: the lowest), λ the median choice; "
                "“zero” is the mean share of coefficients exactly 0. "
                f"▲k: k replicates blew up (test MSE > {BLOWUP_FACTOR:g}× the median of the "
                "chosen fits). † some chosen fit did not converge.",
                "header": ["scenario"] + [MODEL_LABELS[m] for m in models]
                + ["cross-check vs scikit-learn"],
                "rows": rows,
            }
        )
    per_model = summary[summary["rule"] == summary["rule"].iloc[0]].groupby("model").agg(
        n_compared=("n_compared", "sum"),
        n_agree=("n_agree", "sum"),
        n_not_converged=("n_not_converged", "sum"),
        n_disagree=("n_disagree", "sum"),
        worst=("max_abs_coef_diff", "max"),
        n_fits=("n_fits", "sum"),
        n_fits_unconverged=("n_fits_unconverged", "sum"),
    )
    rows = []
    for model in models:
        r = per_model.loc[model]
        rows.append(
            [
                (MODEL_LABELS[model], False),
                (f"{int(r['n_compared'])}", False),
                (f"{int(r['n_agree'])}", False),
                (f"{int(r['n_not_converged'])}", False),
                (f"{int(r['n_disagree'])}", int(r["n_disagree"]) > 0),
                (f"{r['worst']:.1e}", False),
                (f"{int(r['n_fits_unconverged'])} of {int(r['n_fits'])}", False),
            ]
        )
    sections.append(
        {
            "title": "Cross-check and convergence per model",
            "intro": "Fits compared with scikit-learn on the same objective (status from "
            "`crosscheck.csv`: agree within the certified tolerance, not converged on either "
            "side, or DISAGREE), and the l1l2 fits of `metrics.csv` (full-training or any CV "
            "fold) that did not reach the target gap.",
            "header": [
                "model", "fits compared", "agree", "not converged", "disagree",
                "largest |Δcoef|", "l1l2 fits not converged",
            ],
            "rows": rows,
        }
    )
    return sections


def summary_markdown(summary: pd.DataFrame, basis: str = "legendre") -> str:
    """The summary as a Markdown document (``results/tables/summary.md``)."""
    lines = [
        "# l1l2: selected models per scenario",
        "",
        f"Polynomial regression in the {basis} basis; every number comes from "
        "`results/tables/selection.csv`, `crosscheck.csv` and `metrics.csv`.",
    ]
    for section in _summary_sections(summary, basis):
        lines += ["", f"## {section['title']}", "", section["intro"], ""]
        lines.append("| " + " | ".join(h.replace("|", "\\|") for h in section["header"]) + " |")
        lines.append("|" + "|".join(["---"] * len(section["header"])) + "|")
        for row in section["rows"]:
            cells = [f"**{t}**" if bold else t for t, bold in row]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def summary_html(summary: pd.DataFrame, basis: str = "legendre") -> str:
    """The same summary as a small self-contained HTML page (shown in the Snakemake report)."""
    from html import escape

    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>l1l2 summary</title><style>",
        "body{font-family:sans-serif;font-size:13px;margin:1em}",
        "table{border-collapse:collapse;margin-bottom:1.5em}",
        "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}",
        "th{background:#f0f0f0}td.best{font-weight:bold;background:#eef6ee}",
        "</style></head><body>",
        "<h2>l1l2: selected models per scenario</h2>",
        f"<p>Polynomial regression in the {escape(basis)} basis.</p>",
    ]
    for section in _summary_sections(summary, basis):
        parts.append(f"<h3>{escape(section['title'].replace('`', ''))}</h3>")
        parts.append(f"<p>{escape(section['intro'].replace('`', ''))}</p><table><tr>")
        parts += [f"<th>{escape(h)}</th>" for h in section["header"]]
        parts.append("</tr>")
        for row in section["rows"]:
            parts.append("<tr>")
            parts += [
                f"<td class='best'>{escape(t)}</td>" if bold else f"<td>{escape(t)}</td>"
                for t, bold in row
            ]
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
