"""The smooth problems' coefficient certificate against an exact rational reference.

``converged`` promises max(‖w − w*‖₂, |b − b*|) ≤ coef_tol for the minimizer (w*, b*) of the
data's own problem (exactly centred, no rounding anywhere). The reference here solves that
problem in exact rational arithmetic (``fractions.Fraction``), independently of the solver.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from numpy.polynomial.legendre import legvander

from l1l2.solvers import solve_many


def exact_ridge(X, y, a2):
    """Exact (w*, b*) of ||y - Xw - b||²/(2n) + a2/2·||w||² (rationals, Gauss–Jordan)."""
    n, p = X.shape
    Xf = [[Fraction(float(v)) for v in row] for row in X]
    yf = [Fraction(float(v)) for v in y]
    xm = [sum(Xf[i][j] for i in range(n)) / n for j in range(p)]
    ym = sum(yf) / n
    Xc = [[Xf[i][j] - xm[j] for j in range(p)] for i in range(n)]
    yc = [v - ym for v in yf]
    G = [[sum(Xc[i][j] * Xc[i][k] for i in range(n)) / n for k in range(p)] for j in range(p)]
    c = [sum(Xc[i][j] * yc[i] for i in range(n)) / n for j in range(p)]
    out = []
    for a in a2:
        af = Fraction(float(a))
        M = [[G[j][k] + (af if j == k else 0) for k in range(p)] + [c[j]] for j in range(p)]
        for col in range(p):
            piv = next(r for r in range(col, p) if M[r][col] != 0)
            M[col], M[piv] = M[piv], M[col]
            for r in range(p):
                if r != col and M[r][col] != 0:
                    f = M[r][col] / M[col][col]
                    M[r] = [u - f * v for u, v in zip(M[r], M[col], strict=True)]
        w = [M[j][p] / M[j][j] for j in range(p)]
        out.append((w, ym - sum(xm[j] * w[j] for j in range(p))))
    return out


def true_error(coef, intercept, w, b):
    """max(‖coef − w*‖₂, |intercept − b*|), evaluated exactly then rounded."""
    dw = sum((Fraction(float(v)) - u) ** 2 for v, u in zip(coef, w, strict=True))
    return max(math.sqrt(float(dw)), abs(float(Fraction(float(intercept)) - b)))


def legendre15(seed):
    """Degree 15 on 21-37 random points: these seeds give cond(G) 1e8 .. 4e13."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(21, 38))
    x = rng.uniform(-1, 1, n)
    V = legvander(x, 15)[:, 1:]
    y = np.sin(2 * np.pi * x) + 0.1 * np.random.default_rng(seed + 1).standard_normal(n)
    return (V - V.mean(0)) / V.std(0), y


def designs():
    """Legendre degree 15 at small n (cond(G) 1e8 .. 6e12), raw monomials, an offset."""
    out = [legendre15(seed) for seed in (4, 69, 78, 48, 14)]
    rng = np.random.default_rng(20261126)
    x = rng.uniform(-1, 1, 40)
    y = np.cos(3 * x) + 0.1 * rng.standard_normal(40) + 3.0
    V = np.vander(x, 13, increasing=True)[:, 1:]
    out.append(((V - V.mean(0)) / V.std(0), y))
    out.append((7.0 * V[:, :9] + 2.0, y))  # unstandardized, far from the origin
    return out


@pytest.fixture(scope="module")
def reference():
    problems = designs()
    a2 = [0.0, 1e-9, 1e-6]
    return problems, a2, [exact_ridge(X, y, a2) for X, y in problems]


@pytest.mark.parametrize("method", ["auto", "cg"])
def test_certificate_bounds_the_exact_error_and_closes_the_rounding_gap(reference, method):
    problems, a2, ref = reference
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ols = solve_many(problems, "none", method=method)
        ridge = solve_many(problems, "l2", a2[1:], method=method)
    conds = []
    for i, (o, r) in enumerate(zip(ols, ridge, strict=True)):
        fits = [(o, 0)] + [(r, j) for j in range(len(a2) - 1)]
        for k, (res, j) in enumerate(fits):
            w, b = ref[i][k]
            err = true_error(res.coef[j], res.intercept[j], w, b)
            assert err <= res.coef_bound[j], (i, k, err, res.coef_bound[j])  # a real bound
            if res.converged[j]:
                assert err <= 1e-6
        conds.append(o.cond)
    # The Gram-based bound stops near cond(G)·eps·‖w‖; the exact certificate goes on.
    conds = np.array(conds)
    assert np.sum(conds > 1e8) >= 5 and conds.max() > 1e12
    assert all(r.converged.all() for r in ridge)
    # OLS converges up to cond(G) ~ 1e11; at 6e12 (n = 23) λ_min(G) is below the worst-case
    # slack of forming G in float64, and the fit says so.
    assert [bool(r.converged[0]) for r in ols] == [c < 1e12 for c in conds]


def test_beyond_the_certifiable_it_says_not_converged():
    """cond(G) ≈ 4e13: λ_min(G) is below the rounding slack of forming G, so no float64
    certificate exists (μ ≤ 0); raw monomials of degree 17 (cond ≳ 1e17) likewise."""
    X, y = legendre15(200)
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 24)
    Xm = np.vander(x, 18, increasing=True)[:, 1:]
    ym = np.exp(x) + 0.01 * rng.standard_normal(24)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = solve_many([(X, y), (Xm, ym)], "l2", [1e-15, 0.0], method="auto")
    assert res[0].cond > 1e13 and res[1].cond > 1e16
    for r in res:
        assert not r.converged.any() and np.all(r.coef_bound > 1e-6)
    (w, b), = exact_ridge(X, y, [1e-15])
    assert true_error(res[0].coef[0], res[0].intercept[0], w, b) <= res[0].coef_bound[0]


def test_exactly_certified_fits_are_deterministic(reference):
    problems = reference[0][:4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = solve_many(problems, "none", method="auto")
        b = solve_many(problems, "none", method="auto")
    for u, v in zip(a, b, strict=True):
        assert u.coef.tobytes() == v.coef.tobytes()
        assert u.coef_bound.tobytes() == v.coef_bound.tobytes()


def exact_lasso_on_face(X, y, alpha, support, signs):
    """The exact minimizer of ||y - Xw - b||²/(2n) + α||w||₁ if it has this support and these
    signs (rationals): solves the face system, then verifies the signs and the optimality
    conditions off the support exactly. Returns (w, b) or None when they do not hold."""
    n, p = X.shape
    Xf = [[Fraction(float(v)) for v in row] for row in X]
    yf = [Fraction(float(v)) for v in y]
    xm = [sum(Xf[i][j] for i in range(n)) / n for j in range(p)]
    ym = sum(yf) / n
    Xc = [[Xf[i][j] - xm[j] for j in range(p)] for i in range(n)]
    yc = [v - ym for v in yf]
    G = [[sum(Xc[i][j] * Xc[i][k] for i in range(n)) / n for k in range(p)] for j in range(p)]
    c = [sum(Xc[i][j] * yc[i] for i in range(n)) / n for j in range(p)]
    a = Fraction(float(alpha))
    S = [j for j in range(p) if support[j]]
    M = [[G[j][k] for k in S] + [c[j] - a * int(signs[j])] for j in S]
    m = len(S)
    for col in range(m):
        piv = next(r for r in range(col, m) if M[r][col] != 0)
        M[col], M[piv] = M[piv], M[col]
        for r in range(m):
            if r != col and M[r][col] != 0:
                f = M[r][col] / M[col][col]
                M[r] = [u - f * v for u, v in zip(M[r], M[col], strict=True)]
    w = [Fraction(0)] * p
    for i, j in enumerate(S):
        w[j] = M[i][m] / M[i][i]
        if w[j] * int(signs[j]) <= 0:
            return None
    for j in range(p):
        if not support[j] and abs(c[j] - sum(G[j][k] * w[k] for k in S)) > a:
            return None
    return w, ym - sum(xm[j] * w[j] for j in range(p))


def monomials(seed, degrees, n=150):
    """Standardized raw powers on n random points: cond(G) 6e7 (degree 12) .. 2e10 (15)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
    out = []
    for d in degrees:
        V = np.vander(x, d + 1, increasing=True)[:, 1:]
        out.append(((V - V.mean(0)) / V.std(0), y))
    return out


def test_l1_face_certificate_is_a_true_bound_at_tiny_alpha():
    """Lasso at α = 1e-5 .. 1e-4 on cond(G) 6e7 .. 2e10: where gap-safe screening leaves the
    Gram bound above 1e-6 (cond·eps·‖w‖), the face certified on the data converges them."""
    problems = [legendre15(78)] + monomials(3, [12, 13, 14])
    alphas = [1e-4, 1.6e-5, 1e-5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = solve_many(problems, "l1", alphas, method="auto")
    for (X, y), r in zip(problems, res, strict=True):
        assert r.cond > 5e7
        assert r.converged.all()
        for j, a in enumerate(alphas):
            ref = exact_lasso_on_face(X, y, a, r.coef[j] != 0, np.sign(r.coef[j]))
            assert ref is not None  # converged: its support and signs are the optimum's
            err = true_error(r.coef[j], r.intercept[j], *ref)
            assert err <= r.coef_bound[j] <= 1e-6


def test_active_set_rounds_do_not_cycle_on_a_study_cv_fold():
    """A CV fold of the default study (sparse_legendre, noise 0.4, n = 50: replicate 6, fold 2,
    30 rows, Legendre degree 15, cond(G) 5e10). At α = 1.58e-5 the face CG was cut at the same
    sign change in every round (a proximal step restored the coordinate's old sign), and the
    fit ended not converged after 1e5 iterations; the rounds must find the face instead."""
    from l1l2.data import Scenario, simulate, split
    from l1l2.study import build_problems

    scenario = Scenario("sparse_legendre", 0.4, 50)
    table = split(simulate(scenario, 7, seed=20240601), scenario.name, 20240601, 0.25, 5)
    (problem,) = [p for p in build_problems(table, [15], "legendre", (-1, 1), [6]) if p.fold == 2]
    res = solve_many([(problem.X, problem.y)], "l1", [1.58e-5, 1e-5], method="auto")[0]
    assert res.cond > 1e10
    assert res.converged.all()
    assert res.n_iter.max() < 10_000
