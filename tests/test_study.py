"""The fitting grid, the cross-check verdict and model selection (library level, no Snakemake)."""

import numpy as np
import pandas as pd
import pytest

from l1l2 import study
from l1l2.data import Scenario, simulate, split
from l1l2.metrics import select_one

SCENARIO = Scenario("sparse_legendre", 0.1, 80)


@pytest.fixture(scope="module")
def table():
    return split(simulate(SCENARIO, 3, seed=11), SCENARIO.name, 11, 0.25, 4)


def test_lambda_grid_is_log_spaced_and_decreasing():
    grid = study.lambda_grid(1e-4, 1.0, 5)
    np.testing.assert_allclose(grid, [1.0, 1e-1, 1e-2, 1e-3, 1e-4])
    with pytest.raises(ValueError, match="0 < min <= max"):
        study.lambda_grid(1.0, 0.1, 3)


def test_problems_standardize_on_their_own_training_rows(table):
    problems = study.build_problems(table, [3], "legendre", (-1, 1), replicates=[0])
    assert [p.fold for p in problems] == [-1, 0, 1, 2, 3]
    for p in problems:
        np.testing.assert_allclose(p.X.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(p.X.std(axis=0), 1)
        assert len(p.y) + len(p.y_eval) == (60 if p.fold >= 0 else 80)


@pytest.mark.parametrize("basis", ["legendre", "monomial"])
def test_problems_equal_the_basis_evaluated_at_each_degree(table, basis):
    """build_problems evaluates the basis once at the top degree; each problem must equal the
    basis evaluated and standardized at its own degree on its own rows (legendre: the same
    bits and memory layout, which the default study's byte-identical tables rely on)."""
    from l1l2.data import TEST_FOLD
    from l1l2.features import Standardizer, design_matrix

    problems = study.build_problems(table, [1, 4, 7], basis, (-1, 1))
    assert len(problems) == 3 * 3 * 5
    for p in problems:
        rows = table[(table.replicate == p.replicate) & (table.split == "train")]
        if p.fold == TEST_FOLD:
            fit, ev = rows, table[(table.replicate == p.replicate) & (table.split == "test")]
        else:
            fit, ev = rows[rows.fold != p.fold], rows[rows.fold == p.fold]
        F_fit = design_matrix(fit["x"].to_numpy(), p.degree, basis, (-1, 1))
        F_ev = design_matrix(ev["x"].to_numpy(), p.degree, basis, (-1, 1))
        scaler = Standardizer.fit(F_fit)
        X, X_eval = scaler.transform(F_fit), scaler.transform(F_ev)
        np.testing.assert_array_equal(p.y, fit["y"].to_numpy())
        np.testing.assert_array_equal(p.y_eval, ev["y"].to_numpy())
        if basis == "legendre":
            for ours, theirs in ((p.X, X), (p.X_eval, X_eval)):
                assert ours.tobytes() == theirs.tobytes()
                assert ours.flags.f_contiguous == theirs.flags.f_contiguous
        else:  # the column statistics may be summed in another order
            np.testing.assert_allclose(p.X, X, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(p.X_eval, X_eval, rtol=1e-12, atol=1e-12)


def test_write_csv_writes_the_bytes_of_to_csv(tmp_path, monkeypatch):
    from l1l2 import tables
    from l1l2.tables import write_csv

    rng = np.random.default_rng(3)
    floats = rng.standard_normal(500) * 10.0 ** rng.integers(-300, 300, 500)
    floats[:6] = [np.nan, np.inf, -np.inf, -0.0, 1e16, 1e-5]
    frames = {
        "numeric": pd.DataFrame(
            {
                "replicate": np.arange(500) % 7,
                "model": "lasso",
                "lambda": floats,
                "ok": rng.random(500) > 0.5,
            }
        ),
        "quoted": pd.DataFrame({"name": ["a,b", "c"], "v": [1.0, 2.0]}),
        "float32": pd.DataFrame({"v": np.arange(3, dtype=np.float32) / 3}),
        "nullable": pd.DataFrame({"v": pd.array([1, None], dtype="Int64")}),
        "empty": pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=int)}),
        # tables with different columns stacked: object columns of bools, numbers, text and gaps
        "stacked": pd.concat([
            pd.DataFrame({"scenario": "s", "l1l2": floats[:5], "panel": "coefficients"}),
            pd.DataFrame({"scenario": "t", "ok": [True, False], "n": [3, 4], "x": [0.1, 2.0],
                          "status": ["ok", "not converged"], "panel": "fits"}),
        ], ignore_index=True).astype({"x": object}),
        "empty_text": pd.DataFrame({"name": ["", "a"], "v": [1, 2]}).astype({"name": object}),
        "quoted_late": pd.DataFrame({"name": ["a"] * 10 + ["b,c"], "v": np.arange(11.0)}),
        # one column: an empty cell is a line of its own, which pandas writes as ""
        "one_column_gap": pd.DataFrame({"v": [1.0, np.nan, 2.0]}),
    }
    for rows in (tables.WRITE_CSV_ROWS, 7):  # in one piece, and in pieces of 7 rows
        monkeypatch.setattr(tables, "WRITE_CSV_ROWS", rows)
        for name, frame in frames.items():
            ours, theirs = tmp_path / f"{name}.ours.csv", tmp_path / f"{name}.pandas.csv"
            write_csv(frame, str(ours))
            frame.to_csv(theirs, index=False)
            assert ours.read_bytes() == theirs.read_bytes(), (name, rows)
            # the same table as numpy columns (what a fit job writes, without pandas)
            columns = {c: frame[c].to_numpy() for c in frame.columns}
            tables.write_columns(columns, str(ours))
            pd.DataFrame(columns).to_csv(theirs, index=False)
            assert ours.read_bytes() == theirs.read_bytes(), (name, rows, "columns")


def test_fit_grid_scores_match_a_direct_computation(table):
    lambdas = study.lambda_grid(1e-3, 1.0, 4)
    metrics, coefs = study.fit_grid(table, "ridge", [2, 6], lambdas)
    assert len(metrics) == 3 * 2 * 4
    row = metrics[(metrics.replicate == 1) & (metrics.degree == 6)].iloc[2]
    (problem,) = [p for p in study.build_problems(table, [6], "legendre", (-1, 1), [1], False)]
    w = coefs[(coefs.replicate == 1) & (coefs.degree == 6) & (coefs["lambda"] == row["lambda"])]
    w = w.sort_values("term")["coef"].to_numpy()
    # Ridge closed form on the standardized, centred design.
    X, y, n = problem.X, problem.y, len(problem.y)
    direct = np.linalg.solve(X.T @ X / n + row["lambda"] * np.eye(6), X.T @ (y - y.mean()) / n)
    np.testing.assert_allclose(w[1:], direct, atol=1e-6)
    test_mse = np.mean((problem.y_eval - problem.X_eval @ w[1:] - w[0]) ** 2)
    assert row["test_mse"] == pytest.approx(test_mse, rel=1e-9)
    assert row["n_nonzero"] == 6 and row["converged"]


def test_replicate_batches_bound_memory_without_changing_results(table, monkeypatch):
    lambdas = study.lambda_grid(1e-3, 1.0, 4)
    one_batch = study.fit_grid(table, "lasso", [3, 8], lambdas)
    assert study.replicate_chunks(table, [3, 8], budget=40_000) == [[0], [1], [2]]
    monkeypatch.setattr(study, "DESIGN_BUDGET", 40_000)
    batched = study.fit_grid(table, "lasso", [3, 8], lambdas)
    for a, b in zip(one_batch, batched, strict=True):
        numeric = a.select_dtypes("number").columns.drop(["n_iter"], errors="ignore")
        np.testing.assert_allclose(a[numeric], b[numeric], rtol=1e-9, atol=1e-12)
    assert (one_batch[0]["n_nonzero"] == batched[0]["n_nonzero"]).all()


def comparison(**overrides):
    row = {
        "replicate": 0,
        "model": "lasso",
        "degree": 3,
        "lambda": 0.1,
        "max_abs_coef_diff": 1e-9,
        "rms_pred_diff": 1e-9,
        "objective_l1l2": 1.0,
        "objective_sklearn": 1.0,
        "same_support": True,
        "support_mismatch_max_coef": 0.0,
        "converged": True,
        "sklearn_converged": True,
        "gap_l1l2": 1e-12,
        "gap_sklearn": 1e-12,
        "mu": 0.5,
    }
    row.update(overrides)
    return pd.DataFrame([row])


TOL = {"coef_atol": 1e-6, "objective_rtol": 1e-8, "prediction_atol": 1e-6}


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({}, "agree"),
        ({"max_abs_coef_diff": 1e-3}, "DISAGREE"),
        ({"objective_l1l2": 1.001}, "DISAGREE"),
        ({"rms_pred_diff": 1e-3}, "DISAGREE"),
        ({"same_support": False, "support_mismatch_max_coef": 0.2}, "DISAGREE"),
        ({"same_support": False, "support_mismatch_max_coef": 1e-8}, "agree"),
        ({"converged": False}, "not converged"),
        ({"sklearn_converged": False, "max_abs_coef_diff": 1.0}, "not converged"),
        # A flat valley (mu = 0): coefficients may differ, the objective may not.
        ({"mu": 0.0, "max_abs_coef_diff": 5.0}, "agree"),
    ],
)
def test_crosscheck_verdict(overrides, status):
    out = study.crosscheck_verdict(comparison(**overrides), **TOL)
    assert out["status"].item() == status
    assert out["ok"].item() == (status == "agree")


def test_coefficient_tolerance_follows_the_certified_bound():
    out = study.crosscheck_verdict(comparison(gap_l1l2=2e-10, gap_sklearn=0.0, mu=0.01), **TOL)
    # sqrt(2 * 2e-10 / 0.01) + coef_atol
    assert out["coef_tol"].item() == pytest.approx(2e-4 + 1e-6)


def test_one_standard_error_rule_prefers_the_largest_lambda_then_the_lowest_degree():
    grid = pd.DataFrame(
        {
            "degree": [3, 3, 3, 5, 5],
            "lambda": [0.01, 0.1, 1.0, 0.1, 1.0],
            "cv_mse": [1.00, 1.02, 1.50, 0.98, 1.04],
            "cv_se": [0.05, 0.05, 0.05, 0.05, 0.05],
        }
    )
    assert select_one(grid, "min")[["degree", "lambda"]].tolist() == [5, 0.1]
    # within 0.98 + 0.05: (3, 0.01), (3, 0.1), (5, 0.1); not (5, 1.0) at 1.04 > 1.03
    assert select_one(grid, "1se")[["degree", "lambda"]].tolist() == [3, 0.1]


def test_the_data_and_fit_jobs_run_without_pandas_to_the_same_bytes(tmp_path):
    """What workflow/scripts/simulate.py, split.py and fit.py do, in a fresh interpreter: simulate,
    split, read the split file, fit, write both tables; pandas is never imported, and the fit
    tables are byte for byte those of the pandas path (read_split, fit_grid, write_csv). (The
    data files' bytes against pandas: tests/test_fuzz_data.py, the streamed stages.)"""
    import subprocess
    import sys

    from l1l2.tables import Expected, read_split, write_csv

    expected = Expected("sparse_legendre", 0.1, 80, 3, (-1.0, 1.0), 0.25, 4)
    simulated, path = str(tmp_path / "simulated.csv"), str(tmp_path / "split.csv")
    grid = study.lambda_grid(1e-3, 1.0, 4)
    job = f"""
import sys
import numpy as np
from l1l2.data import Scenario
from l1l2.study import fit_grid_columns
from l1l2.tables import Expected, read_split_columns, write_columns, write_simulated, write_split
expected = Expected.from_mapping({expected.as_dict()!r})
write_simulated({simulated!r}, Scenario("sparse_legendre", 0.1, 80), 3, 11, (-1.0, 1.0))
write_split({simulated!r}, {path!r}, expected, {SCENARIO.name!r}, 11, {simulated + ".sha256"!r})
table = read_split_columns({path!r}, expected.as_dict())
metrics, coefs = fit_grid_columns(table, "lasso", [2, 6], np.array({grid.tolist()!r}))
write_columns(metrics, {str(tmp_path / "metrics.csv")!r})
write_columns(coefs, {str(tmp_path / "coefs.csv")!r})
print("pandas" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", job], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr
    in_memory = split(simulate(SCENARIO, 3, seed=11), SCENARIO.name, 11, 0.25, 4)
    assert (tmp_path / "split.csv").read_text() == in_memory.to_csv(index=False)
    table = read_split(path, expected.as_dict())
    metrics, coefs = study.fit_grid(table, "lasso", [2, 6], grid)
    for name, frame in (("metrics", metrics), ("coefs", coefs)):
        write_csv(frame, str(tmp_path / f"{name}.pandas.csv"))
        ours = (tmp_path / f"{name}.csv").read_bytes()
        assert ours == (tmp_path / f"{name}.pandas.csv").read_bytes(), name
    assert list(coefs.columns) == ["replicate", "degree", "model", "lambda", "term", "coef"]
