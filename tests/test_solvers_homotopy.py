"""Adversarial tests of ``auto``'s Lasso start (the homotopy path of ``_homotopy``, P <= 64)
and of the honesty of what it certifies, against exact solutions on the data."""

import warnings

import numpy as np
import pytest
from scipy.linalg import hadamard
from sklearn.exceptions import ConvergenceWarning

from l1l2.solvers import duality_gap, solve, solve_many


def ar_design(n, p, seed, rho=0.95, k=10):
    """Gaussian AR(1)-correlated columns: a Lasso path with many drop events."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    w = np.zeros(p)
    w[:k] = rng.uniform(1, 3, k) * rng.choice([-1, 1], k)
    return X, X @ w + 0.5 * rng.standard_normal(n) + 2.0


def tie_design():
    """Exactly orthogonal centred ±1 columns (Hadamard): |X_c^T y|/n = (1, 1, 1, 1/2, 0, 0, 0)
    exactly, with mixed signs: three coordinates join at α = 1 at once, one at 1/2."""
    X = hadamard(8)[:, 1:].astype(float)
    return X, X[:, 0] - X[:, 1] + X[:, 2] + 0.5 * X[:, 3]


def exact_lasso(X, y, alpha, w, fit_intercept=True):
    """The Lasso solution with the support and signs of ``w``, solved by QR of the centred
    active columns; asserts the KKT conditions on the data (signs hold, zeros optimal)."""
    n = X.shape[0]
    Xc, yc = (X - X.mean(axis=0), y - y.mean()) if fit_intercept else (X, y)
    S = w != 0
    s = np.sign(w[S])
    v = np.zeros(X.shape[1])
    if S.any():
        Q, R = np.linalg.qr(Xc[:, S])
        v[S] = np.linalg.solve(R, Q.T @ yc - np.linalg.solve(R.T, n * alpha * s))
    assert np.all(np.sign(v[S]) == s), f"alpha={alpha}: a sign of the support fails"
    g = Xc.T @ (yc - Xc @ v) / n
    assert np.all(np.abs(g[~S]) <= alpha * (1 + 1e-9) + 1e-13), f"alpha={alpha}: KKT off S"
    b = y.mean() - X.mean(axis=0) @ v if fit_intercept else 0.0
    return v, b


def test_lasso_path_of_a_mixed_batch_is_exact_through_drops_ties_and_any_alpha_order():
    from l1l2.solvers._batch import setup
    from l1l2.solvers._homotopy import lasso_path

    problems = [ar_design(60, 30, 3), tie_design(), ar_design(40, 12, 9, rho=0.9, k=4),
                (np.arange(7.0)[:, None] ** 2, np.array([0.0, 1, 0, 1, 3, 2, 5]))]
    b = setup(problems, True)
    assert np.all(b.mu_strong > 0)
    # Unsorted, repeated, 0, above every ‖c‖∞, exactly the tie (1.0) and 1/2.
    alphas = np.concatenate([np.logspace(0.5, -6, 41), [1.0, 0.5, 0.0, 1e-3, 50.0, 1.0]])
    alphas = alphas[np.random.default_rng(0).permutation(alphas.size)]
    refine = bool(np.any(b.lmax > 1e3 * b.mu_strong))
    W, steps, reached = lasso_path(b.G, b.C, b.p, alphas, b.mu_strong, refine=refine)
    assert reached.all()
    order = np.argsort(-alphas, kind="stable")
    for i, (X, y) in enumerate(problems):
        p = X.shape[1]
        assert np.all(W[i, p:] == 0)  # padding never joins
        assert np.all(np.diff(steps[i, order]) >= 0)  # events counted down the path
        for j, a in enumerate(alphas):
            w = W[i, :p, j]
            v, _ = exact_lasso(X, y, a, w)
            np.testing.assert_allclose(w, v, rtol=0, atol=1e-9 * max(1.0, np.abs(v).max()))
        # The same path alone (padding to its own width): within rounding.
        b1 = setup([(X, y)], True)
        W1 = lasso_path(b1.G, b1.C, b1.p, alphas, b1.mu_strong,
                        refine=bool(b1.lmax[0] > 1e3 * b1.mu_strong[0]))[0]
        np.testing.assert_allclose(W1[0], W[i, :p], rtol=0, atol=1e-12)
    # The drops were taken: some coordinate of the AR design leaves as α falls.
    on = W[0, :30, order] != 0  # (A, p)
    assert np.sum(on[:-1] & ~on[1:]) >= 3
    # The exact tie at α = 1: zero there, three coordinates of equal size just below.
    t = W[1, :7]
    assert np.all(t[:, alphas == 1.0] == 0)
    j = int(np.argmin(np.where(alphas < 1.0, np.abs(alphas - 0.75), np.inf)))
    np.testing.assert_allclose(t[:3, j] * [1, -1, 1], 1 - alphas[j], rtol=0, atol=1e-15)


def test_auto_certifies_drop_heavy_and_tied_paths_at_the_start(auto_rounds_ran):
    # Correlated designs whose paths drop coordinates, an exact three-way tie, widths 1 to
    # 64 in one batch of 270 pairs (the homotopy start: at least HOMOTOPY_MIN_PAIRS): the
    # start ends every fit (no FISTA step, no active-set round), each within 1e-6 of the
    # exact solution with its zeros, and the batch's order changes no bit.
    from l1l2.solvers._batch import HOMOTOPY_MIN_PAIRS

    rng = np.random.default_rng(4)
    problems = [ar_design(60, 30, s) for s in range(3)] + [
        tie_design(), (rng.standard_normal((150, 64)), rng.standard_normal(150)),
        (np.linspace(-1, 1, 9)[:, None], np.linspace(0, 2, 9) ** 2)]
    alphas = np.logspace(1, -6, 45)
    assert len(problems) * alphas.size >= HOMOTOPY_MIN_PAIRS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solve_many(problems, "l1", alphas, method="auto")
        rev = solve_many(problems[::-1], "l1", alphas, method="auto")[::-1]
    assert auto_rounds_ran == []
    for (X, y), r, r2 in zip(problems, res, rev, strict=True):
        assert r.converged.all()
        assert np.all(np.diff(r.n_iter) >= 0) and r.n_iter.max() <= 4 * X.shape[1] + 10
        for j, a in enumerate(alphas):
            v, b = exact_lasso(X, y, a, r.coef[j])
            assert max(np.linalg.norm(r.coef[j] - v), abs(r.intercept[j] - b)) <= 1e-6
        for f in ("coef", "intercept", "n_iter", "converged", "gap", "coef_bound"):
            np.testing.assert_array_equal(getattr(r, f), getattr(r2, f))


def test_auto_lasso_is_honest_where_the_path_is_not_followed():
    # Singular G (a duplicated column, a constant one, p > n) is not followed by the path;
    # with these in a batch (of 260 pairs: the homotopy start) beside a followed problem,
    # every converged fit still meets its
    # contract on the data: within 1e-6 of the exact solution where G is positive definite,
    # the duality gap on the data within its target elsewhere. Zero y, α at and above
    # ‖c‖∞ and integer or float32 data are handled without a warning.
    from l1l2.solvers._batch import HOMOTOPY_MIN_PAIRS

    X, y = ar_design(60, 6, 1, rho=0.6, k=3)
    rng = np.random.default_rng(2)
    problems = [
        (np.column_stack([X, X[:, 2]]), y),  # duplicated column
        (np.column_stack([X[:, :3], np.full(60, 3.0), X[:, 3:]]), y),  # constant column
        (rng.standard_normal((10, 40)), rng.standard_normal(10)),  # p > n
        (X, np.zeros(60)),  # y = 0
        (X, y),  # followed
    ]
    lam = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / 60
    alphas = np.concatenate([[2 * lam, lam, 0.5 * lam], np.logspace(-2, -6, 49)])
    assert len(problems) * alphas.size >= HOMOTOPY_MIN_PAIRS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solve_many(problems, "l1", alphas, method="auto")
    assert all(r.converged.all() for r in res)
    for (Xi, yi), r in zip(problems, res, strict=True):
        singular = np.linalg.eigvalsh(np.cov(Xi.T, bias=True))[0] < 1e-10
        assert np.all(np.isinf(r.coef_bound)) == singular
        for j, a in enumerate(alphas):
            if singular:
                assert duality_gap(Xi, yi, r.coef[j], a) <= r.gap_target * (1 + 1e-6)
            else:
                v, b = exact_lasso(Xi, yi, a, r.coef[j])
                assert max(np.linalg.norm(r.coef[j] - v), abs(r.intercept[j] - b)) <= 1e-6
    assert np.all(res[3].coef == 0) and np.all(res[4].coef[:2] == 0)
    assert np.all(res[3].n_iter == 0) and np.all(res[4].n_iter[:2] == 0)
    # Integer and float32 data: the same bits as their float64 values.
    Xi, yi = np.round(X * 10).astype(np.int64), np.round(y * 10).astype(np.int64)
    alphas = np.logspace(1, -6, HOMOTOPY_MIN_PAIRS)
    for Xa, ya in ((Xi, yi), (X.astype(np.float32), y.astype(np.float32))):
        r = solve(Xa, ya, "l1", alphas, method="auto", fit_intercept=False)
        r64 = solve(Xa.astype(np.float64), ya.astype(np.float64), "l1", alphas,
                    method="auto", fit_intercept=False)
        assert r.converged.all()
        np.testing.assert_array_equal(r.coef, r64.coef)


def test_converged_lasso_intercept_is_within_coef_tol_of_the_exact_one():
    # y far from 0: b = ȳ − x̄ᵀw is rounded at about |ȳ|·eps = 2e-5 here, far above
    # coef_tol. The certificate must count that rounding: it may not say converged (nor
    # bound 0 at w = 0, α above ‖c‖∞) while the intercept is 6e-6 from the exact one.
    from fractions import Fraction

    X, y = ar_design(150, 10, 5, rho=0.5, k=3)
    y = y + 1e11
    with pytest.warns(ConvergenceWarning, match="coefficient bound"):
        r = solve(X, y, "l1", [10.0, 1e-3], method="auto")
    exact_mean = sum(Fraction(float(v)) for v in y) / y.size
    xbar = [sum(Fraction(float(v)) for v in X[:, j]) / X.shape[0] for j in range(X.shape[1])]
    for j in range(2):
        b_of_w = exact_mean - sum(m * Fraction(float(c)) for m, c in zip(xbar, r.coef[j],
                                                                          strict=True))
        err = abs(float(Fraction(float(r.intercept[j])) - b_of_w))
        assert r.coef_bound[j] >= err  # a true bound ...
        assert err <= 1e-6 or not r.converged[j]  # ... and the contract holds where claimed
        if j == 0:  # w = 0: the float64 mean of y is 6.4e-6 from the exact one
            assert np.all(r.coef[0] == 0) and err > 1e-6 and not r.converged[0]
    # The allowance scales with what is rounded: with X·1e8 and y·1e-8 (w ~ 1e-16, b ~ 1e-8)
    # it stays far below coef_tol and the fits are certified, within 1e-6 of exact ones.
    X, y = ar_design(60, 10, 12, rho=0.6)
    X, y = X * 1e8, y * 1e-8
    alphas = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / 60 * np.logspace(0, -6, 5)
    r = solve(X, y, "l1", alphas, method="auto")
    assert r.converged.all()
    for j, a in enumerate(alphas):
        v, b = exact_lasso(X, y, a, r.coef[j])
        assert max(np.linalg.norm(r.coef[j] - v), abs(r.intercept[j] - b)) <= 1e-6
