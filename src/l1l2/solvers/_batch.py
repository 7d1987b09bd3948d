"""The batched engine: Gram set-up, spectra, stopping measures and the iterations.

Everything here works on stacks: ``m`` problems (zero-padded to the largest ``p``) times
``A`` values of α, iterated together as arrays of shape ``(m, P, A)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._cg import _cg
from ._dense import DENSE_MIN_P, eig_spectra, gram, path_start, spectra
from ._exact import certify_exact, certify_exact_face
from ._homotopy import lasso_start
from ._rounds import PAIRS_MAX_P, _refine
from .penalty import Penalty, soft_threshold

_EPS = np.finfo(np.float64).eps
#: ``cg`` and ``auto`` stop a pair, not converged, after this many checks without progress.
STALL_CHECKS = 30
#: A block whose running share falls below this is re-laid out as one row per pair (each
#: row then carries its own copy of G, so only for P ≤ PAIRS_MAX_P).
PAIRS_BELOW = 0.3
#: ``auto``, Lasso: the homotopy start from this many (problem, α) pairs on. Its cost is a
#: fixed number of array operations per event of the batch's paths (about P events), that
#: of the separable start and its rounds grows with the pairs: below about this many the
#: latter is cheaper (measured once on the study's designs: about equal between 150 and
#: 300 pairs; at 1 × 30, the n1e5 regime of benchmarks/solvers.py, the homotopy was ~20 %
#: slower).
HOMOTOPY_MIN_PAIRS = 256
#: ... and from this many α per problem on: the path's cost is per problem (its events),
#: its gain per pair. Measured on the study's Legendre designs (n = 150, degrees 1-15),
#: one thread, interleaved, homotopy against separable start: 1000 problems × 1 α
#: 1.2-1.6x, 150 × 1 1.1-1.5x, × 2 1.15-1.3x, × 4 1.05-1.13x slower, × 3 0.88-1.24x (4
#: runs, 3 slower), × 5 0.99-1.09x; × 6 0.94x, 150 × 10 0.85x, the study grid 150 × 30
#: 0.66x faster (times vary ~10 % between runs on the shared machine).
HOMOTOPY_MIN_ALPHAS = 6


# --------------------------------------------------------------------------- set-up


@dataclass
class Batch:
    """Sufficient statistics of ``m`` problems on (optionally) centred data, padded to ``P``.

    ``G`` (m, P, P) = X_cᵀX_c/n, ``C`` (m, P, 1) = X_cᵀy_c/n, ``yy`` (m,) = y_cᵀy_c/n,
    ``x_mean`` (m, P), ``y_mean`` (m,), ``p`` (m,) the true widths, and the spectra of each
    unpadded ``G``: ``lmax``, ``lmin``, ``lpos`` (smallest positive eigenvalue), computed once.
    """

    G: np.ndarray
    C: np.ndarray
    yy: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray
    p: np.ndarray
    lmax: np.ndarray
    lmin: np.ndarray
    lpos: np.ndarray
    data: list | None = None
    fit_intercept: bool = True
    #: The problems of each width: ``{p: index array}``, in increasing order (a batched
    #: product's bits may depend on where each matrix sits in memory).
    widths: dict = field(default_factory=dict, repr=False)
    _exact: dict = field(default_factory=dict, repr=False)
    _slack: tuple | None = field(default=None, repr=False)

    @property
    def m(self) -> int:
        return self.G.shape[0]

    @property
    def P(self) -> int:
        return self.G.shape[1]

    @property
    def cond(self) -> np.ndarray:
        """cond(G) = λ_max/λ_min per problem (``inf`` if singular)."""
        with np.errstate(divide="ignore"):
            return np.where(self.lmin > 0, self.lmax / np.where(self.lmin > 0, self.lmin, 1.0),
                            np.inf)

    @property
    def mu_strong(self) -> np.ndarray:
        """λ_min(G) less its rounding allowance (Weyl: ``p·eps·λ_max``), clipped at 0."""
        return np.maximum(self.lmin - self.p * _EPS * self.lmax, 0.0)

    def data_slack(self) -> tuple[np.ndarray, np.ndarray]:
        r"""How far ``G``, ``C`` may be from those of the exactly centred data, per problem.

        Centring and the products in float64 err by at most :math:`\gamma = (n + p + 4)`·eps
        times the magnitudes, bounded by the uncentred scales :math:`S_x^2 = \lVert
        X\rVert_F^2/n = \mathrm{tr}\,G + \lVert\bar x\rVert^2`,
        :math:`S_y^2 = y_c^\top y_c/n + \bar y^2`: returns (16γS_x², 16γS_xS_y), so that the
        gradient of the data's problem differs from the Gram one by at most
        ``slack_w·‖w‖ + slack_0`` (:func:`certify_exact` avoids this term).
        """
        if self._slack is None:
            gamma, sx2, sy = self.rounding_scales()
            self._slack = (16.0 * gamma * sx2, 16.0 * gamma * np.sqrt(sx2) * sy)
        return self._slack

    def rounding_scales(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Per problem, :math:`\gamma = (n + p + 4)`·eps and the uncentred scales
        :math:`S_x^2` and :math:`S_y` of :meth:`data_slack` (root mean squares of the data)."""
        n = np.array([X.shape[0] for X, _ in self.data], dtype=np.float64)
        gamma = (n + self.p + 4) * _EPS
        sx2 = np.einsum("bii->b", self.G) + np.sum(self.x_mean * self.x_mean, axis=1)
        sy = np.sqrt(self.yy + self.y_mean * self.y_mean)
        return gamma, sx2, sy

    @property
    def intercept_scale(self) -> np.ndarray:
        """max(1, ‖x̄‖₂): |Δb| = |x̄ᵀΔw| ≤ ‖x̄‖₂‖Δw‖₂, so this bounds coefficients and intercept."""
        return np.maximum(1.0, np.sqrt(np.sum(self.x_mean * self.x_mean, axis=1)))


def setup(pairs, fit_intercept: bool, names=None) -> Batch:
    """Gram quantities and spectra of validated ``(X, y)`` pairs, vectorized by shape.

    The pairs are kept (by reference) for :func:`exact`, which re-derives a problem's Gram
    quantities in exact arithmetic when a certificate needs them.

    Problems of the same ``(n, p)`` are stacked and reduced together (one centring and one
    batched product for ``G`` and one for ``C`` per shape, one batched ``eigvalsh`` per
    width ``p``), the ``y`` of all problems with the same ``n`` together, and the divisions
    by ``n``, the symmetrization and the finiteness check once for the whole batch: the
    set-up costs a few NumPy calls per distinct shape. Each problem's values are those of
    its own shape group computed alone (they do not depend on the other shapes in the
    batch).
    ``names[i]`` (e.g. ``" of problems[3]"``) is used in error messages.
    """
    m = len(pairs)
    p = np.array([X.shape[1] for X, _ in pairs])
    P = int(p.max())
    G = np.zeros((m, P, P))
    C = np.zeros((m, P, 1))
    yy = np.empty(m)
    x_mean = np.zeros((m, P))
    y_mean = np.zeros(m)
    n_of = np.empty(m)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (X, _) in enumerate(pairs):
        groups.setdefault(X.shape, []).append(i)
    # The y of all problems with the same n are stacked together, their shape groups one
    # after another (a shape's rows start at first_row).
    by_n: dict[int, list[int]] = {}
    first_row = {}
    for shape, idx in groups.items():
        rows = by_n.setdefault(shape[0], [])
        first_row[shape] = len(rows)
        rows.extend(idx)
    with np.errstate(over="ignore", invalid="ignore"):
        Y = {}
        for n, idx in by_n.items():
            ys = np.array([pairs[i][1] for i in idx])  # (each row is reduced on its own)
            if fit_intercept:
                ym = ys.mean(axis=1)
                ys -= ym[:, None]
                y_mean[idx] = ym
            yy[idx] = np.einsum("ij,ij->i", ys, ys)
            n_of[idx] = n
            Y[n] = ys
        for (n, q), idx in groups.items():
            # np.stack keeps the problems' memory layout (Fortran for a Legendre basis),
            # which decides the order of the sums in the means and products.
            Xs = np.stack([pairs[i][0] for i in idx]) if len(idx) > 1 else pairs[idx[0]][0][None]
            # The shape's rows of y as a stack of them would be, in a fresh array (those
            # that start the stack of their n are: the bits of a BLAS product can depend on
            # how its operands are aligned in memory).
            row = first_row[n, q]
            ys = Y[n][row:row + len(idx)]
            if row:
                ys = ys.copy()
            idx = np.array(idx)  # (faster to index with than a list)
            if fit_intercept:
                xm = np.add.reduce(Xs, axis=1)  # the mean, as ndarray.mean forms it
                xm /= n
                if len(idx) > 1:  # a fresh stack: centred in place
                    Xs -= xm[:, None, :]
                else:
                    Xs = Xs - xm[:, None, :]
                x_mean[idx, :q] = xm
            Xt = Xs.transpose(0, 2, 1)
            G[idx, :q, :q] = gram(Xs) if q > DENSE_MIN_P else np.matmul(Xt, Xs)
            C[idx, :q, :] = np.matmul(Xt, ys[:, :, None])
        n3 = n_of[:, None, None]
        G /= n3
        C /= n3
        yy /= n_of
        # Symmetrize exactly (gram() and a product XᵀX already are, and keep their bits) so
        # that eigvalsh and the iteration see the same matrix.
        G = 0.5 * (G + G.transpose(0, 2, 1))
    # A NaN or infinity in the data makes the diagonal of G, C or yy non-finite, so the
    # data themselves are only scanned when those are.
    if not (np.all(np.isfinite(G)) and np.all(np.isfinite(C)) and np.all(np.isfinite(yy))):
        _raise_not_finite(pairs, groups, G, C, yy, names)
    # Spectra on the unpadded matrices (one call per width): padding never creates
    # spurious zero eigenvalues and the values do not depend on the batch's composition.
    # Up to DENSE_MIN_P features the eigenvalues of all widths go into one array (+inf
    # beyond each width) and are reduced together.
    by_q: dict[int, list[int]] = {}
    for (_, q), idx in groups.items():
        by_q.setdefault(q, []).extend(idx)
    by_q = {q: np.sort(idx) for q, idx in by_q.items()}  # (in order: see Batch.widths)
    ev = np.full((m, min(P, DENSE_MIN_P)), np.inf)
    for q, idx in by_q.items():
        if q <= DENSE_MIN_P:
            ev[idx, :q] = np.linalg.eigvalsh(G[idx, :q, :q])
    lmax, lmin, lpos = eig_spectra(ev, np.minimum(p, DENSE_MIN_P))  # (wide ones: below)
    for q, idx in by_q.items():
        if q > DENSE_MIN_P:
            lmax[idx], lmin[idx], lpos[idx] = spectra(G[idx, :q, :q])
    return Batch(G, C, yy, x_mean, y_mean, p, lmax, lmin, lpos, list(pairs), fit_intercept,
                 by_q)


def _raise_not_finite(pairs, groups, G, C, yy, names):
    """Name the first problem (in the order of the shape groups) with NaN or infinity in its
    X or y; with none, the Gram quantities overflowed."""
    bad = ~(np.all(np.isfinite(G), axis=(1, 2)) & np.all(np.isfinite(C), axis=(1, 2))
            & np.isfinite(yy))
    for idx in groups.values():
        if not bad[idx].any():
            continue
        for k, what in enumerate("Xy"):
            for i in idx:
                if not np.all(np.isfinite(pairs[i][k])):
                    raise ValueError(f"{what}{names[i] if names else ''} contains NaN or infinity")
        break
    raise FloatingPointError(
        "X or y is too large: X^T X / n or X^T y / n overflows float64; rescale the data"
    )


# --------------------------------------------------------------------------- measures


def measures(G, C, yy, W, a1, a2, L, mu_pl, mu_sc, scale, positive, floor=False):
    """Stopping measure, objective and certified coefficient bound of every pair.

    Shapes: G (B,P,P), C (B,P,1), yy (B,1,1), W (B,P,A), a1/a2 (1,1,A), L/mu_pl/mu_sc
    (B,1,A), scale (B,1). Returns ``gap``, ``objective`` and ``bound`` of shape (B, A):

    * ``gap`` ≥ F(w) − F*: the (positive) Elastic-Net duality gap where α₁ > 0, else the
      PL bound ‖g‖²/(2μ_pl) with g the minimal-norm subgradient;
    * ``bound`` ≥ max(‖w − w*‖₂, |b − b*|) where μ_sc = λ_min(G) + α₂ > 0 (``inf``
      elsewhere): ``scale · min(‖g‖/μ_sc, √(2·gap/μ_sc))``, each with an allowance for the
      rounding of the gradient (``2·eps·√P·(‖c‖ + L‖w‖)``).

    With ``floor=True`` also the bound's rounding floor ``scale·allowance/μ_sc`` (B, A): a
    bound within a few times it cannot be lowered by iterating on ``G``.
    """
    GW = np.matmul(G, W)
    wGw = np.einsum("bpa,bpa->ba", W, GW)
    xi = np.subtract(C, GW, out=GW)  # X_cᵀ r / n (in GW's buffer: one fresh array less)
    if np.any(a2):
        xi -= a2 * W  # −∇f(w)
    cw = np.einsum("bpa,bpa->ba", C, W)  # (C broadcast over the α)
    aw = np.abs(W)
    l1 = np.sum(aw, axis=1)
    l2sq = np.einsum("bpa,bpa->ba", W, W)
    a1_, a2_ = a1[:, 0, :], a2[:, 0, :]
    ry = yy[:, :, 0] - cw  # rᵀy/n
    rr = np.maximum(ry - cw + wGw, 0.0)  # ‖r‖²/n
    obj = 0.5 * (rr + a2_ * l2sq) + a1_ * l1

    # Lasso / Elastic-Net duality gap (formulation A) where α1 > 0; the dual point is
    # feasible when ‖ξ‖∞ ≤ α1 (max_j ξ_j ≤ α1 under w ≥ 0).
    axi = None if positive else np.abs(xi)
    dn = np.max(xi, axis=1) if positive else np.max(axi, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(dn > a1_, a1_ / dn, 1.0)
    gap1 = a1_ * l1 - np.einsum("bpa,bpa->ba", W, xi)  # P − D at s = 1, large terms cancelled
    gap_a = gap1 + (1.0 - s) * (ry - 0.5 * (1.0 + s) * (rr + a2_ * l2sq))

    # Minimal-norm subgradient of F (+ ι(w ≥ 0)).
    # (In place, with few temporaries: on a large block each fresh array costs page faults.)
    if positive:
        g = np.subtract(xi, a1)
        np.copyto(g, np.maximum(g, 0.0), where=W <= 0)
    else:
        g = np.subtract(axi, a1, out=axi)  # |ξ| − α₁ where w = 0 ...
        np.maximum(g, 0.0, out=g)
        # ... ξ − α₁·sign(w) elsewhere (copysign: ±α₁ where w ≠ 0, as α₁·sign(w))
        on = np.copysign(a1, W, out=aw)
        np.subtract(xi, on, out=on)
        np.copyto(g, on, where=W != 0)
    gg = np.einsum("bpa,bpa->ba", g, g)
    mu_pl_, mu_sc_ = mu_pl[:, 0, :], mu_sc[:, 0, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.all(a1_ > 0):
            gap = gap_a  # (the PL bound is not used)
        else:
            gap_s = gg / (2.0 * mu_pl_)
            # g = 0 exactly: w is a minimizer (F(w) − F* = 0) even where μ_pl = 0.
            gap_s = np.where(gg == 0, 0.0, np.where(np.isnan(gap_s), np.inf, gap_s))
            gap = np.where(a1_ > 0, gap_a, gap_s)

        wn = np.sqrt(l2sq)
        gerr = 2.0 * _EPS * math.sqrt(G.shape[1]) * (
            np.sqrt(np.sum(C * C, axis=1)) + L[:, 0, :] * wn)
        by_grad = (np.sqrt(gg) + gerr) / mu_sc_
        by_gap = np.sqrt(2.0 * np.maximum(gap + wn * gerr + 4.0 * _EPS * a1_ * l1, 0.0)
                         / mu_sc_)
        bound = np.where(mu_sc_ > 0, np.minimum(by_grad, by_gap) * scale, np.inf)
        if floor:
            return gap, obj, bound, np.where(mu_sc_ > 0, gerr / mu_sc_ * scale, np.inf)
    return gap, obj, bound


def screened_bound(G, C, W, a1, a2, L, mu_sc, scale, positive, gap, bound, target, coef_tol):
    """Sharper certified bounds for L1 pairs whose global bound fails: gap-safe screening.

    The dual optimum lies within √(2n·gap) of the dual point θ = s·r, so a coordinate with
    w_j = 0 and s|ξ_j| + √(2(G_jj + α₂)·gap) < α₁ is zero at the optimum too (the gap-safe
    rule of Ndiaye et al., 2017; one-sided under w ≥ 0). With those coordinates Z removed,
    F restricted to the rest U has the same minimizer and is μ_U-strongly convex, μ_U =
    λ_min((G + α₂I)_UU), often far larger than λ_min(G) for a sparse solution. The bound
    is then scale·min(‖g_U‖/μ_U, √(2·gap/μ_U)), with the rounding allowances of
    :func:`measures`. Only pairs with α₁ > 0, gap ≤ target and bound > coef_tol are
    examined (one small ``eigvalsh`` each); ``bound`` is returned updated.
    """
    a1_ = np.broadcast_to(a1[:, 0, :], gap.shape)
    cand = (a1_ > 0) & (gap <= target) & (bound > coef_tol) & (mu_sc[:, 0, :] > 0)
    if not cand.any():
        return bound
    r, q = np.nonzero(cand)
    Gf = G[r]
    Wf = W[r, :, q]
    P = Gf.shape[1]
    full = (gap.shape[0], 1, gap.shape[1])
    a1f = np.broadcast_to(a1, full)[r, 0, q][:, None]
    a2f = np.broadcast_to(a2, full)[r, 0, q][:, None]
    Lf = L[r, 0, q][:, None]
    xi = C[r, :, 0] - np.einsum("npq,nq->np", Gf, Wf) - a2f * Wf
    dn = np.max(xi, axis=1, keepdims=True) if positive else np.max(np.abs(xi), axis=1,
                                                                    keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(dn > a1f, a1f / dn, 1.0)
    wn = np.sqrt(np.sum(Wf * Wf, axis=1, keepdims=True))
    gerr = 2.0 * _EPS * math.sqrt(P) * (np.sqrt(np.sum(C[r, :, 0] ** 2, axis=1, keepdims=True))
                                        + Lf * wn)
    l1 = np.sum(np.abs(Wf), axis=1, keepdims=True)
    gap_f = np.maximum(gap[r, q][:, None] + wn * gerr + 4.0 * _EPS * a1f * l1, 0.0)
    diag = np.einsum("npp->np", Gf) + a2f
    corr = (s * xi if positive else s * np.abs(xi)) + np.sqrt(2.0 * diag * gap_f)
    Z = (Wf == 0) & (corr + 8.0 * _EPS * a1f < a1f)
    U = ~Z
    big = Lf[:, :, None] + 1.0
    M = np.where(U[:, :, None] & U[:, None, :], Gf, 0.0)
    M += np.eye(P)[None] * np.where(Z, big[:, :, 0], a2f)[:, None, :]
    mu_u = np.linalg.eigvalsh(M)[:, :1] - P * _EPS * Lf
    if positive:
        g = np.where(Wf > 0, xi - a1f, np.maximum(xi - a1f, 0.0))
    else:
        g = np.where(Wf != 0, xi - a1f * np.sign(Wf), np.maximum(np.abs(xi) - a1f, 0.0))
    gn = np.sqrt(np.sum(np.where(U, g * g, 0.0), axis=1, keepdims=True)) + gerr
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.minimum(gn / mu_u, np.sqrt(2.0 * gap_f / mu_u)) * scale[r]
    b = np.where(mu_u > 0, b, np.inf)[:, 0]
    bound = bound.copy()
    bound[r, q] = np.minimum(bound[r, q], b)
    return bound


def meets(gap, bound, target, coef_tol, mu_sc):
    """The accuracy contract: gap ≤ target, and bound ≤ coef_tol where μ_sc > 0."""
    return (gap <= target) & ((bound <= coef_tol) | (mu_sc[:, 0, :] <= 0))


# --------------------------------------------------------------------------- iterations


class _Work:
    """The pairs still running, as a block: rows × columns of (problem, α) pairs.

    Row ``r`` is problem ``bi[r]``; entry ``(r, c)`` is the pair (``bi[r]``, ``aj[r, c]``).
    At first the block is problems × α (``aj[r, c]`` the same for every row); once most of
    a block has finished, :meth:`to_pairs` turns it into one row per running pair (one
    column), so that scattered stragglers do not keep whole rows and columns iterating.
    """

    per_problem = ("G", "C", "yy", "valid", "scale")
    per_pair = ("W", "Z", "theta", "T", "L", "mu_pl", "mu_sc", "R", "D", "rr", "a1", "a2")

    def __init__(self, **arrays):
        self.__dict__.update(arrays)

    #: Still the whole problems × α block (row r is problem r, column c is α c).
    whole = True

    def compact(self, keep_b, keep_a):
        self.whole = False
        self.bi, self.aj = self.bi[keep_b], self.aj[np.ix_(keep_b, keep_a)]
        self.running = self.running[np.ix_(keep_b, keep_a)]
        for k in self.per_problem:
            setattr(self, k, getattr(self, k)[keep_b])
        for k in self.per_pair:
            v = getattr(self, k)
            if v is not None:
                v = v[keep_b] if v.shape[0] > 1 else v
                setattr(self, k, v[:, :, keep_a] if v.shape[2] > 1 else v)

    def scratch(self, shape):
        """Two private buffers of ``shape`` for :func:`_prox_step` (never handed out)."""
        bufs = self.__dict__.get("_scratch")
        if bufs is None or bufs[0].shape != shape:
            bufs = self._scratch = (np.empty(shape), np.empty(shape))
        return bufs

    def step_consts(self, pen):
        """The kind of proximal step ("positive", "l1" or "smooth"), t·α₁ and −t·α₁,
        computed again only when the working set's T or α₁ changed (compaction)."""
        c = self.__dict__.get("_consts")
        if c is None or c[0] is not self.T or c[1] is not self.a1:
            kind = "positive" if pen.positive else "l1" if pen.has_l1 else "smooth"
            tau = self.T * self.a1
            c = self._consts = (self.T, self.a1, kind, tau, -tau)
        return c[2:]

    def to_pairs(self):
        self.whole = False
        rows, cols = self.running.shape
        r, q = np.nonzero(self.running)
        self.bi, self.aj = self.bi[r], self.aj[r, q][:, None]
        self.running = np.ones((r.size, 1), dtype=bool)
        for k in self.per_problem:
            setattr(self, k, getattr(self, k)[r])
        for k in self.per_pair:
            v = getattr(self, k)
            if v is not None:
                full = np.broadcast_to(v, (rows, v.shape[1], cols))
                setattr(self, k, full[r, :, q][:, :, None])

    def alpha2(self, r, q):
        """α₂ of the pairs at block positions (r, q)."""
        return np.broadcast_to(self.a2, (self.running.shape[0], 1, self.running.shape[1]))[
            r, 0, q]


def iterate(batch: Batch, pen: Penalty, method: str, tol: float, coef_tol: float,
            max_iter: int, check_every: int, step_scale: float, W0=None):
    """Iterate all (problem, α) pairs of ``batch`` together until each meets the contract.

    Returns coef (m, A, P), n_iter (m, A), converged (m, A), gap (m, A), objective (m, A),
    bound (m, A) and the Lipschitz constants (m, A).
    """
    m, P, A = batch.m, batch.P, pen.alphas.size
    positive = pen.positive
    a1 = pen.a1.reshape(1, 1, A)
    a2 = pen.a2.reshape(1, 1, A)
    lmax = batch.lmax[:, None, None]
    L = lmax + a2
    L = np.where(L > 0, L, 1.0)  # G = 0 and α2 = 0: any step is exact
    T = step_scale / L
    # PL constant of the gap without L1 term; under w >= 0 least squares needs λ_min > 0.
    mu_pl = np.where(a2 > 0, batch.lmin[:, None, None] + a2,
                     (batch.lmin if positive else batch.lpos)[:, None, None])
    mu_sc = batch.mu_strong[:, None, None] + a2  # strong convexity: the coefficient bound
    target = tol * batch.yy  # (m,)
    valid = (np.arange(P)[None, :] < batch.p[:, None])[:, :, None]

    out_w = np.zeros((m, A, P))
    out_it = np.full((m, A), max_iter, dtype=np.int64)
    out_conv = np.zeros((m, A), dtype=bool)
    out_gap = np.full((m, A), np.nan)
    out_obj = np.full((m, A), np.nan)
    out_bound = np.full((m, A), np.nan)

    polish = method == "auto" and not pen.smooth
    path_rounds = None
    from_guess = False  # the separable start: its pairs go to the active-set rounds at once
    if W0 is not None:
        W = np.array(W0, dtype=np.float64)
    elif polish and P > DENSE_MIN_P and not positive:
        W, path_rounds, reached = path_start(batch, pen)
        if not reached.all():  # where the path gave up: the separable start
            W = np.where(reached[:, None, :], W, _guess(batch, pen))
    elif (polish and not positive and not np.any(pen.a2) and m * A >= HOMOTOPY_MIN_PAIRS
          and A >= HOMOTOPY_MIN_ALPHAS):
        # The Lasso: its exact path by homotopy (where G is certified positive definite),
        # measured at iteration 0 like any iterate; the separable start where not reached.
        # (Its events count in n_iter: at most max_iter of them.)
        W, path_rounds, reached = lasso_start(batch, pen.a1, max_steps=max_iter)
        if not reached.all():
            W = np.where(reached[:, None, :], W, _guess(batch, pen))
    elif polish:
        W = _guess(batch, pen)
        from_guess = True
    else:
        W = np.zeros((m, P, A))
    if W.shape[0] == 1 and m > 1:
        W = np.repeat(W, m, axis=0)
    w = _Work(bi=np.arange(m), aj=np.broadcast_to(np.arange(A), (m, A)),
              running=np.ones((m, A), dtype=bool),
              G=batch.G, C=batch.C, yy=batch.yy[:, None, None], valid=valid,
              scale=batch.intercept_scale[:, None],
              W=W, Z=W.copy(), theta=np.ones((m, 1, A)), T=np.broadcast_to(T, (m, 1, A)),
              L=np.broadcast_to(L, (m, 1, A)), mu_pl=np.broadcast_to(mu_pl, (m, 1, A)),
              mu_sc=np.broadcast_to(mu_sc, (m, 1, A)), R=None, D=None, rr=None, a1=a1, a2=a2)
    use_cg = method == "cg" or (method == "auto" and pen.smooth)
    if use_cg:
        slack_w, slack_0 = batch.data_slack()
    cg_restart = max(4 * P, 20)
    extra = np.zeros((m, A), dtype=np.int64)  # CG steps of the active-set refinement
    if path_rounds is not None:
        extra += path_rounds
    # cg / auto: a pair whose gap and bound have not improved by 0.1 % over STALL_CHECKS
    # checks has reached the rounding floor of its problem; it stops, not converged.
    stall = use_cg or polish
    best = np.full((2, m, A), np.inf)
    since = np.zeros((m, A), dtype=np.int64)
    # auto: a pair whose CG step did not finish it waits 1, 2, 4, ... 16 checks for the next.
    backoff = np.zeros((3, m, A), dtype=np.int64)  # checks seen, next allowed, wait
    backoff[2] = 1

    def pairs_at(cols=None):
        """Index of the working set's pairs (or of its columns ``cols``) into (m, A) arrays."""
        if w.whole:
            return slice(None), (slice(None) if cols is None else cols)
        return w.bi[:, None], (w.aj if cols is None else w.aj[:, cols])

    def stalled(gap, bound, cols=None):
        """Out of iterations (max_iter counts the CG steps too), or no progress (cg/auto)."""
        at = pairs_at(cols)
        spent = k + extra[at] >= max_iter
        if not stall:
            return spent
        g0, b0 = best[0][at], best[1][at]
        better = (gap < 0.999 * g0) | (bound < 0.999 * b0)
        best[0][at] = np.minimum(g0, gap)
        best[1][at] = np.minimum(b0, bound)
        since[at] = np.where(better, 0, since[at] + 1)
        # FISTA's gap may plateau for long on an ill-conditioned problem and then go on:
        # under auto a stall stops a pair only once its gap is met (the bound is stuck).
        floor = since[at] >= STALL_CHECKS
        if not use_cg:
            floor &= gap <= target[w.bi][:, None]
        return spent | floor

    def record(done, V, gap, obj, bound, ok, k, cols=None):
        """Store the pairs ``done`` (of the working set, or of its columns ``cols``)."""
        if w.whole and cols is None:  # the block is the output's layout: masked copies
            np.copyto(out_w, V.transpose(0, 2, 1), where=done[:, :, None])
            for out, x in ((out_it, k + extra), (out_gap, gap), (out_obj, obj),
                           (out_bound, bound), (out_conv, ok)):
                np.copyto(out, x, where=done)
            w.running &= ~done
            return
        r, q = np.nonzero(done)
        c = q if cols is None else cols[q]
        gb, ga = w.bi[r], w.aj[r, c]
        out_w[gb, ga, :] = V[r, :, q]
        out_it[gb, ga] = k + extra[gb, ga]
        out_gap[gb, ga] = gap[r, q]
        out_obj[gb, ga] = obj[r, q]
        out_bound[gb, ga] = bound[r, q]
        out_conv[gb, ga] = ok[r, q]
        w.running[r, c] = False

    def shrink():
        """Drop the finished rows and columns of the working set, or turn it into one row
        per running pair once few are left (P ≤ PAIRS_MAX_P)."""
        keep_b = w.running.any(axis=1)
        keep_a = w.running.any(axis=0)
        if (w.running.shape[1] > 1 and P <= PAIRS_MAX_P
                and w.running.sum() < PAIRS_BELOW * w.running.size):
            w.to_pairs()
        elif keep_b.sum() * keep_a.sum() <= 0.9 * w.running.size:
            w.compact(keep_b, keep_a)

    screen = pen.has_l1 and method != "subgradient"  # (a property: computed once here)
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            if k % check_every == 0 or k == max_iter:
                if from_guess and k == 0 < max_iter:
                    # The separable start is only a guess: no measures for it. The pairs
                    # whose minimizer is 0 are recorded, the others start active-set rounds.
                    _record_zeros(w, positive, record)
                if polish and (0 < k < max_iter or (from_guess and k == 0 < max_iter)):
                    obj = _check_with_refinement(w, positive, P, target, coef_tol, record,
                                                 extra, k, stalled, backoff, batch)
                else:
                    gap, obj, bound, floor = measures(w.G, w.C, w.yy, w.W, w.a1, w.a2, w.L,
                                                      w.mu_pl, w.mu_sc, w.scale, positive,
                                                      floor=True)
                    if screen:
                        bound = screened_bound(w.G, w.C, w.W, w.a1, w.a2, w.L, w.mu_sc,
                                               w.scale, positive, gap, bound,
                                               target[w.bi][:, None], coef_tol)
                    ok = meets(gap, bound, target[w.bi][:, None], coef_tol, w.mu_sc)
                    done = ok | (k == max_iter) | stalled(gap, bound)
                    if use_cg:
                        # The Gram certificate holds for the data's problem only with the
                        # slack of forming G; where that matters, or at the Gram rounding
                        # floor, certify (and refine) in exact arithmetic on the data.
                        sw, s0 = slack_w[w.bi][:, None], slack_0[w.bi][:, None]
                        with np.errstate(divide="ignore", invalid="ignore"):
                            pert = (sw * np.sqrt(np.einsum("bpa,bpa->ba", w.W, w.W)) + s0) \
                                / w.mu_sc[:, 0, :] * w.scale
                        fin = w.running & (w.mu_sc[:, 0, :] > 0) & (
                            (ok & (bound + pert > coef_tol))
                            | (~ok & (done | (bound <= 4.0 * floor))))
                        ok &= ~fin
                        if fin.any():
                            obj = _finish_exact(w, batch, fin, gap, obj, bound, ok,
                                                   target, coef_tol, extra, positive)
                            done |= fin
                    record(w.running & done, w.W, gap, obj, bound, ok, k)
                    if polish and k == 0 < max_iter and w.running.any():
                        # The pairs the start did not finish: active-set rounds at once
                        # (on the working set shrunk to them first).
                        shrink()
                        obj = _check_with_refinement(w, positive, P, target, coef_tol,
                                                     record, extra, k, stalled, backoff, batch)
                if not np.all(np.isfinite(obj[w.running])):
                    bad = np.argwhere(w.running & ~np.isfinite(obj))[0]
                    raise FloatingPointError(
                        f"{method} diverged: non-finite coefficients at iteration {k} for "
                        f"alpha={pen.alphas[w.aj[bad[0], bad[1]]]:.6g} (problem {w.bi[bad[0]]}); "
                        f"step_scale={step_scale} (steps above 2/L are unstable)"
                    )
                if not w.running.any():
                    break
                shrink()
            if k == max_iter:
                break
            k += 1
            if use_cg:
                if w.R is None or k % cg_restart == 1:
                    w.R = w.D = w.rr = None
                    w.W, w.R, w.D, w.rr, _ = _cg(w.G, w.C * w.valid, w.W, w.a2, None, 1)
                else:
                    w.W, w.R, w.D, w.rr, _ = _cg(w.G, None, w.W, w.a2, None, 1, w.R, w.D,
                                                 w.rr)
                continue
            _prox_step(w, pen, method)
    return out_w, out_it, out_conv, out_gap, out_obj, out_bound, np.broadcast_to(
        L[:, 0, :], (m, A)).copy()


def _record_zeros(w, positive, record):
    r"""Record the pairs of the (full) working set whose minimizer is w = 0.

    At :math:`w = 0`, :math:`\xi = c`, so 0 is the minimizer exactly when
    :math:`\lVert c\rVert_\infty \le \alpha_1` (:math:`\max_j c_j \le \alpha_1` under
    w ≥ 0), whatever the start. There :func:`measures` gives gap 0 (the dual point is
    feasible at s = 1 and every term of the gap is 0), objective :math:`y_c^\top y_c/(2n)`
    and bound 0 (``inf`` where μ_sc = 0): those values are recorded directly, bit for bit
    the same, with w = 0.
    """
    cmax = np.max(w.C[:, :, 0] if positive else np.abs(w.C[:, :, 0]), axis=1)
    zero = w.running & (cmax[:, None] <= w.a1[:, 0, :])
    if not zero.any():
        return
    shape = zero.shape
    obj = np.broadcast_to(0.5 * w.yy[:, 0, :], shape)
    bound = np.where(np.broadcast_to(w.mu_sc[:, 0, :], shape) > 0, 0.0, np.inf)
    record(zero, np.zeros(w.W.shape), np.zeros(shape), obj, bound,
           np.ones(shape, dtype=bool), 0)


def _finish_exact(w, batch, fin, gap, obj, bound, ok, target, coef_tol, extra, positive):
    """:func:`certify_exact` on the pairs ``fin`` of the working set: their W, gap, bound
    and ``ok`` are replaced in place by the exact certificate's; returns obj.
    """
    r, q = np.nonzero(fin)
    W2, gap2, bound2, met2, steps = certify_exact(
        batch, w.bi[r], w.W[r, :, q], w.alpha2(r, q), target[w.bi[r]], coef_tol)
    w.W = w.W.copy()
    w.W[r, :, q] = W2
    gap[r, q], bound[r, q], ok[r, q] = gap2, bound2, met2
    extra[w.bi[r], w.aj[r, q]] += steps
    _, obj2, _ = measures(w.G, w.C, w.yy, w.W, w.a1, w.a2, w.L, w.mu_pl, w.mu_sc, w.scale,
                          positive)
    return np.where(fin, obj2, obj)


def _guess(batch: Batch, pen: Penalty) -> np.ndarray:
    r"""Starting point of ``auto`` with an L1 term: the separable solution around least squares.

    With :math:`v` the least-squares fit (solved directly where ``G`` is well conditioned,
    certified positive definite with cond(G) ≤ 1e4, with the identity on the padding;
    elsewhere by conjugate gradient on :math:`Gv = c` to 0.1 %, whose early stop acts as
    a regularization on an ill-conditioned ``G``) and :math:`d = \mathrm{diag}(G)`,
    :math:`w_j = S_{\alpha_1}(d_j v_j)/(d_j + \alpha_2)` — the exact solution when ``G`` is
    diagonal (near-orthogonal bases such as Legendre), and in any case a first guess of
    the support and signs that the active-set step of the first check refines. Only the
    speed depends on it.
    """
    P = batch.P
    pd = (batch.mu_strong > 0) & (batch.lmax <= 1e4 * batch.mu_strong)
    V = np.zeros_like(batch.C)
    if pd.any():
        i = np.flatnonzero(pd)
        M = batch.G[i]
        M[:, np.arange(P), np.arange(P)] += np.arange(P)[None, :] >= batch.p[i][:, None]
        V[i] = np.linalg.solve(M, batch.C[i])
    if not pd.all():
        i = np.flatnonzero(~pd)
        thr = 1e-6 * np.sum(batch.C[i] * batch.C[i], axis=1, keepdims=True)  # 0.1 % will do
        V[i] = _cg(batch.G[i], batch.C[i], np.zeros_like(batch.C[i]), None, None, 2 * P,
                   thr=thr)[0]
    d = np.einsum("bii->bi", batch.G)[:, :, None]
    U = d * V
    a1 = pen.a1.reshape(1, 1, -1)
    a2 = pen.a2.reshape(1, 1, -1)
    den = d + a2 if np.any(a2) else d  # (d + 0 = d: the same quotients)
    with np.errstate(divide="ignore", invalid="ignore"):
        W = soft_threshold(U, a1, pen.positive)  # prox(U, α₁)/den in one (B, P, A) buffer
        W /= den
    np.copyto(W, 0.0, where=~(den > 0))
    bad = ~np.isfinite(W)
    if bad.any():
        W[bad] = 0.0
    return W


def _prox_step(w, pen, method):
    """One gd / subgradient / ista / fista step for every running pair.

    The arithmetic is that of the textbook update, operation for operation (the same bits),
    with the intermediate arrays in two private scratch buffers of the working set and the
    per-pair threshold t·α₁ kept until the working set is compacted: in the small batches
    of the study most of an iteration's time is per-call overhead, not arithmetic.
    """
    Z = w.Z
    kind, tau, ntau = w.step_consts(pen)
    S1, S2 = w.scratch(Z.shape)
    # U = Z − t∇f(Z), in a scratch buffer unless it is the new iterate itself.
    U = np.matmul(w.G, Z) if kind == "smooth" and method != "subgradient" else np.matmul(
        w.G, Z, out=S1)
    if pen.rho < 1.0:
        U += np.multiply(w.a2, Z, out=S2)
    U -= w.C
    U *= w.T
    np.subtract(Z, U, out=U)
    if method == "subgradient":
        U = U.copy()
        if pen.has_l1:
            U -= tau * np.sign(Z)
        w.W = w.Z = np.maximum(U, 0.0) if pen.positive else U
        return
    Wn = U if kind == "smooth" else soft_threshold(U, tau, kind == "positive", ntau, S2)
    if method != "fista" and method != "auto":
        w.W = w.Z = Wn
        return
    Dn = Wn - w.W
    restart = np.einsum("bpa,bpa->ba", np.subtract(Z, Wn, out=S2), Dn)[:, None, :] > 0
    theta = np.where(restart, 1.0, w.theta)
    theta_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * theta * theta))
    Dn *= (theta - 1.0) / theta_next
    Dn += Wn
    w.Z = Dn
    w.theta = theta_next
    w.W = Wn


def _check_with_refinement(w, positive, P, target, coef_tol, record, extra, k, stalled,
                           backoff, batch=None):
    """The check of ``method="auto"``: refine the α columns that have a pair due for a CG
    step (see the backoff in :func:`iterate`), measure the others that have a running
    pair as they are; return the objective (B, A) (not set in the columns without one).
    """
    gb, ga = w.bi[:, None], w.aj
    seen, allowed = backoff[0][gb, ga], backoff[1][gb, ga]
    backoff[0][gb, ga] = seen + 1
    stable = w.running & (seen >= allowed)  # due for a CG step
    refine = stable.any(axis=0)
    obj = np.empty(w.running.shape)
    tgt = target[w.bi][:, None]
    # (Columns without a running pair are not measured: nothing there is recorded.)
    measured = ~refine & w.running.any(axis=0)
    for cols, refining in ((np.flatnonzero(refine), True), (np.flatnonzero(measured), False)):
        if cols.size == 0:
            continue
        sub = (w.G, w.C, w.yy, w.W[:, :, cols], w.a1[:, :, cols], w.a2[:, :, cols],
               w.L[:, :, cols], w.mu_pl[:, :, cols], w.mu_sc[:, :, cols], w.scale, positive)
        if refining:
            V, taken = _refine(*sub, p=P if batch is None else batch.p[w.bi],
                               coef_tol=coef_tol)
            here = stable[:, cols]  # pairs due adopt V
            tried = stable[:, cols]
            extra[w.bi[:, None], w.aj[:, cols]] += taken * here
            V = np.where(here[:, None, :], V, sub[3])
            sub = sub[:3] + (V,) + sub[4:]
        gap, o, bound = measures(*sub)
        bound = screened_bound(sub[0], sub[1], sub[3], sub[4], sub[5], sub[6], sub[8], sub[9],
                               positive, gap, bound, tgt, coef_tol)
        ok = meets(gap, bound, tgt, coef_tol, sub[8])
        if refining and batch is not None:
            # Gap met, bound not (the Gram floor): certify the face on the data itself.
            # "Met" up to the rounding of the Gram gap (its allowance in :func:`measures`):
            # at the floor an exact face minimizer's measured gap is rounding noise, and
            # only the exact certificate can tell.
            cand = here & w.running[:, cols] & ~ok & (sub[8][:, 0, :] > 0)
            near = cand & (gap > tgt)
            if near.any():
                r, q = np.nonzero(near)
                Vn = V[r, :, q]
                wn = np.sqrt(np.sum(Vn * Vn, axis=1))
                full = (len(w.bi), 1, len(cols))
                gerr = 2.0 * _EPS * math.sqrt(P) * (
                    np.sqrt(np.sum(w.C[r, :, 0] ** 2, axis=1))
                    + np.broadcast_to(sub[6], full)[r, 0, q] * wn)
                slack = wn * gerr + 4.0 * _EPS * np.broadcast_to(sub[4], full)[r, 0, q] \
                    * np.sum(np.abs(Vn), axis=1)
                cand[r, q] = gap[r, q] <= tgt[r, 0] + slack
            if cand.any():
                r, q = np.nonzero(cand)
                full = (len(w.bi), 1, len(cols))
                W2, gap2, bound2, met2 = certify_exact_face(
                    batch, w.bi[r], V[r, :, q], np.broadcast_to(sub[4], full)[r, 0, q],
                    np.broadcast_to(sub[5], full)[r, 0, q], positive, tgt[r, 0], coef_tol)
                r, q = r[met2], q[met2]
                V[r, :, q] = W2[met2]
                gap[r, q], bound[r, q], ok[r, q] = gap2[met2], bound2[met2], True
        done = ok | stalled(gap, bound, cols)
        if refining:  # not finished by its CG step: wait longer before the next one
            again = tried & ~ok
            gb, ga = w.bi[:, None], w.aj[:, cols]
            wait = backoff[2][gb, ga]
            backoff[1][gb, ga] = np.where(again, backoff[0][gb, ga] + wait, backoff[1][gb, ga])
            backoff[2][gb, ga] = np.where(again, np.minimum(2 * wait, 16), wait)
        record(w.running[:, cols] & done, sub[3], gap, o, bound, ok, k, cols)
        obj[:, cols] = o
        # The refined iterate replaces W (momentum reset) where a pair is still running
        # (the iterates of finished pairs are never read again).
        if refining and w.running[:, cols].any():
            here3 = here[:, None, :]
            w.W = w.W.copy()
            w.W[:, :, cols] = V
            w.Z = w.Z.copy()
            w.Z[:, :, cols] = np.where(here3, V, w.Z[:, :, cols])
            w.theta = w.theta.copy()
            w.theta[:, :, cols] = np.where(here3, 1.0, w.theta[:, :, cols])
    return obj
