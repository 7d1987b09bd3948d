"""Figures, the summary table and the report: real files from the tiny run, plus unit tests."""

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from l1l2 import plots
from l1l2.data import get_true_function

from conftest import ROOT, snakemake

SCENARIOS = ["sine_sd0.2_n60", "sparse_legendre_sd0.2_n60"]
#: The solver's coef_tol in the tiny study (the schema's default).
COEF_TOL = 1e-6
#: plots.dpi of the tiny study: the schema's default.
DEFAULT_DPI = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())[
    "properties"]["plots"]["properties"]["dpi"]["default"]
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
def test_nothing_is_cut_off_at_the_edge_of_a_figure(tiny_run: Path):
    """Every image keeps a blank margin: a title or label running past the canvas (as the
    cross-check title and the fits grid's right-hand error line once did) leaves ink in the
    outermost pixels. Backgrounds are white; nothing is meant to touch the edge."""
    for name in expected_figures():
        with Image.open(tiny_run / name) as image:
            frames = range(getattr(image, "n_frames", 1))
            for frame in frames:
                image.seek(frame)
                pixels = np.asarray(image.convert("L"))
                edge = np.concatenate([pixels[:2].ravel(), pixels[-2:].ravel(),
                                       pixels[:, :2].ravel(), pixels[:, -2:].ravel()])
                assert edge.min() >= 200, (name, frame, int(edge.min()))


@pytest.mark.workflow
def test_every_figure_writes_the_numbers_it_draws(tiny_run: Path):
    """A CSV beside every figure (the GIF's is fits_animation.csv), and they hold the tables'
    numbers: the bias–variance CSV's measured error is metrics.csv's test MSE."""
    for name in expected_figures():
        if name.endswith("scaling.png"):
            continue  # a copied benchmark image, not drawn by the workflow
        data = tiny_run / (name.replace("fits.gif", "fits_animation.gif")[:-4] + ".csv")
        assert data.is_file(), data
        assert len(pd.read_csv(data)) > 0, data
    metrics = pd.read_csv(tiny_run / "results/tables/metrics.csv")
    for scenario in SCENARIOS:
        bv = pd.read_csv(tiny_run / f"results/figures/{scenario}/bias_variance.csv")
        rows = metrics[(metrics["scenario"] == scenario) & (metrics["degree"] == 6)]
        mean = rows.groupby(["model", "lambda"])["test_mse"].mean()
        np.testing.assert_allclose(bv["test_mse"], mean.loc[list(zip(bv["model"], bv["lambda"],
                                                                     strict=True))], rtol=1e-9)
        np.testing.assert_allclose(bv["expected_mse"], bv["bias2"] + bv["variance"] + 0.04,
                                   rtol=1e-12)
        stats = pd.read_csv(tiny_run / f"results/figures/{scenario}/error_vs_degree.csv")
        best = plots.best_lambda_by_degree(metrics[metrics["scenario"] == scenario])
        test = stats[stats["split"] == "test"].set_index(["model", "degree"])["median"]
        expected = best.groupby(["model", "degree"])["test_mse"].median()
        np.testing.assert_allclose(test.loc[expected.index], expected, rtol=1e-12)


@pytest.mark.workflow
def test_ols_training_error_only_falls_with_degree(tiny_run: Path):
    """The error-vs-degree caption's claim: nested least-squares fits, so OLS's training error
    cannot rise with the degree (penalized models' can: CV picks another λ per degree)."""
    metrics = pd.read_csv(tiny_run / "results/tables/metrics.csv")
    ols = metrics[metrics["model"] == "ols"].sort_values("degree")
    for _, rows in ols.groupby(["scenario", "replicate"]):
        steps = np.diff(rows["train_mse"].to_numpy())
        assert (steps <= 1e-9 * rows["train_mse"].max()).all(), rows


@pytest.mark.workflow
def test_ridge_never_gives_an_exact_zero(tiny_run: Path):
    """The sparsity caption's claim, and the count in the figure's title: no Ridge coefficient
    is exactly 0, while the Lasso has exact zeros."""
    metrics = pd.read_csv(tiny_run / "results/tables/metrics.csv")
    ridge = metrics[metrics["model"] == "ridge"]
    assert len(ridge) and (ridge["n_nonzero"] == ridge["n_coef"]).all()
    lasso = metrics[metrics["model"] == "lasso"]
    assert (lasso["n_nonzero"] < lasso["n_coef"]).any()
    data = pd.read_csv(tiny_run / "results/figures/sine_sd0.2_n60/sparsity.csv")
    assert (data.loc[data["model"] == "ridge", "n_exact_zeros"] == 0).all()


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
        cell = f"{row.test_mse_median:.3g} [{row.test_mse_q25:.3g}–{row.test_mse_q75:.3g}]"
        assert f"{cell} (degree {row.degree}" in markdown
    # the robust statistics are those of the chosen fits' test MSE
    for (scenario, model, rule), group in per_rep.groupby(["scenario", "model", "rule"]):
        row = summary.set_index(["scenario", "model", "rule"]).loc[(scenario, model, rule)]
        assert row["test_mse_median"] == group["test_mse"].median()
        assert row["n_blowups"] == int((group["test_mse"] > 10 * group["test_mse"].median()).sum())
    assert markdown.count("| sine, σ = 0.2, n = 60 |") == 2
    assert f"{len(cross[cross['model'] == 'lasso'])} | " in markdown
    html = (tables / "summary.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    # bold only for a clear winner: the lowest median below every other model's first quartile
    clear = 0
    for _, part in summary.groupby(["scenario", "rule"]):
        best = part.loc[part["test_mse_median"].idxmin()]
        others = part[part["model"] != best["model"]]
        clear += int((best["test_mse_median"] < others["test_mse_q25"]).all())
    disagree = summary[summary["rule"] == "min"].groupby("model")["n_disagree"].sum()
    assert html.count("class='best'") == clear + int((disagree > 0).sum())


@pytest.mark.workflow
def test_conditioning_table_records_convergence_honestly(tiny_run: Path):
    table = pd.read_csv(tiny_run / "results/tables/conditioning.csv")
    assert set(table["basis"]) == {"legendre", "monomial"}
    # the monomial basis is far worse conditioned than Legendre at the highest degree
    top = table[table["degree"] == 6].drop_duplicates("basis").set_index("basis")["cond_gram"]
    assert top["monomial"] > 100 * top["legendre"]
    # the solver's contract: gap met, and the certified coefficient bound within coef_tol where
    # the problem is strongly convex (elsewhere the bound is inf and the gap alone decides)
    bound_met = (table["coef_bound"] <= COEF_TOL) | np.isinf(table["coef_bound"])
    assert (table["converged"] == ((table["gap"] <= table["gap_target"]) & bound_met)).all()
    assert np.isfinite(table.loc[table["model"] == "ridge", "coef_bound"]).all()


@pytest.mark.workflow
def test_summary_rows_follow_the_study_order(tiny_run: Path):
    """Rows (and the Markdown/HTML tables) follow the order the study lists its scenarios, not
    the alphabet: given the tiny study's two scenarios reversed, the summary reverses too."""
    tables = tiny_run / "results/tables"
    read = {name: pd.read_csv(tables / f"{name}.csv") for name in
            ("selection", "crosscheck", "metrics", "selection_replicates")}
    args = [read["selection"], read["crosscheck"], read["metrics"], read["selection_replicates"]]
    as_run = pd.read_csv(tables / "summary.csv")
    assert list(dict.fromkeys(as_run["scenario"])) == SCENARIOS  # the config's order
    order = SCENARIOS[::-1]
    summary = plots.summary_table(*args, scenarios=order)
    assert list(dict.fromkeys(summary["scenario"])) == order
    markdown = plots.summary_markdown(summary)
    first, second = (markdown.index(f"| {name.split('_sd')[0]}, σ") for name in order)
    assert first < second
    with pytest.raises(ValueError, match="sine_sd0.2_n60"):
        plots.summary_table(*args, scenarios=order[:1])


def test_support_recovery_colours_are_steps_of_one_replicate(tmp_path: Path):
    """The share of R replicates keeping a term takes R + 1 values; the map draws exactly those
    greys and the colour bar labels them k/R."""
    rng = np.random.default_rng(0)
    rows = []
    replicates, degree, lambdas = 4, 6, [1e-3, 1e-2, 1e-1, 1.0]
    for r in range(replicates):
        for lam in lambdas:
            for term in range(degree + 1):
                keep = term == 0 or rng.random() < 0.6
                rows.append({"replicate": r, "degree": degree, "lambda": lam, "term": term,
                             "coef": float(rng.normal()) if keep else 0.0, "model": "lasso"})
    fig = plots.support_recovery(pd.DataFrame(rows), "sparse_legendre_sd0.1_n50",
                                 "sparse_legendre", degree)
    mesh = fig.axes[0].collections[0]
    # the whole scale [0, 1] has R + 1 greys, one per count k/R (no shades in between)
    scale = np.unique(mesh.to_rgba(np.linspace(0, 1, 401)), axis=0)
    steps = np.unique(mesh.to_rgba(np.arange(replicates + 1) / replicates), axis=0)
    assert len(scale) == len(steps) == replicates + 1
    drawn = np.unique(mesh.to_rgba(np.ravel(mesh.get_array())), axis=0)
    assert {tuple(c) for c in drawn} <= {tuple(c) for c in steps}
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert labels == [f"{k}/{replicates}" for k in range(replicates + 1)]
    plots.save(fig, tmp_path / "support_recovery.png", 60)


@pytest.mark.workflow
def test_report_builds_from_the_tiny_run(tiny_run: Path):
    report = tiny_run / "report.html"
    snakemake(tiny_run, "--report", str(report))
    html = report.read_text()
    assert len(html) > 100_000
    for category in [
        "00 Overview", "00 Summary", "01 Under- to overfitting", "02 Error vs degree",
        "03 Error vs lambda",
        "04 Coefficient paths", "05 Sparsity vs lambda", "06 Penalties and gradients",
        "07 Gradient-descent trajectories", "08 Convergence and conditioning",
        "09 Cross-check with scikit-learn", "10 Bias-variance", "11 Support recovery", "12 Scaling",
    ]:
        assert category in html, category
    # the GIF is shown by the overview (the landing page), not offered as a download
    assert "data:image/gif;base64," in html
    for name in ["selected_models.png", "support_recovery.png", "summary.html"]:
        assert name in html
    # the explorer is drawn by the overview from its Vega specification with the report's own
    # Vega: its standalone page (with the same JavaScript inlined) is not carried a second time
    assert "l1l2-explorer-spec" in html
    items = html.split('<script id="results">', 1)[1].split("</script>", 1)[0]
    items = json.loads(items.strip().removeprefix("var results =").strip().rstrip(";"))
    assert "results/figures/selected_models.png" in items
    assert not [path for path in items if "explorer" in path]


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


def scenario_inputs(run: Path, scenario: str):
    """What the scenario figure job reads from a finished run: split, metrics, coefficients."""
    split = pd.read_csv(run / f"data/split/{scenario}.csv")
    metrics = pd.read_csv(run / "results/tables/metrics.csv")
    coefs = {
        m: pd.read_csv(run / f"results/fits/{scenario}/{m}.coefs.csv")
        for m in ["ols", "ridge", "lasso", "elasticnet"]
    }
    return split, metrics, coefs


@pytest.mark.workflow
def test_scenario_figures_and_gif_are_byte_identical_when_redrawn(tiny_run: Path, tmp_path):
    scenario = "sparse_legendre_sd0.2_n60"
    split, metrics, coefs = scenario_inputs(tiny_run, scenario)
    for run in ("a", "b"):
        animation = plots.under_overfitting_animation(
            split, coefs, metrics, scenario, "sparse_legendre", range(1, 7)
        )
        plots.save(animation, tmp_path / f"{run}.gif", 90)
        # laid out at the resolution it is saved at, as the workflow does
        paths = plots.coefficient_paths(coefs, metrics, scenario, 6, "legendre", "sparse_legendre",
                                        dpi=DEFAULT_DPI)
        plots.save(paths, tmp_path / f"{run}.png", DEFAULT_DPI)
    assert sha256(tmp_path / "a.gif") == sha256(tmp_path / "b.gif")
    assert sha256(tmp_path / "a.png") == sha256(tmp_path / "b.png")
    # and the workflow's own copy (another process, same inputs) is the same bytes
    assert sha256(tmp_path / "a.png") == sha256(
        tiny_run / f"results/figures/{scenario}/coef_paths.png"
    )


def _matplotlib_save(result, path, dpi):
    """What :func:`l1l2.plots.save` wrote before it skipped redundant drawing: matplotlib's own
    ``Animation.save`` (every frame drawn in full, twice, repeated frames drawn again) and
    ``savefig`` to PNG (decoded again for the palette) with the layout engine ``tight_layout``
    leaves behind (one more layout pass per save)."""
    import io

    from l1l2.plots.style import (
        PALETTE_COLORS,
        PNG_COMPRESS_LEVEL,
        _PaletteGifWriter,
        use_style,
    )

    with use_style(result.l1l2_style):
        if path.suffix == ".gif":
            result.save(path, writer=_PaletteGifWriter(fps=1000.0 / result._interval), dpi=dpi)
        else:
            buffer = io.BytesIO()
            result.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
            buffer.seek(0)
            with Image.open(buffer) as image:
                small = image.convert("RGB").quantize(PALETTE_COLORS, Image.Quantize.FASTOCTREE)
                small.save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


@pytest.mark.workflow
def test_save_draws_less_and_writes_the_bytes_matplotlib_writes(tiny_run: Path, tmp_path):
    """``save`` draws the animation's figure once in full (per frame only the artists that
    change; a held last frame not at all) and skips the extra layout pass of ``savefig``; the
    files are the bytes matplotlib's own path writes (every frame drawn in full)."""
    scenario = "sine_sd0.2_n60"
    split, metrics, coefs = scenario_inputs(tiny_run, scenario)
    degrees = range(1, 7)  # 6 frames, the last held for three more
    renders = {}
    for how in ("save", "matplotlib"):
        animation = plots.under_overfitting_animation(
            split, coefs, metrics, scenario, "sine", degrees
        )
        figure = plots.under_overfitting(split, coefs, metrics, scenario, "sine", [1, 3, 6])
        count = renders.setdefault(how, [])
        for fig in (animation._fig, figure):
            fig.canvas.mpl_connect("draw_event", lambda event, c=count: c.append(event))
        write = plots.save if how == "save" else _matplotlib_save
        write(animation, tmp_path / f"{how}.gif", 90)
        write(figure, tmp_path / f"{how}.png", 110)
    assert sha256(tmp_path / "save.gif") == sha256(tmp_path / "matplotlib.gif")
    assert sha256(tmp_path / "save.png") == sha256(tmp_path / "matplotlib.png")
    # one full draw of the animation's figure and one of the PNG. matplotlib: 9 frames drawn
    # 3 times each (draw_idle, the layout pass, the image) and the PNG twice.
    assert len(renders["save"]) == 2
    assert len(renders["matplotlib"]) == 3 * (len(degrees) + 3) + 2
    # log, shared and secondary axes under titles: a draw that computes each axis's ticks once
    # (l1l2.plots.style.ticks_updated_once), laid out at the resolution it is saved at
    for how in ("save", "matplotlib"):
        paths = plots.coefficient_paths(coefs, metrics, scenario, 6, "legendre", "sine", dpi=110)
        write = plots.save if how == "save" else _matplotlib_save
        write(paths, tmp_path / f"{how}_paths.png", 110)
    assert sha256(tmp_path / "save_paths.png") == sha256(tmp_path / "matplotlib_paths.png")


@pytest.mark.workflow
def test_minor_ticks_drawn_as_marks_are_matplotlibs_pixels(tiny_run: Path, tmp_path, monkeypatch):
    """The unlabelled minor ticks of log axes, drawn as one artist per axis
    (``style.minor_ticks_as_marks``), give the bytes of matplotlib's own minor ticks: on log
    axes shared by panels, under titles, beside secondary axes, in x and in y."""
    from l1l2.plots import style

    scenario = "sparse_legendre_sd0.2_n60"
    split, metrics, coefs = scenario_inputs(tiny_run, scenario)

    def figures():
        return {
            "degree": plots.error_vs_degree(metrics, scenario, dpi=DEFAULT_DPI),
            "paths": plots.coefficient_paths(coefs, metrics, scenario, 6, "legendre",
                                             "sparse_legendre", dpi=DEFAULT_DPI),
            "sparsity": plots.sparsity_vs_lambda(metrics, scenario, [3, 6], "legendre",
                                                 "sparse_legendre", dpi=DEFAULT_DPI),
        }

    marked = figures()
    artists = [a for fig in marked.values() for ax in fig.axes for a in ax.get_children()
               if isinstance(a, style._MinorTickMarks)]
    assert {a._axis.axis_name for a in artists} == {"x", "y"}
    for name, fig in marked.items():
        plots.save(fig, tmp_path / f"marks_{name}.png", DEFAULT_DPI)
    assert sum(len(a._marks.get_xdata()) for a in artists) > 50  # marks were drawn
    monkeypatch.setattr(style, "minor_ticks_as_marks", lambda fig: None)
    for name, fig in figures().items():
        assert not any(isinstance(a, style._MinorTickMarks) for ax in fig.axes
                       for a in ax.get_children())
        plots.save(fig, tmp_path / f"ticks_{name}.png", DEFAULT_DPI)
    for name in marked:
        assert sha256(tmp_path / f"marks_{name}.png") == sha256(tmp_path / f"ticks_{name}.png")


def _counted(method, calls):
    def counted(*args, **kwargs):
        calls.append(method)
        return method(*args, **kwargs)

    return counted


def test_tight_layout_measures_each_axes_once_for_the_same_layout():
    """The figures' tight_layout reuses the first pass's boxes in matplotlib's second pass:
    the same subplot parameters as ``Figure.tight_layout``, half the measurements."""
    import matplotlib.pyplot as plt

    from l1l2.plots.style import tight_layout

    def figure():
        fig, axes = plt.subplots(ncols=3, figsize=(9, 4), sharey=True)
        for k, ax in enumerate(axes):
            ax.plot(np.geomspace(1e-5, 10, 31), np.geomspace(1, 10 ** (k + 1), 31))
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"panel {k}\nsecond line")
        axes[0].set_ylabel("error (log scale)")
        return fig

    rect = (0, 0.12, 1, 1)
    layouts, counts = [], []
    for lay_out in (lambda fig: fig.tight_layout(rect=rect), lambda fig: tight_layout(fig, rect)):
        fig = figure()
        calls = []
        for ax in fig.axes:
            ax.xaxis.get_tightbbox = _counted(ax.xaxis.get_tightbbox, calls)
        lay_out(fig)
        pars = fig.subplotpars
        layouts.append([pars.left, pars.right, pars.bottom, pars.top, pars.wspace, pars.hspace])
        counts.append(len(calls))
        assert all("get_tightbbox" not in vars(ax) for ax in fig.axes)  # the method again
        plt.close(fig)
    assert layouts[0] == layouts[1]
    assert counts == [6, 3]  # matplotlib measures each of the 3 axes twice


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
    """Fits equal to the truth have zero bias and variance; replicate offsets 0 and 0.5 give
    (mean offset)² = 0.0625, of which Var(mean) = s²/R = 0.0625 is variance, not bias."""
    from l1l2.data import get_true_function
    from l1l2.features import Standardizer, design_matrix

    x = np.linspace(-1, 1, 40)
    truth = get_true_function("sparse_legendre")(x)
    split = pd.DataFrame(
        {
            "replicate": np.repeat([0, 1], 40),
            "x": np.tile(x, 2),
            "y": np.tile(truth, 2),  # no noise: the measured test MSE is the fit's error
            "y_true": np.tile(truth, 2),
            "split": np.tile(["train", "test"], 40),
            "fold": 0,
        }
    )
    rows = []
    for r in (0, 1):
        F = design_matrix(x[::2], 6, "legendre")  # this replicate's training rows
        scaler = Standardizer.fit(F)
        raw = np.array([1.0, 0, -0.8, 0, 0, 0.6])
        w = raw * scaler.scale
        b = float(raw @ scaler.mean)
        for lam, offset in ((0.1, 0.0), (1.0, 0.5 * r)):
            rows.append((r, 6, lam, 0, b + offset))
            rows += [(r, 6, lam, j + 1, float(w[j])) for j in range(6)]
    coefs = pd.DataFrame(rows, columns=["replicate", "degree", "lambda", "term", "coef"])
    table = plots.bias_variance(split, coefs, 6, "legendre", (-1, 1), noise_sd=0.0)
    exact = table.set_index("lambda")
    assert abs(exact.loc[0.1, "bias2"]) < 1e-20 and exact.loc[0.1, "variance"] < 1e-20
    assert exact.loc[0.1, "test_mse"] < 1e-20
    assert abs(exact.loc[1.0, "bias2"]) < 1e-12  # 0.0625 − s²/R = 0.0625 − 0.125/2
    assert math.isclose(exact.loc[1.0, "variance"], 0.125, rel_tol=1e-9)  # s², ddof = 1
    # measured: replicate 0 is exact, replicate 1 is off by 0.5 everywhere -> (0 + 0.25)/2
    assert math.isclose(exact.loc[1.0, "test_mse"], 0.125, rel_tol=1e-9)
    assert math.isclose(exact.loc[1.0, "expected_mse"], 0.125, rel_tol=1e-9)
    assert (table["n_points"] == 40).all() and (table["n_replicates"] == 2).all()


def test_bias_variance_adds_up_to_the_measured_test_error():
    """bias² + variance + σ² at the test points estimates the measured test MSE: on 40
    replicates of two scenarios, at every λ from overfitting to underfitting, the two agree
    within 3 standard errors of their paired difference; and the parts behave (variance falls,
    bias² rises with λ once past the overfitting range)."""
    from l1l2.data import Scenario, simulate, split
    from l1l2.study import fit_grid

    lambdas = np.geomspace(1e-5, 10, 7)
    worst = 0.0
    for function, sd, degree, seed in (("runge", 0.1, 15, 5), ("sine", 0.3, 12, 3)):
        scenario = Scenario(function, sd, 50)
        table = split(simulate(scenario, replicates=40, seed=seed), scenario.name, seed=seed,
                      test_size=0.25, folds=2)
        for model in ("ridge", "lasso"):
            _, coefs = fit_grid(table, model, [degree], lambdas)
            bv = plots.bias_variance(table, coefs, degree, "legendre", (-1, 1), sd)
            z = (bv["test_mse"] - bv["expected_mse"]) / bv["diff_se"]
            worst = max(worst, float(z.abs().max()))
            assert (z.abs() < 3).all(), (function, model, bv)
            assert bv["variance"].iloc[-1] < bv["variance"].iloc[0] / 10
            assert bv["bias2"].iloc[-1] > 10 * bv["bias2"].iloc[2]  # λ = 10 vs λ = 1e-3
    assert worst > 0.5  # the check is not vacuous: the estimates differ by sampling error


def test_true_coefficients_in_each_basis():
    legendre = plots.true_coefficients("sparse_legendre", 8, "legendre")
    assert np.flatnonzero(legendre).tolist() == [0, 2, 5]  # terms 1, 3, 6
    monomial = plots.true_coefficients("sparse_legendre", 8, "monomial")
    # P6 brings t², t⁴, t⁶ (and a constant, dropped); P1 and P3 bring t and t³
    assert np.flatnonzero(monomial).tolist() == [0, 1, 2, 3, 5]
    assert plots.true_coefficients("sparse_legendre", 4, "legendre") is None
    assert plots.true_coefficients("sine", 8, "legendre") is None
    assert get_true_function("sparse_legendre").support == (1, 3, 6)


def test_true_zero_share_follows_symmetry():
    """sin(2πt) is odd: no even Legendre terms; cos and the Runge function are even."""
    assert np.flatnonzero(plots.true_projection("sine", 15)).tolist() == list(range(0, 15, 2))
    assert np.flatnonzero(plots.true_projection("runge", 8)).tolist() == [1, 3, 5, 7]
    assert plots.true_zero_share("sparse_legendre", 15) == 12 / 15
    assert plots.true_zero_share("cosine", 15) == 8 / 15
    np.testing.assert_allclose(
        plots.true_projection("sparse_legendre", 8), [1, 0, -0.8, 0, 0, 0.6, 0, 0], atol=1e-12
    )


def test_blowups_and_robust_stats():
    values = pd.DataFrame({"g": ["a"] * 5, "v": [1.0, 1.1, 0.9, 1.0, 50.0]})
    stats = plots.robust_stats(values, ["g"], "v").iloc[0]
    assert stats["median"] == 1.0 and stats["n_blowups"] == 1 and stats["mean"] > 10
    assert plots.is_blowup([1.0, 1.0, 10.0]).tolist() == [False, False, False]  # not > 10×


def test_scenarios_read_in_order():
    names = ["sine_sd0.1_n200", "sine_sd0.4_n50", "sine_sd0.1_n50", "cosine_sd0.1_n50"]
    assert plots.scenario_order(names) == [
        "sine_sd0.1_n50", "sine_sd0.4_n50", "sine_sd0.1_n200", "cosine_sd0.1_n50"
    ]


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
        "import sys, l1l2.plots, l1l2.plots.analysis, l1l2.plots.experiments, "
        "l1l2.plots.palette, l1l2.plots.summary; "
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


@pytest.mark.workflow
def test_fits_panels_write_lambda_to_three_significant_digits(tiny_run: Path):
    """Each penalized model's label above a fits panel gives its λ in plain digits (λ = 10 as
    "10", not "1e+01") and close enough to read back the grid value drawn (within 0.5%)."""
    import re

    from matplotlib.text import Text

    scenario = "sine_sd0.2_n60"
    split, metrics, coefs = scenario_inputs(tiny_run, scenario)
    fig = plots.under_overfitting(split, coefs, metrics, scenario, "sine", list(range(1, 7)))
    drawn = fig.l1l2_data.dropna(subset=["lambda"])
    labels = [t.get_text() for t in fig.findobj(Text) if "(λ " in t.get_text()]
    assert len(labels) == 2 * 6  # Ridge and Lasso in each of the six panels
    for text in labels:
        model, value = re.fullmatch(r"\s*(\w+) \S+ \(λ (\S+)\)", text).groups()
        assert "e+" not in value, text
        lam = drawn[drawn["model"] == model.lower()]["lambda"].to_numpy()
        assert np.min(np.abs(lam - float(value)) / lam) < 5e-3, text
    assert plots.style.fmt(10.0) == "10"


def _display_points(line):
    return line.get_transform().transform(np.column_stack(line.get_data()))


@pytest.mark.workflow
def test_convergence_legend_leaves_the_gap_curves_visible(tiny_run: Path):
    """Panel (a)'s legend is outside the axes: no point of a gap history (in particular where
    a run ends, at or below the target) is under it."""
    scenario = "sparse_legendre_sd0.2_n60"
    split = pd.read_csv(tiny_run / f"data/split/{scenario}.csv")
    table = pd.read_csv(tiny_run / "results/tables/conditioning.csv")
    degree = int(table["degree"].max())
    runs = plots.lasso_gap_histories(split, degree, 1e-3, (-1, 1), 1e-10, n_iter=300)
    fig = plots.convergence(runs, table, scenario, degree, 1e-3, tol=1e-10, max_iter=10_000,
                            n_iter=300, dpi=DEFAULT_DPI)
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_legend().get_window_extent()
    assert not box.overlaps(ax.get_window_extent())
    for line in ax.get_lines():
        assert box.count_contains(_display_points(line)) == 0, line.get_label()


@pytest.mark.workflow
def test_crosscheck_tick_labels_do_not_touch(tiny_run: Path):
    """The left panel's symlog x axis labels every other decade: no two tick labels of either
    panel's x axis overlap or come within 4 px of each other."""
    pairs = pd.read_csv(tiny_run / "results/reference/coefs.csv")
    # coefficients up to ±1 in both signs: the default study's span, whatever the tiny run's
    wide = pairs.iloc[:2].assign(sklearn=[-1.0, 1.0], l1l2=[-1.0, 1.0])
    table = pd.read_csv(tiny_run / "results/tables/crosscheck.csv")
    fig = plots.crosscheck(pd.concat([pairs, wide]), table, dpi=DEFAULT_DPI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes[:2]:
        boxes = sorted((t.get_window_extent(renderer) for t in ax.get_xticklabels()
                        if t.get_visible() and t.get_text()), key=lambda b: b.x0)
        assert len(boxes) >= 3
        for a, b in zip(boxes[:-1], boxes[1:], strict=True):
            assert b.x0 - a.x1 >= 4, (a, b)


@pytest.mark.workflow
def test_trajectories_zero_label_is_off_the_lines(tiny_run: Path):
    """The "exactly 0" label lies on the grey strip, inside the axes, and on no line (ISTA's
    exact zeros are drawn along the strip)."""
    from matplotlib.text import Text

    split = pd.read_csv(tiny_run / "data/split/sine_sd0.2_n60.csv")
    X, y = plots.example_problem(split, 6, "legendre", (-1, 1))
    lambdas = yaml.safe_load((ROOT / "tests/config/tiny.yaml").read_text())["lambdas"]
    grid = np.geomspace(lambdas["min"], lambdas["max"], lambdas["num"]).tolist()
    fig = plots.trajectories(plots.trajectory_runs(X, y, grid), "sine", 6, "legendre",
                             dpi=DEFAULT_DPI)
    fig.canvas.draw()
    ax = fig.axes[1]
    (label,) = [t for t in ax.findobj(Text) if t.get_text() == "exactly 0"]
    box = label.get_window_extent()
    strip = ax.patches[0].get_window_extent()
    assert strip.x0 <= box.x0 and box.x1 <= strip.x1
    assert strip.y0 <= box.y0 and box.y1 <= strip.y1
    for line in ax.get_lines():  # clear of the line's whole width, not only its centre
        half_width = line.get_linewidth() * fig.dpi / 72 / 2
        assert box.padded(half_width).count_contains(_display_points(line)) == 0, line.get_color()


def _on_data_lines(ax, box, dpi):
    """The data lines of ``ax`` (not the axis lines at 0) with a point under ``box``, widened
    by half the line's width, and how many data lines there are."""
    lines = [line for line in ax.get_lines() if line.get_transform() is ax.transData]
    hit = [line.get_label() or line.get_color() for line in lines
           if box.padded(line.get_linewidth() * dpi / 72 / 2).count_contains(
               _display_points(line))]
    return hit, len(lines)


def test_penalties_text_and_legends_are_off_the_curves():
    """No legend and no annotation text of the penalties figure lies on a curve (the left
    legend once covered the curves' upper ends, the middle "constant pull" note was crossed by
    the L2 and elastic-net lines)."""
    from matplotlib.text import Text

    fig = plots.penalties(dpi=DEFAULT_DPI)
    fig.canvas.draw()
    for ax in fig.axes:
        # Text's own extent: an annotation's also holds its arrow, which points at a curve
        boxes = [Text.get_window_extent(t) for t in ax.findobj(Text)
                 if t.get_text() and t.axes is ax and t not in ax.get_xticklabels()
                 + ax.get_yticklabels() and t is not ax.title
                 and t not in (ax.xaxis.label, ax.yaxis.label)]
        if ax.get_legend():
            boxes.append(ax.get_legend().get_window_extent())
        assert boxes
        for box in boxes:
            hit, count = _on_data_lines(ax, box, fig.dpi)
            assert count >= 3 and not hit, (ax.get_title(), box, hit)


@pytest.mark.workflow
def test_blowup_marks_end_inside_the_axes(tiny_run: Path):
    """Blow-ups at the highest degree put the ▲ marks at the top of the data; the y axis makes
    room for them: every mark ends inside its axes (the top one was drawn above them)."""
    from matplotlib.text import Text

    metrics = pd.read_csv(tiny_run / "results/tables/metrics.csv")
    # six replicates (the tiny run's two, thrice), two of which blow up at the highest degree
    metrics = pd.concat([metrics.assign(replicate=metrics["replicate"] + 2 * k)
                         for k in range(3)], ignore_index=True)
    top = metrics["degree"] == metrics["degree"].max()
    metrics.loc[top & (metrics["replicate"] < 2), "test_mse"] *= 1000
    fig = plots.error_vs_degree(metrics, "sine_sd0.2_n60", dpi=DEFAULT_DPI)
    fig.canvas.draw()
    marks = [t for t in fig.findobj(Text) if t.get_text().startswith("▲") and t.axes]
    assert marks
    for mark in marks:
        box, frame = mark.get_window_extent(), mark.axes.bbox
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1 + 0.5, (mark.get_text(), box, frame)
