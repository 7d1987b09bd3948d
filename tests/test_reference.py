"""l1l2.reference: scikit-learn on l1l2's objective, and agreement with l1l2.solvers."""

import numpy as np
import pytest
from numpy.polynomial.legendre import legvander
from sklearn.linear_model import Lasso, Ridge

from l1l2.reference import reference_fit
from l1l2.solvers import objective, solve


def design(n=100, degree=9, seed=0, basis="legendre"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    V = legvander(x, degree)[:, 1:] if basis == "legendre" else \
        np.vander(x, degree + 1, increasing=True)[:, 1:]
    X = (V - V.mean(axis=0)) / V.std(axis=0)
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
    return X, y


CASES = [("none", None), ("l2", None), ("l1", None), ("elasticnet", 0.5), ("elasticnet", 0.0)]


@pytest.mark.parametrize(("penalty", "rho"), CASES)
@pytest.mark.parametrize("warm_start", [False, True])
def test_reference_agrees_with_solve(penalty, rho, warm_start):
    X, y = design()
    alphas = None if penalty == "none" else np.logspace(0, -5, 8)
    ref = reference_fit(X, y, penalty, alphas, rho, tol=1e-13, warm_start=warm_start)
    ours = solve(X, y, penalty, alphas, rho, tol=1e-14 if rho != 0.0 else 1e-24)
    A = 1 if alphas is None else alphas.size
    assert ref.coef.shape == (A, X.shape[1])
    for field in ("intercept", "n_iter", "converged", "gap", "objective"):
        assert getattr(ref, field).shape == (A,)
    assert ref.converged.all()
    np.testing.assert_allclose(ref.coef, ours.coef, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ref.intercept, ours.intercept, atol=1e-8)
    np.testing.assert_allclose(ref.objective, ours.objective, rtol=1e-12)
    if penalty in ("l1", "elasticnet") and rho:
        np.testing.assert_array_equal(ref.coef == 0.0, ours.coef == 0.0)
        assert np.all(ref.n_iter > 0) or np.any(ref.coef == 0.0)
        assert np.all(ref.gap <= ref.gap_target)
    np.testing.assert_allclose(
        ref.objective, objective(X, y, ref.coef, ref.intercept, penalty,
                                 0.0 if alphas is None else alphas, rho), rtol=1e-14)


def test_reference_scaling_is_sklearns():
    X, y = design(seed=1)
    n = X.shape[0]
    ref = reference_fit(X, y, "l2", [0.01])
    np.testing.assert_allclose(ref.coef[0], Ridge(alpha=n * 0.01).fit(X, y).coef_, atol=1e-10)
    ref = reference_fit(X, y, "l1", [0.01], tol=1e-10)
    sk = Lasso(alpha=0.01, tol=1e-10, max_iter=1_000_000).fit(X, y)
    np.testing.assert_array_equal(ref.coef[0], sk.coef_)
    assert ref.n_iter[0] == sk.n_iter_


def test_reference_records_sklearn_nonconvergence_honestly():
    X, y = design(degree=15, seed=2, basis="monomial")
    ref = reference_fit(X, y, "l1", [1e-5, 1.0], tol=1e-12, max_iter=5)
    assert not ref.converged[0]
    assert ref.gap[0] > ref.gap_target
    assert ref.converged[1]  # alpha above lambda_max: zero is optimal at once
    np.testing.assert_array_equal(ref.coef[1], 0.0)


def test_reference_validation():
    X, y = design(n=20, degree=2)
    with pytest.raises(ValueError, match="penalty"):
        reference_fit(X, y, "l0", [0.1])
    with pytest.raises(ValueError, match="l1_ratio"):
        reference_fit(X, y, "elasticnet", [0.1])
    with pytest.raises(ValueError, match="alphas"):
        reference_fit(X, y, "l1", [-0.1])
