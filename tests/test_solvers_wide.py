"""Wide problems (p above DENSE_MIN_P): certified spectral bounds and the active-set path
start of method="auto", against eigvalsh and scikit-learn."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso

from l1l2.solvers import kkt_violation, objective, solve, solve_many
from l1l2.solvers._batch import setup
from l1l2.solvers._dense import DENSE_MIN_P, EXACT_ABOVE_COND, PATH_ROUNDS, spectral_bounds


def gaussian(n, p, s, seed, rho=0.0):
    """X with equicorrelated columns (correlation ρ), s non-zero weights, noise 1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + np.sqrt(rho / (1 - rho)) * rng.standard_normal((n, 1))
    w = np.zeros(p)
    w[rng.choice(p, s, replace=False)] = rng.choice([-1, 1], s) * rng.uniform(0.5, 2, s)
    return X, X @ w + rng.standard_normal(n) + 3.0


def gram(X):
    Xc = X - X.mean(axis=0)
    G = Xc.T @ Xc / X.shape[0]
    return 0.5 * (G + G.T)


@pytest.mark.parametrize("n, p, rho", [(300, 100, 0.0), (150, 120, 0.0), (400, 90, 0.3)])
def test_spectral_bounds_bracket_the_spectrum_tightly(n, p, rho):
    G = gram(gaussian(n, p, 5, n + p, rho)[0])
    ev = np.linalg.eigvalsh(G)
    assert ev[-1] / ev[0] < EXACT_ABOVE_COND
    hi, lo = spectral_bounds(G[None])
    assert ev[-1] <= hi[0] <= 1.05 * ev[-1]
    assert 0.2 * ev[0] <= lo[0] <= ev[0]


def test_ill_conditioned_wide_gram_gets_eigvalsh():
    X, y = gaussian(400, 90, 5, 490, 0.8)  # equicorrelated: cond(G) ~ 3e3
    ev = np.linalg.eigvalsh(gram(X))
    assert ev[-1] / ev[0] > EXACT_ABOVE_COND
    hi, lo = spectral_bounds(gram(X)[None])
    assert np.isnan(hi[0]) and np.isnan(lo[0])
    b = setup([(X, y)], True)
    assert b.lmin[0] == np.linalg.eigvalsh(b.G[0])[0]  # eigvalsh's value, not a bound
    assert np.isclose(b.lmin[0], ev[0], rtol=1e-10) and np.isclose(b.lmax[0], ev[-1], rtol=1e-12)


def test_spectral_bounds_give_up_on_singular_and_setup_falls_back_to_eigvalsh():
    X, y = gaussian(60, 80, 5, 0)  # p > n: G singular
    hi, lo = spectral_bounds(gram(X)[None])
    assert np.isnan(hi[0]) and np.isnan(lo[0])
    b = setup([(X, y)], True)
    ev = np.linalg.eigvalsh(gram(X))
    assert b.lmin[0] == max(ev[0], 0.0) and b.lmax[0] == ev[-1]  # eigvalsh's values


def test_setup_uses_bounds_only_above_dense_min_p():
    small = gaussian(200, DENSE_MIN_P, 5, 1)
    wide = gaussian(200, DENSE_MIN_P + 1, 5, 1)
    b = setup([small, wide], True)
    ev_small = np.linalg.eigvalsh(gram(small[0]))
    ev_wide = np.linalg.eigvalsh(gram(wide[0]))
    assert b.lmax[0] == ev_small[-1] and b.lmin[0] == ev_small[0]
    assert ev_wide[-1] < b.lmax[1] and b.lmin[1] < ev_wide[0] and b.lpos[1] == b.lmin[1]
    assert b.cond[1] > ev_wide[-1] / ev_wide[0]  # an upper bound


def lasso_path_sklearn(X, y, alphas, rho=1.0):
    out = []
    for a in alphas:
        m = (Lasso(alpha=a, tol=1e-14, max_iter=1_000_000) if rho == 1.0 else
             ElasticNet(alpha=a, l1_ratio=rho, tol=1e-14, max_iter=1_000_000))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(X, y)
        out.append((m.coef_, m.intercept_))
    return out


@pytest.mark.parametrize("rho", [1.0, 0.7])
def test_auto_path_start_converges_and_matches_sklearn(rho):
    problems = [gaussian(300, 100, 8, 2), gaussian(250, 110, 12, 3, rho=0.5)]
    lmax = max(np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / X.shape[0]
               for X, y in problems)
    alphas = lmax * np.logspace(0.1, -3, 12)[::-1]  # increasing: the path must sort them
    pen = "l1" if rho == 1.0 else "elasticnet"
    res = solve_many(problems, pen, alphas, l1_ratio=None if rho == 1.0 else rho,
                     method="auto")
    for (X, y), r in zip(problems, res, strict=True):
        assert r.converged.all()
        assert np.all(r.coef_bound <= 1e-6) and np.all(r.gap <= r.gap_target)
        ref = lasso_path_sklearn(X, y, alphas, rho)
        for j, (c, b) in enumerate(ref):
            assert np.max(np.abs(r.coef[j] - c)) <= 1e-6
            assert abs(r.intercept[j] - b) <= 1e-6
            assert np.array_equal(r.coef[j] != 0, np.abs(c) > 1e-9)
        # the start is exact: no FISTA, only active-set rounds (typically 2-5 per α)
        assert np.all(r.n_iter <= PATH_ROUNDS) and np.median(r.n_iter) <= 8
    # the path start does not depend on the batch: each problem alone gives the same fits
    for pr, r in zip(problems, res, strict=True):
        one = solve(*pr, pen, alphas, l1_ratio=None if rho == 1.0 else rho, method="auto")
        assert np.max(np.abs(one.coef - r.coef)) <= 1e-6


def test_auto_wide_singular_design_stays_honest():
    """p > n: faces may be singular (the path gives up there), no coefficient contract."""
    X, y = gaussian(70, 90, 5, 4)
    lmax = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / X.shape[0]
    alphas = lmax * np.logspace(-0.3, -2, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        r = solve(X, y, "l1", alphas, method="auto", max_iter=20_000)
    assert np.all(np.isinf(r.coef_bound))
    for j, a in enumerate(alphas):
        if r.converged[j]:
            assert r.gap[j] <= r.gap_target
            assert kkt_violation(X, y, r.coef[j], r.intercept[j], a) <= 1e-5 * a
        c, b = lasso_path_sklearn(X, y, [a])[0]
        f_ref = objective(X, y, c, b, "l1", a)
        assert objective(X, y, r.coef[j], r.intercept[j], "l1", a) <= f_ref + 1e-8


def test_auto_path_start_survives_singular_faces():
    """p = 2n and small α: faces reach the rank of G (their factorization fails) and
    the iteration takes over; the fits that say converged meet the gap, none crashes."""
    X, y = gaussian(40, 80, 20, 5)
    lmax = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / X.shape[0]
    alphas = lmax * np.logspace(0, -4, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        r = solve(X, y, "l1", alphas, method="auto", max_iter=5_000)
    assert np.sum(r.coef[-1] != 0) >= 30  # faces of (nearly) full rank 39 were tried
    for j, a in enumerate(alphas):
        assert r.converged[j] == (r.gap[j] <= r.gap_target)
        if r.converged[j]:
            assert kkt_violation(X, y, r.coef[j], r.intercept[j], a) <= 1e-4 * a


def test_face_factor_stays_exact_through_joins_and_deletions():
    """The incrementally updated Cholesky factor of (G + α₂I)_FF against a direct one."""
    from scipy.linalg import lapack, qr_delete

    from l1l2.solvers._dense import _Face

    G = gram(gaussian(200, 90, 5, 6)[0])
    rng = np.random.default_rng(7)
    face = _Face(G, lapack, qr_delete)
    face.reset(0.3)
    mask = np.zeros(90, dtype=bool)
    for _ in range(40):
        mask = mask ^ (rng.random(90) < 0.15)  # some join, some leave
        assert face.update(mask)
        idx = face.idx
        assert np.array_equal(np.sort(idx), np.flatnonzero(mask))
        s = idx.size
        R = face.R
        H = G[np.ix_(idx, idx)] + 0.3 * np.eye(s)
        assert R.shape == (s, s) and np.array_equal(face.buf[:s, :s], R)  # zero below
        assert np.allclose(R.T @ R, H, rtol=0, atol=1e-12)
        b = rng.standard_normal(s)
        assert np.allclose(H @ face.solve(b), b, rtol=0, atol=1e-10)
