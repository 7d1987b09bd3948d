"""Speed and accuracy of l1l2's batched solvers on the default study's grids (not a test).

Problem set (the shape of one pipeline job, without CV folds): ``--replicates`` (10) draws of
n = 150 points x ~ U[-1, 1], y = sin(2πx) + 0.3·ε; Legendre features of degrees 1..15,
standardized; 30 α log-spaced from 1e1 down to 1e-5 *in α units* (l1l2's scale, i.e.
``Lasso(alpha=α)``, ``Ridge(alpha=n·α)``). With standardized features and Var(y) ≈ 0.6 the
Lasso's λ_max = ||X_cᵀy_c||∞/n is ≈ 0.2–0.5, so the top third of the grid gives the all-zero
solution (as in the study) and the bottom reaches OLS-like fits. tol = 1e-10 for every
gap-based solver (l1l2, scikit-learn, celer: the same ``gap <= tol·||y_c||²/n``).

Contestants, all on one core (threadpoolctl limits BLAS to 1 thread):

* l1l2 ``solve_many``: every (replicate, degree, α) in one batch (FISTA, cold start);
* scikit-learn fit by fit, as GridSearchCV would (``Lasso``/``Ridge(solver="cholesky")``);
* scikit-learn ``lasso_path`` (warm-started coordinate descent along the α path);
* celer (``celer.Lasso`` fit by fit, warm-started along the path) and skglm
  (``skglm.Lasso`` / ``skglm.ElasticNet(l1_ratio=0)`` = ridge, warm-started along the
  path); both are optional extras listed in requirements-bench.txt. skglm's ``tol`` bounds a
  KKT violation, not a gap; its accuracy is printed next to its time. Numba compilation is
  done before timing.

Accuracy is the max |coef − coef_sklearn| over all fits (sklearn fit by fit with tol=1e-10;
for ridge the exact Cholesky solution).

Run: ``.venv/bin/python benchmarks/solvers.py [--quick] [--repeat 3]``. The environment may
set ``OPENBLAS_CORETYPE`` (it changes BLAS kernels, hence the last bits and some speed); it
is printed and left as is.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
from numpy.polynomial.legendre import legvander
from threadpoolctl import threadpool_info, threadpool_limits

import l1l2
from l1l2.solvers import solve_many


def make_problems(replicates, degrees, n, seed=0):
    rng = np.random.default_rng(seed)
    problems = []
    for _ in range(replicates):
        x = rng.uniform(-1, 1, n)
        y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
        for d in degrees:
            V = legvander(x, d)[:, 1:]
            problems.append(((V - V.mean(axis=0)) / V.std(axis=0), y))
    return problems


def best_of(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


# ----------------------------------------------------------------- contestants


def l1l2_batched(problems, penalty, alphas, tol):
    res = solve_many(problems, penalty, alphas, tol=tol, max_iter=100_000)
    assert all(r.converged.all() for r in res)
    return [r.coef for r in res]


def sklearn_fit_by_fit(problems, penalty, alphas, tol):
    from sklearn.linear_model import Lasso, Ridge

    out = []
    for X, y in problems:
        coefs = []
        for a in alphas:
            if penalty == "l1":
                m = Lasso(alpha=a, tol=tol, max_iter=1_000_000).fit(X, y)
            else:
                m = Ridge(alpha=X.shape[0] * a, solver="cholesky").fit(X, y)
            coefs.append(m.coef_)
        out.append(np.array(coefs))
    return out


def sklearn_lasso_path(problems, alphas, tol):
    from sklearn.linear_model import lasso_path

    order = np.argsort(-alphas)
    out = []
    for X, y in problems:
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        _, coefs, _ = lasso_path(Xc, yc, alphas=alphas[order], tol=tol, max_iter=1_000_000)
        c = np.empty((alphas.size, X.shape[1]))
        c[order] = coefs.T
        out.append(c)
    return out


def celer_path_fits(problems, alphas, tol):
    from celer import Lasso

    order = np.argsort(-alphas)
    out = []
    for X, y in problems:
        m = Lasso(alpha=alphas[order[0]], tol=tol, warm_start=True, max_iter=1000)
        c = np.empty((alphas.size, X.shape[1]))
        for j in order:
            m.alpha = alphas[j]
            c[j] = m.fit(X, y).coef_
        out.append(c)
    return out


def skglm_path_fits(problems, penalty, alphas, tol):
    from skglm import ElasticNet, Lasso

    order = np.argsort(-alphas)
    out = []
    for X, y in problems:
        c = np.empty((alphas.size, X.shape[1]))
        if penalty == "l1":
            m = Lasso(alpha=alphas[order[0]], tol=tol, warm_start=True, max_iter=1000)
        else:  # skglm's L2 penalty has no CD prox; ElasticNet(l1_ratio=0) is ridge
            m = ElasticNet(alpha=alphas[order[0]], l1_ratio=0.0, tol=tol, warm_start=True,
                           max_iter=1000)
        for j in order:
            m.alpha = alphas[j]
            c[j] = m.fit(X, y).coef_
        out.append(c)
    return out


def numpy_direct_ridge(problems, alphas):
    out = []
    for X, y in problems:
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        n, p = X.shape
        G, c = Xc.T @ Xc / n, Xc.T @ yc / n
        Gs = G[None] + alphas[:, None, None] * np.eye(p)[None]
        out.append(np.linalg.solve(Gs, np.broadcast_to(c, (alphas.size, p))[..., None])[..., 0])
    return out


# ----------------------------------------------------------------- main


def max_diff(a, b):
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True))


def run(penalty, problems, alphas, tol, repeat, quick):
    print(f"\n== {penalty.upper()}: {len(problems)} problems x {alphas.size} alphas = "
          f"{len(problems) * alphas.size} fits, tol={tol:g}")
    rows = []
    t_ours, ours = best_of(lambda: l1l2_batched(problems, penalty, alphas, tol), repeat)
    t_sk, sk = best_of(lambda: sklearn_fit_by_fit(problems, penalty, alphas, tol),
                       1 if not quick else 1)
    rows.append(("sklearn fit-by-fit", t_sk, 0.0, True))
    if penalty == "l1":
        t, c = best_of(lambda: sklearn_lasso_path(problems, alphas, tol), repeat)
        rows.append(("sklearn lasso_path (warm)", t, max_diff(c, sk), True))
        try:
            celer_path_fits(problems[:2], alphas[:3], tol)  # import / first call
            t, c = best_of(lambda: celer_path_fits(problems, alphas, tol), repeat)
            rows.append(("celer (warm path)", t, max_diff(c, sk), True))
        except ImportError as exc:
            print(f"  celer not available ({exc}); skipped")
    try:
        skglm_path_fits(problems[:2], penalty, alphas[:3], tol)  # numba compilation
        t, c = best_of(lambda: skglm_path_fits(problems, penalty, alphas, tol), repeat)
        rows.append(("skglm (warm path)", t, max_diff(c, sk), True))
    except ImportError as exc:
        print(f"  skglm not available ({exc}); skipped")
    if penalty == "l2":
        t, c = best_of(lambda: numpy_direct_ridge(problems, alphas), repeat)
        rows.append(("numpy direct solve [context, not a peer]", t, max_diff(c, sk), False))
    peers = [r for r in rows if r[3]]
    fastest = min(peers, key=lambda r: r[1])
    print(f"  {'method':44s} {'time [s]':>9s} {'vs sk fit-by-fit':>17s} "
          f"{'max|coef-sk|':>13s}")
    for name, t, d, _ in rows:
        print(f"  {name:44s} {t:9.4f} {t / t_sk:17.4f} {d:13.2e}")
    d_ours = max_diff(ours, sk)
    print(f"  {'l1l2 solve_many (fista, batched)':44s} {t_ours:9.4f} {t_ours / t_sk:17.4f} "
          f"{d_ours:13.2e}")
    if penalty == "l2":
        # Cholesky is exact; tol=1e-10 bounds the excess objective, not the coefficients.
        # For equal accuracy (coefficients to ~1e-10) tighten tol until they match.
        t_ours, ours = best_of(lambda: l1l2_batched(problems, penalty, alphas, 1e-22), repeat)
        d_ours = max_diff(ours, sk)
        print(f"  {'l1l2 solve_many (fista, batched, tol=1e-22)':44s} {t_ours:9.4f} "
              f"{t_ours / t_sk:17.4f} {d_ours:13.2e}")
    print(f"  at equal accuracy: l1l2 / sklearn fit-by-fit = {t_ours / t_sk:.4f}   "
          f"(target <= 0.05)")
    print(f"  at equal accuracy: l1l2 / fastest peer ({fastest[0]}) = "
          f"{t_ours / fastest[1]:.4f}   (target <= 0.25)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 replicates, degrees 1..15 step 2")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--penalty", choices=["l1", "l2", "both"], default="both")
    args = ap.parse_args()
    replicates = 2 if args.quick else args.replicates
    degrees = range(1, 16, 2) if args.quick else range(1, 16)
    repeat = 1 if args.quick else args.repeat
    alphas = np.logspace(1, -5, 30)
    tol = 1e-10
    problems = make_problems(replicates, degrees, 150)
    print(f"l1l2 {l1l2.__version__}, numpy {np.__version__}, Python {platform.python_version()}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
          f"BLAS: {[i.get('internal_api') for i in threadpool_info()]}; limited to 1 thread")
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*faster on contiguous arrays")
        for pen in (["l1", "l2"] if args.penalty == "both" else [args.penalty]):
            run(pen, problems, alphas, tol, repeat, args.quick)


if __name__ == "__main__":
    main()
