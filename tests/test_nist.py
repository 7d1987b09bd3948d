"""Polynomial regression against NIST StRD certified values (tests/data/nist/, see README)."""

from pathlib import Path

import numpy as np
import pytest
from numpy.polynomial import legendre
from sklearn.base import clone
from sklearn.linear_model import ElasticNet, Lasso
from sklearn.pipeline import make_pipeline

from l1l2.estimators import GDPolynomialRegression, LegendreFeatures
from l1l2.strd import log_relative_error, read_strd

NIST = Path(__file__).parent / "data" / "nist"

# name: (observations, degree, minimum correct digits required of GDPolynomialRegression).
# Measured on this machine: Norris 14.1, Pontius 13.5, Wampler1 13.8, Wampler2 13.2,
# Wampler3 13.8, Wampler4 13.3, Wampler5 11.5, Filip 14.0 (numpy.polyfit: 12.2, 12.7, 8.9,
# 13.2, 9.3, 8.2, 6.2, 7.8); the requirement leaves one digit of margin for other BLAS builds.
DATASETS = {
    "Norris": (36, 1, 13),
    "Pontius": (40, 2, 12.5),
    "Wampler1": (21, 5, 12.5),
    "Wampler2": (21, 5, 12),
    "Wampler3": (21, 5, 12.5),
    "Wampler4": (21, 5, 12),
    "Wampler5": (21, 5, 10.5),
    "Filip": (82, 10, 13),
}


@pytest.mark.parametrize("name", DATASETS)
def test_reader_follows_the_file_header(name):
    d = read_strd(NIST / f"{name}.dat")
    n, degree, _ = DATASETS[name]
    assert d.x.shape == d.y.shape == (n,)
    assert d.degree == degree and d.coef_sd.shape == d.coef.shape
    assert np.all(np.isfinite(d.x)) and np.all(np.isfinite(d.y))


def test_reader_values_are_the_published_ones():
    d = read_strd(NIST / "Filip.dat")
    assert d.coef[0] == -1467.48961422980 and d.coef[10] == -0.402962525080404e-04
    assert (d.y[0], d.x[0]) == (0.8116, -6.860120914)
    assert (d.y[-1], d.x[-1]) == (0.9228, -3.2644011)
    w = read_strd(NIST / "Wampler1.dat")
    np.testing.assert_array_equal(w.coef, np.ones(6))
    np.testing.assert_array_equal(w.x, np.arange(21.0))
    np.testing.assert_array_equal(w.y, np.polyval(np.ones(6), w.x))  # 1 + x + … + x^5


def test_reader_refuses_other_files(tmp_path):
    bad = tmp_path / "bad.dat"
    bad.write_text("x y\n1 2\n")
    with pytest.raises(ValueError, match="bad.dat"):
        read_strd(bad)


@pytest.mark.parametrize("solver", ["gd", "direct"])
@pytest.mark.parametrize("name", DATASETS)
def test_certified_coefficients_reproduced(name, solver):
    d = read_strd(NIST / f"{name}.dat")
    model = GDPolynomialRegression(d.degree, solver=solver).fit(d.x[:, None], d.y)
    digits = log_relative_error(model.monomial_coef_, d.coef)
    assert digits.min() >= DATASETS[name][2], digits
    assert model.converged_


def test_refinement_is_what_reaches_the_certified_digits():
    # Without refinement the float64 fit in the Legendre basis stops far short on Wampler5.
    d = read_strd(NIST / "Wampler5.dat")
    plain = GDPolynomialRegression(5, refine=0).fit(d.x[:, None], d.y)
    refined = GDPolynomialRegression(5).fit(d.x[:, None], d.y)
    lre = [log_relative_error(m.monomial_coef_, d.coef).min() for m in (plain, refined)]
    assert lre[0] < 10 and lre[1] >= 10.5 and lre[1] > lre[0] + 1.5


def test_log_relative_error():
    np.testing.assert_allclose(log_relative_error([1.001, 2.0, 0.0], [1.0, 2.0, 0.0]),
                               [3.0, 15.0, 15.0], atol=1e-9)
    assert log_relative_error(1e-5, 0.0) == pytest.approx(5.0)
    assert log_relative_error(5.0, 1.0) == 0.0


def test_legendre_features():
    x = np.linspace(2.0, 6.0, 9)[:, None]
    f = LegendreFeatures(4).fit(x)
    assert f.domain_ == (2.0, 6.0)
    np.testing.assert_allclose(f.transform(x), legendre.legvander(np.linspace(-1, 1, 9), 4)[:, 1:])
    assert LegendreFeatures(2, include_bias=True).fit_transform(x).shape == (9, 3)
    assert list(f.get_feature_names_out()) == ["P1", "P2", "P3", "P4"]
    fixed = LegendreFeatures(2, domain=(0.0, 8.0)).fit(x)
    np.testing.assert_allclose(fixed.transform(x)[:, 0], (x[:, 0] - 4.0) / 4.0)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 1\)"):
        LegendreFeatures(2).fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="expecting 1 features"):
        f.transform(np.ones((3, 2)))
    with pytest.raises(ValueError, match="domain"):
        LegendreFeatures(2, domain=(1.0, 1.0)).fit(x)


@pytest.mark.parametrize(("penalty", "l1_ratio", "ref"), [
    ("l1", None, lambda a: Lasso(alpha=a, tol=1e-14, max_iter=100_000)),
    ("elasticnet", 0.4, lambda a: ElasticNet(alpha=a, l1_ratio=0.4, tol=1e-14,
                                               max_iter=100_000)),
])
def test_penalized_fit_is_sklearn_on_the_legendre_columns(penalty, l1_ratio, ref):
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 5, 120)
    y = np.sin(x) + 0.1 * rng.standard_normal(120)
    ours = GDPolynomialRegression(9, penalty=penalty, alpha=0.01, l1_ratio=l1_ratio,
                                  tol=1e-14).fit(x[:, None], y)
    theirs = make_pipeline(LegendreFeatures(9), ref(0.01)).fit(x[:, None], y)
    np.testing.assert_allclose(ours.coef_, theirs[-1].coef_, atol=1e-7)
    np.testing.assert_array_equal(ours.coef_ == 0, theirs[-1].coef_ == 0)
    assert np.any(ours.coef_ == 0)
    np.testing.assert_allclose(ours.predict(x[:, None]), theirs.predict(x[:, None]), atol=1e-7)
    # monomial_coef_ describes the same polynomial in the original x
    np.testing.assert_allclose(np.polynomial.polynomial.polyval(x, ours.monomial_coef_),
                               ours.predict(x[:, None]), atol=1e-8)


def test_polynomial_regression_api():
    x = np.linspace(0, 1, 30)[:, None]
    y = 1 + 2 * x[:, 0] - 3 * x[:, 0] ** 2
    m = GDPolynomialRegression(2, basis="monomial", domain=(0.0, 1.0)).fit(x, y)
    np.testing.assert_allclose(m.monomial_coef_, [1, 2, -3], atol=1e-12)
    assert m.domain_ == (0.0, 1.0)
    assert clone(m).get_params()["basis"] == "monomial"
    with pytest.raises(ValueError, match="penalty='none' only"):
        GDPolynomialRegression(2, penalty="l2", alpha=1.0, solver="direct").fit(x, y)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 1\)"):
        GDPolynomialRegression(2).fit(np.hstack([x, x]), y)
    with pytest.raises(ValueError, match="penalty"):
        GDPolynomialRegression(2, penalty="l3").fit(x, y)
