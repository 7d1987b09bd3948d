"""Certificates in exact arithmetic on the data themselves, for :mod:`._batch`.

Where the Gram-based certificate of :func:`._batch.measures` cannot reach the coefficient
tolerance (it cannot go below about cond(G)·eps·‖w‖, nor can an iteration on the float64
``G``), the gradient of the exactly centred data is computed in integer arithmetic from
the data's float64 values and rounded once: :func:`certify_exact` for smooth problems,
:func:`certify_exact_face` for L1 problems through the face of the iterate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ._cg import _cg

if TYPE_CHECKING:
    from ._batch import Batch

_EPS = np.finfo(np.float64).eps

#: Correction rounds of :func:`certify_exact` after the first measurement.
REFINE_ROUNDS = 4


def _as_integers(a):
    """``a`` (float64) as ``(ints, e)`` with ``a == ints * 2**e`` exactly (Python integers)."""
    m, e = np.frexp(a)
    mi = (m * 2.0**53).astype(np.int64)  # exact: |m| < 1 has 53 significant bits
    e = e.astype(np.int64) - 53
    nz = mi != 0
    e0 = int(e[nz].min()) if nz.any() else 0
    sh = np.where(nz, e - e0, 0)
    if sh.max(initial=0) <= 9:  # common case: fits int64, no Python loop
        return (mi << sh).astype(object), e0
    flat = [int(v) << int(k) for v, k in zip(mi.ravel().tolist(), sh.ravel().tolist(),
                                               strict=True)]
    return np.array(flat + [None], dtype=object)[:-1].reshape(a.shape), e0


@dataclass
class Exact:
    r"""One problem's exactly centred data as integers, and its float64 Gram with its slack.

    The float64 values of ``X`` and ``y`` are integers times powers of two, so with
    :math:`A = nX - \mathbf 1\mathbf 1^\top X` (integers, scaled by :math:`2^{e_x}`) the
    exactly centred data are :math:`X_c = A\,2^{e_x}/n`, likewise :math:`y_c = a\,2^{e_y}/n`
    (:math:`A = nX`, :math:`a = ny` without intercept). ``G`` is the batch's float64 Gram
    matrix, within ``dG`` (:meth:`Batch.data_slack`) of the exact :math:`G^\star` in 2-norm;
    ``lmin``/``lmax`` bound :math:`\lambda_{\min}(G^\star)` from below and
    :math:`\lambda_{\max}(G^\star)` from above (LAPACK's backward-stable ``eigvalsh``,
    allowance 2(q + 1)·eps·λ_max, plus ``dG``, Weyl). ``b_err`` bounds the rounding of the
    float64 intercept :math:`\bar y - \bar x^\top w` per unit of ``1 + ‖w‖₂``.
    """

    A: np.ndarray
    a: np.ndarray
    ex: int
    ey: int
    n: int
    G: np.ndarray
    dG: float
    lmin: float
    lmax: float
    b_err: float


def exact(batch: Batch, i: int) -> Exact:
    """The :class:`Exact` form of problem ``i`` (computed once, then cached)."""
    if i in batch._exact:
        return batch._exact[i]
    X, y = batch.data[i]
    n, q = X.shape
    Xi, ex = _as_integers(X)
    yi, ey = _as_integers(y)
    if batch.fit_intercept:
        A = n * Xi - Xi.sum(axis=0)[None, :]
        a = n * yi - yi.sum()
    else:
        A, a = n * Xi, n * yi
    dG = float(batch.data_slack()[0][i])
    slack = 2.0 * (q + 1) * _EPS * batch.lmax[i] + dG
    # |fl(mean) - mean| and the products/sums of the intercept: (n + q + 4)·eps·magnitudes.
    b_err = (n + q + 4) * _EPS * float(np.abs(y).mean() + np.linalg.norm(np.abs(X).mean(axis=0)))
    batch._exact[i] = Exact(A, a, ex, ey, n, batch.G[i, :q, :q], dG,
                            float(batch.lmin[i]) - slack, float(batch.lmax[i]) + slack, b_err)
    return batch._exact[i]


def _exact_gradient(ex: Exact, w, a2: float):
    r""":math:`X_c^\top(X_c w - y_c)/n + \alpha_2 w` for float64 ``w``, exact, rounded once."""
    wi, ew = _as_integers(w)
    t = min(ex.ex + ew, ex.ey)
    v = ex.A.dot(wi) * (1 << (ex.ex + ew - t)) - ex.a * (1 << (ex.ey - t))
    num = ex.A.T.dot(v)  # g = num·2^(ex+t)/n³ + α₂w
    a2f = Fraction(a2)
    e = ex.ex + t
    scale = Fraction(1 << e, ex.n**3) if e >= 0 else Fraction(1, ex.n**3 << -e)
    return np.array([float(Fraction(int(num[j])) * scale + a2f * Fraction(float(w[j])))
                     for j in range(w.size)])


def certify_exact(batch: Batch, rows, W, a2, target, coef_tol):
    r"""Certify smooth pairs against the exact problem of the data, refining them first.

    For a smooth problem (no L1 term, no constraint) :math:`F` is a quadratic with Hessian
    :math:`H^\star = G^\star + \alpha_2 I` of the exactly centred data, so
    :math:`w - w^\star = H^{\star-1}g^\star(w)` with the exact gradient :math:`g^\star`. The
    Gram-based certificate of :func:`measures` bounds this by :math:`\lVert g\rVert/\mu`
    with ``g`` from the float64 ``G``: it cannot go below about cond(G)·eps·‖w‖, and
    neither can an iteration on that ``G``. Here :math:`g^\star(w)` is computed in exact
    (integer) arithmetic from the data's float64 values and rounded once (error
    ≤ eps·‖g‖), a correction :math:`\hat d \approx H^{-1}g` is found by conjugate gradient
    on the float64 :math:`G + \alpha_2 I`, and for any :math:`\hat d`

    .. math::

        \lVert w - w^\star\rVert \le \lVert\hat d\rVert +
        \frac{\lVert g - (G + \alpha_2 I)\hat d\rVert + e}{\mu},\qquad
        e = \gamma_{q+2}(\lVert G\rVert_F\lVert\hat d\rVert + \alpha_2\lVert\hat d\rVert
        + \lVert g\rVert) + \mathrm{dG}\,\lVert\hat d\rVert + \mathrm{eps}\lVert g\rVert,

    with μ = ``lmin`` + α₂ (a certified lower bound). The bound on the intercept adds
    ‖x̄‖ times that and the rounding of :math:`\bar y - \bar x^\top w`; the gap is
    :math:`F(w) - F^\star \le \tfrac12(\lambda_{\max} + \alpha_2)\lVert w - w^\star\rVert^2`.
    While the contract is not met, :math:`w \leftarrow w - \hat d` (iterative refinement
    with an exact residual), at most :data:`REFINE_ROUNDS` times: the bound then comes down
    to about eps·‖w‖ whenever cond(G)·eps ≪ 1.

    ``rows`` (k,) problem index of each pair, ``W`` (k, P), ``a2``/``target`` (k,). Returns
    W, gap, bound (``inf`` where μ ≤ 0), met (bool) and the CG steps spent per pair.
    """
    k, P = W.shape
    exs = [exact(batch, int(i)) for i in rows]
    G = np.zeros((k, P, P))
    for j, ex in enumerate(exs):
        q = ex.G.shape[0]
        G[j, :q, :q] = ex.G
    mu = np.array([ex.lmin for ex in exs]) + a2 * (1.0 - _EPS)
    top = np.array([ex.lmax for ex in exs]) + a2 * (1.0 + _EPS)
    gF = np.sqrt(np.sum(G * G, axis=(1, 2)))
    dG = np.array([ex.dG for ex in exs])
    xbar = np.linalg.norm(batch.x_mean[rows], axis=1)
    b_err = np.array([ex.b_err for ex in exs])
    gamma = (P + 2) * _EPS / (1.0 - (P + 2) * _EPS)
    W = W.copy()
    steps = np.zeros(k, dtype=np.int64)
    live = mu > 0
    gap, bound = np.full(k, np.inf), np.full(k, np.inf)
    met = np.zeros(k, dtype=bool)
    todo = live.copy()
    for rnd in range(REFINE_ROUNDS + 1):
        t = np.flatnonzero(todo)
        g = np.zeros((t.size, P, 1))
        for j, pair in enumerate(t):
            q = exs[pair].G.shape[0]
            g[j, :q, 0] = _exact_gradient(exs[pair], W[pair, :q], float(a2[pair]))
        a2t = a2[t][:, None, None]
        D = np.zeros_like(g)
        for _ in range(2):  # CG, then once more from its true residual
            D, _, _, _, taken = _cg(G[t], g, D, a2t, None, max(4 * P, 20))
            steps[t] += taken
        res = g - (np.matmul(G[t], D) + a2t * D)
        dn = np.sqrt(np.sum(D * D, axis=(1, 2)))
        gn = np.sqrt(np.sum(g * g, axis=(1, 2)))
        rn = np.sqrt(np.sum(res * res, axis=(1, 2)))
        e = gamma * (gF[t] * dn + a2[t] * dn + gn) + dG[t] * dn + _EPS * gn
        with np.errstate(divide="ignore", invalid="ignore"):
            dw = dn + (rn + e) / mu[t]
        bw = dw * (1.0 + 4.0 * _EPS)
        wn = np.sqrt(np.sum(W[t] * W[t], axis=1))
        bound[t] = np.maximum(bw, xbar[t] * bw + b_err[t] * (1.0 + wn))
        gap[t] = 0.5 * top[t] * bw * bw
        met[t] = (gap[t] <= target[t]) & (bound[t] <= coef_tol)
        todo = live & ~met
        if rnd == REFINE_ROUNDS or not todo.any():
            break
        W[todo] -= D[np.isin(t, np.flatnonzero(todo)), :, 0]
    return W, gap, bound, met, steps


def certify_exact_face(batch: Batch, rows, W, a1, a2, positive, target, coef_tol):
    r"""Certify L1 pairs against the exact problem of the data through their face.

    With the support :math:`S` and signs :math:`s` of ``w`` fixed, :math:`F` is a
    quadratic whose minimizer on the face is :math:`v^\star = w - d^\star`,
    :math:`(G^\star + \alpha_2 I)_{SS}d^\star = g_S = \nabla f(w)_S + \alpha_1 s_S` with the
    exact gradient (:func:`_exact_gradient`). A CG solution :math:`\hat d` and its residual
    bound :math:`\lVert d^\star - \hat d\rVert \le e_d` (as in :func:`certify_exact`, with
    μ_S a certified lower bound on :math:`\lambda_{\min}((G^\star + \alpha_2 I)_{SS})`) then
    prove :math:`v^\star` optimal for the whole problem when it keeps the signs with margin,
    :math:`s_j(w_j - \hat d_j) > e_d` on S, and the optimality conditions hold strictly
    off S, :math:`|\xi_j(v^\star)| < \alpha_1` (one-sided under ``positive``), bounded via
    :math:`\xi(v^\star) = -\nabla f(w) + (G^\star + \alpha_2 I)_{:S}d^\star` with every
    rounding and the slack of ``G``. Strict dual feasibility and μ_S > 0 make it the
    unique minimizer, so :math:`\lVert w - w^\star\rVert \le \lVert\hat d\rVert + e_d`;
    :math:`F(w) - F^\star \le \lVert g_{\min}\rVert\,\lVert w - w^\star\rVert`. While the
    contract fails but both checks pass, :math:`w_S \leftarrow w_S - \hat d_S` (at most
    :data:`REFINE_ROUNDS` times). Pairs whose checks fail are not certified here.

    ``rows`` (k,), ``W`` (k, P), ``a1``/``a2``/``target`` (k,). Returns W, gap, bound and
    met (bool), each per pair (``inf`` where not certified).
    """
    k, P = W.shape
    W = W.copy()
    gap, bound = np.full(k, np.inf), np.full(k, np.inf)
    met = np.zeros(k, dtype=bool)
    for j in range(k):
        ex = exact(batch, int(rows[j]))
        q = ex.G.shape[0]
        w = W[j, :q].copy()
        xbar = float(np.linalg.norm(batch.x_mean[rows[j]]))
        for _ in range(REFINE_ROUNDS + 1):
            cert = _face_certificate(ex, w, float(a1[j]), float(a2[j]), positive)
            if cert is None:
                break
            d, bw, gmin = cert
            bw *= 1.0 + 4.0 * _EPS
            b = max(bw, xbar * bw + ex.b_err * (1.0 + float(np.linalg.norm(w))))
            g = gmin * bw
            if g <= target[j] and b <= coef_tol:
                W[j, :q], gap[j], bound[j], met[j] = w, g, b, True
                break
            w = w - d
    return W, gap, bound, met


def _face_certificate(ex: Exact, w, a1: float, a2: float, positive: bool):
    """(d̂, bound on ‖w − w*‖, bound on ‖g_min‖) for :func:`certify_exact_face`, or None."""
    q = w.size
    S = w != 0
    s = np.sign(w)
    gf = _exact_gradient(ex, w, a2)  # ∇f(w) + α₂w, rounded once
    m = int(S.sum())
    gam = (q + 2) * _EPS / (1.0 - (q + 2) * _EPS)
    d = np.zeros(q)
    err_d = 0.0
    if m:
        gS = gf[S] + a1 * s[S]
        GS = ex.G[np.ix_(S, S)]
        ev = np.linalg.eigvalsh(GS)
        mu = float(ev[0]) + a2 * (1.0 - _EPS) - 2.0 * (m + 1) * _EPS * max(float(ev[-1]), 0.0) \
            - ex.dG
        if mu <= 0:
            return None
        H = GS + a2 * np.eye(m)
        dS = np.zeros((1, m, 1))
        for _ in range(2):  # CG, then once more from its true residual
            dS = _cg(H[None], gS[None, :, None], dS, None, None, max(2 * m, 20))[0]
        dS = dS[0, :, 0]
        res = gS - H @ dS
        dn = float(np.linalg.norm(dS))
        e = (gam * (float(np.linalg.norm(H)) * dn + float(np.linalg.norm(gS))) + ex.dG * dn
             + 2.0 * _EPS * (float(np.linalg.norm(gf[S])) + a1 * math.sqrt(m)))
        err_d = (float(np.linalg.norm(res)) + e) / mu
        v = w[S] - dS
        margin = (v if positive else s[S] * v) - err_d - 2.0 * _EPS * np.abs(v)
        if np.any(margin <= 0):
            return None
        d[S] = dS
    off = ~S
    if off.any():
        GO = ex.G[np.ix_(off, S)] if m else np.zeros((int(off.sum()), 0))
        xi = -gf[off] + GO @ d[S]
        E = (_EPS * np.abs(gf[off]) + gam * (np.abs(GO) @ np.abs(d[S]))
             + (np.linalg.norm(GO, axis=1) + ex.dG) * err_d + ex.dG * float(np.linalg.norm(d)))
        viol = (xi if positive else np.abs(xi)) + E - a1
        if np.any(viol >= 0):
            return None
        go = np.maximum(-gf[off] - a1, 0.0) if positive else np.maximum(np.abs(gf[off]) - a1, 0.0)
    else:
        go = np.zeros(0)
    gS_all = gf[S] + a1 * s[S]
    gmin = float(np.sqrt(gS_all @ gS_all + go @ go)) + 2.0 * _EPS * (
        float(np.linalg.norm(gf)) + a1 * math.sqrt(q))
    return d, float(np.linalg.norm(d)) + err_d, gmin
