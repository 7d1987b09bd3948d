"""scikit-learn compatibility of l1l2.estimators."""

import numpy as np
import pytest
from numpy.polynomial.legendre import legvander
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from l1l2.estimators import GDElasticNet, GDLasso, GDLinearRegression, GDRidge


@parametrize_with_checks(
    [GDLinearRegression(), GDRidge(), GDLasso(), GDElasticNet(), GDRidge(method="gd"),
     GDLasso(method="ista")]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def data(n=120, degree=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    X = legvander(x, degree)[:, 1:]
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
    return X, y


PAIRS = [
    (GDLinearRegression(), LinearRegression()),
    (GDRidge(alpha=3.0), Ridge(alpha=3.0, solver="cholesky")),
    (GDRidge(alpha=1e-3), Ridge(alpha=1e-3, solver="cholesky")),
    (GDLasso(alpha=0.01, tol=1e-14, max_iter=100_000),
     Lasso(alpha=0.01, tol=1e-14, max_iter=100_000)),
    (GDElasticNet(alpha=0.02, l1_ratio=0.3, tol=1e-14, max_iter=100_000),
     ElasticNet(alpha=0.02, l1_ratio=0.3, tol=1e-14, max_iter=100_000)),
]


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=lambda e: repr(e)[:40])
def test_drop_in_replacement_same_scaling(ours, theirs):
    X, y = data()
    X = StandardScaler().fit_transform(X)
    a, b = ours.fit(X, y), theirs.fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-8)
    assert a.intercept_ == pytest.approx(b.intercept_, abs=1e-8)
    np.testing.assert_array_equal(a.coef_ == 0.0, b.coef_ == 0.0)
    np.testing.assert_allclose(a.predict(X), b.predict(X), atol=1e-8)
    assert a.converged_ and a.n_iter_ > 0
    assert isinstance(a.n_iter_, int)


def test_default_lasso_tol_means_what_sklearns_does():
    X, y = data(seed=1)
    X = StandardScaler().fit_transform(X)
    ours, theirs = GDLasso(alpha=0.05).fit(X, y), Lasso(alpha=0.05).fit(X, y)
    target = 1e-4 * np.var(y)  # tol * ||y_c||^2 / n
    assert ours.dual_gap_ <= target and theirs.dual_gap_ <= target
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-2)


def test_pipeline_and_grid_search_select_like_sklearn():
    X, y = data(n=150, degree=10, seed=2)
    grid = {"model__alpha": [1e-4, 1e-3, 1e-2, 1e-1]}
    cv = KFold(5, shuffle=True, random_state=0)
    kw = dict(tol=1e-12, max_iter=100_000)
    ours = GridSearchCV(make_pipeline(StandardScaler(), GDLasso(**kw)),
                        {"gdlasso__alpha": grid["model__alpha"]}, cv=cv,
                        scoring="neg_mean_squared_error").fit(X, y)
    theirs = GridSearchCV(make_pipeline(StandardScaler(), Lasso(**kw)),
                          {"lasso__alpha": grid["model__alpha"]}, cv=cv,
                          scoring="neg_mean_squared_error").fit(X, y)
    assert ours.best_params_["gdlasso__alpha"] == theirs.best_params_["lasso__alpha"]
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"], rtol=1e-8)
    assert -ours.best_score_ < 0.2  # the sine is fitted well, noise variance 0.09
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-7)


def test_parameter_validation_names_the_parameter():
    X, y = data(n=20, degree=2)
    with pytest.raises(ValueError, match="alpha"):
        GDLasso(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        GDElasticNet(l1_ratio=2.0).fit(X, y)
    with pytest.raises(ValueError, match="method"):
        GDLasso(method="gd").fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        GDRidge().fit(np.where(X > 0.5, np.nan, X), y)


def test_warm_start_reuses_coef():
    X, y = data(seed=3)
    X = StandardScaler().fit_transform(X)
    est = GDLasso(alpha=0.01, tol=1e-12, max_iter=100_000, warm_start=True).fit(X, y)
    n_cold = est.n_iter_
    est.fit(X, y)
    assert est.n_iter_ == 0 and n_cold > 0
