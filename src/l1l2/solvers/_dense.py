r"""Tools for wide problems (``p`` above :data:`DENSE_MIN_P`): certified spectral bounds by
shifted Cholesky factorizations, and the active-set path that starts ``method="auto"``.

Neither changes what ``converged`` means: the bounds are rigorous (λ_max from above, λ_min
from below), and the path only supplies starting points, which :func:`._batch.iterate`
measures and certifies like any other iterate.
"""

from __future__ import annotations

import numpy as np

_EPS = np.finfo(np.float64).eps
#: Problems with more features than this use these tools (fewer: ``eigvalsh`` and the
#: separable start, which cost less there).
DENSE_MIN_P = 64
#: Matrices whose Lanczos estimate of cond exceeds this get ``eigvalsh`` instead of bounds:
#: there λ_min is poorly estimated, a loose bound slows the certificate, and the
#: iterations cost far more than the eigenvalues anyway.
EXACT_ABOVE_COND = 1e3
#: Lanczos steps of the spectral estimates (then certified by Cholesky factorizations).
LANCZOS_STEPS = 16
#: Active-set rounds per α of the path before it moves on (the iteration takes over).
PATH_ROUNDS = 40
#: Of those, primal-dual active-set (Newton) rounds before descent steps take over.
PATH_NEWTON = 8
#: The path ends (the smaller α are left to the caller) at the α where this many have
#: not settled (one: on designs where it does not settle it is a waste of time).
PATH_MISSES = 1


# --------------------------------------------------------------------------- spectra


def gram(Xs):
    """:math:`X^\top X` of each ``Xs[i]`` (k, n, q) by BLAS ``syrk`` (half the products of a
    general matrix product), made exactly symmetric from its upper triangle."""
    from scipy.linalg.blas import dsyrk

    k, _, q = Xs.shape
    out = np.empty((k, q, q))
    for i in range(k):
        U = dsyrk(1.0, np.asfortranarray(Xs[i].T), trans=0)  # upper triangle, zeros below
        np.add(U, U.T, out=out[i])
        np.einsum("ii->i", out[i])[:] = np.einsum("ii->i", U)
    return out


def _lanczos_extremes(g, steps=LANCZOS_STEPS):
    """Ritz values (smallest, largest) of each symmetric ``g[i]`` after ``steps`` Lanczos
    steps with full reorthogonalization, from a fixed start (deterministic), and the
    residual norm ‖g y − θ_max y‖ of the largest one's Ritz vector y (an eigenvalue lies
    within it of θ_max). The Ritz values lie inside the spectrum: θ_min ≥ λ_min and
    θ_max ≤ λ_max.
    """
    k, q, _ = g.shape
    steps = min(steps, q)
    Q = np.zeros((k, q, steps))
    T = np.zeros((k, steps, steps))
    v = np.random.default_rng(0).standard_normal(q)
    v = np.repeat((v / np.linalg.norm(v))[None, :, None], k, axis=0)
    for j in range(steps):
        Q[:, :, j:j + 1] = v
        u = np.matmul(g, v)
        T[:, j, j] = np.sum(u * v, axis=(1, 2))
        Qj = Q[:, :, :j + 1]
        for _ in range(2):  # twice is enough (Kahan's rule)
            u -= np.matmul(Qj, np.matmul(Qj.transpose(0, 2, 1), u))
        nrm = np.sqrt(np.sum(u * u, axis=1, keepdims=True))
        if j + 1 < steps:
            T[:, j, j + 1] = T[:, j + 1, j] = nrm[:, 0, 0]
        v = u / np.where(nrm > 0, nrm, 1.0)  # an exhausted Krylov space adds zero columns
    th, S = np.linalg.eigh(T)
    return th[:, 0], th[:, -1], nrm[:, 0, 0] * np.abs(S[:, -1, -1])


def _shift_certified(g, sigma, sign):
    r"""Whether ``sign·(g − σI)`` passed a Cholesky factorization; if so, the allowance δ.

    If the floating-point Cholesky factorization of a symmetric ``A`` runs to completion,
    :math:`\hat R^\top\hat R = A + \Delta A` with :math:`|\Delta A| \le \gamma_{q+1}
    |\hat R^\top||\hat R|` for any order of the inner products (Demmel 1989; Higham,
    *Accuracy and Stability of Numerical Algorithms*, Thm 10.3), so
    :math:`\lVert\Delta A\rVert_2 \le \gamma_{q+1}\sum_i\lVert\hat r_i\rVert^2
    \le \frac{\gamma_{q+1}}{1-\gamma_{q+1}}\,\mathrm{tr}A` and :math:`\lambda_{\min}(A)
    \ge -\lVert\Delta A\rVert_2`. With the rounding of the shifted diagonal, ``A`` within
    ``eps·max|A_ii|`` of ``sign·(g − σI)``: ``λ_min(sign·(g − σI)) ≥ −δ`` with δ twice
    the sum of both (a safety factor of 2).
    """
    from scipy.linalg.lapack import dpotrf

    A = g * sign
    d = np.einsum("ii->i", A)
    d -= sign * sigma
    if dpotrf(A.T, lower=1, clean=0, overwrite_a=1)[1] != 0:  # A.T: Fortran order, no copy
        return None
    q = g.shape[0]
    gam = (q + 1) * _EPS / (1.0 - (q + 1) * _EPS)
    return 2.0 * (gam * float(np.sum(d)) + _EPS * float(np.max(np.abs(d))))


def spectral_bounds(g):
    r"""Certified ``(λ_max upper, λ_min lower)`` bounds of each symmetric PSD ``g[i]``.

    Lanczos estimates θ_min ≥ λ_min and θ_max ≤ λ_max (:func:`_lanczos_extremes`) choose
    the shifts; a Cholesky factorization of :math:`\sigma I - G` that completes proves
    :math:`\lambda_{\max} \le \sigma + \delta`, one of :math:`G - \sigma I` proves
    :math:`\lambda_{\min} \ge \sigma - \delta` (:func:`_shift_certified`). The upper
    shift starts at θ_max plus the larger of 1 % and its Ritz residual (an eigenvalue lies
    within the residual of θ_max: usually the largest) and grows by 10 % per failure, the
    lower one starts at 0.8·θ_min and halves, at most six times and not below
    1e-6·θ_max; a matrix for which none passes (singular, or close), or whose estimated
    condition number θ_max/θ_min exceeds :data:`EXACT_ABOVE_COND`, gets ``nan`` for the
    caller to use ``eigvalsh``.
    Two factorizations (when the first shifts pass) and sixteen products per matrix cost
    a fraction of ``eigvalsh``.
    """
    tmin, tmax, rmax = _lanczos_extremes(g)
    k = g.shape[0]
    hi, lo = np.full(k, np.nan), np.full(k, np.nan)
    for i in range(k):
        top = max(float(tmax[i]), 0.0)
        if top == 0.0 or top > EXACT_ABOVE_COND * float(tmin[i]):
            continue  # ill-conditioned: its small end is where bounds would be loose
        sigma = top + max(0.01 * top, float(rmax[i]))
        for _ in range(40):
            delta = _shift_certified(g[i], sigma, -1.0)
            if delta is not None:
                hi[i] = sigma + delta
                break
            sigma *= 1.1
        sigma = 0.8 * float(tmin[i])
        for _ in range(6):
            if sigma <= 1e-6 * top:
                break
            delta = _shift_certified(g[i], sigma, 1.0)
            if delta is not None:
                if sigma - delta > 0:
                    lo[i] = sigma - delta
                break
            sigma *= 0.5
    return hi, lo


def spectra(g):
    """(λ_max, λ_min, smallest positive eigenvalue) of each ``g[i]`` (k, q, q).

    By ``eigvalsh`` up to :data:`DENSE_MIN_P` features; above, certified bounds (λ_max from
    above, λ_min from below, :func:`spectral_bounds`) at a fraction of the cost,
    ``eigvalsh`` where those fail (singular or nearly singular ``G``). Every use of these
    values (steps, PL and strong-convexity moduli, rounding allowances) stays valid with
    such bounds; ``cond`` is then an upper bound.
    """
    k, q, _ = g.shape
    if q <= DENSE_MIN_P:
        return eig_spectra(np.linalg.eigvalsh(g), q)
    top, low = spectral_bounds(g)
    pos = low.copy()
    need = np.flatnonzero(np.isnan(top) | np.isnan(low))
    if need.size:
        top[need], low[need], pos[need] = eig_spectra(np.linalg.eigvalsh(g[need]), q)
    return top, low, pos


def eig_spectra(ev, q):
    """(λ_max, λ_min, smallest positive eigenvalue) from ascending eigenvalues: row ``i``
    of ``ev`` (k, Q) holds those of a q[i] × q[i] matrix (``q`` an int or (k,)), then +inf.
    Negative rounding is clipped to 0; "positive" means above q·eps·λ_max."""
    q = np.broadcast_to(q, ev.shape[:1])
    top = np.maximum(ev[np.arange(ev.shape[0]), q - 1], 0.0)
    pos = np.where(ev > (top * q * _EPS)[:, None], ev, np.inf).min(axis=1)
    return top, np.maximum(ev[:, 0], 0.0), pos


# --------------------------------------------------------------------------- path


class _Face:
    """Upper Cholesky factor of :math:`(G + \alpha_2 I)_{FF}` for the ordered index list
    ``idx`` of a face F, updated as indices leave (Givens rotations) and join (a bordered
    factorization). It is the leading s × s block of a q × q Fortran-order buffer (zero
    below its diagonal), and LAPACK gets the buffer's first s columns with leading
    dimension q: nothing is copied as the face changes, and every solve costs the face's
    order s, not q."""

    def __init__(self, G, lapack, qr_delete):
        self.G, self.lapack, self.qr_delete = G, lapack, qr_delete
        self.q = G.shape[0]
        self.buf = np.zeros((self.q, self.q), order="F")
        self.reset(0.0)

    @property
    def R(self):
        """The factor (s × s, a copy)."""
        s = self.idx.size
        return np.triu(self.buf[:s, :s])

    def reset(self, a2):
        self.a2 = a2
        self.idx = np.zeros(0, dtype=np.intp)
        self.inside = np.zeros(self.q, dtype=bool)

    def _delete(self, keep):
        """Drop the columns ``~keep`` of the face."""
        # The factor is the R of a QR factorization of itself (Q = I): deleting a column is
        # a column deletion from a QR factorization, whose rotations mix only the rows from
        # the first deleted column on (rows above keep their entries, less the deleted
        # columns).
        buf, s = self.buf, self.idx.size
        k0 = int(np.argmin(keep))
        T = np.asfortranarray(buf[k0:s, k0:s])  # (rotations keep its zeros below)
        for k in np.flatnonzero(~keep[k0:])[::-1]:
            n = T.shape[1]
            _, T = self.qr_delete(np.eye(n, order="F"), T, int(k), 1, which="col",
                                  overwrite_qr=True, check_finite=False)
            T = T[:n - 1]
        s2 = k0 + T.shape[0]
        if k0:
            buf[:k0, k0:s2] = buf[:k0, k0:s][:, keep[k0:]]
        buf[k0:s2, k0:s2] = T
        self.inside[self.idx[~keep]] = False
        self.idx = self.idx[keep]

    def update(self, mask):
        """Make the face ``mask``; False if its matrix is not (numerically) positive definite."""
        if (self.inside > mask).any():
            keep = mask[self.idx]
            if keep.size - np.count_nonzero(keep) > 4:  # many leave: factorize afresh
                self.reset(self.a2)
            else:
                self._delete(keep)
        idx = self.idx
        new = (mask > self.inside).nonzero()[0]
        t = new.size
        if t == 0:
            return True
        s = idx.size
        buf = self.buf
        Gn = self.G[new]  # rows of G = columns (G is symmetric)
        B = Gn[:, new]
        if self.a2:
            B.flat[::t + 1] += self.a2
        if s:
            # R11ᵀ R12 = G_FN; R22ᵀ R22 = G_NN − R12ᵀ R12 (a bordered Cholesky step)
            R12, info = self.lapack.dtrtrs(buf[:, :s], Gn[:, idx].T, trans=1, overwrite_b=1)
            if info != 0:
                return False
            B -= R12.T @ R12
            buf[:s, s:s + t] = R12
            buf[s:s + t, :s] = 0.0
        R22, info = self.lapack.dpotrf(B.T, lower=0, clean=1, overwrite_a=1)
        if info != 0 or not np.isfinite(R22).all():
            self.reset(self.a2)
            return False
        buf[s:s + t, s:s + t] = R22
        self.idx = np.concatenate([idx, new])
        self.inside[new] = True
        return True

    def solve(self, b):
        """The face system's solution for the right-hand side ``b`` (one vector: ``trsv``
        is several times faster than ``trsm`` with two)."""
        R = self.buf[:, :self.idx.size]
        y, _ = self.lapack.dtrtrs(R, b, trans=1)
        x, _ = self.lapack.dtrtrs(R, y, overwrite_b=1)
        return x


def _line_search(w, d, xi, Hd, a1):
    r"""Exact minimizer θ ∈ [0, 1] of :math:`\varphi(\theta) = F(w + \theta d)` on a face.

    φ is convex and piecewise quadratic, :math:`\varphi'(\theta) = -\xi^\top d +
    \theta\,d^\top H d + \alpha_1\sum_j \mathrm{sign}(w_j + \theta d_j)\,d_j`; the sign
    sum grows by :math:`2|d_j|` where :math:`w_j + \theta d_j` crosses 0. Returns θ and
    the index (into ``w``) of the coordinate at whose crossing θ stops (set it to 0), or -1.
    """
    b = float(d @ Hd)
    if b <= 0:
        return 0.0, -1
    a0 = -float(xi @ d)
    nz = w != 0
    sig0 = float(np.sum(np.sign(w[nz]) * d[nz]) + np.sum(np.abs(d[~nz])))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(nz & (w * d < 0), -w / d, np.inf)
    j = np.flatnonzero(t <= 1.0)
    order = j[np.argsort(t[j], kind="stable")]
    lower = np.concatenate([[0.0], t[order]])
    upper = np.concatenate([t[order], [1.0]])
    sig = sig0 + np.concatenate([[0.0], np.cumsum(2.0 * np.abs(d[order]))])
    cand = -(a0 + a1 * sig) / b
    first = np.flatnonzero(cand <= upper)
    if first.size == 0:
        return 1.0, -1
    k = int(first[0])
    if cand[k] <= lower[k]:
        return float(lower[k]), (int(order[k - 1]) if k > 0 else -1)
    return float(cand[k]), -1


def _objective(w, gw, c, a1, a2):
    """F(w) less the constant ``yy/2``, from ``gw`` = G w."""
    return 0.5 * (w @ gw + a2 * (w @ w)) - c @ w + a1 * np.abs(w).sum()


def _path_one(G, c, a1s, a2s, order, linalg, rounds=PATH_ROUNDS):
    r"""Active-set continuation along α (``order``: decreasing α₁) for one problem.

    Returns W (q, A), the face solves spent per α (each followed by one product with
    ``G``) and which α it reached: the path ends at the :data:`PATH_MISSES`-th α whose
    rounds did not settle (to a solution up to rounding), the smaller α are left to the
    caller. Each α starts from the previous solution. A round of the primal-dual
    active-set method (a semismooth Newton method on the proximal fixed point, with the
    diagonal scaling :math:`D = \mathrm{diag}(G) + \alpha_2`): with
    :math:`\xi = c - (G + \alpha_2 I)w` and :math:`u = w + \xi/D`, the face is
    :math:`F = \{j: |u_j| > \alpha_1/D_j\}`, its signs :math:`s = \mathrm{sign}(u)`, and
    ``w`` becomes the minimizer on that face (by the updated Cholesky factor). When a
    round leaves ``F`` and ``s`` unchanged, ``w`` is the Lasso solution (sign-consistent
    on F, :math:`|\xi_j| \le \alpha_1` off it) up to rounding. Newton steps need not
    lower F (and may cycle on correlated designs): after :data:`PATH_NEWTON` rounds at one
    α the rounds go on from the better (lower F) of the last Newton iterate and the
    previous solution with descent steps (face minimizer if it keeps the signs, else an
    exact line search towards it, :func:`_line_search`; feature-sign search, Lee et al.
    2007), which only lower F. An α stops at its
    solution or after ``rounds`` rounds; the iteration takes over from there.
    """
    q = c.size
    W = np.zeros((q, len(a1s)))
    spent = np.zeros(len(a1s), dtype=np.int64)
    ok = np.zeros(len(a1s), dtype=bool)
    w = np.zeros(q)
    gw = np.zeros(q)  # G w
    face = _Face(G, *linalg)
    dG = np.einsum("ii->i", G)
    cmax = float(np.max(np.abs(c))) if q else 0.0
    pred = None
    misses = 0
    for j in order:
        a1, a2 = float(a1s[j]), float(a2s[j])
        if a1 <= 0:
            continue  # no L1 term: the iteration's business
        if a2 != face.a2:
            face.reset(a2)
        thr = a1 + 1e-12 * max(a1, cmax)
        prev, single, moved, failed, settled = None, False, False, False, False
        solves = 0
        w0, gw0 = w.copy(), gw  # the previous solution: descent restarts from it
        r = 0
        for r in range(1, rounds + 1):
            if r == PATH_NEWTON + 1:  # Newton did not settle (it may cycle): descend,
                # from the better of its last iterate and the previous solution
                if _objective(w0, gw0, c, a1, a2) < _objective(w, gw, c, a1, a2):
                    w, gw = w0.copy(), gw0
                prev, single = 0, False
            if r <= PATH_NEWTON:
                # u·D = (w + ξ/D)·D = c − Gw + diag(G)·w (the α₂w terms cancel)
                wp = None
                if r == 1 and pred is not None and pred[1] == a2:
                    # First guess: the previous face's solution, linear in α₁, moved
                    # to this α₁ (exact up to the first change of face).
                    wp, gwp = w + (pred[0] - a1) * pred[2], gw + (pred[0] - a1) * pred[3]
                    z = c - gwp
                    z += dG * wp
                else:
                    z = c - gw
                    z += dG * w
                F = np.abs(z) > thr
                key = sgn = np.copysign(F, z)  # ±1 on F, ±0 off it
                if prev is not None and (key == prev).all():
                    settled = True
                    break
                prev = key
                if wp is not None and (key == pred[4]).all():
                    # The same face and signs: its minimizer at this α₁ is that guess,
                    # and the key just computed there is the one of the settling test.
                    w, gw = wp, gwp
                    moved = settled = True
                    break
            else:  # descent: support plus violators, signs of w (of ξ for the violators)
                xi = c - gw
                if a2:
                    xi -= a2 * w
                S = w != 0
                viol = ~S & (np.abs(xi) > thr)
                if prev is None and not viol.any():
                    settled = True
                    break  # w is its face's minimizer (below) and no violator
                if single and viol.any():
                    best = np.argmax(np.where(viol, np.abs(xi), -np.inf))
                    viol = np.zeros(q, dtype=bool)
                    viol[best] = True
                F = S | viol
                sgn = np.where(S, np.sign(w), np.sign(xi))
            if not F.any():
                w[:] = 0.0
                gw = np.zeros(q)
                prev = None if r > PATH_NEWTON else prev
                continue
            if not face.update(F):
                failed = True  # not positive definite: the iteration takes over
                break
            idx = face.idx
            sF = sgn[idx]
            v = face.solve(c[idx] - a1 * sF)
            solves += 1
            if r > PATH_NEWTON and not np.all(v * sF > 0):
                wF = w[idx]
                d = v - wF
                # (G + α₂I)_FF d = b − (G + α₂I)_FF w_F = ξ_F − α₁ s_F (w is 0 off F)
                theta, hit = _line_search(wF, d, xi[idx], xi[idx] - a1 * sF, a1)
                prev = 0
                if theta <= 0.0:
                    single = True  # no descent with every violator at once: one at a time
                    continue
                v = wF + theta * d
                if hit >= 0:
                    v[hit] = 0.0
                single = False
            elif r > PATH_NEWTON:
                prev, single = None, False  # at a face minimizer
            w[:] = 0.0
            w[idx] = v
            gw = G[idx].T @ v if 8 * idx.size < q else G @ w
        if failed or r > PATH_NEWTON or not F.any():
            pred = None
        elif moved and solves == 0:
            pred = (a1,) + pred[1:]  # still the same face: the same slope
        else:  # stopped at a solution: its face is factored
            z = np.zeros(q)
            z[idx] = face.solve(sgn[idx])  # −dw/dα₁ on this face
            pred = (a1, a2, z, G[idx].T @ z[idx] if 8 * idx.size < q else G @ z, key)
        W[:, j] = w
        ok[j] = True
        spent[j] = solves
        misses += not settled
        if misses == PATH_MISSES:  # the α below would start further and further away
            break
    return W, spent, ok


def path_start(batch, pen):
    """Starting points (m, P, A), face solves spent and which pairs the path reached
    (both (m, A)) by :func:`_path_one` per problem."""
    from scipy.linalg import lapack, qr_delete

    m, P, A = batch.m, batch.P, pen.alphas.size
    a1 = np.broadcast_to(pen.a1, (A,)).astype(np.float64)
    a2 = np.broadcast_to(pen.a2, (A,)).astype(np.float64)
    order = np.argsort(-a1, kind="stable")
    W = np.zeros((m, P, A))
    spent = np.zeros((m, A), dtype=np.int64)
    ok = np.zeros((m, A), dtype=bool)
    for i in range(m):
        q = int(batch.p[i])
        W[i, :q], spent[i], ok[i] = _path_one(batch.G[i, :q, :q], batch.C[i, :q, 0], a1, a2,
                                              order, (lapack, qr_delete))
    return W, spent, ok
