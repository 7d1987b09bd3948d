"""The data stages' library: true functions, seeds, simulation and the train/test/fold split."""

import numpy as np
import pandas as pd
import pytest

from l1l2.data import (
    TEST_FOLD,
    TRUE_FUNCTIONS,
    Scenario,
    get_true_function,
    scenarios_from_config,
    simulate,
    split,
    stable_hash,
    validate_data,
    validate_split,
)
from l1l2.features import Standardizer, basis_matrix, design_matrix

SCENARIO = Scenario("sine", 0.2, 40)


def test_registry_values_are_the_documented_functions():
    t = np.array([-1.0, -0.5, 0.0, 0.25, 1.0])
    np.testing.assert_allclose(get_true_function("sine")(t), np.sin(2 * np.pi * t))
    np.testing.assert_allclose(get_true_function("cosine")(t), np.cos(1.5 * np.pi * t))
    np.testing.assert_allclose(get_true_function("runge")(t), 1 / (1 + 25 * t**2))
    sparse = get_true_function("sparse_legendre")
    assert sparse.support == (1, 3, 6)
    # P1 - 0.8 P3 + 0.6 P6 at t = 1 is 1 - 0.8 + 0.6 (every P_k(1) = 1).
    assert sparse(np.array([1.0]))[0] == pytest.approx(0.8)


def test_unknown_function_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown true function 'sinus'.*sine"):
        get_true_function("sinus")
    with pytest.raises(ValueError, match="sinus"):
        scenarios_from_config(["sinus"], [0.1], [10])


def test_stable_hash_is_fixed_across_processes():
    # A fixed value: Python's salted hash() would change from run to run.
    assert stable_hash("sine_sd0.2_n40") == 5894003338166200961
    assert stable_hash("a") != stable_hash("b")


def test_simulate_shapes_columns_and_noise():
    data = simulate(Scenario("sine", 0.3, 500), replicates=3, seed=1)
    assert list(data.columns) == ["replicate", "x", "y", "y_true"]
    assert len(data) == 1500
    assert sorted(data["replicate"].unique()) == [0, 1, 2]
    assert data["x"].between(-1, 1).all()
    np.testing.assert_allclose(data["y_true"], np.sin(2 * np.pi * data["x"]))
    noise = data["y"] - data["y_true"]
    assert noise.std() == pytest.approx(0.3, rel=0.1)
    assert abs(noise.mean()) < 0.05


def test_simulate_is_deterministic_and_replicates_differ():
    a = simulate(SCENARIO, 2, seed=5)
    b = simulate(SCENARIO, 2, seed=5)
    pd.testing.assert_frame_equal(a, b)
    r0, r1 = (a[a.replicate == r]["x"].to_numpy() for r in (0, 1))
    assert not np.array_equal(r0, r1)
    assert not simulate(SCENARIO, 2, seed=6).equals(a)


def test_adding_a_scenario_does_not_change_another():
    before = {s.name: simulate(s, 2, seed=3) for s in scenarios_from_config(["sine"], [0.2], [40])}
    after = {
        s.name: simulate(s, 2, seed=3)
        for s in scenarios_from_config(["cosine", "sine"], [0.1, 0.2], [40, 80])
    }
    pd.testing.assert_frame_equal(before["sine_sd0.2_n40"], after["sine_sd0.2_n40"])


def test_more_replicates_keep_the_first_ones():
    pd.testing.assert_frame_equal(
        simulate(SCENARIO, 2, seed=3),
        simulate(SCENARIO, 4, seed=3).iloc[:80].reset_index(drop=True),
    )


def test_domain_maps_onto_the_unit_interval():
    data = simulate(SCENARIO, 1, seed=1, domain=(0.0, 10.0))
    assert data["x"].between(0, 10).all()
    np.testing.assert_allclose(data["y_true"], np.sin(2 * np.pi * (data["x"] / 5 - 1)))


def test_split_sizes_folds_and_determinism():
    data = simulate(Scenario("runge", 0.1, 50), 3, seed=2)
    table = split(data, "runge_sd0.1_n50", seed=2, test_size=0.2, folds=5)
    assert list(table.columns) == ["replicate", "x", "y", "y_true", "split", "fold"]
    for _, rows in table.groupby("replicate"):
        assert (rows["split"] == "test").sum() == 10
        train = rows[rows["split"] == "train"]
        assert sorted(train["fold"].value_counts().tolist()) == [8] * 5
        assert (rows.loc[rows["split"] == "test", "fold"] == TEST_FOLD).all()
    pd.testing.assert_frame_equal(table, split(data, "runge_sd0.1_n50", 2, 0.2, 5))
    # The split keeps the simulated values untouched.
    pd.testing.assert_frame_equal(table[["replicate", "x", "y", "y_true"]], data)


def test_split_settings_change_the_split_not_the_data():
    data = simulate(SCENARIO, 2, seed=2)
    a = split(data, SCENARIO.name, 2, 0.25, 5)
    b = split(data, SCENARIO.name, 2, 0.3, 4)
    assert not a["split"].equals(b["split"])
    pd.testing.assert_frame_equal(a[["x", "y"]], b[["x", "y"]])


def test_split_rejects_too_few_rows():
    data = simulate(Scenario("sine", 0.1, 12), 1, seed=1)
    with pytest.raises(ValueError, match="replicate 0 has 12 rows"):
        split(data, "s", 1, test_size=0.5, folds=5)


@pytest.mark.parametrize("column", ["x", "y"])
def test_bad_data_names_file_and_column(column):
    data = simulate(SCENARIO, 1, seed=1)
    data.loc[3, column] = np.nan
    with pytest.raises(ValueError, match=f"data/simulated/s.csv: column '{column}' has 1 missing"):
        validate_data(data, "data/simulated/s.csv")
    with pytest.raises(ValueError, match="missing column.*y_true"):
        validate_data(data.drop(columns="y_true"), "f.csv")


def test_replicate_without_training_rows_is_named():
    table = split(simulate(SCENARIO, 2, seed=1), SCENARIO.name, 1, 0.25, 3)
    table.loc[table["replicate"] == 1, "split"] = "test"
    with pytest.raises(ValueError, match="f.csv: replicate 1 has no training rows"):
        validate_split(table, "f.csv")


def test_bases_and_standardization():
    t = np.linspace(-1, 1, 7)
    np.testing.assert_allclose(basis_matrix(t, 3, "monomial"), np.column_stack([t, t**2, t**3]))
    np.testing.assert_allclose(
        basis_matrix(t, 2, "legendre"), np.column_stack([t, (3 * t**2 - 1) / 2])
    )
    with pytest.raises(ValueError, match="unknown basis 'chebyshev'"):
        basis_matrix(t, 2, "chebyshev")
    X = design_matrix(np.linspace(0, 4, 9), 3, domain=(0, 4))
    scaler = Standardizer.fit(X[:6])
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z[:6].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:6].std(axis=0), 1)
    assert not np.allclose(Z[6:].mean(axis=0), 0)  # test rows are not re-centred (no leakage)


def test_registry_names_are_the_schema_enum():
    import yaml

    from conftest import ROOT

    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    enum = schema["properties"]["scenarios"]["properties"]["functions"]["items"]["enum"]
    assert sorted(enum) == sorted(TRUE_FUNCTIONS)
