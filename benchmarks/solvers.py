"""Lasso paths at matched accuracy: l1l2 against scikit-learn, glmnet and adelie (not a test).

Every contestant must reach max |Δw| ≤ 1e-6 over all fits of a regime, measured against an
exact reference; each peer runs at the loosest of its tolerances 1e-4, 1e-5, ..., 1e-16 that
reaches it (found once, untimed) and is flagged ``NOT MATCHED`` when none does (then timed at
its tightest tolerance, with the error it reached). l1l2 runs at its defaults (``tol=1e-10``,
``coef_tol=1e-6``): its accuracy contract is what is being checked.

Regimes (α in l1l2's scale, i.e. ``Lasso(alpha=α)``; glmnet ``lambda=α``; adelie
``lmda=α``; all with an intercept, no standardization):

* ``study``    the default study's grid: 10 draws x Legendre degrees 1..15 (150 problems),
  n = 150, y = sin(2πx) + 0.3ε, 30 α from 1e1 down to 1e-5;
* ``gaussian`` 3 problems n = 500, p = 200, X ~ N(0, 1), 10 non-zero weights, noise 1,
  30 α from λ_max down to 1e-3·λ_max;
* ``n1e5``     one problem, n = 10⁵, Legendre degree 15, the study's 30 α;
* ``monomial`` 2 draws x standardized monomial degrees 10..15 (12 problems, cond(G)
  3e8..3e10), n = 150, the study's 30 α.

Reference: an active-set solve on the data themselves (QR of the centred active columns,
not the Gram matrix), iterated until the KKT conditions hold to 1e-12 relative on the full
design; the number of fits whose KKT check failed is printed (they are excluded).

Contestants (single thread; CPU time of this process, ``time.process_time``, so that load
from other processes on a shared machine inflates the figures less than wall time; the
median of ``--repeat`` interleaved runs, the order rotated each round):

* l1l2 ``solve_many`` (``method="auto"``: up to 64 features, in a batch of at least 256
  (problem, α) pairs and 6 α (``study``, ``monomial``), it starts from each problem's exact Lasso
  path by homotopy (all problems stepping together, rank-one updates of the face inverse),
  certified at once where it can be; the other pairs, and smaller batches (``n1e5``), get
  FISTA + active-set rounds that solve each face system directly, one LU factorization per
  distinct face, up to 32 features (conjugate gradient on the face above); above 64
  features it starts from an active-set continuation along α with Cholesky factors of the
  faces, and takes the spectrum's bounds from shifted Cholesky factorizations instead of
  ``eigvalsh``) and
  ``method="fista"`` (plain FISTA with restart), every problem and α in one batch;
* scikit-learn ``lasso_path`` (coordinate descent, warm-started along the path, Gram
  precomputed when n > p);
* glmnet (python-glmnet, Fortran coordinate descent, ``lambda_path`` given, ``n_splits=0``);
* adelie (``grpnet`` with singleton groups, ``early_exit=False``);
* the NumPy floor: centring, Gram matrix and one ``eigh`` per problem — the set-up any
  Gram-based method pays (context, not a contestant).

glmnet and adelie need numpy < 2 and are installed in a separate environment, see
requirements-bench.txt; contestants that cannot be imported are listed as skipped.

Run (after ``make .venv-bench/.installed``): ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
.venv-bench/bin/python benchmarks/solvers.py
[--regimes study,gaussian,n1e5,monomial] [--repeat 5]``.
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

from l1l2.solvers import solve_many

TARGET = 1e-6
TOLS = [10.0**-k for k in range(4, 17)]
STUDY_ALPHAS = np.logspace(1, -5, 30)


# ----------------------------------------------------------------- problems


def standardize(V):
    return (V - V.mean(axis=0)) / V.std(axis=0)


def study_problems(replicates=10, degrees=range(1, 16), n=150, basis="legendre", seed=0):
    rng = np.random.default_rng(seed)
    problems = []
    for _ in range(replicates):
        x = rng.uniform(-1, 1, n)
        y = np.sin(2 * np.pi * x) + 0.3 * rng.standard_normal(n)
        for d in degrees:
            V = legvander(x, d)[:, 1:] if basis == "legendre" else np.vander(x, d + 1, True)[:, 1:]
            problems.append((standardize(V), y))
    return problems


def gaussian_problems(k=3, n=500, p=200, s=10, seed=1):
    rng = np.random.default_rng(seed)
    problems = []
    for _ in range(k):
        X = rng.standard_normal((n, p))
        w = np.zeros(p)
        w[rng.choice(p, s, replace=False)] = rng.choice([-1, 1], s) * rng.uniform(0.5, 2, s)
        problems.append((X, X @ w + rng.standard_normal(n)))
    return problems


def lambda_max(X, y):
    return float(np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / X.shape[0])


def regime(name):
    if name == "study":
        return study_problems(), STUDY_ALPHAS
    if name == "gaussian":
        problems = gaussian_problems()
        top = max(lambda_max(X, y) for X, y in problems)
        return problems, top * np.logspace(0, -3, 30)
    if name == "n1e5":
        return study_problems(1, [15], 100_000, seed=2), STUDY_ALPHAS
    if name == "monomial":
        return study_problems(2, range(10, 16), 150, "monomial", seed=3), STUDY_ALPHAS
    raise ValueError(name)


# ----------------------------------------------------------------- exact reference


def exact_lasso(X, y, alpha, start, rounds=60):
    """Exact Lasso solution by an active-set method on QR factors of the centred data.

    ``start``: a guess of the solution (its support and signs seed the active set). Returns
    (w, ok) with ok = KKT conditions verified to 1e-12 relative on the full design.
    """
    n, p = X.shape
    Xc, yc = X - X.mean(0), y - y.mean()
    w = start.copy()
    S = w != 0
    for _ in range(rounds):
        idx = np.flatnonzero(S)
        w = np.zeros(p)
        if idx.size:
            s = np.sign(start[idx])
            Q, R = np.linalg.qr(Xc[:, idx])
            # minimize ||yc - X_S v||²/(2n) + alpha sᵀv  ⇒  RᵀR v = Rᵀ Qᵀ yc − n alpha s
            z = np.linalg.solve(R.T, n * alpha * s)
            v = np.linalg.solve(R, Q.T @ yc - z)
            bad = np.sign(v) != s
            if bad.any():  # a sign flipped: drop the first such column, solve again
                S[idx[np.argmax(bad)]] = False
                start = np.where(S, start, 0.0)
                continue
            w[idx] = v
        g = Xc.T @ (yc - Xc @ w) / n
        scale = alpha * (1 + 1e-12) + 1e-15 * np.max(np.abs(Xc.T @ yc)) / n
        viol = np.where(S, 0.0, np.abs(g) - scale)
        if viol.max() <= 0:
            return w, True
        j = int(np.argmax(viol))
        S[j] = True
        start = w.copy()
        start[j] = np.sign(g[j])
    return w, False


def reference(problems, alphas):
    seed = solve_many(problems, "l1", alphas, method="auto", tol=1e-14, coef_tol=1e-10,
                      max_iter=200_000)
    out, n_bad = [], 0
    for (X, y), r in zip(problems, seed, strict=True):
        W = np.empty_like(r.coef)
        ok = np.ones(alphas.size, bool)
        for j, a in enumerate(alphas):
            W[j], ok[j] = exact_lasso(X, y, a, r.coef[j].copy())
        n_bad += int((~ok).sum())
        out.append((W, ok))
    return out, n_bad


def max_err(coefs, ref):
    return max(float(np.max(np.abs(c - W)[ok])) if ok.any() else 0.0
               for c, (W, ok) in zip(coefs, ref, strict=True))


# ----------------------------------------------------------------- contestants


def l1l2(method):
    def fit(problems, alphas, tol=None):
        res = solve_many(problems, "l1", alphas, method=method)
        return [r.coef for r in res], [r.converged for r in res]
    return fit


def sk_path(problems, alphas, tol):
    from sklearn.linear_model import lasso_path

    order = np.argsort(-alphas)
    out = []
    for X, y in problems:
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        _, coefs, _ = lasso_path(Xc, yc, alphas=alphas[order], tol=tol, max_iter=100_000)
        c = np.empty((alphas.size, X.shape[1]))
        c[order] = coefs.T
        out.append(c)
    return out, None


def glmnet_path(problems, alphas, tol):
    import glmnet

    order = np.argsort(-alphas)
    out = []
    for X, y in problems:
        m = glmnet.ElasticNet(alpha=1.0, lambda_path=alphas[order], standardize=False,
                              fit_intercept=True, tol=tol, max_iter=100_000, n_splits=0)
        m.fit(X, y)
        c = np.full((alphas.size, X.shape[1]), np.nan)  # a truncated path stays NaN
        k = m.coef_path_.shape[1]
        c[order[:k]] = m.coef_path_.T
        out.append(c)
    return out, None


def adelie_path(problems, alphas, tol):
    import adelie as ad

    order = np.argsort(-alphas)
    out = []
    for X, y in problems:
        st = ad.solver.grpnet(np.asfortranarray(X), ad.glm.gaussian(y), alpha=1.0,
                              lmda_path=alphas[order], intercept=True, tol=tol,
                              early_exit=False, adev_tol=1.0, ddev_tol=0.0,
                              progress_bar=False)
        B = st.betas.toarray()
        c = np.full((alphas.size, X.shape[1]), np.nan)
        c[order[:B.shape[0]]] = B
        out.append(c)
    return out, None


def numpy_floor(problems, alphas, tol=None):
    for X, y in problems:
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        n = X.shape[0]
        G, c = Xc.T @ Xc / n, Xc.T @ yc / n
        np.linalg.eigh(G)
    return c, None


PEERS = {"sklearn lasso_path": sk_path, "glmnet": glmnet_path, "adelie": adelie_path}


def pick_tol(fn, problems, alphas, ref, tols=TOLS, max_seconds=120.0):
    """Loosest tolerance reaching TARGET; (tol, error, matched)."""
    err = np.inf
    for tol in tols:
        t0 = time.process_time()
        coefs, _ = fn(problems, alphas, tol)
        err = max_err(coefs, ref)
        if err <= TARGET:
            return tol, err, True
        if time.process_time() - t0 > max_seconds:  # too slow to go tighter
            return tol, err, False
    return tols[-1], err, False


def run_regime(name, repeat, tols=TOLS, max_seconds=120.0):
    problems, alphas = regime(name)
    ps = sorted({X.shape[1] for X, _ in problems})
    ns = sorted({X.shape[0] for X, _ in problems})
    print(f"\n== {name}: {len(problems)} problems (n {ns}, p {ps[0]}..{ps[-1]}) x {alphas.size} "
          f"alphas = {len(problems) * alphas.size} Lasso fits")
    ref, n_bad = reference(problems, alphas)
    if n_bad:
        print(f"  reference: KKT not verified for {n_bad} fits (excluded from the errors)")
    rows = {"l1l2 auto": [l1l2("auto"), None, None, True, ""],
            "l1l2 fista": [l1l2("fista"), None, None, True, ""]}
    for label, fn in PEERS.items():
        try:
            tol, err, ok = pick_tol(fn, problems, alphas, ref, tols, max_seconds)
        except ImportError as exc:
            print(f"  {label}: skipped ({exc})")
            continue
        rows[label] = [fn, tol, err, ok, "" if ok else "NOT MATCHED"]
    for label in ("l1l2 auto", "l1l2 fista"):
        coefs, conv = rows[label][0](problems, alphas)
        rows[label][2] = max_err(coefs, ref)
        rows[label][3] = rows[label][2] <= TARGET
        n_unconv = sum(int((~c).sum()) for c in conv)
        # Honesty: the error of the fits that say converged must be within the contract.
        err_conv = max_err([np.where(c[:, None], w, W) for w, c, (W, _) in
                            zip(coefs, conv, ref, strict=True)], ref)
        note = (f"{n_unconv} fits say not converged; converged ones within {err_conv:.1e}"
                if n_unconv else "all converged")
        rows[label][4] = note + ("" if rows[label][3] else "; NOT MATCHED")
    rows["numpy floor (Gram + eigh)"] = [numpy_floor, None, 0.0, True, "context"]
    times = {k: [] for k in rows}
    labels = list(rows)
    for r in range(repeat):
        for label in labels[r % len(labels):] + labels[:r % len(labels)]:
            fn, tol = rows[label][0], rows[label][1]
            t0 = time.process_time()
            fn(problems, alphas, tol)
            times[label].append(time.process_time() - t0)
    t_ref = np.median(times["l1l2 auto"])
    print(f"  {'contestant':28s} {'tol':>7s} {'CPU [s]':>9s} {'x l1l2':>7s} {'max|dw|':>9s}  note")
    for label in labels:
        _, tol, err, _, note = rows[label]
        t = float(np.median(times[label]))
        print(f"  {label:28s} {('-' if tol is None else f'{tol:.0e}'):>7s} {t:9.4f} "
              f"{t / t_ref:7.2f} {err:9.1e}  {note}")
    t_floor = float(np.median(times["numpy floor (Gram + eigh)"]))
    print(f"  l1l2 auto / numpy floor = {t_ref / t_floor:.1f}")
    return {label: float(np.median(times[label])) for label in labels}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regimes", default="study,gaussian,n1e5,monomial")
    ap.add_argument("--repeat", type=int, default=5, help="interleaved runs per contestant")
    ap.add_argument("--tols", default=",".join(f"{t:g}" for t in TOLS),
                    help="peer tolerances to try, loosest first")
    ap.add_argument("--max-call-seconds", type=float, default=120.0,
                    help="stop a peer's search after a call this slow (CPU seconds)")
    args = ap.parse_args()
    tols = [float(t) for t in args.tols.split(",")]
    import l1l2

    print(f"l1l2 {l1l2.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs; BLAS "
          f"{[i.get('internal_api') for i in threadpool_info()]} limited to 1 thread; "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}; load average "
          f"{os.getloadavg()[0]:.1f}")
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in args.regimes.split(","):
            run_regime(name, args.repeat, tols, args.max_call_seconds)


if __name__ == "__main__":
    main()
