"""scikit-learn compatibility of l1l2.estimators."""

import warnings

import numpy as np
import pytest
from numpy.polynomial.legendre import legvander
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from l1l2.estimators import RIDGE_SOLVERS, GDElasticNet, GDLasso, GDLinearRegression, GDRidge


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


# --------------------------------------------------------------------------- scikit-learn API

SK_PAIRS = [  # tight tol: these tests are about the API, not the default accuracy
    (GDLinearRegression(tol=1e-16), LinearRegression()),
    (GDRidge(alpha=2.0, tol=1e-16), Ridge(alpha=2.0)),
    (GDLasso(alpha=0.02, tol=1e-14, max_iter=100_000),
     Lasso(alpha=0.02, tol=1e-14, max_iter=100_000)),
    (GDElasticNet(alpha=0.03, l1_ratio=0.6, tol=1e-14, max_iter=100_000),
     ElasticNet(alpha=0.03, l1_ratio=0.6, tol=1e-14, max_iter=100_000)),
]


def api_data(n=60, p=6, targets=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * [1, 2, 0.5, 1, 3, 1][:p] + 2.0
    X[rng.random((n, p)) < 0.4] = 0.0  # some zeros, so that sparse storage means something
    W = rng.standard_normal((p, targets or 1))
    Y = X @ W + 0.5 + 0.3 * rng.standard_normal((n, targets or 1))
    return X, (Y[:, 0] if targets is None else Y), rng.uniform(0.2, 3.0, n)


@pytest.mark.parametrize(("ours", "theirs"), SK_PAIRS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("container", [np.asarray, sparse.csr_matrix, sparse.csc_array])
def test_sample_weight_and_sparse_like_sklearn(ours, theirs, container):
    X, y, sw = api_data()
    a = clone(ours).fit(container(X), y, sample_weight=sw)
    b = clone(theirs).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    assert a.intercept_ == pytest.approx(b.intercept_, abs=1e-7)
    np.testing.assert_allclose(a.predict(container(X)), b.predict(X), atol=1e-6)
    # integer weights = repeated rows
    reps = np.arange(len(y)) % 3
    c = clone(ours).fit(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    d = clone(ours).fit(container(X), y, sample_weight=reps)
    np.testing.assert_allclose(c.coef_, d.coef_, atol=1e-7)


def test_sparse_x_is_never_densified(monkeypatch):
    X, y, _ = api_data()
    Xs = sparse.csr_matrix(X)
    for name in ("toarray", "todense"):
        monkeypatch.setattr(sparse.csr_matrix, name, lambda *a, **k: pytest.fail("densified"))
    GDLasso(alpha=0.01).fit(Xs, y)


@pytest.mark.parametrize(("ours", "theirs"), SK_PAIRS, ids=lambda e: type(e).__name__)
def test_multi_output_like_sklearn(ours, theirs):
    X, Y, _ = api_data(targets=3)
    a, b = clone(ours).fit(X, Y), clone(theirs).fit(X, Y)
    assert a.coef_.shape == b.coef_.shape == (3, X.shape[1])
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-7)
    assert a.predict(X).shape == (len(X), 3)
    # one-column y: Ridge/LinearRegression keep 2-D coef_, Lasso/ElasticNet return 1-D
    a1, b1 = clone(ours).fit(X, Y[:, :1]), clone(theirs).fit(X, Y[:, :1])
    assert a1.coef_.shape == b1.coef_.shape and np.shape(a1.intercept_) == (1,)
    assert a1.predict(X).shape == b1.predict(X).shape


def test_ridge_alpha_per_target():
    X, Y, _ = api_data(targets=2)
    a, b = GDRidge(alpha=[0.5, 20.0], tol=1e-16).fit(X, Y), Ridge(alpha=[0.5, 20.0]).fit(X, Y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    with pytest.raises(ValueError, match="Number of targets and number of penalties"):
        GDRidge(alpha=[1.0, 2.0, 3.0]).fit(X, Y)


@pytest.mark.filterwarnings("ignore:Objective did not converge")  # scikit-learn in float32
@pytest.mark.parametrize(("ours", "theirs"), SK_PAIRS, ids=lambda e: type(e).__name__)
def test_dtype_and_intercept_type_like_sklearn(ours, theirs):
    X, y, _ = api_data()
    for dtype in (np.float32, np.float64):
        a = clone(ours).fit(X.astype(dtype), y.astype(dtype))
        b = clone(theirs).fit(X.astype(dtype), y.astype(dtype))
        assert a.coef_.dtype == b.coef_.dtype == dtype
        assert type(a.intercept_) is type(b.intercept_)
        assert a.intercept_.shape == ()
    assert clone(ours).set_params(fit_intercept=False).fit(X, y).intercept_ == 0.0


def test_positive_like_sklearn():
    X, y, _ = api_data(seed=4)
    for ours, theirs in SK_PAIRS:
        a = clone(ours).set_params(positive=True).fit(X, y)
        b = clone(theirs).set_params(positive=True)
        if isinstance(b, Ridge):
            b.set_params(solver="lbfgs", tol=1e-12)
        b.fit(X, y)
        assert np.all(a.coef_ >= 0) and np.any(a.coef_ == 0)
        np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-5)


def test_ridge_solver_names_mapping():
    X, y, _ = api_data()
    ref = GDRidge(alpha=1.0).fit(X, y).coef_
    for solver in ("svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga"):
        np.testing.assert_array_equal(GDRidge(alpha=1.0, solver=solver).fit(X, y).coef_, ref)
    with pytest.raises(ValueError, match="'lbfgs' solver can be used only when positive=True"):
        GDRidge(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="does not support positive fitting"):
        GDRidge(solver="svd", positive=True).fit(X, y)
    with pytest.raises(ValueError, match="does not support fitting the intercept on sparse"):
        GDRidge(solver="cholesky").fit(sparse.csr_matrix(X), y)
    with pytest.raises(ValueError, match="solver"):
        GDRidge(solver="newton").fit(X, y)


def test_ridge_solver_is_reported_as_asked_not_as_run():
    X, y, _ = api_data()
    for solver in RIDGE_SOLVERS:
        est = GDRidge(solver=solver, positive=solver == "lbfgs").fit(X, y)
        assert est.solver_ == solver  # the name asked for; l1l2's method ran
    assert "does **not** name the algorithm" in GDRidge.__doc__


@pytest.mark.parametrize("shape", [(30, 60), (60, 30)], ids=["wide", "collinear"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_singular_smooth_fits_are_minimum_norm_and_certified(shape, fit_intercept):
    # Wide X, or a tall X with every column twice: G is singular, so only the range of G
    # makes the problem strongly convex; the fit there is the minimum-norm solution.
    rng = np.random.default_rng(5)
    n, p = shape
    X = rng.standard_normal((n, p)) + 3.0
    if n > p:
        X = np.hstack([X[:, : p // 2], X[:, : p // 2]])
    y = X @ rng.standard_normal(X.shape[1]) + 4.0 + rng.standard_normal(n)
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    w_min_norm = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    for est in (GDLinearRegression(fit_intercept=fit_intercept),
                GDRidge(alpha=1e-16, fit_intercept=fit_intercept),
                GDElasticNet(alpha=1e-16, l1_ratio=0.0, tol=1e-16, fit_intercept=fit_intercept)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no ConvergenceWarning
            est.fit(X, y)
        assert est.converged_
        np.testing.assert_allclose(est.coef_, w_min_norm, rtol=0, atol=1e-10)
        if fit_intercept:
            assert est.intercept_ == pytest.approx(y.mean() - X.mean(axis=0) @ w_min_norm,
                                                   abs=1e-9)
    ridge = GDRidge(alpha=2.0, fit_intercept=fit_intercept).fit(X, y)
    w_ridge = np.linalg.solve(Xc.T @ Xc + 2.0 * np.eye(X.shape[1]), Xc.T @ yc)
    assert ridge.converged_
    np.testing.assert_allclose(ridge.coef_, w_ridge, rtol=0, atol=1e-8)


def test_precompute_gram_and_cd_options_accepted():
    X, y, _ = api_data()
    Xc = X - X.mean(axis=0)
    ref = GDLasso(alpha=0.01).fit(Xc, y).coef_
    for kw in ({"precompute": True}, {"precompute": "auto"}, {"precompute": Xc.T @ Xc},
               {"selection": "random", "random_state": 0}, {"copy_X": False},
               {"warm_start": True}):
        np.testing.assert_allclose(GDLasso(alpha=0.01, **kw).fit(Xc, y).coef_, ref, atol=1e-12)
    with pytest.raises(ValueError, match="Gram matrix passed in via 'precompute'"):
        GDLasso(alpha=0.01, precompute=2 * Xc.T @ Xc).fit(Xc, y)
    assert GDLasso(alpha=0.01).fit(Xc, y).sparse_coef_.shape == (1, X.shape[1])


def test_warnings_and_errors_users_rely_on():
    X, y, _ = api_data()
    with pytest.warns(UserWarning, match="With alpha=0"):
        GDLasso(alpha=0.0, max_iter=10).fit(X, y)
    with pytest.raises(ValueError, match="too large"):
        GDLinearRegression().fit(X * 1e300, y)
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        GDRidge().fit(X, y, sample_weight=-np.ones(len(y)))
    GDLasso(alpha=0.01).fit(X, y, sample_weight=None)  # GridSearchCV passes it explicitly


def test_defaults_meet_the_coefficient_contract_far_from_the_origin():
    # Columns centred far from 0 (||x̄|| ≈ 85): the intercept b = ȳ − x̄ᵀw multiplies any
    # coefficient error, so coef_tol is tightened by max(1, ||x̄||) for the solver.
    rng = np.random.RandomState(0)
    X = rng.randn(12, 8) + 30
    y = rng.randn(12)
    for ours, theirs in [(GDRidge(1e-3), Ridge(1e-3)), (GDLinearRegression(), LinearRegression())]:
        a, b = ours.fit(X, y), theirs.fit(X, y)
        assert a.converged_
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-8)
        assert abs(a.intercept_ - b.intercept_) <= 1e-8
