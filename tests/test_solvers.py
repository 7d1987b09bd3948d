"""Tests of l1l2.solvers against closed forms, direct solves and scikit-learn."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.polynomial.legendre import legvander
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, Ridge

from l1l2.solvers import (
    duality_gap,
    gap_target,
    kkt_violation,
    lasso_duality_gap,
    objective,
    solve,
    solve_history,
    solve_many,
)


def standardize(V):
    return (V - V.mean(axis=0)) / V.std(axis=0)


def legendre_design(n, degree, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    X = standardize(legvander(x, degree)[:, 1:])
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
    return X, y


def random_design(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[: max(1, p // 3)] = rng.uniform(1, 3, max(1, p // 3))
    y = X @ w + 0.5 * rng.standard_normal(n) + 2.0
    return X, y


def lambda_max(X, y):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    return np.max(np.abs(Xc.T @ yc)) / X.shape[0]


# ----------------------------------------------------------------- exact solutions


@pytest.mark.parametrize("method", ["gd", "ista", "fista"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ols_and_ridge_match_direct_solve(method, fit_intercept):
    X, y = random_design(60, 5, 0)
    n = X.shape[0]
    if fit_intercept:
        Xc, yc = X - X.mean(axis=0), y - y.mean()
    else:
        Xc, yc = X, y
    G, c = Xc.T @ Xc / n, Xc.T @ yc / n
    ols = solve(X, y, "none", fit_intercept=fit_intercept, method=method, tol=1e-24)
    w = np.linalg.solve(G, c)
    assert ols.converged.all()
    np.testing.assert_allclose(ols.coef[0], w, rtol=0, atol=1e-10)
    b = y.mean() - X.mean(axis=0) @ w if fit_intercept else 0.0
    np.testing.assert_allclose(ols.intercept[0], b, atol=1e-10)

    alphas = np.array([3.0, 0.3, 0.01, 0.0])
    ridge = solve(X, y, "l2", alphas, fit_intercept=fit_intercept, method=method, tol=1e-24)
    assert ridge.converged.all()
    for j, a in enumerate(alphas):
        w = np.linalg.solve(G + a * np.eye(5), c)
        np.testing.assert_allclose(ridge.coef[j], w, rtol=0, atol=1e-10)
    assert np.all(ridge.coef != 0.0)


@pytest.mark.parametrize("method", ["ista", "fista"])
def test_one_feature_lasso_is_soft_threshold(method):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(40)
    y = 0.7 * x + rng.standard_normal(40)
    xc, yc = x - x.mean(), y - y.mean()
    g, c = xc @ xc / 40, xc @ yc / 40
    alphas = np.array([2 * abs(c), abs(c), 0.5 * abs(c), 0.1 * abs(c), 0.0])
    res = solve(x[:, None], y, "l1", alphas, method=method, tol=1e-20)
    expected = np.sign(c) * np.maximum(abs(c) - alphas, 0.0) / g
    np.testing.assert_allclose(res.coef[:, 0], expected, rtol=1e-12, atol=1e-14)
    assert res.coef[0, 0] == 0.0 and res.coef[1, 0] == 0.0
    np.testing.assert_allclose(res.intercept, y.mean() - expected * x.mean(), atol=1e-12)


DESIGNS = {
    "random": lambda: random_design(120, 8, 1),
    "legendre": lambda: legendre_design(150, 10, 2),
}


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_lasso_matches_sklearn(design):
    X, y = DESIGNS[design]()
    alphas = lambda_max(X, y) * np.logspace(0.2, -4, 12)
    res = solve(X, y, "l1", alphas, tol=1e-14)
    assert res.converged.all()
    n_zero = 0
    for j, a in enumerate(alphas):
        sk = Lasso(alpha=a, tol=1e-14, max_iter=1_000_000).fit(X, y)
        np.testing.assert_allclose(res.coef[j], sk.coef_, rtol=0, atol=1e-8)
        np.testing.assert_allclose(res.intercept[j], sk.intercept_, atol=1e-8)
        np.testing.assert_array_equal(res.coef[j] == 0.0, sk.coef_ == 0.0)
        n_zero += int(np.sum(sk.coef_ == 0.0))
    assert n_zero > 0  # the comparison of zero patterns is not vacuous
    assert np.all(res.coef[0] == 0.0)  # alpha above lambda_max


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_ridge_matches_sklearn(design):
    X, y = DESIGNS[design]()
    n = X.shape[0]
    alphas = np.logspace(1, -5, 7)
    res = solve(X, y, "l2", alphas, tol=1e-24)
    assert res.converged.all()
    for j, a in enumerate(alphas):
        sk = Ridge(alpha=n * a, solver="cholesky").fit(X, y)
        np.testing.assert_allclose(res.coef[j], sk.coef_, rtol=0, atol=1e-8)
        np.testing.assert_allclose(res.intercept[j], sk.intercept_, atol=1e-8)


@pytest.mark.parametrize("design", sorted(DESIGNS))
@pytest.mark.parametrize("rho", [0.2, 0.5, 0.9])
def test_elasticnet_matches_sklearn(design, rho):
    X, y = DESIGNS[design]()
    alphas = lambda_max(X, y) / rho * np.logspace(0, -4, 6)
    res = solve(X, y, "elasticnet", alphas, l1_ratio=rho, tol=1e-14)
    assert res.converged.all()
    for j, a in enumerate(alphas):
        sk = ElasticNet(alpha=a, l1_ratio=rho, tol=1e-14, max_iter=1_000_000).fit(X, y)
        np.testing.assert_allclose(res.coef[j], sk.coef_, rtol=0, atol=1e-8)
        np.testing.assert_array_equal(res.coef[j] == 0.0, sk.coef_ == 0.0)


def test_gap_is_sklearn_duality_gap_and_objective_is_consistent():
    X, y = legendre_design(100, 8, 4)
    alphas = lambda_max(X, y) * np.logspace(0, -3, 5)
    with pytest.warns(ConvergenceWarning):  # stopped early on purpose: gaps are not tiny
        res = solve(X, y, "elasticnet", alphas, l1_ratio=0.6, tol=1e-6, max_iter=20)
    for j, a in enumerate(alphas):
        direct = duality_gap(X, y, res.coef[j], a, 0.6)
        assert res.gap[j] == pytest.approx(direct, rel=1e-6, abs=1e-15)
        obj = objective(X, y, res.coef[j], res.intercept[j], "elasticnet", a, 0.6)
        assert res.objective[j] == pytest.approx(obj, rel=1e-12)
    # sklearn reports its gap (computed on n * F) divided by n: the same number as ours.
    sk = Lasso(alpha=alphas[2], tol=1e-6, max_iter=10_000).fit(X, y)
    ours = lasso_duality_gap(X, y, sk.coef_, alphas[2])
    assert ours == pytest.approx(sk.dual_gap_, rel=1e-6, abs=1e-15)
    assert res.gap_target == pytest.approx(gap_target(y, 1e-6))


# ----------------------------------------------------------------- optimality (property-based)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(8, 30),
    p=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
    frac=st.floats(0.01, 1.5),
    rho=st.sampled_from([1.0, 0.5]),
    method=st.sampled_from(["ista", "fista"]),
)
def test_converged_l1_solutions_satisfy_kkt_and_nonnegative_gap(n, p, seed, frac, rho, method):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    alpha = frac * lambda_max(X, y) / rho
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if rho == 1.0:
            res = solve(X, y, "l1", [alpha], method=method, tol=1e-14, max_iter=50_000)
        else:
            res = solve(X, y, "elasticnet", [alpha], rho, method=method, tol=1e-14,
                        max_iter=50_000)
    if not res.converged[0]:
        assert res.gap[0] > res.gap_target
        return
    w, b = res.coef[0], res.intercept[0]
    scale = np.sqrt(np.mean((y - y.mean()) ** 2)) * np.sqrt(np.mean(X.var(axis=0)))
    assert kkt_violation(X, y, w, b, alpha, rho) <= 1e-5 * max(scale, 1e-12)
    direct = duality_gap(X, y, w, alpha, rho)
    yy = np.mean((y - y.mean()) ** 2)
    assert direct >= -1e-13 * yy
    assert res.gap[0] <= res.gap_target
    assert direct <= res.gap_target + 1e-13 * yy
    assert abs(np.mean(y - X @ w - b)) <= 1e-10 * (1 + abs(y.mean()))


# ----------------------------------------------------------------- the seed's claims


def two_scale_problem():
    # G = diag(1, 100), y = 0: no data pull towards any nonzero value; L = 100, t = 0.01.
    X = np.sqrt(2.0) * np.array([[1.0, 0.0], [0.0, 10.0]])
    return X, np.zeros(2)


def test_subgradient_takes_constant_steps_then_chatters_without_exact_zeros():
    X, y = two_scale_problem()
    alpha, t = 0.5, 0.01
    with pytest.warns(ConvergenceWarning, match="gap"):
        res = solve_history(X, y, "l1", alpha, fit_intercept=False, method="subgradient",
                            max_iter=400, coef_init=[1.0, 0.0])
    w = res.history.coef[:, 0]
    first_cross = int(np.argmax(w <= 0))
    assert first_cross > 50
    steps = -np.diff(w[: first_cross + 1])
    assert np.all(steps >= t * alpha * (1 - 1e-12))  # the L1 pull never shrinks
    tail = w[first_cross:]
    assert np.all(tail != 0.0)  # no exact zeros
    assert np.all(np.abs(tail) <= t * alpha * 1.01)  # chatters within one step of 0
    assert np.sum(np.diff(np.sign(tail)) != 0) > 100  # crossing zero again and again
    assert not res.converged[0]


@pytest.mark.parametrize("method", ["ista", "fista"])
def test_proximal_methods_land_on_zero_and_stay(method):
    X, y = two_scale_problem()
    res = solve_history(X, y, "l1", 0.5, fit_intercept=False, method=method, tol=0.0,
                        max_iter=600, coef_init=[1.0, 0.0], stop_early=False)
    w = res.history.coef[:, 0]
    k0 = int(np.argmax(w == 0.0))
    assert 0 < k0 < 200
    assert np.all(w[k0:] == 0.0)


def test_l2_gd_shrinks_geometrically_and_never_reaches_zero():
    X, y = two_scale_problem()
    alpha = 0.5
    res = solve_history(X, y, "l2", alpha, fit_intercept=False, method="gd", tol=0.0,
                        max_iter=2000, coef_init=[1.0, 1.0], stop_early=False)
    w = res.history.coef[:, 0]
    factor = 1 - 0.01 * (1 + alpha) / (1 + alpha / 100)  # 1 - t (G_00 + alpha), t = 1/L
    np.testing.assert_allclose(w[1:] / w[:-1], factor, rtol=1e-12)
    assert np.all(w > 0.0)
    assert w[-1] < 1e-10


def test_sparsity_on_real_design_subgradient_vs_proximal():
    X, y = legendre_design(150, 12, 5)
    alpha = 0.02
    sk = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y)
    zeros = sk.coef_ == 0.0
    assert zeros.sum() >= 3
    for method in ("ista", "fista"):
        res = solve(X, y, "l1", [alpha], method=method, tol=1e-14)
        np.testing.assert_array_equal(res.coef[0] == 0.0, zeros)
    with pytest.warns(ConvergenceWarning):
        sub = solve(X, y, "l1", [alpha], method="subgradient", tol=1e-14, max_iter=3000)
    assert not sub.converged[0]
    assert np.all(sub.coef[0] != 0.0)
    # ... though the weights sklearn sets to zero are small.
    assert np.max(np.abs(sub.coef[0][zeros])) < 0.05


def test_fista_needs_fewer_iterations_than_ista_and_gap_history():
    X, y = legendre_design(40, 14, 6)
    alpha = 1e-3
    ista = solve(X, y, "l1", [alpha], method="ista", tol=1e-10, max_iter=200_000,
                 history=True)
    fista = solve(X, y, "l1", [alpha], method="fista", tol=1e-10, max_iter=200_000,
                  history=True)
    assert ista.converged[0] and fista.converged[0]
    assert fista.n_iter[0] * 3 < ista.n_iter[0]
    for r in (ista, fista):
        h = r.history
        assert h.coef.shape == (r.n_iter[0] + 1, 14)
        assert h.gap.shape == h.objective.shape == (r.n_iter[0] + 1,)
        assert h.gap[-1] <= r.gap_target < h.gap[-2]
        np.testing.assert_array_equal(h.coef[-1], r.coef[0])
    assert np.all(np.diff(ista.history.objective) <= 1e-15)  # ISTA is monotone
    batched = solve(X, y, "l1", [alpha], method="fista", tol=1e-12)
    np.testing.assert_allclose(fista.coef[0], batched.coef[0], atol=1e-6)


# ----------------------------------------------------------------- honesty and errors


def test_monomial_degree_15_reports_nonconvergence():
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, 100)
    X = standardize(np.vander(x, 16, increasing=True)[:, 1:])
    y = np.sin(2 * np.pi * x) + 0.1 * rng.standard_normal(100)
    assert np.linalg.cond(X.T @ X) > 1e9
    with pytest.warns(ConvergenceWarning, match=r"gap .* > target"):
        res = solve(X, y, "l1", [1e-5, 1e-4], tol=1e-10, max_iter=500)
    assert not res.converged.any()
    assert np.all(res.gap > res.gap_target)
    assert np.all(res.n_iter == 500)
    with pytest.warns(ConvergenceWarning):
        ols = solve(X, y, "none", tol=1e-10, max_iter=500)
    assert not ols.converged[0]
    assert res.cond > 1e9


def test_ignored_convergence_warning_is_not_built():
    """Under a blanket "ignore" filter the unconverged fit is still reported in the result,
    and the warning (whose class needs scikit-learn) is not built; otherwise it is raised."""
    code = (
        "import sys, warnings\n"
        "import numpy as np\n"
        "from l1l2.solvers import solve\n"
        "rng = np.random.default_rng(0)\n"
        "X, y = rng.normal(size=(30, 5)), rng.normal(size=30)\n"
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter('ignore')\n"
        "    res = solve(X, y, 'l1', [1e-3], max_iter=2)\n"
        "assert not res.converged[0]\n"
        "print('sklearn' in sys.modules)\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('ignore', DeprecationWarning)\n"
        "    solve(X, y, 'l1', [1e-3], max_iter=2)\n"
        "print([c.category.__name__ for c in caught])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "False"
    assert out[1] == "['ConvergenceWarning']"


def test_divergence_raises_instead_of_returning_nan():
    X, y = random_design(30, 3, 8)
    with pytest.raises(FloatingPointError, match="diverged"):
        solve(X, y, "l2", [0.1], method="gd", step_scale=3.0, max_iter=100_000)
    with pytest.raises(FloatingPointError, match="diverged"):
        solve_history(X, y, "l2", 0.1, method="gd", step_scale=3.0, max_iter=100_000)
    with pytest.raises(FloatingPointError, match="overflow"):
        solve(X * 1e200, y, "l1", [0.1])


BAD_CALLS = [
    (dict(X=np.array([[np.nan, 1.0], [1.0, 2.0], [0.0, 1.0]])), "X contains NaN"),
    (dict(y=np.array([1.0, np.inf, 0.0])), "y contains NaN"),
    (dict(y=np.ones(4)), "inconsistent lengths"),
    (dict(X=np.empty((0, 2)), y=np.empty(0)), "empty"),
    (dict(X=np.ones(3)), "X must be 2-D"),
    (dict(alphas=[0.1, -1.0]), "alphas"),
    (dict(alphas=[np.nan]), "alphas"),
    (dict(alphas=[]), "alphas"),
    (dict(penalty="l3"), "penalty"),
    (dict(method="newton"), "method"),
    (dict(method="gd"), "method"),
    (dict(penalty="elasticnet"), "l1_ratio"),
    (dict(penalty="elasticnet", l1_ratio=1.5), "l1_ratio"),
    (dict(penalty="elasticnet", l1_ratio=-0.1), "l1_ratio"),
    (dict(l1_ratio=0.5), "l1_ratio"),
    (dict(tol=-1.0), "tol"),
    (dict(max_iter=0), "max_iter"),
    (dict(penalty="none", alphas=[1.0]), "alpha"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD_CALLS)
def test_invalid_input_names_the_argument(kwargs, match):
    args = dict(X=np.arange(6.0).reshape(3, 2) ** 2, y=np.array([1.0, 2.0, 0.0]),
                penalty="l1", alphas=[0.1])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        solve(**args)


def test_solve_many_validation_names_the_problem():
    good = random_design(20, 2, 0)
    with pytest.raises(ValueError, match=r"problems\[1\]"):
        solve_many([good, (np.ones((3, 2)), np.ones(2))], "l1", [0.1])
    with pytest.raises(ValueError, match="problems"):
        solve_many([], "l1", [0.1])


def test_solve_many_non_finite_data_names_the_problem():
    """The finiteness check runs once on the whole batch; the message still names the first
    bad problem of the first shape group that has one, X before y."""
    problems = [random_design(n, p, k) for k, (n, p) in
                enumerate([(20, 2), (30, 3), (20, 2), (30, 3), (25, 1)])]

    def spoiled(i, what, value):
        out = [(X.copy(), y.copy()) for X, y in problems]
        (out[i][0] if what == "X" else out[i][1])[1] = value
        return out

    for i, what, value in [(3, "y", np.nan), (2, "X", np.inf), (4, "X", np.nan)]:
        with pytest.raises(ValueError, match=rf"^{what} of problems\[{i}\] contains NaN"):
            solve_many(spoiled(i, what, value), "l1", [0.1])
    both = spoiled(3, "y", np.nan)
    both[1][0][0, 0] = np.nan  # the same shape group as problem 3: X is named first
    with pytest.raises(ValueError, match=r"^X of problems\[1\]"):
        solve_many(both, "l1", [0.1])
    with pytest.raises(FloatingPointError, match="overflow"):
        solve_many([problems[0], (problems[1][0] * 1e200, problems[1][1])], "l1", [0.1])


# ----------------------------------------------------------------- batching


@pytest.mark.parametrize("penalty", ["l1", "l2", "elasticnet", "none"])
def test_solve_many_equals_solve_problem_by_problem(penalty):
    problems = [legendre_design(n, d, seed) for seed, (n, d) in
                enumerate([(25, 3), (150, 15), (40, 1), (90, 8), (21, 6)])]
    alphas = None if penalty == "none" else np.logspace(0, -4, 9)
    rho = 0.5 if penalty == "elasticnet" else None
    batch = solve_many(problems, penalty, alphas, rho, tol=1e-12)
    again = solve_many(problems, penalty, alphas, rho, tol=1e-12)
    for (X, y), r, r2 in zip(problems, batch, again, strict=True):
        one = solve(X, y, penalty, alphas, rho, tol=1e-12)
        assert r.coef.shape == (one.alphas.size, X.shape[1])
        assert r.converged.all() and one.converged.all()
        scale = np.max(np.abs(one.coef)) + 1e-300
        np.testing.assert_allclose(r.coef, one.coef, rtol=0, atol=1e-9 * scale)
        np.testing.assert_array_equal(r.coef == 0.0, one.coef == 0.0)
        np.testing.assert_allclose(r.objective, one.objective, rtol=1e-12)
        np.testing.assert_array_equal(r.n_iter, one.n_iter)
        # deterministic: a second run gives the same bits
        np.testing.assert_array_equal(r.coef, r2.coef)
        np.testing.assert_array_equal(r.gap, r2.gap)


def test_warm_start_path_agrees_with_cold_start():
    X, y = legendre_design(80, 9, 9)
    alphas = lambda_max(X, y) * np.logspace(-4, 0, 10)  # increasing on purpose
    cold = solve(X, y, "l1", alphas, tol=1e-14)
    warm = solve(X, y, "l1", alphas, tol=1e-14, warm_start=True)
    assert warm.converged.all()
    np.testing.assert_allclose(warm.coef, cold.coef, atol=1e-8)
    np.testing.assert_array_equal(warm.coef == 0.0, cold.coef == 0.0)


def test_constant_target_and_large_alpha_stop_at_iteration_zero():
    X, _ = random_design(30, 4, 10)
    res = solve(X, np.full(30, 3.0), "l1", [0.1, 0.0])
    assert res.converged.all() and np.all(res.n_iter == 0)
    np.testing.assert_array_equal(res.coef, 0.0)
    np.testing.assert_allclose(res.intercept, 3.0)
    X, y = random_design(30, 4, 11)
    res = solve(X, y, "l1", [2 * lambda_max(X, y)])
    assert res.n_iter[0] == 0 and res.converged[0] and np.all(res.coef == 0.0)


# ----------------------------------------------------------------- non-negative coefficients


def nnls_reference(X, y, a2, fit_intercept=True):
    """Exact solution of min 1/(2n)||y - Xw - b||² + a2/2 ||w||², w >= 0 (scipy's NNLS)."""
    from scipy.optimize import nnls

    n, p = X.shape
    Xc, yc = (X - X.mean(axis=0), y - y.mean()) if fit_intercept else (X, y)
    A = np.vstack([Xc, np.sqrt(n * a2) * np.eye(p)])
    w, _ = nnls(A, np.concatenate([yc, np.zeros(p)]), maxiter=100 * p)
    return w


@pytest.mark.parametrize("design", sorted(DESIGNS))
@pytest.mark.parametrize("method", ["ista", "fista", "auto"])
def test_positive_lasso_and_elasticnet_match_sklearn(design, method):
    X, y = DESIGNS[design]()
    y = -y if design == "legendre" else y  # a target that pulls some weights negative
    for rho in (1.0, 0.5):
        alphas = lambda_max(X, y) / rho * np.logspace(0.1, -4, 8)
        penalty, l1r = ("l1", None) if rho == 1.0 else ("elasticnet", rho)
        res = solve(X, y, penalty, alphas, l1r, method=method, tol=1e-14, positive=True)
        assert res.converged.all()
        assert np.all(res.coef >= 0.0)
        n_clamped = 0
        for j, a in enumerate(alphas):
            sk = ElasticNet(alpha=a, l1_ratio=rho, tol=1e-14, max_iter=1_000_000,
                            positive=True).fit(X, y)
            np.testing.assert_allclose(res.coef[j], sk.coef_, rtol=0, atol=1e-8)
            np.testing.assert_allclose(res.intercept[j], sk.intercept_, atol=1e-8)
            np.testing.assert_array_equal(res.coef[j] == 0.0, sk.coef_ == 0.0)
            free = Lasso(alpha=a, tol=1e-12, max_iter=100_000).fit(X, y) if rho == 1.0 else \
                ElasticNet(alpha=a, l1_ratio=rho, tol=1e-12, max_iter=100_000).fit(X, y)
            n_clamped += int(np.sum(free.coef_ < 0))
            # the reported gap is the constrained problem's: it matches scikit-learn's formula
            if rho == 1.0:
                assert res.gap[j] <= res.gap_target
        assert n_clamped > 0  # the constraint is active somewhere: the test is not vacuous


def test_positive_gap_is_sklearns_positive_gap():
    X, y = legendre_design(100, 8, 4)
    y = -y
    alphas = lambda_max(X, y) * np.array([0.3, 0.05, 0.002])
    with pytest.warns(ConvergenceWarning):  # stopped early on purpose: gaps are not tiny
        res = solve(X, y, "elasticnet", alphas, 0.7, tol=1e-8, max_iter=10, positive=True)
    for j, a in enumerate(alphas):
        direct = duality_gap(X, y, res.coef[j], a, 0.7, positive=True)
        assert res.gap[j] == pytest.approx(direct, rel=1e-6, abs=1e-15)
    for a in alphas:
        sk = Lasso(alpha=a, tol=1e-30, max_iter=2, positive=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk.fit(X, y)
        # scikit-learn's own gap of its unconverged, feasible iterate (divided by n)
        assert duality_gap(X, y, sk.coef_, a, 1.0, positive=True) == pytest.approx(
            sk.dual_gap_, rel=1e-6)
    # the ridge form (α1 = 0): zero exactly at the constrained optimum, positive elsewhere
    w = nnls_reference(X, y, 0.01)
    assert abs(duality_gap(X, y, w, 0.01, 0.0, positive=True)) < 1e-12
    assert duality_gap(X, y, w + 0.01, 0.01, 0.0, positive=True) > 1e-6
    with pytest.raises(ValueError, match=">= 0"):
        duality_gap(X, y, w - 1.0, 0.01, 0.0, positive=True)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("method", ["gd", "fista", "auto"])
def test_positive_ridge_and_ols_match_nnls(fit_intercept, method):
    X, y = random_design(80, 6, 12)
    y = y - 3 * X[:, 0] - X[:, 4]  # two weights want to be negative
    n = X.shape[0]
    alphas = np.array([1.0, 0.1, 1e-3])
    ridge = solve(X, y, "l2", alphas, fit_intercept=fit_intercept, method=method, tol=1e-20,
                  positive=True)
    assert ridge.converged.all()
    for j, a in enumerate(alphas):
        w = nnls_reference(X, y, a, fit_intercept)
        assert np.sum(w == 0.0) >= 1
        np.testing.assert_allclose(ridge.coef[j], w, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(ridge.coef[j] == 0.0, w == 0.0)
    ols = solve(X, y, "none", fit_intercept=fit_intercept, method=method, tol=1e-20,
                positive=True)
    assert ols.converged.all()
    w = nnls_reference(X, y, 0.0, fit_intercept)
    np.testing.assert_allclose(ols.coef[0], w, rtol=0, atol=1e-9)
    # scikit-learn's LinearRegression(positive=True) (scipy NNLS) agrees
    from sklearn.linear_model import LinearRegression

    sk = LinearRegression(positive=True, fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ols.coef[0], sk.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ols.intercept[0], sk.intercept_, atol=1e-8)
    assert n == 80


@pytest.mark.parametrize("method", ["fista", "auto"])
def test_zero_gradient_is_optimal_even_without_strong_convexity(method):
    # One sample with an intercept: the centred X is 0, so G = 0 and μ = 0. w = 0 has a zero
    # subgradient, hence is a minimizer: the start meets the contract, no iteration.
    res = solve([[1.0]], [0.0], "none", fit_intercept=True, method=method, positive=True)
    assert res.converged[0] and res.n_iter[0] == 0 and res.gap[0] == 0.0
    assert res.coef[0, 0] == 0.0 and res.intercept[0] == 0.0


def test_positive_solve_many_matches_solve_and_rejects_bad_flag():
    problems = [legendre_design(n, d, seed) for seed, (n, d) in
                enumerate([(60, 3), (150, 12), (40, 6)])]
    problems = [(X, -y) for X, y in problems]
    alphas = np.logspace(-1, -4, 5)
    batch = solve_many(problems, "l1", alphas, tol=1e-12, positive=True)
    for (X, y), r in zip(problems, batch, strict=True):
        one = solve(X, y, "l1", alphas, tol=1e-12, positive=True)
        np.testing.assert_allclose(r.coef, one.coef, atol=1e-9)
        assert np.all(r.coef >= 0) and r.converged.all()
    warm = solve(*problems[1], "l1", alphas, tol=1e-14, positive=True, warm_start=True)
    cold = solve(*problems[1], "l1", alphas, tol=1e-14, positive=True)
    np.testing.assert_allclose(warm.coef, cold.coef, atol=1e-8)
    hist = solve_history(*problems[1], "l1", float(alphas[2]), tol=1e-12, max_iter=50_000,
                         positive=True)
    np.testing.assert_allclose(hist.coef[0], cold.coef[2], atol=1e-6)
    assert np.all(hist.history.coef >= 0)
    with pytest.raises(ValueError, match="positive"):
        solve(*problems[0], "l1", alphas, positive="yes")
    with pytest.raises(ValueError, match="positive"):
        solve_many(problems, "l1", alphas, positive=1)


def test_positive_singular_least_squares_says_not_converged():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((10, 20))  # p > n: no strong convexity, no certificate
    y = rng.standard_normal(10)
    with pytest.warns(ConvergenceWarning):
        res = solve(X, y, "none", positive=True, max_iter=2000)
    assert not res.converged[0] and np.isinf(res.gap[0])
    assert np.all(res.coef >= 0)


# ----------------------------------------------------------------- the accuracy contract


def exact_least_squares(X, y, a2=0.0):
    """min 1/(2n)||y_c - X_c w||² + a2/2||w||² by QR of the centred (augmented) design."""
    n, p = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    A = np.vstack([Xc, np.sqrt(n * a2) * np.eye(p)]) if a2 > 0 else Xc
    w = np.linalg.lstsq(A, np.concatenate([yc, np.zeros(p)]) if a2 > 0 else yc, rcond=None)[0]
    return w, y.mean() - X.mean(axis=0) @ w


def exact_enet(X, y, alpha, rho, guess):
    """The Elastic-Net solution with the support and signs of ``guess``, solved exactly (QR
    of the centred, augmented active columns) and verified by the KKT conditions on the data.
    """
    n, p = X.shape
    a1, a2 = alpha * rho, alpha * (1 - rho)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    S = guess != 0
    s = np.sign(guess[S])
    w = np.zeros(p)
    if S.any():
        A = np.vstack([Xc[:, S], np.sqrt(n * a2) * np.eye(S.sum())])
        Q, R = np.linalg.qr(A)
        rhs = Q.T @ np.concatenate([yc, np.zeros(S.sum())])
        w[S] = np.linalg.solve(R, rhs - np.linalg.solve(R.T, n * a1 * s))
    assert np.all(np.sign(w[S]) == s)  # the signs hold ...
    g = Xc.T @ (yc - Xc @ w) / n - a2 * w
    assert np.all(np.abs(g[~S]) <= a1 * (1 + 1e-9))  # ... and the zeros are optimal: exact
    return w


@pytest.mark.parametrize("method", ["fista", "auto"])
def test_issue_counterexamples_match_to_1e6_at_the_defaults(method):
    from sklearn.datasets import make_regression

    # 1. OLS on make_regression (cond(X) 4.7): was 1.97e-4 off at tol=1e-10.
    X, y = make_regression(n_samples=100, n_features=50, noise=0, bias=10, random_state=42)
    res = solve(X, y, "none", method=method)
    w, b = exact_least_squares(X, y)
    assert res.converged[0] and res.coef_bound[0] <= 1e-6
    assert np.max(np.abs(res.coef[0] - w)) <= 1e-6
    assert abs(res.intercept[0] - b) <= 1e-6
    # 2. Ridge(1e-3) on a design far from the origin: the intercept was 5.2e-2 off.
    X = np.random.RandomState(0).randn(12, 8) + 30
    y = np.random.RandomState(1).randn(12)
    res = solve(X, y, "l2", [1e-3 / 12], method=method)
    w, b = exact_least_squares(X, y, 1e-3 / 12)
    assert res.converged[0]
    assert np.max(np.abs(res.coef[0] - w)) <= 1e-6
    assert abs(res.intercept[0] - b) <= 1e-6
    # 3. The study's hardest fits (n = 30 training points, degree 15, cond(G) ~ 1e5): all
    # four models on the study's λ grid within 1e-6 of exact solutions, same zeros.
    X, y = legendre_design(30, 15, 14)
    assert np.linalg.cond(np.cov(X.T)) > 1e4
    lambdas = np.logspace(-5, 1, 31)
    ols = solve(X, y, "none", method=method)
    np.testing.assert_allclose(ols.coef[0], exact_least_squares(X, y)[0], rtol=0, atol=1e-6)
    ridge = solve(X, y, "l2", lambdas, method=method)
    assert ridge.converged.all()
    for j, a in enumerate(lambdas):
        w, b = exact_least_squares(X, y, a)
        np.testing.assert_allclose(ridge.coef[j], w, rtol=0, atol=1e-6)
        assert abs(ridge.intercept[j] - b) <= 1e-6
    for rho in (1.0, 0.5):
        pen, l1r = ("l1", None) if rho == 1.0 else ("elasticnet", rho)
        res = solve(X, y, pen, lambdas, l1r, method=method)
        assert res.converged.all() and np.all(res.coef_bound <= 1e-6)
        for j, a in enumerate(lambdas):
            w = exact_enet(X, y, a, rho, res.coef[j])
            np.testing.assert_allclose(res.coef[j], w, rtol=0, atol=1e-6)
            np.testing.assert_array_equal(res.coef[j] == 0.0, w == 0.0)


def test_coef_bound_is_a_true_bound_and_tol_alone_is_not_enough():
    X, y = legendre_design(37, 15, 14)
    w = exact_least_squares(X, y)[0]
    loose = solve(X, y, "none", coef_tol=None)  # the gap alone, as before the contract
    tight = solve(X, y, "none")
    assert loose.converged[0] and tight.converged[0]
    err_loose = np.max(np.abs(loose.coef[0] - w))
    assert err_loose > 1e-6  # the gap at tol=1e-10 does not pin the coefficients ...
    assert np.isinf(loose.coef_tol) and loose.coef_bound[0] >= err_loose  # ... and says so
    assert np.max(np.abs(tight.coef[0] - w)) <= tight.coef_bound[0] <= 1e-6
    assert tight.n_iter[0] > loose.n_iter[0]


def test_contract_not_met_says_not_converged_with_the_bound():
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, 100)
    X = standardize(np.vander(x, 13, increasing=True)[:, 1:])  # cond(G) ~ 1e8
    y = np.sin(2 * np.pi * x)
    with pytest.warns(ConvergenceWarning, match="coefficient bound"):
        res = solve(X, y, "l2", [1e-9], tol=1e-2, max_iter=2000)
    assert res.gap[0] <= res.gap_target and res.coef_bound[0] > 1e-6
    assert not res.converged[0]


def test_p_greater_than_n_has_no_coefficient_contract():
    rng = np.random.default_rng(15)
    X = rng.standard_normal((30, 60))
    y = X[:, :3] @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(30)
    res = solve(X, y, "l1", [0.05, 0.01], method="auto")
    assert res.converged.all() and np.all(np.isinf(res.coef_bound))
    for j, a in enumerate([0.05, 0.01]):
        assert duality_gap(X, y, res.coef[j], a) <= res.gap_target * (1 + 1e-6)
    ridge = solve(X, y, "l2", [0.1], method="auto")  # alpha2 > 0: strongly convex again
    assert np.isfinite(ridge.coef_bound[0]) and ridge.converged[0]
    np.testing.assert_allclose(ridge.coef[0], exact_least_squares(X, y, 0.1)[0], atol=1e-6)


@pytest.mark.parametrize("penalty", ["none", "l2", "l1", "elasticnet"])
def test_auto_and_cg_agree_with_fista(penalty):
    problems = [legendre_design(n, d, seed) for seed, (n, d) in
                enumerate([(25, 3), (150, 15), (40, 1), (90, 8), (21, 6)])]
    alphas = None if penalty == "none" else np.logspace(0, -5, 9)
    rho = 0.5 if penalty == "elasticnet" else None
    fista = solve_many(problems, penalty, alphas, rho)
    auto = solve_many(problems, penalty, alphas, rho, method="auto")
    for f, a in zip(fista, auto, strict=True):
        assert f.converged.all() and a.converged.all()
        np.testing.assert_allclose(a.coef, f.coef, rtol=0, atol=2e-6)
        np.testing.assert_array_equal(a.coef == 0.0, f.coef == 0.0)
    if penalty in ("none", "l2"):
        cg = solve_many(problems, penalty, alphas, method="cg")
        for c, a in zip(cg, auto, strict=True):
            np.testing.assert_array_equal(c.coef, a.coef)
    else:
        with pytest.raises(ValueError, match="cg"):
            solve_many(problems, penalty, alphas, rho, method="cg")


def test_lasso_face_of_a_small_problem_is_solved_directly_and_exactly():
    from l1l2.solvers._batch import setup
    from l1l2.solvers._rounds import _face_solve

    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 8))
    y = X[:, :3] @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(60)
    b = setup([(X, y)], True)
    alphas = np.array([1e-3, 1e-2])
    V = np.zeros((1, 8, 2))
    V[0, :3, :] = np.array([0.9, -1.9, 0.4])[:, None]  # support {0, 1, 2}, right signs
    out, flipped, taken = _face_solve(b.G, b.C, V, alphas.reshape(1, 1, 2), None,
                                      np.full((1, 1, 2), 1e-30), b.P)
    assert taken == 1 and not flipped.any()  # one direct solve, no sign change
    for j, a in enumerate(alphas):
        exact = np.linalg.solve(b.G[0, :3, :3], b.C[0, :3, 0] - a * np.sign(V[0, :3, j]))
        np.testing.assert_allclose(out[0, :3, j], exact, rtol=1e-12, atol=0)
        assert np.all(out[0, 3:, j] == 0.0)
    # Where the Gram matrix is not certified positive definite (thr = 0): CG, as before.
    cg, _, steps = _face_solve(b.G, b.C, V, alphas.reshape(1, 1, 2), None,
                               np.zeros((1, 1, 2)), b.P)
    assert steps > 1
    np.testing.assert_allclose(cg, out, rtol=0, atol=1e-10)


def test_gap_safe_screening_certifies_sparse_fits_on_an_ill_conditioned_basis():
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, 100)
    X = standardize(np.vander(x, 13, increasing=True)[:, 1:])
    y = np.sin(2 * np.pi * x) + 0.1 * rng.standard_normal(100)
    lmin = np.linalg.eigvalsh(np.cov(X.T, bias=True))[0]
    assert lmin < 1e-7  # the global certificate would need ||g|| < 1e-13: out of reach
    for method in ("auto", "fista"):
        res = solve(X, y, "l1", [0.1, 0.03, 0.01, 0.003], method=method)
        assert res.converged.all() and np.all(res.coef_bound <= 1e-6)
        for j, a in enumerate(res.alphas):
            w = exact_enet(X, y, a, 1.0, res.coef[j])
            assert 0 < np.sum(w != 0) <= 6
            assert np.max(np.abs(res.coef[j] - w)) <= max(res.coef_bound[j], 1e-12)


def test_auto_finishes_well_conditioned_lasso_grids_at_its_start(auto_rounds_ran):
    # Legendre designs (cond(G) <= ~150) over the study's α grid: the homotopy start is
    # every fit's solution, certified at iteration 0: no FISTA step and no active-set round
    # runs; n_iter counts the path's events down to each α (so it grows as α falls); each
    # fit agrees with an exact face solve.
    problems = [legendre_design(150, d, seed) for seed in (0, 1) for d in range(1, 16)]
    alphas = np.logspace(1, -5, 30)
    res = solve_many(problems, "l1", alphas, method="auto")
    assert auto_rounds_ran == []
    # Below 256 (problem, α) pairs the separable start and its rounds run instead, and
    # below 6 α per problem (150 problems x 2 α).
    small = solve_many(problems[:8], "l1", alphas, method="auto")
    assert auto_rounds_ran and all(r.converged.all() for r in small)
    auto_rounds_ran.clear()
    few = solve_many(problems * 5, "l1", alphas[[20, 29]], method="auto")
    assert auto_rounds_ran and all(r.converged.all() for r in few)
    for r, full in zip(few, res * 5, strict=True):
        np.testing.assert_allclose(r.coef, full.coef[[20, 29]], rtol=0, atol=1e-9)
    for (X, y), r in zip(problems, res, strict=True):
        assert r.converged.all()
        assert np.all(np.diff(r.n_iter) >= 0) and r.n_iter.max() <= 4 * X.shape[1] + 10
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        G, c = Xc.T @ Xc / X.shape[0], Xc.T @ yc / X.shape[0]
        for j, a in enumerate(alphas):
            S = r.coef[j] != 0
            if S.any():
                v = np.linalg.solve(G[np.ix_(S, S)], c[S] - a * np.sign(r.coef[j][S]))
                np.testing.assert_allclose(r.coef[j][S], v, rtol=0, atol=1e-12)
            xi = c - G @ r.coef[j]
            assert np.all(np.abs(xi[~S]) <= a * (1 + 1e-9))  # optimal off the support


def _assert_lasso_solutions(G, c, W, alphas, atol):
    """Each column of W is the Lasso solution on (G, c): its face system solved exactly, its
    signs, and |ξ_j| ≤ α off its support."""
    for j, a in enumerate(alphas):
        w = W[:, j]
        S = w != 0
        if S.any():
            v = np.linalg.solve(G[np.ix_(S, S)], c[S] - a * np.sign(w[S]))
            np.testing.assert_allclose(w[S], v, rtol=0, atol=atol)
            assert np.all(np.sign(v) == np.sign(w[S]))
        assert np.all(np.abs(c - G @ w)[~S] <= a * (1 + 1e-9))


def test_lasso_path_follows_joins_leaves_returns_and_ties():
    from l1l2.solvers._batch import setup
    from l1l2.solvers._homotopy import lasso_path

    # n = 30, degree 15 (cond(G) ~ 1e5): along the path coordinates leave and come back.
    X, y = legendre_design(30, 15, 14)
    b = setup([(X, y)], True)
    alphas = np.logspace(0, -5, 80)
    W, steps, reached = lasso_path(b.G, b.C, b.p, alphas, b.mu_strong, refine=True)
    assert reached.all() and np.all(np.diff(steps[0]) >= 0)
    _assert_lasso_solutions(b.G[0], b.C[0, :, 0], W[0], alphas, 1e-9)
    on = W[0] != 0
    assert np.any(on[:, :-1] & ~on[:, 1:])  # some coordinate leaves as α falls
    # At most max_steps events (iterate passes max_iter): the α below are not reached.
    W3, steps3, reached3 = lasso_path(b.G, b.C, b.p, alphas, b.mu_strong, refine=True,
                                      max_steps=3)
    got = reached3[0]
    assert steps3.max() <= 3 and not got.all() and np.all(W3[0][:, ~got] == 0)
    np.testing.assert_array_equal(W3[0][:, got], W[0][:, got])
    # A tie: c = (1/2, 1/2), G = I/2: both coordinates join at α = 1/2 (a step of length
    # 0), w = (1 − 2α)(1, 1) below it; a third, correlated coordinate joins later.
    X = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, -1.0, -0.5]])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    b = setup([(X, y)], False)
    alphas = np.array([0.75, 0.5, 0.4, 0.1, 0.01, 0.0])
    W, steps, reached = lasso_path(b.G, b.C, b.p, alphas, b.mu_strong)
    assert reached.all() and np.all(W[0, :, :2] == 0) and np.all(steps[0, :2] == 0)
    _assert_lasso_solutions(b.G[0], b.C[0, :, 0], W[0], alphas, 1e-12)
    np.testing.assert_allclose(W[0, :2, 2], [0.2, 0.2], rtol=0, atol=1e-15)
    # p > n: G is singular (μ = 0), the path is not followed; only the zeros are reached.
    X, y = legendre_design(8, 12, 3)
    b = setup([(X, y)], True)
    lam = np.max(np.abs(b.C))
    W, steps, reached = lasso_path(b.G, b.C, b.p, lam * np.array([2.0, 0.5]), b.mu_strong)
    assert b.mu_strong[0] == 0 and reached[0].tolist() == [True, False] and np.all(W == 0)


def test_auto_records_the_zero_solutions_exactly_at_the_start():
    # ||c||_inf <= α: w = 0 is the minimizer, recorded as such with no iteration, gap 0.
    X, y = legendre_design(80, 6, 5)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    lam_max = np.max(np.abs(Xc.T @ yc)) / X.shape[0]
    alphas = lam_max * np.array([4.0, 1.0 + 1e-9, 0.5])
    for penalty, rho in (("l1", None), ("elasticnet", 0.5)):
        r = solve(X, y, penalty, alphas if rho is None else alphas / rho, rho, method="auto")
        assert np.all(r.coef[:2] == 0) and np.all(r.n_iter[:2] == 0)
        assert np.all(r.gap[:2] == 0) and r.converged.all()
        assert np.any(r.coef[2] != 0) and r.n_iter[2] > 0
        np.testing.assert_allclose(r.objective[:2], 0.5 * yc @ yc / X.shape[0], rtol=1e-15)


@pytest.mark.parametrize("neighbour_p", [33, 64])
def test_a_narrow_lasso_is_solved_alike_beside_a_wider_problem(neighbour_p):
    # Each problem's active-set rounds (direct face solves, pair rounds) follow its own
    # width, not the batch's padded one: an ill-conditioned 12-feature Lasso (cond ~1e8)
    # next to a wider problem converges as alone, with the same iterations. (Its faces
    # solved by one CG round, as the batch width once decided, left one α at max_iter.)
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, 100)
    mono = (standardize(np.vander(x, 13, increasing=True)[:, 1:]),
            np.sin(2 * np.pi * x) + 0.1 * rng.standard_normal(100))
    Z = rng.standard_normal((150, neighbour_p))
    wide = (Z, Z[:, :5] @ np.array([2.0, -1.0, 1.5, -2.5, 1.0]) + rng.standard_normal(150))
    alphas = np.logspace(0, -7, 20)
    alone = solve_many([mono], "l1", alphas, method="auto", max_iter=2000)[0]
    both = solve_many([mono, wide], "l1", alphas, method="auto", max_iter=2000)
    assert alone.converged.all() and both[0].converged.all() and both[1].converged.all()
    np.testing.assert_array_equal(both[0].n_iter, alone.n_iter)
    np.testing.assert_allclose(both[0].coef, alone.coef, rtol=0, atol=1e-12)


@pytest.mark.parametrize("positive", [False, True])
def test_the_inner_loops_soft_threshold_is_penalty_prox_bit_for_bit(positive):
    from l1l2.solvers.penalty import Penalty, soft_threshold

    rng = np.random.default_rng(3)
    U = rng.standard_normal((4, 7, 5)) * 10.0 ** rng.integers(-8, 8, (4, 7, 5))
    tau = 10.0 ** rng.uniform(-6, 1, (1, 1, 5))
    want = Penalty("l1", tau[0, 0], 1.0, positive).prox(U, tau)
    for got in (soft_threshold(U, tau, positive),
                soft_threshold(U, tau, positive, -tau, np.empty_like(U))):
        assert got.tobytes() == want.tobytes()
    assert np.count_nonzero(want == 0) > 0  # the threshold is exercised
