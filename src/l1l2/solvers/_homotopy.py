r"""The Lasso path of many problems at once, by homotopy: the start of ``auto`` for the Lasso.

For the Lasso (:math:`\alpha_2 = 0`) the minimizer :math:`w(\alpha_1)` of
:math:`\tfrac12 w^\top G w - c^\top w + \alpha_1\lVert w\rVert_1` is piecewise linear in
α₁ (Osborne, Presnell & Turlach, 2000; Efron et al., 2004, "LARS with the Lasso
modification"). It is 0 for :math:`\alpha_1 \ge \lVert c\rVert_\infty`; below, on an
interval where its support A and signs s stay fixed,

.. math::

    w_A(\alpha_1) = G_{AA}^{-1}(c_A - \alpha_1 s_A) = x_c - \alpha_1 x_s,\qquad
    \xi(\alpha_1) = c - G\,w(\alpha_1) = u + \alpha_1 v,\quad u = c - G x_c,\ v = G x_s,

(:math:`\xi_A = \alpha_1 s_A`), and the interval ends at the largest α' below its top where
an inactive coordinate reaches :math:`|\xi_j(\alpha')| = \alpha'` — it joins A with the
sign of :math:`\xi_j`, at :math:`\alpha' = u_j/(1 - v_j)` (sign +) or
:math:`-u_j/(1 + v_j)` (sign −) — or an active one reaches :math:`w_j(\alpha') = 0`,
:math:`\alpha' = x_{c,j}/x_{s,j}`, and leaves. :func:`lasso_path` follows these events for
every problem of a batch together (one event per problem and step, all problems in the same
few array operations) and evaluates each interval at the requested α₁ inside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._batch import Batch

#: Problems with cond(G) above this get the refined path (:func:`lasso_path`'s ``refine``).
REFINE_COND = 1e3


def lasso_start(batch: Batch, alphas, max_steps=None):
    """:func:`lasso_path` for every problem of ``batch`` at the α₁ values ``alphas``: the
    problems with cond(G) ≤ :data:`REFINE_COND` as they are, the others refined (two
    calls where both kinds occur). Returns W (m, P, A), events (m, A) and reached (m, A)."""
    mu = batch.mu_strong
    ill = batch.lmax > REFINE_COND * mu
    if not ill.any() or ill.all():
        return lasso_path(batch.G, batch.C, batch.p, alphas, mu, refine=bool(ill.any()),
                          max_steps=max_steps)
    m, P, A = batch.m, batch.P, alphas.size
    W = np.zeros((m, P, A))
    steps = np.zeros((m, A), dtype=np.int64)
    reached = np.zeros((m, A), dtype=bool)
    for rows, refine in ((np.flatnonzero(~ill), False), (np.flatnonzero(ill), True)):
        W[rows], steps[rows], reached[rows] = lasso_path(
            batch.G[rows], batch.C[rows], batch.p[rows], alphas, mu[rows], refine=refine,
            max_steps=max_steps)
    return W, steps, reached


def lasso_path(G, C, p, alphas, mu, refine=False, max_steps=None):
    r"""The Lasso solutions of ``m`` problems at the α₁ values ``alphas``, by homotopy.

    ``G`` (m, P, P), ``C`` (m, P, 1): Gram quantities padded to P (padding never joins);
    ``p`` (m,) the widths; ``alphas`` (A,) the α₁ ≥ 0, in any order; ``mu`` (m,) a
    certified lower bound on :math:`\lambda_{\min}(G)`: only problems with μ > 0 are
    followed (every :math:`G_{AA}` is then positive definite).

    :math:`G_{AA}^{-1}` is kept as ``H`` (P × P, zero outside A × A) and updated by one
    rank-one term per event: A gains j: :math:`H + \sigma zz^\top`, :math:`g = G_{Aj}`,
    :math:`z = Hg - e_j`, :math:`\sigma = 1/(G_{jj} - g^\top Hg)` (the Schur complement,
    at least :math:`\lambda_{\min}(G)`); A loses j: :math:`H - yy^\top/y_j`, :math:`y = He_j`.
    At the next step the event's own root is excluded (a coordinate that just joined is 0
    there; one that just left has :math:`|\xi_j| = \alpha_1` with its old sign): the other
    sign's root is a genuine return; and a root counts only where α₁ falling moves its
    coordinate towards it (:math:`\pm\xi_j - \alpha_1` rising, :math:`s_jw_j` falling).
    Roots up to 1e-9 (relative) above the current α₁ count as at it, so simultaneous
    events are taken one after the other (steps of length 0). Each requested α₁ is
    evaluated on the face of the interval (lo, hi] that holds it, as the interval is found.

    The rank-one updates lose about cond(G)·eps of accuracy each; with ``refine`` each
    interval's :math:`x_c, x_s` get one step of iterative refinement on the face
    (:math:`x \leftarrow x + H(r - G_{AA}x)`, two more products per step), which brings
    their residual back to rounding level where cond(G) is large (the certificate of the
    caller bounds ‖w − w*‖ by the gradient over μ, so the residual is what counts).

    A problem's path ends below its last interval where a Schur complement comes out below
    μ/2 (rounding has taken over the update), after 4P + 10 events or ``max_steps``
    if fewer; the α₁ below are not reached, nor any whose values are not finite. The
    result is only a starting point: the caller measures and certifies every pair like any
    iterate.

    Returns W (m, P, A), the events taken up to each α₁ (m, A) and which pairs were
    reached (m, A); W is 0 where not reached.
    """
    m, P, _ = G.shape
    A = alphas.size
    max_steps = 4 * P + 10 if max_steps is None else min(max_steps, 4 * P + 10)
    valid = np.arange(P)[None, :] < np.asarray(p)[:, None]
    c = C[:, :, 0]
    j0 = np.argmax(np.abs(c), axis=1)
    a0 = np.abs(c[np.arange(m), j0])  # ‖c‖∞: w = 0 for α₁ ≥ a0
    amin = float(alphas.min(initial=np.inf))
    zero = alphas[None, :] >= a0[:, None]  # w = 0
    reached = zero.copy()
    li = np.flatnonzero((a0 > amin) & (mu > 0))  # the problems being followed
    n = li.size
    rows = np.arange(n)
    Gl, cl, vl, mul, j = G[li], c[li], valid[li], mu[li], j0[li]
    act = np.zeros((n, P), dtype=bool)  # A
    act[rows, j] = True
    R = np.zeros((n, P, 2))  # right-hand sides c_A and s_A (zero off A)
    R[rows, j, 0] = cl[rows, j]
    R[rows, j, 1] = np.sign(cl[rows, j])
    H = np.zeros((n, P, P))
    H[rows, j, j] = 1.0 / Gl[rows, j, j]
    top = a0[li]  # top of the current interval
    excl = 2 * P + j  # the candidate (kind·P + j) excluded at the next step
    W = np.zeros((m, P, A))
    steps = np.zeros((m, A), dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for step in range(max_steps):
            if n == 0:
                break
            X = np.matmul(H, R)
            GX = np.matmul(Gl, X)
            if refine:  # one step of iterative refinement on the face
                E = R - GX
                E *= act[:, :, None]
                D = np.matmul(H, E)
                X += D
                GX += np.matmul(Gl, D)
            xc, xs = X[:, :, 0], X[:, :, 1]
            u = cl - GX[:, :, 0]
            v = GX[:, :, 1]
            # Candidate α' per (kind, j): joins with sign +, with sign −, leaves; each only
            # where α falling moves it towards the event (ξ_j − α, −ξ_j − α rising; s_j·w_j
            # falling).
            cand = np.full((n, 3 * P), -np.inf)
            off = vl & ~act
            vp, vm = 1.0 - v, 1.0 + v
            sgn = R[:, :, 1]
            np.divide(u, vp, out=cand[:, :P], where=off & (vp > 0))
            np.negative(u, out=u)
            np.divide(u, vm, out=cand[:, P:2 * P], where=off & (vm > 0))
            np.divide(xc, xs, out=cand[:, 2 * P:], where=act & (xs * sgn < 0))
            cand[rows, excl] = -np.inf
            np.copyto(cand, -np.inf, where=(cand <= 0.0) | (cand > (top * (1.0 + 1e-9))[:, None]))
            k = np.argmax(cand, axis=1)
            low = np.minimum(cand[rows, k], top)  # -inf: no further event
            # The requested α₁ in (low, top] are on this face.
            r, q = np.nonzero((alphas <= top[:, None]) & (alphas > low[:, None]))
            if r.size:
                b = li[r]
                W[b, :, q] = xc[r] - alphas[q, None] * xs[r]
                steps[b, q] = step + 1
                reached[b, q] = True
            kind, j = np.divmod(k, P)
            joins = kind < 2
            # H for the next face (rank-one update).
            gj = Gl[rows, :, j]
            g = gj * act
            h = np.matmul(H, g[:, :, None])[:, :, 0]
            schur = gj[rows, j] - np.einsum("np,np->n", g, h)
            z = H[rows, :, j]
            hjj = z[rows, j]
            np.copyto(z, h, where=joins[:, None])
            z[rows, j] = np.where(joins, -1.0, hjj)
            sigma = 1.0 / np.where(joins, schur, -hjj)
            H += np.einsum("np,nq->npq", sigma[:, None] * z, z)
            if not joins.all():  # (exactly zero off the new face)
                d = np.flatnonzero(~joins)
                H[d, j[d], :] = 0.0
                H[d, :, j[d]] = 0.0
            excl = np.where(joins, 2 * P, np.where(sgn[rows, j] > 0, 0, P)) + j
            act[rows, j] = joins
            R[rows, j, 0] = np.where(joins, cl[rows, j], 0.0)
            R[rows, j, 1] = np.where(joins, 1.0 - 2.0 * kind, 0.0)
            go = (low > amin) & np.where(joins, schur > 0.5 * mul, hjj > 0)
            # A finished problem's interval is empty from now on (top = −inf): it is carried
            # along, doing no harm, until a quarter of the block has finished.
            top = np.where(go, low, -np.inf)
            if go.sum() < 0.75 * n:
                li, Gl, cl, vl, mul, act, R, H, top, excl = (
                    x[go] for x in (li, Gl, cl, vl, mul, act, R, H, top, excl))
                n = li.size
                rows = np.arange(n)
    # (An interval from the top a0 or a step of length 0 there holds α₁ = a0: w = 0 there.)
    bad = ~np.all(np.isfinite(W), axis=1)
    reached &= ~bad | zero
    np.copyto(W, 0.0, where=(bad | zero)[:, None, :])
    steps[zero] = 0
    return W, steps, reached
