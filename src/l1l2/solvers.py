r"""First-order solvers for penalized least squares: exact, batched and honest.

Every penalty shares one objective, written on centred data (the intercept is never
penalized; with ``fit_intercept=True`` the model is fitted on centred ``X`` and ``y`` and
the intercept recovered as :math:`b = \bar y - \bar x^\top w`):

.. math::

    F(w) = \frac{1}{2n}\lVert y - Xw - b\rVert_2^2 + \alpha R(w),\qquad
    R(w) = \begin{cases}
        0 & \text{none}\\
        \lVert w\rVert_1 & \text{l1}\\
        \tfrac12\lVert w\rVert_2^2 & \text{l2}\\
        \rho\lVert w\rVert_1 + \tfrac{1-\rho}{2}\lVert w\rVert_2^2 & \text{elasticnet}
    \end{cases}

which is scikit-learn's ``Lasso(alpha=α)``, ``ElasticNet(alpha=α, l1_ratio=ρ)`` and
``Ridge(alpha=n·α)``.

With :math:`\alpha_1 = \alpha\rho` and :math:`\alpha_2 = \alpha(1-\rho)` (``l1``: ρ = 1,
``l2``: ρ = 0, ``none``: α = 0) the smooth part has gradient
:math:`\nabla f(w) = Gw - c + \alpha_2 w` with the Gram quantities
:math:`G = X^\top X/n` and :math:`c = X^\top y/n` of the centred data, so one iteration costs
:math:`O(p^2)` per α, independent of ``n``. All α of a call (and, in :func:`solve_many`, all
problems of a batch) are iterated together: the iterates form an array of shape
``(n_problems, p, n_alphas)`` and each iteration is one batched matrix product. Pairs
(problem, α) whose stopping criterion is met are recorded and dropped from the batch.

Methods
-------
``gd``
    Gradient descent :math:`w \leftarrow w - t\nabla f(w)` (penalties ``none``, ``l2``).
``subgradient``
    The naive update :math:`w \leftarrow w - t(\nabla f(w) + \alpha_1\,\mathrm{sign}(w))`
    with :math:`\mathrm{sign}(0) = 0`. The L1 pull has constant size :math:`t\alpha_1`, so
    weights are pushed across zero and chatter around it; it yields no exact zeros and, with
    a constant step, in general never meets the stopping criterion.
``ista``
    Proximal gradient :math:`w \leftarrow S_{t\alpha_1}(w - t\nabla f(w))` with the
    soft-threshold :math:`S_\tau(z) = \mathrm{sign}(z)\max(|z|-\tau, 0)`: exact zeros.
``fista``
    ISTA with Nesterov momentum, :math:`\theta^+ = (1+\sqrt{1+4\theta^2})/2`,
    :math:`z = w^+ + \frac{\theta-1}{\theta^+}(w^+ - w)`, and the gradient-based adaptive
    restart of O'Donoghue & Candès (2015): :math:`\theta \leftarrow 1` when
    :math:`(z - w^+)^\top(w^+ - w) > 0`.

The step is :math:`t = s/L` with :math:`L = \lambda_{\max}(G) + \alpha_2` and ``step_scale``
:math:`s = 1` by default.

Stopping criterion
------------------
Each α stops when its *gap* is at most ``tol * ||y_c||² / n`` (``y_c`` the centred
target, or ``y`` itself without intercept). The gap is an upper bound on
:math:`F(w) - F^\star`:

* :math:`\alpha_1 > 0` (``l1``, ``elasticnet`` with ρ > 0): the Lasso / Elastic-Net
  duality gap of scikit-learn's ``_cd_fast.enet_coordinate_descent`` (its "formulation A"),
  divided by ``n`` because scikit-learn minimizes ``n·F``. scikit-learn stops at
  ``gap_sk <= tol·||y_c||²``, i.e. ``gap <= tol·||y_c||²/n`` here: ``tol`` means the same in
  both libraries. With :math:`r = y_c - X_c w` and
  :math:`\xi = X_c^\top r/n - \alpha_2 w`, :math:`s = \min(1, \alpha_1/\lVert\xi\rVert_\infty)`:

  .. math::

      P = \tfrac{1}{2}(\lVert r\rVert^2/n + \alpha_2\lVert w\rVert^2) + \alpha_1\lVert w\rVert_1,
      \quad
      D = -\tfrac{s^2}{2}(\lVert r\rVert^2/n + \alpha_2\lVert w\rVert^2) + s\,r^\top y_c/n,
      \quad \mathrm{gap} = P - D.

* :math:`\alpha_1 = 0` (``none``, ``l2``, ``elasticnet`` with ρ = 0, or α = 0): the
  Polyak–Łojasiewicz bound :math:`\lVert\nabla F(w)\rVert^2 / (2\mu)` with
  :math:`\mu = \lambda_{\min}(G) + \alpha_2` when :math:`\alpha_2 > 0` (strong convexity) and
  :math:`\mu = ` the smallest positive eigenvalue of ``G`` when :math:`\alpha_2 = 0` (least
  squares satisfies the PL inequality with it). For ridge this is never larger than
  scikit-learn's "formulation B" duality gap :math:`\lVert\nabla F\rVert^2/(2\alpha_2)`.

Non-negative coefficients
-------------------------
With ``positive=True`` the problem is :math:`\min F(w)` subject to :math:`w \ge 0` (the
intercept stays free), scikit-learn's ``positive=True``. The proximal step is then the
projection of the soft-threshold, :math:`\max(z - t\alpha_1, 0)` (:math:`\max(z, 0)` without
an L1 term); ``gd`` and ``subgradient`` project their step onto :math:`w \ge 0`. The
stopping measures stay upper bounds on :math:`F(w) - F^\star` of the constrained problem:

* :math:`\alpha_1 > 0`: the same duality gap with :math:`\lVert\xi\rVert_\infty` replaced by
  :math:`\max_j \xi_j` (the dual constraint is one-sided, :math:`X^\top\theta/n \le
  \alpha_1`), as in ``enet_coordinate_descent(..., positive=True)`` of scikit-learn.
* :math:`\alpha_1 = 0`: :math:`\lVert g\rVert^2/(2\mu)` with :math:`g` the minimal-norm
  subgradient of :math:`F + \iota_{w \ge 0}` (:math:`g_j = -\xi_j` where :math:`w_j > 0`,
  :math:`\max(\xi_j, 0)` in size where :math:`w_j = 0`) and :math:`\mu = \lambda_{\min}(G)
  + \alpha_2`, the strong-convexity modulus: :math:`F(w) - F^\star \le \lVert g\rVert^2/(2\mu)`
  for every subgradient. A singular ``G`` without L2 term (non-negative least squares with
  p ≥ n) has :math:`\mu = 0`: its measure is infinite and it never reports ``converged``.

The data enter only through ``G``, ``c`` and :math:`y_c^\top y_c/n` (computed once), for any
``n`` and ``p``; this is the right trade for this project's p ≤ 15 (for p ≫ n an iteration on
``X`` itself, O(np), would be cheaper and is not implemented).

All these quantities are evaluated from ``G``, ``c`` and :math:`y_c^\top y_c/n` in
:math:`O(p^2)`; the gap is rearranged so that the large terms cancel analytically (at
:math:`s = 1` it is :math:`\alpha_1\lVert w\rVert_1 - w^\top\xi`), so it stays accurate far
below ``tol = 1e-10``. It is checked every ``check_every`` iterations.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "PENALTIES",
    "METHODS",
    "SolveResult",
    "History",
    "solve",
    "solve_many",
    "solve_history",
    "objective",
    "duality_gap",
    "lasso_duality_gap",
    "enet_duality_gap",
    "kkt_violation",
    "gap_target",
]

PENALTIES = ("none", "l1", "l2", "elasticnet")
METHODS = ("gd", "subgradient", "ista", "fista")


# --------------------------------------------------------------------------- results


@dataclass
class History:
    """Per-iteration record of one fit (a single α), see :func:`solve_history`.

    Attributes
    ----------
    coef : ndarray of shape (n_iter + 1, n_features)
        ``coef[k]`` is the iterate after ``k`` iterations (``coef[0]`` the start).
    intercept : ndarray of shape (n_iter + 1,)
        The intercept :math:`\\bar y - \\bar x^\\top w_k` belonging to each iterate.
    objective : ndarray of shape (n_iter + 1,)
        :math:`F(w_k)`.
    gap : ndarray of shape (n_iter + 1,)
        The stopping measure of each iterate (see the module docstring).
    """

    coef: np.ndarray
    intercept: np.ndarray
    objective: np.ndarray
    gap: np.ndarray


@dataclass
class SolveResult:
    """Solutions for every α of one problem.

    Attributes
    ----------
    coef : ndarray of shape (n_alphas, n_features)
    intercept : ndarray of shape (n_alphas,)
    n_iter : ndarray of int of shape (n_alphas,)
        Iterations run for each α (0 if the starting point already met the criterion).
    converged : ndarray of bool of shape (n_alphas,)
        True only if ``gap <= gap_target``.
    gap : ndarray of shape (n_alphas,)
        Final stopping measure: the duality gap when α·ρ > 0, the PL bound otherwise.
    objective : ndarray of shape (n_alphas,)
        :math:`F` at the returned solution.
    alphas : ndarray of shape (n_alphas,)
    gap_target : float
        ``tol * ||y_c||² / n``, the threshold ``gap`` is compared with.
    lipschitz : ndarray of shape (n_alphas,)
        ``L = λ_max(G) + α(1-ρ)``; the step is ``step_scale / L``.
    cond : float
        ``cond(G) = λ_max(G)/λ_min(G)`` (``inf`` if singular): it governs the iterations.
    penalty, method : str
    l1_ratio : float or None
    history : History or None
        Only with ``history=True``.
    """

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    gap: np.ndarray
    objective: np.ndarray
    alphas: np.ndarray
    gap_target: float
    lipschitz: np.ndarray
    cond: float
    penalty: str
    method: str
    l1_ratio: float | None
    history: History | None = field(default=None, repr=False)


# --------------------------------------------------------------------------- validation


def _check_penalty_method(penalty, method):
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}, got penalty={penalty!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got method={method!r}")
    if method == "gd" and penalty in ("l1", "elasticnet"):
        raise ValueError(
            f"method='gd' needs a differentiable penalty ('none' or 'l2'), got "
            f"penalty={penalty!r}; use method='ista', 'fista' or 'subgradient'"
        )


def _check_l1_ratio(penalty, l1_ratio) -> float:
    """Return ρ for ``penalty``; validate the user's ``l1_ratio``."""
    if penalty == "elasticnet":
        if l1_ratio is None:
            raise ValueError("l1_ratio is required for penalty='elasticnet' (a float in [0, 1])")
        try:
            rho = float(l1_ratio)
        except (TypeError, ValueError):
            raise ValueError(
                f"l1_ratio must be a float in [0, 1], got l1_ratio={l1_ratio!r}"
            ) from None
        if not 0.0 <= rho <= 1.0:  # also rejects NaN
            raise ValueError(f"l1_ratio must be in [0, 1], got l1_ratio={l1_ratio!r}")
        return rho
    if l1_ratio is not None:
        raise ValueError(
            f"l1_ratio is only used with penalty='elasticnet'; got l1_ratio={l1_ratio!r} "
            f"with penalty={penalty!r} (pass l1_ratio=None)"
        )
    return {"none": 0.0, "l2": 0.0, "l1": 1.0}[penalty]


def _check_alphas(penalty, alphas) -> np.ndarray:
    if alphas is None:
        if penalty == "none":
            return np.zeros(1)
        raise ValueError(f"alphas is required for penalty={penalty!r}")
    try:
        a = np.asarray(alphas, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"alphas must be a non-negative float or 1-D array, got {alphas!r}"
        ) from None
    a = np.atleast_1d(a)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("alphas must be finite (no NaN or infinity)")
    if np.any(a < 0):
        raise ValueError(f"alphas must be >= 0, got min(alphas)={a.min()!r}")
    if penalty == "none" and np.any(a != 0):
        raise ValueError("penalty='none' has no alpha: pass alphas=None (or zeros)")
    return a


def _check_controls(tol, max_iter, check_every, step_scale):
    if not (isinstance(tol, int | float | np.floating | np.integer) and math.isfinite(tol)
            and tol >= 0):
        raise ValueError(f"tol must be a finite float >= 0, got tol={tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got max_iter={max_iter!r}")
    if (isinstance(check_every, bool) or not isinstance(check_every, int | np.integer)
            or check_every < 1):
        raise ValueError(f"check_every must be an integer >= 1, got check_every={check_every!r}")
    if not (isinstance(step_scale, int | float | np.floating) and math.isfinite(step_scale)
            and step_scale > 0):
        raise ValueError(f"step_scale must be a finite float > 0, got step_scale={step_scale!r}")


def _check_xy(X, y, where=""):
    """Validate one (X, y) pair; return float64 arrays (X 2-D, y 1-D)."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X{where} must be a numeric 2-D array: {exc}") from None
    try:
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y{where} must be a numeric 1-D array: {exc}") from None
    if X.ndim != 2:
        raise ValueError(f"X{where} must be 2-D (n_samples, n_features), got shape {X.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y{where} must be 1-D (n_samples,), got shape {y.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X{where} is empty: shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X{where} and y{where} have inconsistent lengths: X has {X.shape[0]} samples, "
            f"y has {y.shape[0]}"
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"X{where} contains NaN or infinity")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"y{where} contains NaN or infinity")
    return X, y


# --------------------------------------------------------------------------- data reduction


@dataclass
class _Gram:
    """Sufficient statistics of one problem on (optionally) centred data."""

    G: np.ndarray  # (p, p)   X_cᵀX_c / n
    c: np.ndarray  # (p,)     X_cᵀy_c / n
    yy: float  # y_cᵀy_c / n
    x_mean: np.ndarray  # (p,) zeros without intercept
    y_mean: float
    n: int


def _gram(X, y, fit_intercept) -> _Gram:
    n = X.shape[0]
    if fit_intercept:
        x_mean = X.mean(axis=0)
        y_mean = float(y.mean())
        Xc = X - x_mean
        yc = y - y_mean
    else:
        x_mean = np.zeros(X.shape[1])
        y_mean = 0.0
        Xc, yc = X, y
    with np.errstate(over="ignore", invalid="ignore"):
        G = (Xc.T @ Xc) / n
        c = (Xc.T @ yc) / n
        yy = float(yc @ yc) / n
    if not (np.all(np.isfinite(G)) and np.all(np.isfinite(c)) and math.isfinite(yy)):
        raise FloatingPointError(
            "X or y is too large: X^T X / n or X^T y / n overflows float64; rescale the data"
        )
    # Symmetrize exactly so that eigvalsh and the iteration see the same matrix.
    G = 0.5 * (G + G.T)
    return _Gram(G, c, yy, x_mean, y_mean, n)


def _spectra(grams: Sequence[_Gram]):
    """λ_max, λ_min and the smallest positive eigenvalue of each G.

    Computed per distinct ``p`` on unpadded matrices (so zero padding never creates spurious
    zero eigenvalues and the values do not depend on batch composition).
    """
    m = len(grams)
    lmax, lmin, lpos = np.empty(m), np.empty(m), np.empty(m)
    by_p: dict[int, list[int]] = {}
    for i, g in enumerate(grams):
        by_p.setdefault(g.G.shape[0], []).append(i)
    for p, idx in by_p.items():
        ev = np.linalg.eigvalsh(np.stack([grams[i].G for i in idx]))  # ascending
        top = ev[:, -1]
        thresh = np.maximum(top, 0.0) * p * np.finfo(np.float64).eps
        pos = np.where(ev > thresh[:, None], ev, np.inf).min(axis=1)
        lmax[idx] = np.maximum(top, 0.0)
        lmin[idx] = np.maximum(ev[:, 0], 0.0)
        lpos[idx] = pos
    return lmax, lmin, lpos


# --------------------------------------------------------------------------- batched core


def _measures(G, C, yy, W, a1, a2, mu, positive=False):
    """Stopping measure and objective for every (problem, α) of a batch.

    Shapes: G (B,P,P), C (B,P,1), yy (B,1,1), W (B,P,A), a1/a2 (1,1,A), mu (B,1,A).
    With ``positive`` the iterates are feasible (W >= 0) and the measures are those of the
    problem constrained to w >= 0 (see the module docstring).
    Returns gap and objective of shape (B, A).
    """
    GW = np.matmul(G, W)
    xi = C - GW  # X_cᵀ r / n
    cw = np.sum(C * W, axis=1)  # (B, A)
    wGw = np.sum(W * GW, axis=1)
    l1 = np.sum(np.abs(W), axis=1)
    l2sq = np.sum(W * W, axis=1)
    a1_, a2_ = a1[:, 0, :], a2[:, 0, :]
    yy_ = yy[:, :, 0]
    ry = yy_ - cw  # rᵀy/n
    rr = np.maximum(ry - cw + wGw, 0.0)  # ‖r‖²/n
    obj = 0.5 * (rr + a2_ * l2sq) + a1_ * l1

    xi -= a2 * W  # -∇f(w)
    # Lasso / Elastic-Net duality gap (formulation A) where α1 > 0.
    # The dual point is feasible when ‖ξ‖∞ ≤ α1 (‖ξ₊‖∞ ≤ α1 under w ≥ 0).
    dn = np.max(xi, axis=1) if positive else np.max(np.abs(xi), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(dn > a1_, a1_ / dn, 1.0)
    gap1 = a1_ * l1 - np.sum(W * xi, axis=1)  # P - D at s = 1, large terms cancelled
    gap_a = gap1 + (1.0 - s) * (ry - 0.5 * (1.0 + s) * (rr + a2_ * l2sq))
    # PL bound where α1 = 0: ∇F = -xi; under w ≥ 0 the minimal-norm subgradient of
    # F + ι(w ≥ 0), whose j-th entry is max(ξ_j, 0) where w_j = 0.
    if positive:
        xi = np.where(W > 0, xi, np.maximum(xi, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        gap_s = np.sum(xi * xi, axis=1) / (2.0 * mu[:, 0, :])
    gap_s = np.where(np.isnan(gap_s), np.inf, gap_s)
    gap = np.where(a1_ > 0, gap_a, gap_s)
    return gap, obj


def _core(grams, alphas, rho, method, tol, max_iter, check_every, step_scale, W0=None,
          lipschitz_out=None, positive=False):
    """Iterate all (problem, α) pairs together; return per-pair arrays.

    Returns coef (m, A, P), n_iter (m, A), converged (m, A), gap (m, A), objective (m, A).
    """
    m, A = len(grams), alphas.size
    P = max(g.G.shape[0] for g in grams)
    Gs = np.zeros((m, P, P))
    Cs = np.zeros((m, P, 1))
    for i, g in enumerate(grams):
        p = g.G.shape[0]
        Gs[i, :p, :p] = g.G
        Cs[i, :p, 0] = g.c
    yys = np.array([g.yy for g in grams]).reshape(m, 1, 1)
    lmax, lmin, lpos = _spectra(grams)

    a1 = (alphas * rho).reshape(1, 1, A)
    a2 = (alphas * (1.0 - rho)).reshape(1, 1, A)
    L = lmax[:, None, None] + a2
    L = np.where(L > 0, L, 1.0)  # G = 0 and α2 = 0: any step is exact
    if lipschitz_out is not None:
        lipschitz_out[...] = L[:, 0, :]
    T = step_scale / L  # (m,1,A)
    # Under w >= 0 least squares needs strong convexity (λ_min > 0) for the PL bound.
    mu = np.where(a2 > 0, lmin[:, None, None] + a2,
                  (lmin if positive else lpos)[:, None, None])
    target = tol * yys[:, 0, 0]  # (m,)

    out_w = np.zeros((m, A, P))
    out_it = np.full((m, A), max_iter, dtype=np.int64)
    out_conv = np.zeros((m, A), dtype=bool)
    out_gap = np.full((m, A), np.nan)
    out_obj = np.full((m, A), np.nan)

    # Working set: problems `bi` × alpha columns `ai` (global indices), plus a mask of
    # pairs still running. Converged pairs keep iterating harmlessly until compaction;
    # their result is the snapshot taken when they met the criterion.
    bi = np.arange(m)
    ai = np.arange(A)
    running = np.ones((m, A), dtype=bool)
    W = np.zeros((m, P, A)) if W0 is None else np.array(W0, dtype=np.float64)
    Z = W.copy()
    theta = np.ones((m, 1, A))
    G, C, yy = Gs, Cs, yys
    a1w, a2w, Tw, muw = a1, a2, T, mu
    has_l1 = bool(np.any(a1 > 0))
    has_l2 = bool(np.any(a2 > 0))

    def rebuild():
        nonlocal TC, damp, tau, ntau
        TC = Tw * C
        damp = 1.0 - Tw * a2w if has_l2 else None
        tau = Tw * a1w
        ntau = -tau

    TC = damp = tau = ntau = None
    rebuild()

    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            if k % check_every == 0 or k == max_iter:
                gap, obj = _measures(G, C, yy, W, a1w, a2w, muw, positive)
                tgt = target[bi][:, None]
                if not np.all(np.isfinite(obj[running])):
                    bad = np.argwhere(running & ~np.isfinite(obj))[0]
                    raise FloatingPointError(
                        f"{method} diverged: non-finite coefficients at iteration {k} for "
                        f"alpha={alphas[ai[bad[1]]]:.6g} (problem {bi[bad[0]]}); step_scale="
                        f"{step_scale} (steps above 2/L are unstable)"
                    )
                done = running & ((gap <= tgt) | (k == max_iter))
                if np.any(done):
                    r, q = np.nonzero(done)
                    gb, ga = bi[r], ai[q]
                    out_w[gb, ga, :] = W[r, :, q]
                    out_it[gb, ga] = k
                    out_gap[gb, ga] = gap[r, q]
                    out_obj[gb, ga] = obj[r, q]
                    out_conv[gb, ga] = gap[r, q] <= tgt[r, 0]
                    running = running & ~done
                    if not running.any():
                        break
                    keep_b = running.any(axis=1)
                    keep_a = running.any(axis=0)
                    if keep_b.sum() * keep_a.sum() <= 0.9 * running.size:
                        sel = np.ix_(keep_b, keep_a)
                        running = running[sel]
                        bi, ai = bi[keep_b], ai[keep_a]
                        G, C, yy = G[keep_b], C[keep_b], yy[keep_b]
                        W = W[keep_b][:, :, keep_a]
                        Z = Z[keep_b][:, :, keep_a]
                        theta = theta[keep_b][:, :, keep_a]
                        Tw = Tw[keep_b][:, :, keep_a]
                        muw = muw[keep_b][:, :, keep_a]
                        a1w, a2w = a1w[:, :, keep_a], a2w[:, :, keep_a]
                        rebuild()
            if k == max_iter:
                break
            k += 1
            # One iteration for every pair: U = Z - T ∇f(Z).
            GZ = np.matmul(G, Z)
            GZ *= Tw
            if damp is not None:
                U = Z * damp
                U -= GZ
            else:
                U = Z - GZ
            U += TC
            if method == "subgradient":
                if has_l1:
                    U -= tau * np.sign(Z)
                W = Z = np.maximum(U, 0.0) if positive else U
                continue
            if positive:  # prox of t·α1‖w‖₁ + ι(w ≥ 0): max(u − t·α1, 0)
                Wn = np.maximum(U - tau, 0.0) if has_l1 else np.maximum(U, 0.0)
            elif has_l1:
                Wn = U - np.clip(U, ntau, tau)  # soft-threshold; exact zeros
            else:
                Wn = U
            if method != "fista":
                W = Z = Wn
                continue
            D = Wn - W
            restart = np.sum((Z - Wn) * D, axis=1, keepdims=True) > 0
            theta = np.where(restart, 1.0, theta)
            theta_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * theta * theta))
            beta = (theta - 1.0) / theta_next
            theta = theta_next
            Z = Wn + beta * D
            W = Wn
    return out_w, out_it, out_conv, out_gap, out_obj


def _warn_unconverged(results, penalty, method, max_iter, where="solve"):
    n_bad = sum(int((~r.converged).sum()) for r in results)
    if n_bad == 0:
        return
    n_all = sum(r.converged.size for r in results)
    worst = None
    for i, r in enumerate(results):
        for j in np.flatnonzero(~r.converged):
            ratio = r.gap[j] / r.gap_target if r.gap_target > 0 else np.inf
            if worst is None or ratio > worst[0]:
                worst = (ratio, i, r.alphas[j], r.gap[j], r.gap_target, r.n_iter[j])
    # Imported here, not at module level: importing scikit-learn costs ~1 s, which every
    # pipeline job would pay although most never warn.
    from sklearn.exceptions import ConvergenceWarning

    ratio, i, a, g, tgt, it = worst
    prob = f" (problem {i})" if len(results) > 1 else ""
    warnings.warn(
        f"{where}(penalty={penalty!r}, method={method!r}): {n_bad} of {n_all} fits did not "
        f"converge within max_iter={max_iter}. Worst{prob}: alpha={a:.6g} stopped at gap "
        f"{g:.3e} > target {tgt:.3e} (tol*||y_c||^2/n), {ratio:.3g}x too large after {it} "
        f"iterations. Increase max_iter, use method='fista', or improve the conditioning.",
        ConvergenceWarning,
        stacklevel=3,
    )


def _assemble(grams, alphas, rho, penalty, method, l1_ratio, tol, core_out, lipschitz, cond):
    out_w, out_it, out_conv, out_gap, out_obj = core_out
    results = []
    for i, g in enumerate(grams):
        p = g.G.shape[0]
        coef = np.ascontiguousarray(out_w[i, :, :p])
        intercept = g.y_mean - coef @ g.x_mean
        results.append(
            SolveResult(
                coef=coef,
                intercept=intercept,
                n_iter=out_it[i].copy(),
                converged=out_conv[i].copy(),
                gap=out_gap[i].copy(),
                objective=out_obj[i].copy(),
                alphas=alphas.copy(),
                gap_target=tol * g.yy,
                lipschitz=lipschitz[i].copy(),
                cond=float(cond[i]),
                penalty=penalty,
                method=method,
                l1_ratio=l1_ratio,
            )
        )
    return results


def _run(grams, penalty, alphas, l1_ratio, rho, method, tol, max_iter, warm_start,
         check_every, step_scale, W0, positive=False):
    m, A = len(grams), alphas.size
    P = max(g.G.shape[0] for g in grams)
    lipschitz = np.empty((m, A))
    lmax, lmin, _ = _spectra(grams)
    with np.errstate(divide="ignore"):
        cond = np.where(lmin > 0, lmax / np.where(lmin > 0, lmin, 1.0), np.inf)
    if not warm_start or A == 1:
        core = _core(grams, alphas, rho, method, tol, max_iter, check_every, step_scale, W0,
                     lipschitz, positive)
    else:
        # Decreasing path: each α starts from the solution of the previous (larger) α,
        # all problems of the batch together.
        order = np.argsort(-alphas, kind="stable")
        out = [np.zeros((m, A, P)), np.zeros((m, A), np.int64), np.zeros((m, A), bool),
               np.zeros((m, A)), np.zeros((m, A))]
        w_prev = None if W0 is None else W0[:, :, order[:1]]
        for j in order:
            lip = np.empty((m, 1))
            res = _core(grams, alphas[j:j + 1], rho, method, tol, max_iter, check_every,
                        step_scale, w_prev, lip, positive)
            for o, r in zip(out, res, strict=True):
                o[:, j] = r[:, 0]
            lipschitz[:, j] = lip[:, 0]
            w_prev = res[0][:, 0, :][:, :, None]
        core = tuple(out)
    return _assemble(grams, alphas, rho, penalty, method, l1_ratio, tol, core, lipschitz, cond)


# --------------------------------------------------------------------------- public API


def solve(
    X,
    y,
    penalty="l1",
    alphas=None,
    l1_ratio=None,
    fit_intercept=True,
    method="fista",
    tol=1e-10,
    max_iter=100_000,
    *,
    warm_start=False,
    history=False,
    coef_init=None,
    step_scale=1.0,
    check_every=10,
    positive=False,
):
    r"""Minimize :math:`F(w) = \frac{1}{2n}\lVert y - Xw - b\rVert^2 + \alpha R(w)` for every α.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    penalty : {"none", "l1", "l2", "elasticnet"}, default="l1"
        :math:`R = 0`, :math:`\lVert w\rVert_1`, :math:`\tfrac12\lVert w\rVert^2` or
        :math:`\rho\lVert w\rVert_1 + \tfrac{1-\rho}{2}\lVert w\rVert^2`.
    alphas : float or array-like of shape (n_alphas,)
        Penalty strengths α ≥ 0 (scikit-learn's ``Lasso(alpha=α)``, ``Ridge(alpha=n·α)``).
        Optional (and must be zero) for ``penalty="none"``.
    l1_ratio : float in [0, 1], optional
        ρ, required for ``penalty="elasticnet"`` and only allowed there.
    fit_intercept : bool, default=True
        Fit on centred data and return :math:`b = \bar y - \bar x^\top w` (never penalized).
    method : {"gd", "subgradient", "ista", "fista"}, default="fista"
        See the module docstring. ``gd`` accepts only ``none`` and ``l2``.
    tol : float, default=1e-10
        Stop each α when its gap is at most ``tol * ||y_c||² / n`` — the same meaning as
        ``tol`` in scikit-learn's Lasso/ElasticNet (see the module docstring).
    max_iter : int, default=100_000
        Iterations per α. Not converged ⇒ ``converged=False`` and a ``ConvergenceWarning``
        stating the gap reached and the target.
    warm_start : bool, default=False
        Solve the α in decreasing order, each starting from the previous solution (a path);
        otherwise all α start from ``coef_init`` (zero) and are iterated together.
    history : bool, default=False
        Record every iterate of a single α (``alphas`` must hold one value); the result's
        ``history`` is a :class:`History`. See :func:`solve_history`.
    coef_init : array-like of shape (n_features,) or (n_alphas, n_features), optional
        Starting point (zero by default).
    step_scale : float, default=1.0
        Step ``step_scale / L``. Values above 2 make ``gd`` diverge (which raises).
    check_every : int, default=10
        Evaluate the stopping criterion at iteration 0 and every ``check_every`` iterations.
    positive : bool, default=False
        Constrain the coefficients to :math:`w \ge 0` (scikit-learn's ``positive=True``;
        the intercept stays free). The proximal step becomes :math:`\max(z - t\alpha_1, 0)`,
        ``gd`` and ``subgradient`` project onto :math:`w \ge 0`, and the stopping measure is
        that of the constrained problem (see the module docstring).

    Returns
    -------
    SolveResult
        ``coef`` (n_alphas, n_features), ``intercept``, ``n_iter``, ``converged``, ``gap``
        (n_alphas,), plus ``objective``, ``gap_target``, ``lipschitz``, ``cond``.

    Raises
    ------
    ValueError
        Invalid argument (the message names it).
    FloatingPointError
        The iteration produced non-finite values (divergence) or the data overflow.

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        Some α did not reach the target gap within ``max_iter``.
    """
    _check_penalty_method(penalty, method)
    rho = _check_l1_ratio(penalty, l1_ratio)
    alphas = _check_alphas(penalty, alphas)
    _check_controls(tol, max_iter, check_every, step_scale)
    X, y = _check_xy(X, y)
    if history:
        if alphas.size != 1:
            raise ValueError(f"history=True needs a single alpha, got {alphas.size} alphas")
        w0 = None if coef_init is None else np.asarray(coef_init, dtype=np.float64)
        if w0 is not None:
            w0 = w0.reshape(-1)
        return solve_history(X, y, penalty, float(alphas[0]), l1_ratio, fit_intercept,
                             method, tol, max_iter, coef_init=w0, step_scale=step_scale,
                             positive=positive)
    g = _gram(X, y, bool(fit_intercept))
    positive = _check_positive(positive)
    W0 = _coef_init_array(coef_init, X.shape[1], alphas.size, positive)
    res = _run([g], penalty, alphas, l1_ratio, rho, method, tol, max_iter, warm_start,
               check_every, step_scale, W0, positive)
    _warn_unconverged(res, penalty, method, max_iter, "solve")
    return res[0]


def _check_positive(positive) -> bool:
    if not isinstance(positive, bool | np.bool_):
        raise ValueError(f"positive must be True or False, got positive={positive!r}")
    return bool(positive)


def _coef_init_array(coef_init, p, A, positive=False):
    if coef_init is None:
        return None
    w0 = np.asarray(coef_init, dtype=np.float64)
    if w0.ndim == 1:
        w0 = np.broadcast_to(w0, (A, w0.size))
    if w0.shape != (A, p):
        raise ValueError(f"coef_init must have shape ({p},) or ({A}, {p}), got {w0.shape}")
    if not np.all(np.isfinite(w0)):
        raise ValueError("coef_init contains NaN or infinity")
    if positive:  # start feasible: the measures assume w >= 0
        w0 = np.maximum(w0, 0.0)
    return np.ascontiguousarray(w0.T)[None, :, :]


def solve_many(
    problems,
    penalty="l1",
    alphas=None,
    l1_ratio=None,
    fit_intercept=True,
    method="fista",
    tol=1e-10,
    max_iter=100_000,
    *,
    warm_start=False,
    check_every=10,
    step_scale=1.0,
    positive=False,
):
    """Solve many small problems over the same α grid in one batched iteration.

    Each problem's Gram matrix is stacked (zero-padded to the largest ``p``; padded
    coordinates have zero gradient and stay exactly 0) and all (problem, α) pairs are
    iterated with one batched matrix product per iteration; pairs that meet the criterion
    are recorded and retired. The math and every argument are those of :func:`solve`.

    Parameters
    ----------
    problems : sequence of (X, y)
        ``X`` of shape (n_i, p_i), ``y`` of shape (n_i,); ``n_i`` and ``p_i`` may differ.
    penalty, alphas, l1_ratio, fit_intercept, method, tol, max_iter, warm_start,
    check_every, step_scale, positive
        As in :func:`solve`.

    Returns
    -------
    list of SolveResult
        One per problem, in order, with the meaning of :func:`solve`'s result. A single
        ``ConvergenceWarning`` summarizes all unconverged fits.

    Notes
    -----
    Results are deterministic: the same inputs give the same bits run after run (for a
    given BLAS build and thread count; the products are p×p by p×n_alphas, far below
    OpenBLAS's threading threshold for the p ≤ 15 of this project). They agree with
    :func:`solve` on each problem alone to rounding (≈1e-15 relative), not necessarily bit
    for bit: the batched BLAS product may associate sums differently for another padding.
    """
    _check_penalty_method(penalty, method)
    rho = _check_l1_ratio(penalty, l1_ratio)
    alphas = _check_alphas(penalty, alphas)
    _check_controls(tol, max_iter, check_every, step_scale)
    positive = _check_positive(positive)
    try:
        problems = list(problems)
    except TypeError:
        raise ValueError("problems must be a sequence of (X, y) pairs") from None
    if not problems:
        raise ValueError("problems is empty: pass at least one (X, y) pair")
    grams = []
    for i, pr in enumerate(problems):
        try:
            X, y = pr
        except (TypeError, ValueError):
            raise ValueError(f"problems[{i}] must be an (X, y) pair") from None
        X, y = _check_xy(X, y, where=f" of problems[{i}]")
        grams.append(_gram(X, y, bool(fit_intercept)))
    res = _run(grams, penalty, alphas, l1_ratio, rho, method, tol, max_iter, warm_start,
               check_every, step_scale, None, positive)
    _warn_unconverged(res, penalty, method, max_iter, "solve_many")
    return res


def solve_history(
    X,
    y,
    penalty,
    alpha,
    l1_ratio=None,
    fit_intercept=True,
    method="fista",
    tol=1e-10,
    max_iter=1000,
    *,
    coef_init=None,
    step_scale=1.0,
    stop_early=True,
    positive=False,
):
    """Run one α and record every iterate, its objective and its gap.

    A plain, unbatched implementation of the same updates as :func:`solve` (so it doubles
    as an independent check of the batched core). Use it to draw a weight's trajectory —
    L2 ``gd`` shrinks geometrically and never reaches 0; L1 ``subgradient`` moves by
    constant-size steps and then chatters around 0; L1 ``ista``/``fista`` land on 0 and
    stay — or ISTA vs FISTA gap curves.

    Parameters
    ----------
    X, y, penalty, l1_ratio, fit_intercept, method, tol, max_iter, coef_init, step_scale,
    positive
        As in :func:`solve` (``max_iter`` defaults to 1000 here).
    alpha : float
        A single α ≥ 0.
    stop_early : bool, default=True
        Stop at the first iterate whose gap meets the target (checked every iteration).
        With False, run exactly ``max_iter`` iterations (no warning is issued then).

    Returns
    -------
    SolveResult
        With ``n_alphas = 1`` and ``history`` of type :class:`History`, whose arrays have
        ``n_iter + 1`` rows (the start included).
    """
    _check_penalty_method(penalty, method)
    rho = _check_l1_ratio(penalty, l1_ratio)
    alphas = _check_alphas(penalty, None if (alpha is None and penalty == "none") else alpha)
    if alphas.size != 1:
        raise ValueError(f"alpha must be a single value, got {alphas.size}")
    _check_controls(tol, max_iter, 1, step_scale)
    X, y = _check_xy(X, y)
    g = _gram(X, y, bool(fit_intercept))
    p = X.shape[1]
    alpha = float(alphas[0])
    a1, a2 = alpha * rho, alpha * (1.0 - rho)
    lmax, lmin, lpos = _spectra([g])
    L = lmax[0] + a2
    L = L if L > 0 else 1.0
    t = step_scale / L
    positive = _check_positive(positive)
    mu = (lmin[0] + a2) if a2 > 0 else (lmin[0] if positive else lpos[0])
    target = tol * g.yy
    w = np.zeros(p) if coef_init is None else np.asarray(coef_init, dtype=np.float64).copy()
    if w.shape != (p,):
        raise ValueError(f"coef_init must have shape ({p},), got {w.shape}")
    if positive:
        w = np.maximum(w, 0.0)
    G, c = g.G, g.c
    a1v, a2v = np.full((1, 1, 1), a1), np.full((1, 1, 1), a2)

    def measure(w):
        gap, obj = _measures(G[None], c[None, :, None], np.full((1, 1, 1), g.yy),
                             w[None, :, None], a1v, a2v, np.full((1, 1, 1), mu), positive)
        return gap[0, 0], obj[0, 0]

    ws, gaps, objs = [w.copy()], [], []
    gp, ob = measure(w)
    gaps.append(gp)
    objs.append(ob)
    z = w.copy()
    theta = 1.0
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while k < max_iter and not (stop_early and gp <= target):
            k += 1
            u = z - t * (G @ z - c + a2 * z)
            if method == "subgradient":
                w_new = u - t * a1 * np.sign(z)
                if positive:
                    w_new = np.maximum(w_new, 0.0)
                z = w_new
            else:
                if positive:
                    w_new = np.maximum(u - t * a1, 0.0)
                else:
                    w_new = np.sign(u) * np.maximum(np.abs(u) - t * a1, 0.0) if a1 > 0 else u
                if method == "fista":
                    d = w_new - w
                    if (z - w_new) @ d > 0:
                        theta = 1.0
                    theta_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * theta * theta))
                    z = w_new + ((theta - 1.0) / theta_next) * d
                    theta = theta_next
                else:
                    z = w_new
            w = w_new
            gp, ob = measure(w)
            if not (math.isfinite(ob) and np.all(np.isfinite(w))):
                raise FloatingPointError(
                    f"{method} diverged: non-finite coefficients at iteration {k} for "
                    f"alpha={alpha:.6g}; step_scale={step_scale} (steps above 2/L are unstable)"
                )
            ws.append(w.copy())
            gaps.append(gp)
            objs.append(ob)
    coefs = np.array(ws)
    hist = History(coef=coefs, intercept=g.y_mean - coefs @ g.x_mean,
                   objective=np.array(objs), gap=np.array(gaps))
    conv = bool(gp <= target)
    cond = lmax[0] / lmin[0] if lmin[0] > 0 else np.inf
    res = SolveResult(
        coef=w[None, :].copy(), intercept=np.array([g.y_mean - w @ g.x_mean]),
        n_iter=np.array([k]), converged=np.array([conv]), gap=np.array([gp]),
        objective=np.array([ob]), alphas=alphas, gap_target=target, lipschitz=np.array([L]),
        cond=float(cond), penalty=penalty, method=method, l1_ratio=l1_ratio, history=hist,
    )
    if stop_early:
        _warn_unconverged([res], penalty, method, max_iter, "solve_history")
    return res


# --------------------------------------------------------------------------- helpers


def _penalty_params(penalty, alpha, l1_ratio):
    rho = _check_l1_ratio(penalty, l1_ratio)
    a = np.asarray(alpha, dtype=np.float64)
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"alpha must be finite and >= 0, got alpha={alpha!r}")
    return a * rho, a * (1.0 - rho)


def objective(X, y, coef, intercept, penalty, alpha, l1_ratio=None):
    r"""Value of :math:`F(w, b) = \frac{1}{2n}\lVert y - Xw - b\rVert^2 + \alpha R(w)`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    coef : array-like of shape (n_features,) or (n_alphas, n_features)
    intercept : float or array-like of shape (n_alphas,)
    penalty : {"none", "l1", "l2", "elasticnet"}
    alpha : float or array-like of shape (n_alphas,)
    l1_ratio : float, optional
        ρ for ``elasticnet``.

    Returns
    -------
    float or ndarray of shape (n_alphas,)
    """
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}, got penalty={penalty!r}")
    X, y = _check_xy(X, y)
    W = np.asarray(coef, dtype=np.float64)
    single = W.ndim == 1
    W = np.atleast_2d(W)
    a1, a2 = _penalty_params(penalty, 0.0 if penalty == "none" else alpha, l1_ratio)
    R = y[None, :] - W @ X.T - np.asarray(intercept, dtype=np.float64).reshape(-1, 1)
    val = (0.5 / X.shape[0]) * np.sum(R * R, axis=1) + a1 * np.sum(np.abs(W), axis=1) \
        + 0.5 * a2 * np.sum(W * W, axis=1)
    return float(val[0]) if single else val


def _centre(X, y, fit_intercept):
    X, y = _check_xy(X, y)
    if fit_intercept:
        return X - X.mean(axis=0), y - y.mean()
    return X, y


def duality_gap(X, y, coef, alpha, l1_ratio=1.0, fit_intercept=True, positive=False):
    r"""Elastic-Net duality gap of ``coef`` on scikit-learn's formulation, divided by ``n``.

    Computed directly from the (centred) data, not from Gram quantities. With
    :math:`\alpha_1 = \alpha\rho > 0` this is scikit-learn's "formulation A" gap (the one
    its coordinate descent stops on, ``gap_sk / n``); with :math:`\alpha_1 = 0 < \alpha_2`
    it is "formulation B", :math:`\lVert\nabla F\rVert^2/(2\alpha_2)`. It bounds
    :math:`F(w) - F^\star` from above and is 0 exactly at the optimum.

    Parameters
    ----------
    X, y : arrays
    coef : array-like of shape (n_features,)
    alpha : float
        α > 0.
    l1_ratio : float in [0, 1], default=1.0
    fit_intercept : bool, default=True
        Centre ``X`` and ``y`` (the intercept is profiled out).
    positive : bool, default=False
        The gap of the problem constrained to :math:`w \ge 0` (``coef`` must be feasible):
        the dual scaling uses :math:`\max_j \xi_j` instead of :math:`\lVert\xi\rVert_\infty`
        (scikit-learn's ``positive=True``); with :math:`\alpha_1 = 0` the formulation-B gap
        :math:`\sum_j \tfrac{\alpha_2}{2}w_j^2 - w_j v_j + \max(v_j, 0)^2/(2\alpha_2)`,
        :math:`v = X_c^\top r/n`.

    Returns
    -------
    float
    """
    Xc, yc = _centre(X, y, fit_intercept)
    positive = _check_positive(positive)
    rho = _check_l1_ratio("elasticnet", l1_ratio)
    if not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be > 0 for a duality gap, got alpha={alpha!r}")
    n = Xc.shape[0]
    w = np.asarray(coef, dtype=np.float64).reshape(-1)
    a1, a2 = alpha * rho, alpha * (1.0 - rho)
    r = yc - Xc @ w
    if positive and np.any(w < 0):
        raise ValueError("coef must be >= 0 for the gap of the positive problem")
    xi = Xc.T @ r / n - a2 * w
    if a1 == 0:
        if positive:
            v = xi + a2 * w
            return float(np.sum(0.5 * a2 * w * w - w * v + np.maximum(v, 0.0) ** 2 / (2 * a2)))
        return float(xi @ xi / (2.0 * a2))
    rr = r @ r / n
    ry = r @ yc / n
    dn = np.max(xi) if positive else np.max(np.abs(xi))
    s = a1 / dn if dn > a1 else 1.0
    l2sq = w @ w
    primal = 0.5 * (rr + a2 * l2sq) + a1 * np.sum(np.abs(w))
    dual = -0.5 * s * s * (rr + a2 * l2sq) + s * ry
    return float(primal - dual)


def lasso_duality_gap(X, y, coef, alpha, fit_intercept=True):
    r"""Lasso duality gap (``duality_gap`` with ρ = 1).

    :math:`r = y_c - X_c w`, :math:`\theta = r/\max(1, \lVert X_c^\top r\rVert_\infty/(n\alpha))`,
    :math:`P = \lVert r\rVert^2/(2n) + \alpha\lVert w\rVert_1`,
    :math:`D = (\lVert y_c\rVert^2 - \lVert y_c - \theta\rVert^2)/(2n)`, gap = P − D.
    """
    return duality_gap(X, y, coef, alpha, 1.0, fit_intercept)


def enet_duality_gap(X, y, coef, alpha, l1_ratio, fit_intercept=True):
    """Elastic-Net duality gap (alias of :func:`duality_gap`)."""
    return duality_gap(X, y, coef, alpha, l1_ratio, fit_intercept)


def gap_target(y, tol, fit_intercept=True):
    """The stopping threshold ``tol * ||y_c||² / n`` (scikit-learn's, on this scale)."""
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    yc = y - y.mean() if fit_intercept else y
    return float(tol * (yc @ yc) / y.size)


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio=1.0):
    r"""Largest violation of the L1 / Elastic-Net optimality (KKT) conditions.

    With :math:`g = X^\top(y - Xw - b)/n - \alpha(1-\rho)w` the conditions are
    :math:`g_j = \alpha\rho\,\mathrm{sign}(w_j)` if :math:`w_j \ne 0` and
    :math:`|g_j| \le \alpha\rho` if :math:`w_j = 0` (exact zero, no threshold). Also
    :math:`\sum_i (y - Xw - b)_i = 0` for the unpenalized intercept.

    Parameters
    ----------
    X, y : arrays
    coef : array-like of shape (n_features,)
    intercept : float
        Pass 0.0 for a model without intercept (the intercept condition is then skipped).
    alpha : float
    l1_ratio : float, default=1.0

    Returns
    -------
    float
        ``max_j`` of ``|g_j - αρ sign(w_j)|`` (nonzero ``w_j``) and ``max(|g_j| - αρ, 0)``
        (zero ``w_j``), and ``|mean residual|`` when ``intercept != 0``; 0 at an exact optimum.
    """
    X, y = _check_xy(X, y)
    rho = _check_l1_ratio("elasticnet", l1_ratio)
    w = np.asarray(coef, dtype=np.float64).reshape(-1)
    a1, a2 = alpha * rho, alpha * (1.0 - rho)
    r = y - X @ w - intercept
    g = X.T @ r / X.shape[0] - a2 * w
    nz = w != 0
    viol = np.where(nz, np.abs(g - a1 * np.sign(w)), np.maximum(np.abs(g) - a1, 0.0))
    v = float(viol.max())
    if intercept != 0:
        v = max(v, abs(float(r.mean())))
    return v
