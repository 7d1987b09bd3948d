"""Figures, the summary table and the report: real files from the tiny run, plus unit tests."""

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from l1l2 import plots
from l1l2.data import get_true_function

from conftest import snakemake

SCENARIOS = ["sine_sd0.2_n60", "sparse_legendre_sd0.2_n60"]
PER_SCENARIO = [
    "fits.png",
    "fits.gif",
    "error_vs_degree.png",
    "error_vs_lambda.png",
    "coef_paths.png",
    "sparsity.png",
    "bias_variance.png",
]
GLOBAL = [
    "penalties.png",
    "trajectories.png",
    "convergence.png",
    "crosscheck.png",
    "scaling.png",
]


def expected_figures():
    files = [f"results/figures/{s}/{f}" for s in SCENARIOS for f in PER_SCENARIO]
    files.append("results/figures/sparse_legendre_sd0.2_n60/support_recovery.png")
    files += [f"results/figures/{f}" for f in GLOBAL]
    return files


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- from the tiny run


@pytest.mark.workflow
def test_every_figure_exists_and_is_a_valid_image(tiny_run: Path):
    for name in expected_figures():
        path = tiny_run / name
        assert path.is_file(), name
        with Image.open(path) as image:
            image.verify()  # raises on a truncated or corrupt file
        with Image.open(path) as image:
            assert image.format == ("GIF" if name.endswith(".gif") else "PNG"), name
            assert image.width >= 600 and image.height >= 300, (name, image.size)
            if name.endswith(".gif"):
                # one frame per degree (tiny config: degrees 1..6)
                assert image.n_frames == 6, name
    # only sparse scenarios get a support-recovery figure
    assert not (tiny_run / "results/figures/sine_sd0.2_n60/support_recovery.png").exists()


@pytest.mark.workflow
def test_summary_matches_selection_metrics_and_crosscheck(tiny_run: Path):
    tables = tiny_run / "results/tables"
    selection = pd.read_csv(tables / "selection.csv")
    per_rep = pd.read_csv(tables / "selection_replicates.csv")
    metrics = pd.read_csv(tables / "metrics.csv")
    cross = pd.read_csv(tables / "crosscheck.csv")
    summary = pd.read_csv(tables / "summary.csv")
    assert len(summary) == len(selection) == 2 * 4 * 2
    merged = summary.merge(selection, on=["scenario", "model", "rule"], suffixes=("", "_sel"))
    assert len(merged) == len(summary)
    for column in ["degree", "lambda", "test_mse", "zero_share", "test_mse_sd"]:
        np.testing.assert_allclose(merged[column], merged[f"{column}_sel"], rtol=1e-12)
    # the selection's numbers trace back to metrics.csv through the per-replicate choices
    keyed = metrics.set_index(["scenario", "model", "replicate", "degree", "lambda"])
    for (scenario, model, rule), group in per_rep.groupby(["scenario", "model", "rule"]):
        rows = keyed.loc[
            [(scenario, model, r, d, lam) for r, d, lam in
             group[["replicate", "degree", "lambda"]].itertuples(index=False)]
        ]
        row = summary[
            (summary["scenario"] == scenario) & (summary["model"] == model)
            & (summary["rule"] == rule)
        ].iloc[0]
        assert math.isclose(row["test_mse"], rows["test_mse"].mean(), rel_tol=1e-12)
        zero = (1 - rows["n_nonzero"] / rows["n_coef"]).mean()
        assert math.isclose(row["zero_share"], zero, rel_tol=1e-12, abs_tol=1e-15)
    # cross-check verdicts per (scenario, model)
    counts = cross.groupby(["scenario", "model"])["status"].value_counts().unstack(fill_value=0)
    for row in summary.itertuples():
        assert row.n_compared == counts.loc[(row.scenario, row.model)].sum()
        assert row.n_agree == counts.loc[(row.scenario, row.model)].get("agree", 0)
    # the Markdown shows the same numbers, one line per scenario and rule
    markdown = (tables / "summary.md").read_text()
    best = summary[summary["rule"] == "min"]
    for row in best.itertuples():
        assert f"{row.test_mse:.4f} ± {row.test_mse_sd:.4f} (degree {row.degree}" in markdown
    assert markdown.count("| sine, σ = 0.2, n = 60 |") == 2
    assert f"{len(cross[cross['model'] == 'lasso'])} | " in markdown
    html = (tables / "summary.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "class='best'" in html


@pytest.mark.workflow
def test_conditioning_table_records_convergence_honestly(tiny_run: Path):
    table = pd.read_csv(tiny_run / "results/tables/conditioning.csv")
    assert set(table["basis"]) == {"legendre", "monomial"}
    # the monomial basis is far worse conditioned than Legendre at the highest degree
    top = table[table["degree"] == 6].drop_duplicates("basis").set_index("basis")["cond_gram"]
    assert top["monomial"] > 100 * top["legendre"]
    assert (table["converged"] == (table["gap"] <= table["gap_target"])).all()


@pytest.mark.workflow
def test_report_builds_from_the_tiny_run(tiny_run: Path):
    report = tiny_run / "report.html"
    snakemake(tiny_run, "--report", str(report))
    html = report.read_text()
    assert len(html) > 100_000
    for category in [
        "00 Summary", "01 Under- to overfitting", "02 Error vs degree", "03 Error vs lambda",
        "04 Coefficient paths", "05 Sparsity vs lambda", "06 Penalties and gradients",
        "07 Gradient-descent trajectories", "08 Convergence and conditioning",
        "09 Cross-check with scikit-learn", "10 Bias-variance", "11 Support recovery", "12 Scaling",
    ]:
        assert category in html, category
    for name in ["fits.gif", "support_recovery.png", "summary.html"]:
        assert name in html


@pytest.mark.workflow
def test_predictions_from_coefficients_reproduce_the_test_error(tiny_run: Path):
    """The figures' predict() (coefficients + training standardization) is the fitted model."""
    scenario = "sine_sd0.2_n60"
    split = pd.read_csv(tiny_run / f"data/split/{scenario}.csv")
    coefs = pd.read_csv(tiny_run / f"results/fits/{scenario}/lasso.coefs.csv")
    metrics = pd.read_csv(tiny_run / "results/tables/metrics.csv")
    for replicate in (0, 1):
        test = split[(split["replicate"] == replicate) & (split["split"] == "test")]
        pred = plots.predict(
            split, coefs[coefs["replicate"] == replicate], 5, test["x"].to_numpy(), "legendre",
            (-1.0, 1.0),
        )
        mse = ((pred.to_numpy() - test["y"].to_numpy()) ** 2).mean(axis=1)
        expected = metrics[
            (metrics["scenario"] == scenario) & (metrics["model"] == "lasso")
            & (metrics["replicate"] == replicate) & (metrics["degree"] == 5)
        ].set_index("lambda")["test_mse"]
        np.testing.assert_allclose(mse, expected.loc[pred.index.get_level_values("lambda")],
                                   rtol=1e-9)


# --------------------------------------------------------------------------- unit tests


def test_png_figures_are_byte_identical_when_redrawn(tmp_path: Path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    plots.save(plots.penalties(), first, 110)
    plots.save(plots.penalties(), second, 110)
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sha256(first) == sha256(second)
    assert b"Date" not in first.read_bytes() and b"matplotlib" not in first.read_bytes()


@pytest.mark.workflow
def test_scenario_figures_and_gif_are_byte_identical_when_redrawn(tiny_run: Path, tmp_path):
    scenario = "sparse_legendre_sd0.2_n60"
    split = pd.read_csv(tiny_run / f"data/split/{scenario}.csv")
    metrics = pd.read_csv(tiny_run / "results/tables/metrics.csv")
    coefs = {
        m: pd.read_csv(tiny_run / f"results/fits/{scenario}/{m}.coefs.csv")
        for m in ["ols", "ridge", "lasso", "elasticnet"]
    }
    for run in ("a", "b"):
        animation = plots.under_overfitting_animation(
            split, coefs, metrics, scenario, "sparse_legendre", range(1, 7)
        )
        plots.save(animation, tmp_path / f"{run}.gif", 90)
        plots.save(plots.coefficient_paths(coefs, scenario, 6), tmp_path / f"{run}.png", 110)
    assert sha256(tmp_path / "a.gif") == sha256(tmp_path / "b.gif")
    assert sha256(tmp_path / "a.png") == sha256(tmp_path / "b.png")
    # and the workflow's own copy (another process, same inputs) is the same bytes
    assert sha256(tmp_path / "a.png") == sha256(
        tiny_run / f"results/figures/{scenario}/coef_paths.png"
    )


def test_first_zero_lambda():
    wide = pd.DataFrame(
        {1: [0.5, 0.2, 0.0, 0.0], 2: [0.1, 0.0, 0.0, 0.0], 3: [0.3, 0.2, 0.1, 0.0]},
        index=[0.01, 0.1, 1.0, 10.0],
    )
    assert plots.first_zero_lambda(wide) == (0.1, 10.0)
    assert plots.first_zero_lambda(wide.iloc[:3]) == (0.1, None)
    ridge = wide.replace(0.0, 1e-9)
    assert plots.first_zero_lambda(ridge) == (None, None)


def test_lambda_min_1se_follows_glmnet():
    curve = pd.DataFrame(
        {
            "lambda": [0.001, 0.01, 0.1, 1.0],
            "cv_mse": [0.30, 0.20, 0.24, 0.50],
            "cv_se": [0.05, 0.05, 0.05, 0.05],
        }
    )
    assert plots.lambda_min_1se(curve) == (0.01, 0.1)


def test_bias_variance_of_a_known_fit():
    """Fits equal to the truth have zero bias and variance; a constant offset is pure bias."""
    split = pd.DataFrame(
        {
            "replicate": np.repeat([0, 1], 30),
            "x": np.tile(np.linspace(-1, 1, 30), 2),
            "y": 0.0,
            "y_true": 0.0,
            "split": "train",
            "fold": 0,
        }
    )
    # sparse_legendre = P1 - 0.8 P3 + 0.6 P6; fit its exact coefficients on the standardized basis
    from l1l2.features import Standardizer, design_matrix

    rows = []
    for r in (0, 1):
        F = design_matrix(np.linspace(-1, 1, 30), 6, "legendre")
        scaler = Standardizer.fit(F)
        raw = np.array([1.0, 0, -0.8, 0, 0, 0.6])
        w = raw * scaler.scale
        b = float(raw @ scaler.mean)
        for lam, offset in ((0.1, 0.0), (1.0, 0.5 * r)):
            rows.append((r, 6, lam, 0, b + offset))
            rows += [(r, 6, lam, j + 1, float(w[j])) for j in range(6)]
    coefs = pd.DataFrame(rows, columns=["replicate", "degree", "lambda", "term", "coef"])
    table = plots.bias_variance(split, coefs, 6, "legendre", (-1, 1), "sparse_legendre")
    exact = table.set_index("lambda")
    assert exact.loc[0.1, "bias2"] < 1e-20 and exact.loc[0.1, "variance"] < 1e-20
    # offsets 0 and 0.5: mean offset 0.25 -> bias² 0.0625; population variance 0.0625
    assert math.isclose(exact.loc[1.0, "bias2"], 0.0625, rel_tol=1e-9)
    assert math.isclose(exact.loc[1.0, "variance"], 0.0625, rel_tol=1e-9)


def test_true_coefficients_in_each_basis():
    legendre = plots.true_coefficients("sparse_legendre", 8, "legendre")
    assert np.flatnonzero(legendre).tolist() == [0, 2, 5]  # terms 1, 3, 6
    monomial = plots.true_coefficients("sparse_legendre", 8, "monomial")
    # P6 brings t², t⁴, t⁶ (and a constant, dropped); P1 and P3 bring t and t³
    assert np.flatnonzero(monomial).tolist() == [0, 1, 2, 3, 5]
    assert plots.true_coefficients("sparse_legendre", 4, "legendre") is None
    assert plots.true_coefficients("sine", 8, "legendre") is None
    assert get_true_function("sparse_legendre").support == (1, 3, 6)


def test_trajectories_show_the_three_behaviours(tmp_path: Path):
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-1, 1, 80))
    y = np.sin(2 * np.pi * x) + rng.normal(0, 0.2, x.size)
    split = pd.DataFrame({"replicate": 0, "x": x, "y": y, "y_true": 0.0, "split": "train",
                          "fold": 0})
    X, yy = plots.example_problem(split, 6, "legendre", (-1, 1))
    traj = plots.trajectory_runs(X, yy, np.geomspace(1e-4, 1, 13))
    j = traj["term"] - 1
    ista = traj["runs"]["ista"].coef[:, j]
    sub = traj["runs"]["subgradient"].coef[:, j]
    gd = traj["runs"]["gd"].coef[:, j]
    assert traj["lasso"] == 0.0 and traj["ridge"] != 0.0
    first = np.flatnonzero(ista == 0)[0]
    assert (ista[first:] == 0).all()  # lands on 0 and stays
    tail = sub[sub.size // 2:]
    assert (tail != 0).all() and (np.diff(np.sign(tail)) != 0).any()  # chatters, never 0
    assert (gd != 0).all()
    plots.save(plots.trajectories(traj, "synthetic", 6, "legendre"), tmp_path / "t.png", 110)
    assert (tmp_path / "t.png").stat().st_size > 10_000


def test_table_analysis_does_not_import_matplotlib():
    """The matplotlib-free modules of l1l2.plots load without it (the workflow's rule files
    import from them on every call, dry runs included)."""
    import subprocess
    import sys

    code = (
        "import sys, l1l2.plots, l1l2.plots.analysis, l1l2.plots.experiments; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_save_writes_in_the_style_and_refuses_a_wrong_format(tmp_path: Path):
    figure = plots.penalties(style="default")
    assert figure.l1l2_style == "default"
    with pytest.raises(ValueError, match="cannot write a Figure to a .gif file"):
        plots.save(figure, tmp_path / "penalties.gif", 110)
    plots.save(plots.penalties(), tmp_path / "low.png", 60)
    plots.save(plots.penalties(), tmp_path / "high.png", 120)
    with Image.open(tmp_path / "low.png") as low, Image.open(tmp_path / "high.png") as high:
        assert high.width == 2 * low.width  # the dpi given to save() is the one applied
    with pytest.raises(ValueError, match="plots.style: unknown style 'dark'"):
        plots.penalties(style="dark")
