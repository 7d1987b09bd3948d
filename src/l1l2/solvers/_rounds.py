"""The active-set rounds of ``method="auto"``, for :mod:`._batch`: proximal-gradient steps,
minimizers on faces (solved directly or by conjugate gradient) and feature-sign steps back to
the first change of sign, on blocks of (problem, α) pairs or one pair per row.
"""

from __future__ import annotations

import numpy as np

from ._cg import _cg
from .penalty import soft_threshold

#: Active-set rounds (proximal step, face solve, feature-sign step) of one ``auto`` check.
REFINE_FACE_ROUNDS = 8
#: The rounds after the first run one pair per row (each with its own copy of G), and faces
#: are solved directly, only for problems of up to this many features (each problem by its
#: own width ``p``, not the batch's padded width: a problem is treated the same whatever
#: its batch neighbours).
PAIRS_MAX_P = 32


def _refine(G, C, yy, W, a1, a2, L, mu_pl, mu_sc, scale, positive, *, p, coef_tol,
            rounds=REFINE_FACE_ROUNDS):
    """Active-set rounds from W; returns (V, CG steps per pair). Every step lowers F, so V
    replaces W. ``p``: the width of each row's problem (B,), or one width for all rows.

    One round: a proximal-gradient step (step 1/L; it adds the coordinates that violate
    the optimality conditions and drops others), then the minimizer on the face of the
    result — with its support S and signs s fixed, F is a quadratic there, minimized by
    (G + α₂I)_SS v = c_S − α₁ s_S, solved directly or by CG (at most |S| steps in exact
    arithmetic, fewer once the residual is small enough for the certificate), see
    :func:`_face_solve` — then back along the CG step to
    the first coordinate that would change sign, which is set to 0 (F is convex on the
    segment and lower at its CG end, so it only decreases; a feature-sign step). The
    first round runs on the whole block, and so does the second round's proximal step
    (for problems of p ≤ PAIRS_MAX_P only, like all later rounds; the pairs of wider
    problems stop after the first round): a pair whose support it leaves unchanged
    is at the minimizer up to the face solve's accuracy and keeps its face solution (the
    step counts in its steps). The face solves and rounds after that run on the pairs
    whose support changed, gathered one per row (the direct face solves still shared by
    the pairs of a problem with the same face and signs). A pair whose face step was cut
    at a sign change solves on that smaller face next, without a proximal step first (one
    could restore the coordinate's old sign, and the step would be cut at the same place:
    a cycle, seen to last 1e5 iterations on ill-conditioned faces), then a proximal step
    the round after.
    """
    shape = W.shape[0], 1, W.shape[2]
    # Residual small enough for the gradient certificate (a tenth of coef_tol), or tiny.
    thr = np.where(mu_sc > 0, (0.1 * min(coef_tol, 1.0) * mu_sc / scale[:, :, None]) ** 2, 0.0)
    a2_ = a2 if np.any(a2 > 0) else None
    V, _ = _prox_grad(G, C, W, a1, a2_, L, positive)
    V, cut, taken = _face_solve(G, C, V, a1, a2_, thr, p)
    taken = np.broadcast_to(taken + 1, shape[::2]).copy()
    # Wide problems: one round (more rounds would each cost a CG on the whole block).
    narrow = np.asarray(p) <= PAIRS_MAX_P
    if rounds < 2 or not narrow.any():
        return V, taken
    # The second round's proximal step on the whole block (one product): a pair whose
    # support it leaves unchanged is at its minimizer (up to the face solve's accuracy) and
    # keeps V; the others, and the pairs cut at a sign change, go on one pair per row.
    Vn, moved = _prox_grad(G, C, V, a1, a2_, L, positive)
    moved &= ~cut
    if narrow.all():
        taken += ~cut
    else:  # the pairs of the wide problems are done
        narrow = np.broadcast_to(narrow, shape[:1])[:, None]
        moved &= narrow
        cut = cut & narrow
        taken += ~cut & narrow
    r, q = np.nonzero(moved | cut)
    if r.size == 0:
        return V, taken

    def pick(x):
        return np.broadcast_to(x, (shape[0], x.shape[1], shape[2]))[r, :, q][:, :, None]

    Vp = np.where(moved[:, None, :], Vn, V)[r, :, q][:, :, None]
    a1p, a2p, Lp, thrp = pick(a1), pick(a2), pick(L), pick(thr)
    a2p = a2p if np.any(a2p > 0) else None
    tp = np.zeros(r.size, dtype=np.int64)
    flipped = cut[r, q]
    due = np.ones(r.size, dtype=bool)  # a face solve is due: support changed, or cut
    for rnd in range(rounds - 1):
        # Face solves where due. A pair cut at a sign change goes on on that smaller face
        # without a proximal step first (the step could restore the coordinate's old sign,
        # and the face solve would be cut at the same place again: a cycle).
        i = np.flatnonzero(due)
        Vi, fl, t = _face_solve(G, C, Vp[i], a1p[i], None if a2p is None else a2p[i],
                                thrp[i], PAIRS_MAX_P, rows=r[i])
        Vp[i] = Vi
        tp[i] += t
        flipped[i] = fl[:, 0]
        if rnd == rounds - 2:
            break
        # A proximal step for each pair just solved and not cut: those whose support it
        # changes are due for a face solve; the cut ones go on on their smaller face.
        due[:] = flipped
        st = i[~fl[:, 0]]
        if st.size:
            Vs, moved = _prox_grad(G[r[st]], C[r[st]], Vp[st], a1p[st],
                                   None if a2p is None else a2p[st], Lp[st], positive)
            tp[st] += 1
            mv = moved[:, 0]
            Vp[st[mv]] = Vs[mv]
            due[st[mv]] = True
        if not due.any():
            break
    V = V.copy()
    V[r, :, q] = Vp[:, :, 0]
    taken[r, q] += tp
    return V, taken


def _face_cg(G, B, V, a2, S, thr):
    """CG from V on (G + α₂I)_SS v = B_S, per pair (B, P, A); returns (V, steps).

    At most max|S| + 2 steps. Where the faces are small against P the pairs' submatrices
    G_SS are gathered (one row per pair, padded to max|S| with identity rows and zero
    right-hand sides) so that a step costs |S|² instead of P² per pair; otherwise the
    mask S is applied to full products.
    """
    nb, P, A = V.shape
    size = S.sum(axis=1)  # (B, A)
    s = int(size.max(initial=0))
    if P <= 32 or 2 * s > P:
        return _cg(G, B, V.copy(), a2, S, min(P, s) + 2, thr=thr)[::4]
    r, q = np.nonzero(size > 0)
    # Column indices of each face, padded with P (a zero row/column appended to G).
    order = np.argsort(~S[r, :, q], axis=1, kind="stable")[:, :s]
    keep = np.take_along_axis(S[r, :, q], order, axis=1)
    idx = np.where(keep, order, P)
    Gx = np.zeros((nb, P + 1, P + 1))
    Gx[:, :P, :P] = G
    Gs = Gx[r[:, None, None], idx[:, :, None], idx[:, None, :]]
    Gs += np.eye(s)[None] * ~keep[:, None, :]  # identity on the padding
    full = (nb, 1, A)
    a2s = None if a2 is None else np.broadcast_to(a2, full)[r, :, q][:, :, None]
    Bs = np.where(keep, np.take_along_axis(B[r, :, q], np.minimum(idx, P - 1), axis=1), 0.0)
    Vs = np.where(keep, np.take_along_axis(V[r, :, q], np.minimum(idx, P - 1), axis=1), 0.0)
    thrs = np.broadcast_to(thr, full)[r, :, q][:, :, None]
    Vs, _, _, _, taken = _cg(Gs, Bs[:, :, None], Vs[:, :, None], a2s, keep[:, :, None],
                             s + 2, thr=thrs)
    out = V.copy()
    rows = np.repeat(r, s)[keep.ravel()]
    cols = np.repeat(q, s)[keep.ravel()]
    out[rows, idx[keep], cols] = Vs[:, :, 0][keep]
    return out, taken


def _prox_grad(G, C, V, a1, a2, L, positive):
    """One proximal-gradient step (step 1/L) from V; returns (V⁺, its support changed)."""
    T = 1.0 / L
    U = np.matmul(G, V)  # U = V − T(GV + α₂V − c), in place
    if a2 is not None:
        U += a2 * V
    U -= C
    U *= T
    np.subtract(V, U, out=U)
    Vn = soft_threshold(U, T * a1, positive)
    return Vn, np.any((Vn != 0) != (V != 0), axis=1)


def _face_direct(G, C, sgn, a1, pairs, rows=None):
    """Exact solves of G_SS v = c_S − α₁ s_S (α₂ = 0) for the pairs ``pairs`` (B, A).

    ``sgn`` (B, P, A) the signs of the pairs' iterates (their faces S and signs s). Row
    ``b`` is problem ``b`` of ``G``/``C``, or problem ``rows[b]`` when ``rows`` is given
    (one pair per row: ``G``, ``C`` per problem, not per row). The pairs of a problem that
    share a face and signs share the matrix: each distinct (problem, signs) is factored
    once, for the two right-hand sides c_S and s_S, and a pair's solution is x_c − α₁·x_s.
    Returns V (B, P, A), zero off the faces and for the other pairs, and the pairs solved
    (``pairs`` less any whose solution is not finite).
    """
    nb, P, A = sgn.shape
    r, q = np.nonzero(pairs)
    prob = r if rows is None else rows[r]
    sg = sgn[r, :, q]  # (n, P) in {−1, 0, 1}
    if A == 1 and rows is None:  # one pair per problem: nothing to share
        first = inv = np.arange(r.size)
    else:
        # Faces lie within their problems' widths (≤ PAIRS_MAX_P): the key of the leading
        # columns up to the last one in a face (the rest is 0 for every pair) is exact in
        # float64 for up to 33 columns.
        k = P if P <= 33 else int(np.flatnonzero(sg.any(axis=0))[-1]) + 1
        key = (sg[:, :k] + 1.0) @ 3.0 ** np.arange(k)
        order = np.lexsort((key, prob))
        rs, ks = prob[order], key[order]
        new = np.empty(order.size, dtype=bool)
        new[:1] = True
        new[1:] = (rs[1:] != rs[:-1]) | (ks[1:] != ks[:-1])
        first = order[new]
        inv = np.empty(order.size, dtype=np.int64)
        inv[order] = np.cumsum(new) - 1
    sgu = sg[first]
    Su = sgu != 0
    ru = prob[first]
    size = Su.sum(axis=1)
    # Each face gathered into a system of its own size class (the cost of a solve grows
    # fast with its order): its coordinates first (in order), padded with identity rows.
    idx = np.argsort(~Su, axis=1, kind="stable")
    X = np.zeros((2, first.size, P))  # x_c, x_s
    Gf, Cf, Sf = G.reshape(-1), C.reshape(-1), sgu.reshape(-1)
    ar = np.arange(P)
    bounds = (0, 2, 4, 8, 16, P) if first.size > 64 else (0, P)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        sel = np.flatnonzero((size > lo) & (size <= hi))
        if sel.size == 0:
            continue
        k = int(size[sel].max())
        ii = idx[sel, :k]
        keep = ar[:k] < size[sel, None]  # the face's coordinates come first
        at = ru[sel][:, None] * P + ii  # flat offsets of the rows G[i, ii, :] and of C[i, ii]
        M = Gf[(at * P)[:, :, None] + ii[:, None, :]]
        M *= keep[:, :, None] & keep[:, None, :]
        M.reshape(sel.size, k * k)[:, :: k + 1] += ~keep  # identity off the face
        rhs = np.empty((sel.size, k, 2))
        np.multiply(Cf[at], keep, out=rhs[:, :, 0])
        rhs[:, :, 1] = Sf[(sel * P)[:, None] + ii]
        try:
            Xs = np.linalg.solve(M, rhs)
        except np.linalg.LinAlgError:  # an exactly singular face: CG instead
            return np.zeros(sgn.shape), np.zeros_like(pairs)
        X[:, sel[:, None], ii] = Xs.transpose(2, 0, 1)  # 0 on the identity rows
    a1p = np.broadcast_to(a1, (nb, 1, A))[r, 0, q]
    Vp = X[1][inv]
    Vp *= -a1p[:, None]
    Vp += X[0][inv]
    fine = np.all(np.isfinite(Vp), axis=1)
    out = np.zeros(sgn.shape)
    if fine.all():
        out[r, :, q] = Vp
        solved = pairs
    else:
        out[r[fine], :, q[fine]] = Vp[fine]
        solved = np.zeros_like(pairs)
        solved[r[fine], q[fine]] = True
    return out, solved


def _face_solve(G, C, V, a1, a2, thr, p, rows=None):
    """Minimize on the face of V, then back to the first sign change; returns (V, flipped,
    steps).

    ``thr`` > 0 exactly where μ_sc > 0 (the face matrices are positive definite there). For
    those pairs, with α₂ = 0 and a problem width ``p`` ≤ PAIRS_MAX_P, the face system is
    solved directly (:func:`_face_direct`, counted as one step); otherwise by CG
    (:func:`_face_cg`). ``p``: the width of each row's problem (B,), or one for all rows.
    ``rows``: one pair per row, row ``b`` of problem ``rows[b]`` of ``G``/``C``.
    """
    S = V != 0  # padded rows (G = 0, c = 0) stay exactly 0, so never in S
    sgn = np.sign(V)
    taken = 0
    rest = S
    narrow = np.asarray(p) <= PAIRS_MAX_P
    if a2 is None and narrow.any():
        ok = np.broadcast_to(thr > 0, (V.shape[0], 1, V.shape[2]))[:, 0, :] & S.any(axis=1)
        if not narrow.all():
            ok &= narrow[:, None]
        if ok.any():
            V2, solved = _face_direct(G, C, sgn, a1, ok, rows)
            taken = 1
            rest = S & ~solved[:, None, :]
    if rest is S or rest.any():
        if rows is not None:
            G, C = G[rows], C[rows]
        B = (C - a1 * sgn) * rest
        Vc, t = _face_cg(G, B, V, a2, rest, thr)
        V2 = Vc if rest is S else np.where(solved[:, None, :], V2, Vc)
        if narrow.all() or not narrow.any():
            taken = max(taken, t)
        else:  # mixed widths: each row counts its own steps (B, 1), not its neighbours'
            taken = np.maximum(np.where(rest.any(axis=(1, 2)), t, 0),
                               taken * ok.any(axis=1) if taken else 0)[:, None]
    flip = S & (V2 * sgn <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(flip, V / (V - V2), np.inf)
    theta = np.minimum(ratio.min(axis=1, keepdims=True), 1.0)
    V = np.where(flip & (ratio <= theta), 0.0, V + theta * (V2 - V))
    return V, np.any(flip, axis=1), taken
