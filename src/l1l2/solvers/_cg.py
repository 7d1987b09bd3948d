"""Conjugate gradient on stacks of small symmetric systems, all pairs at once."""

from __future__ import annotations

import numpy as np


def _cg_matvec(G, V, a2, S=None):
    """(G + α₂I)V, restricted to the mask ``S`` when given (``a2=None``: no α₂ term)."""
    out = np.matmul(G, V)
    if a2 is not None:
        out += a2 * V
    if S is not None:
        out *= S
    return out


def _dot(X, Y):
    """Column-wise inner products of two (B, P, A) stacks, shape (B, 1, A)."""
    return np.einsum("bpa,bpa->ba", X, Y)[:, None, :]


def _cg(G, B, V, a2, S, n_steps, R=None, D=None, rr=None, thr=None):
    """Up to ``n_steps`` conjugate-gradient steps on (G + α₂I)_S v = b_S, all pairs at once.

    Returns V, R, D, rr (residual, direction and ‖R‖² per pair) so that a caller may go
    on, and the number of steps taken. Pairs whose residual is exactly 0 stay put. With
    ``thr`` (per pair), stop early once every ``rr <= thr``.
    """
    if R is None:
        R = B - _cg_matvec(G, V, a2, S)
        D = R.copy()
        rr = _dot(R, R)
    else:
        V = V.copy()
    taken = 0
    # Work in place in two buffers: temporaries of this size would each be a fresh
    # allocation (and page faults) per operation.
    Q = np.empty(np.broadcast_shapes(V.shape, D.shape))
    tmp = np.empty_like(Q)
    if S is not None and S.dtype == bool and S.shape == Q.shape:
        S = S.astype(np.float64)  # the same products, a faster loop than float × bool
    # Per-pair factors (B, 1, A) spread over the P rows once, not broadcast in each product
    # (a broadcast over the middle axis runs a short inner loop per row).
    spread = Q.ndim == 3 and Q.shape[1] > 1 and Q.shape[2] > 1
    for i in range(n_steps):
        if thr is not None and i % 2 == 0 and np.all(rr <= thr):
            break
        np.matmul(G, D, out=Q)
        if a2 is not None:
            np.multiply(a2, D, out=tmp)
            Q += tmp
        if S is not None:
            Q *= S
        den = _dot(D, Q)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(den > 0, rr / den, 0.0)
        if spread:
            step = np.repeat(step, Q.shape[1], axis=1)
        np.multiply(step, D, out=tmp)
        V += tmp
        Q *= step
        R -= Q
        rr_new = _dot(R, R)
        with np.errstate(divide="ignore", invalid="ignore"):
            beta = np.where(rr > 0, rr_new / rr, 0.0)
        D *= np.repeat(beta, Q.shape[1], axis=1) if spread else beta
        D += R
        rr = rr_new
        taken += 1
    return V, R, D, rr, taken
