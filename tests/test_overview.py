"""The report's overview, the "which regularizer wins where" table and the explorer: numbers
recomputed from the tables, predictions recomputed from the coefficients, and a dry run that
imports no plotting library."""

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from l1l2 import explorer, overview, plots
from l1l2.data import Scenario, scenarios_from_config
from l1l2.explorer import evaluate, explorer_tables

from conftest import ROOT, SNAKEMAKE, TINY_CONFIG

TINY = yaml.safe_load(TINY_CONFIG.read_text())
FUNCTIONS = TINY["scenarios"]["functions"]
MODELS = TINY["models"]
SCENARIOS = {
    s.name: s
    for s in scenarios_from_config(
        FUNCTIONS, TINY["scenarios"]["noise_sd"], TINY["scenarios"]["n_samples"]
    )
}


# --------------------------------------------------------------------------- unit tests


def test_scenarios_are_ordered_by_function_then_noise_then_sample_size():
    scenarios = {
        s.name: s
        for s in [
            Scenario("sine", 0.4, 50), Scenario("runge", 0.1, 200), Scenario("sine", 0.1, 200),
            Scenario("sine", 0.1, 50), Scenario("runge", 0.1, 50),
        ]
    }
    assert overview.scenario_order(scenarios, ["sine", "runge"]) == [
        "sine_sd0.1_n50", "sine_sd0.1_n200", "sine_sd0.4_n50", "runge_sd0.1_n50",
        "runge_sd0.1_n200",
    ]


def test_selected_errors_medians_quartiles_and_clear_wins():
    scenarios = {"a_sd0.5_n50": Scenario("a", 0.5, 50), "b_sd0.5_n50": Scenario("b", 0.5, 50)}
    rows = []
    # scenario a: ridge clearly best (its whole spread below OLS's); b: overlapping spreads
    values = {
        ("a_sd0.5_n50", "ols"): [1.0, 2.0, 3.0, 4.0, 100.0],
        ("a_sd0.5_n50", "ridge"): [0.30, 0.31, 0.32, 0.33, 0.34],
        ("b_sd0.5_n50", "ols"): [0.5, 0.6, 0.7, 0.8, 0.9],
        ("b_sd0.5_n50", "ridge"): [0.55, 0.65, 0.75, 0.85, 0.95],
    }
    for (scenario, model), errors in values.items():
        for replicate, error in enumerate(errors):
            for rule in ("min", "1se"):
                rows.append({"scenario": scenario, "model": model, "rule": rule,
                             "replicate": replicate, "degree": 3, "lambda": 0.1,
                             "test_mse": error if rule == "min" else 99.0})
    table = overview.selected_errors(pd.DataFrame(rows), scenarios, ["a", "b"], ["ols", "ridge"])
    ols_a = table[(table["scenario"] == "a_sd0.5_n50") & (table["model"] == "ols")].iloc[0]
    # the median ignores the blow-up of one replicate (100); the quartiles are numpy's
    assert (ols_a["test_median"], ols_a["test_q1"], ols_a["test_q3"]) == (3.0, 2.0, 4.0)
    assert ols_a["ratio_median"] == pytest.approx(3.0 / 0.25)
    winners = table[table["winner"]].set_index("scenario")
    a, b = winners.loc["a_sd0.5_n50"], winners.loc["b_sd0.5_n50"]
    assert a["model"] == "ridge" and a["clear_win"]
    assert b["model"] == "ols" and not b["clear_win"]
    counted = overview.wins(table, ["ols", "ridge"])
    assert counted["wins"] == {"ols": 1, "ridge": 1}
    assert counted["clear_wins"] == {"ols": 0, "ridge": 1}


def test_lead_scenario_is_where_ols_test_error_grows_most():
    rows = []
    # x: test error 1.0 at degree 1, 0.5 at 2, 0.6 at 3 (ratio 1.2); y: 1, 0.5, 2.0 (ratio 4)
    for scenario, curve in {"x": [1.0, 0.5, 0.6], "y": [1.0, 0.5, 2.0]}.items():
        for degree, test in enumerate(curve, start=1):
            for replicate in range(3):
                rows.append({"scenario": scenario, "model": "ols", "replicate": replicate,
                             "degree": degree, "lambda": 0.0, "train_mse": 1.0 / degree,
                             "cv_mse": test, "test_mse": test * (1 + 0.01 * replicate)})
    metrics = pd.DataFrame(rows)
    assert overview.lead_scenario(metrics, ["x", "y"]) == "y"
    assert overview.overfit_ratio(overview.degree_curve(metrics, "y")) == pytest.approx(4.0)


def _ols_rows(errors_by_replicate, scenario="s", degree=5):
    rows = []
    for replicate, error in errors_by_replicate.items():
        for d, test in ((1, 9.0 - replicate), (degree, error)):  # degree 1: a decoy order
            rows.append({"scenario": scenario, "model": "ols", "replicate": replicate,
                         "degree": d, "lambda": 0.0, "test_mse": test})
    return rows


def test_representative_replicate_is_the_lower_median_at_the_largest_degree():
    # odd count: the median (replicate 3, not replicate 0 which barely overfits)
    metrics = pd.DataFrame(_ols_rows({0: 0.1, 1: 5.0, 2: 9.0, 3: 2.0, 4: 0.5}))
    assert overview.representative_replicate(metrics, "s") == 3
    # even count: the lower of the two middle values
    metrics = pd.DataFrame(_ols_rows({0: 4.0, 1: 1.0, 2: 3.0, 3: 2.0}))
    assert overview.representative_replicate(metrics, "s") == 3
    # ties at the median value: the smaller index
    metrics = pd.DataFrame(_ols_rows({0: 1.0, 1: 2.0, 2: 2.0, 3: 2.0, 4: 7.0}))
    assert overview.representative_replicate(metrics, "s") == 1
    # other scenarios and models do not count; a scenario without OLS rows is one clear error
    rows = _ols_rows({0: 1.0, 1: 3.0, 2: 2.0}) + _ols_rows({0: 2.0, 1: 1.0, 2: 3.0}, "t")
    rows += [{**row, "model": "ridge", "test_mse": 100.0 - row["replicate"]}
             for row in _ols_rows({0: 1.0, 1: 3.0, 2: 2.0})]
    metrics = pd.DataFrame(rows)
    assert overview.representative_replicate(metrics, "s") == 2
    assert overview.representative_replicate(metrics, "t") == 0
    with pytest.raises(ValueError, match="no OLS rows for scenario 'u'"):
        overview.representative_replicate(metrics, "u")


# --------------------------------------------------------------------------- the tiny run


@pytest.fixture(scope="module")
def tables(tiny_run):
    return {
        "metrics": pd.read_csv(tiny_run / "results/tables/metrics.csv"),
        "per_replicate": pd.read_csv(tiny_run / "results/tables/selection_replicates.csv"),
        "claims": pd.read_csv(tiny_run / "results/overview/claims.csv").set_index("name")["value"],
    }


@pytest.mark.workflow
def test_claims_recomputed_from_the_metrics_table(tables):
    """Every claim checked here is recomputed directly with pandas, not with l1l2.overview."""
    metrics, claims = tables["metrics"], tables["claims"]
    lead = claims["lead"]
    ols = metrics[(metrics["scenario"] == lead) & (metrics["model"] == "ols")]
    test = ols.groupby("degree")["test_mse"].median()
    train = ols.groupby("degree")["train_mse"].median()
    assert float(claims["overfitting.test_at_max"]) == pytest.approx(test.iloc[-1], rel=1e-12)
    assert float(claims["overfitting.test_at_best"]) == pytest.approx(test.min(), rel=1e-12)
    assert int(claims["overfitting.degree_best"]) == test.idxmin()
    assert float(claims["overfitting.train_at_min"]) == pytest.approx(train.iloc[0], rel=1e-12)
    # the lead is the scenario with the largest ratio
    ratios = {}
    for scenario, group in metrics[metrics["model"] == "ols"].groupby("scenario"):
        curve = group.groupby("degree")["test_mse"].median()
        ratios[scenario] = curve.iloc[-1] / curve.min()
    assert lead == max(ratios, key=ratios.get)
    assert float(claims["overfitting.ratio"]) == pytest.approx(ratios[lead], rel=1e-12)
    # exact zeros: counted over every fit, coefficients == 0.0
    for model in ("ridge", "lasso", "elasticnet"):
        rows = metrics[metrics["model"] == model]
        assert int(claims[f"sparsity.models.{model}.n_fits"]) == len(rows)
        with_zero = int((rows["n_nonzero"] < rows["n_coef"]).sum())
        assert int(claims[f"sparsity.models.{model}.fits_with_zero"]) == with_zero
    assert int(claims["sparsity.models.ridge.fits_with_zero"]) == 0
    assert int(claims["sparsity.models.lasso.fits_with_zero"]) > 0
    # regularization at the largest degree: per replicate, the λ with the lowest CV error
    degree = int(claims["regularization.degree"])
    lasso = metrics[(metrics["scenario"] == lead) & (metrics["model"] == "lasso")
                    & (metrics["degree"] == degree)]
    best = lasso.loc[lasso.groupby("replicate")["cv_mse"].idxmin(), "test_mse"]
    assert float(claims["regularization.models.lasso.test"]) == pytest.approx(best.median())


@pytest.mark.workflow
def test_chatter_claims_match_the_trajectory_experiment(tiny_run, tables):
    """Claim 4 re-run from the split: ISTA lands on 0 and stays; the subgradient never does."""
    claims = tables["claims"]
    split = pd.read_csv(tiny_run / "data/split/sine_sd0.2_n60.csv")
    X, y = plots.example_problem(split, 6, "legendre", (-1.0, 1.0))
    lambdas = [float(v) for v in np.geomspace(1.0, 1e-4, 6)]
    traj = plots.trajectory_runs(X, y, lambdas)
    j = traj["term"] - 1
    ista = traj["runs"]["ista"].coef[:, j]
    sub = traj["runs"]["subgradient"].coef[:, j]
    first = int(np.flatnonzero(ista == 0)[0])
    assert int(claims["chatter.ista_first_zero"]) == first
    assert (ista[first:] == 0).all()
    tail = sub[sub.size // 2:]
    assert int(claims["chatter.sub_tail_zeros"]) == int((tail == 0).sum()) == 0
    assert float(claims["chatter.sub_tail_max"]) == pytest.approx(np.abs(tail).max(), rel=1e-12)
    assert int(claims["chatter.sub_tail_sign_changes"]) > 0


@pytest.mark.workflow
def test_overview_page_states_the_measured_numbers_beside_its_figures(tiny_run, tables):
    html = (tiny_run / "results/overview/overview.html").read_text()
    claims = tables["claims"]
    for name in ["overfitting.test_at_max", "overfitting.test_at_best", "overfitting.ratio",
                 "regularization.ols_test", "regularization.models.ridge.test",
                 "chatter.sub_tail_max"]:
        assert f"{float(claims[name]):.3g}" in html, name
    for name in ["sparsity.models.ridge.fits_with_zero", "sparsity.models.lasso.fits_with_zero",
                 "sparsity.models.lasso.n_fits"]:
        assert f" {int(claims[name])} " in html, name
    # its figures are embedded (a self-contained page), the animation among them
    assert html.count('src="data:image/png;base64,') == 5
    assert html.count('src="data:image/gif;base64,') == 1
    for slot in ["l1l2-claim-1", "l1l2-claim-2", "l1l2-claim-3", "l1l2-claim-4", "l1l2-winners"]:
        assert f'id="{slot}"' in html
    # the selected-models figure's numbers: the CSV beside it equals the recomputation
    table = pd.read_csv(tiny_run / "results/figures/selected_models.csv")
    again = overview.selected_errors(tables["per_replicate"], SCENARIOS, FUNCTIONS, MODELS)
    pd.testing.assert_frame_equal(table, again, check_dtype=False)
    chosen = tables["per_replicate"]
    chosen = chosen[(chosen["rule"] == "min") & (chosen["model"] == "lasso")
                    & (chosen["scenario"] == "sine_sd0.2_n60")]
    row = table[(table["model"] == "lasso") & (table["scenario"] == "sine_sd0.2_n60")].iloc[0]
    assert row["test_median"] == pytest.approx(chosen["test_mse"].median(), rel=1e-12)
    assert row["ratio_median"] == pytest.approx(chosen["test_mse"].median() / 0.2**2, rel=1e-12)


@pytest.mark.workflow
def test_explorer_curves_are_the_fitted_models(tiny_run, tables):
    """What the explorer page draws (b + Σ w_k z_k(x) from its own tables) equals the fitted
    model's predictions from l1l2.plots.predict, for every model and several (degree, λ)."""
    scenario = "sine_sd0.2_n60"
    split = pd.read_csv(tiny_run / f"data/split/{scenario}.csv")
    coefs = {m: pd.read_csv(tiny_run / f"results/fits/{scenario}/{m}.coefs.csv") for m in MODELS}
    metrics = tables["metrics"][tables["metrics"]["scenario"] == scenario]
    t = explorer_tables(split, coefs, metrics, "sine", "legendre", (-1.0, 1.0))
    grid = t["grid"].iloc[0]
    x = grid["x0"] + np.arange(int(grid["n"])) * grid["dx"]
    for model in MODELS:
        rep0 = coefs[model][coefs[model]["replicate"] == 0]
        for degree in (1, 4, 6):
            pred = plots.predict(split, rep0, degree, x, "legendre", (-1.0, 1.0))
            for lam in sorted(set(rep0["lambda"]))[::2]:
                want = pred.xs(lam, level="lambda").to_numpy()[0]
                got = evaluate(t, model, degree, lam)
                np.testing.assert_allclose(got, want, atol=1e-4 * (1 + np.abs(want).max()))
    # exact zeros survive the rounding: as many zeros in the page as in the metrics table
    fits = t["fits"]
    zeros = fits["w"].map(lambda w: sum(v == 0.0 for v in w[1:]))
    rows = metrics[metrics["replicate"] == 0].set_index(["model", "degree", "lambda"])
    for (model, degree, lam), count in zip(
        zip(fits["model"], fits["degree"], fits["lambda"], strict=True), zeros, strict=True
    ):
        row = rows.loc[(model, degree, lam)]
        assert count == row["n_coef"] - row["n_nonzero"]


@pytest.mark.workflow
def test_explorer_is_self_contained(tiny_run):
    html = (tiny_run / "results/overview/explorer.html").read_text()
    # the JavaScript is inlined: no script, stylesheet or data loaded from anywhere
    assert "<script src" not in html and "http://" not in html.split("<script")[0]
    assert "vegaEmbed(" in html and "binding_range" not in html
    assert '"bind": {"input": "range"' in html
    assert len(html) < 2_000_000


@pytest.mark.workflow
def test_the_overview_carries_the_explorer_as_a_vega_specification(tiny_run):
    """The overview holds explorer.vg.json as inert text (HTML escaped, no script: the report
    runs none in its description) for its button to draw with the report's Vega 5."""
    import html as html_lib
    import json

    text = (tiny_run / "results/overview/explorer.vg.json").read_text()
    assert json.loads(text)["$schema"].endswith("/vega/v5.json")
    page = (tiny_run / "results/overview/overview.html").read_text()
    kept = page.split('<div id="l1l2-explorer-spec" hidden>', 1)[1].split("</div>", 1)[0]
    assert html_lib.unescape(kept) == text
    assert "<script" not in page
    assert page.count(overview.OPEN_EXPLORER.replace("'", "&#39;")) == 2  # list and button


def _page_datasets(html: str) -> tuple[str, dict[str, pd.DataFrame]]:
    """The title of the explorer page and its inlined tables (CSV text), by their columns."""
    import io
    import json

    spec = json.loads(html[html.index("const spec = ") + 13:].split(";\n", 1)[0])
    found = {}
    for values in spec["datasets"].values():
        assert isinstance(values, str), "every table travels as CSV text"
        frame = pd.read_csv(io.StringIO(values))
        found[",".join(frame.columns)] = frame
    return spec["title"]["text"], found


@pytest.mark.workflow
def test_explorer_page_carries_exactly_the_tables(tiny_run, tables):
    """The CSV text in the page holds the fits' weights (space-separated) and the errors exactly as
    explorer_tables computed them, for the scenario the page shows; exact zeros stay 0."""
    html = (tiny_run / "results/overview/explorer.html").read_text()
    title, page = _page_datasets(html)
    scenario = title.split("Interactive explorer — ", 1)[1].split(":", 1)[0]
    split = pd.read_csv(tiny_run / f"data/split/{scenario}.csv")
    coefs = {m: pd.read_csv(tiny_run / f"results/fits/{scenario}/{m}.coefs.csv") for m in MODELS}
    metrics = tables["metrics"][tables["metrics"]["scenario"] == scenario]
    function = SCENARIOS[scenario].function
    t = explorer_tables(split, coefs, metrics, function, "legendre", (-1.0, 1.0))
    fits = page["model,degree,lambda,w"]
    assert len(fits) == len(t["fits"])
    for got, want in zip(fits.to_dict("records"), t["fits"].to_dict("records"), strict=True):
        assert [got[c] for c in ("model", "degree", "lambda")] == [
            want[c] for c in ("model", "degree", "lambda")]
        assert [float(v) for v in got["w"].split(" ")] == want["w"]
    errors = page["model,degree,lambda,train,CV,test"]
    pd.testing.assert_frame_equal(errors, t["errors"], check_dtype=False)
    basis = page["key,z"]
    np.testing.assert_array_equal(basis["z"].to_numpy(), t["basis"]["z"].to_numpy())


def test_cv_blowup_note_states_the_gap_from_the_table():
    errors = pd.DataFrame({
        "model": ["ols"] * 4 + ["ridge"],
        "degree": [1, 2, 3, 4, 4],
        "lambda": [0.0, 0.0, 0.0, 0.0, 0.1],
        "train": [0.1, 0.05, 0.04, 0.03, 0.05],
        "CV": [0.12, 0.6, 0.2, 48.4, 999.0],
        "test": [0.11, 0.05, 0.04, 0.0125, 0.05],
    })
    split = pd.DataFrame({
        "replicate": [0] * 10 + [1] * 3,
        "split": ["train"] * 8 + ["test"] * 2 + ["train"] * 3,
        "fold": [0, 0, 0, 1, 1, 1, 2, 2, -1, -1, 0, 1, 2],
    })
    note = explorer.cv_blowup_note(errors, split)
    assert note.startswith("OLS's CV error is more than 10× its test error at 2 of 4 degrees")
    assert "degree 4: CV MSE 48.4, test MSE 0.0125" in note
    assert "only 5–6 of the 8 training rows" in note
    calm = errors.assign(CV=errors["test"] * 2)
    assert explorer.cv_blowup_note(calm, split) is None


def test_a_dry_run_imports_no_plotting_library(tmp_path: Path):
    """Parsing the workflow (every snakemake call, dry runs included) imports neither matplotlib
    nor Altair nor scikit-learn: only the jobs' scripts do. Checked with Python's own import
    trace of a real dry run."""
    proc = subprocess.run(
        [SNAKEMAKE[0], "-X", "importtime", *SNAKEMAKE[1:], "-s", str(ROOT / "Snakefile"),
         "--directory", str(tmp_path), "--configfile", str(TINY_CONFIG), "-n"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "This was a dry-run" in proc.stdout
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "snakemake" in imported and "pandas" in imported  # the trace works
    for heavy in ("matplotlib", "altair", "sklearn", "vl_convert"):
        assert heavy not in imported, heavy


@pytest.mark.workflow
def test_the_animation_shows_the_median_replicate_the_text_quotes(tiny_run, tables):
    """The lead's animation (and the explorer) show the replicate whose largest-degree OLS test
    MSE is the (lower) median over replicates, and every caption names that replicate."""
    claims, metrics = tables["claims"], tables["metrics"]
    lead, degree = claims["lead"], int(claims["overfitting.degree_max"])
    shown = int(claims["shown_replicate"])
    top = metrics[(metrics["scenario"] == lead) & (metrics["model"] == "ols")
                  & (metrics["degree"] == degree)].set_index("replicate")["test_mse"]
    errors = np.sort(top.to_numpy())
    lower_median = errors[(len(errors) - 1) // 2]
    assert top[shown] == lower_median == float(claims["shown_test_at_max"])
    assert top[top == lower_median].index.min() == shown
    if len(errors) % 2:
        assert top[shown] == pytest.approx(float(claims["overfitting.test_at_max"]), rel=1e-12)
    else:
        assert top[shown] <= float(claims["overfitting.test_at_max"])
    # the animation draws that replicate: its data points and its OLS error at the top degree
    drawn = pd.read_csv(tiny_run / f"results/figures/{lead}/fits_animation.csv")
    split = pd.read_csv(tiny_run / f"data/split/{lead}.csv")
    mine = split[(split["replicate"] == shown) & (split["split"] == "test")]
    points = drawn[drawn["kind"] == "test"]
    np.testing.assert_array_equal(np.sort(points["y"]), np.sort(mine["y"]))
    ols = drawn[(drawn["kind"] == "fit") & (drawn["model"] == "ols") & (drawn["degree"] == degree)]
    assert set(ols["test_mse"]) == {top[shown]}
    html = (tiny_run / "results/overview/overview.html").read_text()
    lower = "median" if len(errors) % 2 else "lower median"
    assert f"Animated: replicate {shown} of {lead}" in html
    assert f"is the\n{lower} over the {len(errors)}\nreplicates" in html
    assert f"{float(claims['shown_test_at_max']):.3g}" in html
    assert "replicate 0" not in html or shown == 0
    page = (tiny_run / "results/overview/explorer.html").read_text()
    assert f"replicate {shown} (the {lower} one)" in page
    assert f"data (replicate {shown})" in page


def test_modal_degree_is_the_most_chosen_and_the_lowest_of_a_tie():
    from l1l2.metrics import modal_degree

    assert modal_degree(pd.Series([6, 15, 6, 9])) == (6, 2)
    assert modal_degree(pd.Series([9, 7, 9, 7, 12])) == (7, 2)


@pytest.mark.workflow
def test_error_vs_lambda_caption_names_the_degrees_the_figure_draws(tiny_run, tables):
    """The figure beside claim 2 draws each model at selection.csv's degree (its panel titles);
    the numbers of claim 2 are at the largest degree: the caption says which is which."""
    claims = tables["claims"]
    lead, degree = claims["lead"], int(claims["regularization.degree"])
    selection = pd.read_csv(tiny_run / "results/tables/selection.csv")
    chosen = selection[(selection["scenario"] == lead) & (selection["rule"] == "min")]
    drawn = {m: int(chosen.loc[chosen["model"] == m, "degree"].iloc[0])
             for m in MODELS if m in plots.PENALIZED}
    html = (tiny_run / "results/overview/overview.html").read_text()
    figure = html[html.index(f'alt="error vs lambda, {lead}"'):]
    caption = " ".join(figure[:figure.index("</figcaption>")].split())
    for model, d in drawn.items():
        assert int(claims[f"regularization.figure_degrees.{model}"]) == d
    if set(drawn.values()) == {degree}:
        assert f"in {lead}, at degree {degree}." in caption
    else:
        names = ", ".join(f"{overview.MODEL_NAMES[m]} {d}" for m, d in drawn.items())
        assert f"chose most often ({names})" in caption, caption
        assert f"not the degree {degree} of the numbers above." in caption, caption


@pytest.mark.workflow
def test_ols_at_its_cv_degree_against_the_best_penalized_model(tiny_run, tables):
    """Claim 2's "not the only cure" sentence quotes OLS's median test MSE over the best penalized
    model's, per scenario, from the selected-models figure's table."""
    table = pd.read_csv(tiny_run / "results/figures/selected_models.csv")
    ratio = table.pivot(index="scenario", columns="model", values="ratio_median")
    ols_vs = ratio["ols"] / ratio[[m for m in MODELS if m in plots.PENALIZED]].min(axis=1)
    claims = tables["claims"]
    assert float(claims["winners.ols_vs_penalized.median"]) == pytest.approx(ols_vs.median())
    assert float(claims["winners.ols_vs_penalized.max"]) == pytest.approx(ols_vs.max())
    assert claims["winners.ols_vs_penalized.max_scenario"] == ols_vs.idxmax()
    html = " ".join((tiny_run / "results/overview/overview.html").read_text().split())
    assert (f'OLS\'s median test MSE is <span class="num">{ols_vs.median():.3g}×</span> the best '
            f"penalized model's in the median scenario (at most {ols_vs.max():.3g}×, in "
            f"{ols_vs.idxmax()};") in html
    assert "helps OLS as much" not in html
