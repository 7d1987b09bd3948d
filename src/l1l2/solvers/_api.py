"""Public entry points: :func:`solve`, :func:`solve_many`, :func:`solve_history`."""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import _batch
from ._checks import (
    _check_coef_tol,
    _check_controls,
    _check_penalty,
    _check_positive,
    _check_shapes,
)
from .penalty import Penalty

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
        Iterations run for each α, counting the conjugate-gradient steps of
        ``method="cg"``/``"auto"`` and the events or face solves of ``auto``'s path starts
        (see the module docstring); 0 where the start met the contract without any.
    converged : ndarray of bool of shape (n_alphas,)
        True only if the accuracy contract holds: ``gap <= gap_target`` and, where the
        problem is strongly convex, ``coef_bound <= coef_tol``.
    gap : ndarray of shape (n_alphas,)
        Final stopping measure: the duality gap when α·ρ > 0, the PL bound otherwise.
    objective : ndarray of shape (n_alphas,)
        :math:`F` at the returned solution.
    alphas : ndarray of shape (n_alphas,)
    gap_target : float
        ``tol * ||y_c||² / n``, the threshold ``gap`` is compared with.
    lipschitz : ndarray of shape (n_alphas,)
        ``L = λ_max(G) + α(1-ρ)``; the step is ``step_scale / L``. Above 64 features
        λ_max is a certified upper bound (a few per cent above), see the module docstring.
    cond : float
        ``cond(G) = λ_max(G)/λ_min(G)`` (``inf`` if singular): it governs the iterations.
        Above 64 features the ratio of the certified bounds (an upper bound).
    penalty, method : str
    l1_ratio : float or None
    coef_bound : ndarray of shape (n_alphas,)
        Certified bound on ``max(‖coef − coef*‖₂, |intercept − intercept*|)`` (``inf`` where
        the problem is not strongly convex: singular ``G`` without L2 term).
    coef_tol : float
        The coefficient tolerance ``coef_bound`` is compared with (``inf``: none).
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
    coef_bound: np.ndarray | None = None
    coef_tol: float = math.inf
    history: History | None = field(default=None, repr=False)


# --------------------------------------------------------------------------- helpers


def _ignored_by_filters():
    """True when the warnings filters certainly ignore a ``ConvergenceWarning``.

    The first filter that matches a warning decides its fate. Filters of a category that is
    not a superclass of ``UserWarning`` cannot match one (``ConvergenceWarning`` derives from
    ``UserWarning`` directly; a filter naming it means scikit-learn is already imported) and
    are passed over; the first other filter decides if it matches every message, module and
    line (as ``warnings.simplefilter("ignore")`` does); any narrower one, or none, counts as
    "shown". Building the warning imports scikit-learn (~1 s of CPU); callers that ignore
    every warning, as the pipeline's figure code does, do not pay for it.
    """
    if "sklearn.exceptions" in sys.modules:
        return False  # free to build: let the warnings machinery decide
    for action, message, category, module, lineno in warnings.filters:
        if not issubclass(UserWarning, category):
            continue
        if message is not None and message.pattern or module is not None or lineno:
            return False
        return action == "ignore"
    return False


def _warn_unconverged(results, penalty, method, max_iter, where="solve"):
    conv = np.concatenate([r.converged for r in results])  # one count, not one per result
    n_bad = conv.size - int(np.count_nonzero(conv))
    if n_bad == 0 or _ignored_by_filters():
        return
    n_all = conv.size
    worst = None
    for i, r in enumerate(results):
        for j in np.flatnonzero(~r.converged):
            ratio = r.gap[j] / r.gap_target if r.gap_target > 0 else np.inf
            if r.gap[j] <= r.gap_target:  # the gap is met, the coefficient bound is not
                ratio = r.coef_bound[j] / r.coef_tol if r.coef_tol > 0 else np.inf
            key = (ratio, i, j)
            if worst is None or key[0] > worst[0]:
                worst = key
    # Imported here, not at module level: importing scikit-learn costs ~1 s, which every
    # pipeline job would pay although most never warn.
    from sklearn.exceptions import ConvergenceWarning

    ratio, i, j = worst
    r = results[i]
    stop = " (or stopped improving: rounding floor)" if method in ("cg", "auto") else ""
    prob = f" (problem {i})" if len(results) > 1 else ""
    if r.gap[j] > r.gap_target:
        what = (f"stopped at gap {r.gap[j]:.3e} > target {r.gap_target:.3e} "
                f"(tol*||y_c||^2/n), {ratio:.3g}x too large")
    else:
        what = (f"stopped at coefficient bound {r.coef_bound[j]:.3e} > coef_tol "
                f"{r.coef_tol:.3e} (gap {r.gap[j]:.3e} met its target)")
    warnings.warn(
        f"{where}(penalty={penalty!r}, method={method!r}): {n_bad} of {n_all} fits did not "
        f"converge within max_iter={max_iter}{stop}. Worst{prob}: alpha={r.alphas[j]:.6g} {what} "
        f"after {r.n_iter[j]} iterations. Increase max_iter, use method='auto', or improve "
        f"the conditioning.",
        ConvergenceWarning,
        stacklevel=3,
    )


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


def _intercept_rounding(batch, W, bound, conv, coef_tol):
    r"""Add the rounding of the intercept to every finite coefficient bound; a pair whose
    bound then exceeds ``coef_tol`` is not converged.

    The bounds of the iteration certify ``w`` and the exact intercept of ``w``; the returned
    :math:`b = \bar y - \bar x^\top w` is formed from float64 means (summed in up to n
    steps) and a float64 product. Its error is at most
    :math:`\gamma(S_y + S_x\lVert w\rVert_2)`, :math:`\gamma = (n + p + 4)`·eps, with the
    root mean squares :math:`S_y \ge \overline{|y|}` and :math:`S_x \ge \lVert
    \overline{|X|}\rVert_2` of :meth:`Batch.rounding_scales`: about 1e-13 on standardized data;
    above 1e-6, so that no fit says converged, where :math:`S_y` or :math:`S_x\lVert w\rVert`
    exceeds about 4.5e9/(n + p + 4) (|ȳ| above 2.7e7 at n = 150, p = 10).
    """
    if not batch.fit_intercept:
        return bound, conv
    gamma, sx2, sy = batch.rounding_scales()
    sx = np.sqrt(sx2)
    wn = np.sqrt(np.einsum("bap,bap->ba", W, W))
    bound = bound + (gamma * sy)[:, None] + (gamma * sx)[:, None] * wn
    return bound, conv & ~(np.isfinite(bound) & (bound > coef_tol))


def _run(batch, pen, l1_ratio, method, tol, coef_tol, max_iter, warm_start, check_every,
         step_scale, W0):
    """Solve every (problem, α) of ``batch``; one :class:`SolveResult` per problem."""
    m, A, P = batch.m, pen.alphas.size, batch.P
    if not warm_start or A == 1:
        core = _batch.iterate(batch, pen, method, tol, coef_tol, max_iter, check_every,
                              step_scale, W0)
    else:
        # Decreasing path: each α starts from the solution of the previous (larger) α,
        # all problems of the batch together.
        order = np.argsort(-pen.alphas, kind="stable")
        out = [np.zeros((m, A, P)), np.zeros((m, A), np.int64), np.zeros((m, A), bool),
               np.zeros((m, A)), np.zeros((m, A)), np.zeros((m, A)), np.zeros((m, A))]
        w_prev = None if W0 is None else W0[:, :, order[:1]]
        for j in order:
            one = Penalty(pen.name, pen.alphas[j:j + 1], pen.rho, pen.positive)
            res = _batch.iterate(batch, one, method, tol, coef_tol, max_iter, check_every,
                                 step_scale, w_prev)
            for o, r in zip(out, res, strict=True):
                o[:, j] = r[:, 0]
            w_prev = res[0][:, 0, :][:, :, None]
        core = tuple(out)
    out_w, out_it, out_conv, out_gap, out_obj, out_bound, lipschitz = core
    out_bound, out_conv = _intercept_rounding(batch, out_w, out_bound, out_conv, coef_tol)
    cond = batch.cond.tolist()
    gap_target = (tol * batch.yy).tolist()
    # Each result gets its own rows of the batch's output arrays (views, no copies: the
    # arrays are not used again). Coefficients and intercepts per width p, together.
    out_it, out_conv, out_gap, out_obj, out_bound, lipschitz = (
        np.ascontiguousarray(a) for a in (out_it, out_conv, out_gap, out_obj, out_bound,
                                          lipschitz))
    alphas = np.tile(pen.alphas, (m, 1))
    coefs, intercepts = [None] * m, [None] * m
    for p, idx in batch.widths.items():
        W = np.ascontiguousarray(out_w[idx, :, :p])  # (k, A, p)
        b = batch.y_mean[idx, None] - np.matmul(W, batch.x_mean[idx, :p, None])[:, :, 0]
        for i, w_i, b_i in zip(idx.tolist(), W, b, strict=True):
            coefs[i], intercepts[i] = w_i, b_i
    # Positional arguments, in SolveResult's field order (keywords cost twice as much).
    return [SolveResult(w_i, b_i, it, ok, gap, obj, al, target, lip, cd, pen.name, method,
                        l1_ratio, bound, coef_tol)
            for w_i, b_i, it, ok, gap, obj, al, target, lip, cd, bound in zip(
                coefs, intercepts, out_it, out_conv, out_gap, out_obj, alphas, gap_target,
                lipschitz, cond, out_bound, strict=True)]


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
    coef_tol=1e-6,
):
    r"""Minimize :math:`F(w) = \frac{1}{2n}\lVert y - Xw - b\rVert^2 + \alpha R(w)` for every α.

    Each α stops when the accuracy contract holds: its gap is at most ``tol·||y_c||²/n``
    and, where the problem is strongly convex (μ = λ_min(G) + α(1−ρ) > 0), the certified
    bound on the coefficients and intercept is at most ``coef_tol``.

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
    method : {"gd", "subgradient", "ista", "fista", "cg", "auto"}, default="fista"
        See the module docstring. ``gd`` and ``cg`` accept only ``none`` and ``l2``
        (``cg`` also not with ``positive=True``); ``auto`` is ``cg`` for those and FISTA with
        active-set conjugate-gradient refinement otherwise (the fastest here).
    tol : float, default=1e-10
        The gap must be at most ``tol * ||y_c||² / n`` — the same meaning as ``tol`` in
        scikit-learn's Lasso/ElasticNet (see the module docstring).
    max_iter : int, default=100_000
        Iterations per α. Not converged ⇒ ``converged=False`` and a ``ConvergenceWarning``
        stating the gap or coefficient bound reached and its target. ``cg`` and ``auto``
        also stop a fit, not converged, at its rounding floor: when neither its gap nor its
        bound improved by 0.1 % over 30 checks (``auto`` with an L1 term: once its gap is met
        and only the bound is stuck; cond(G) too large for ``coef_tol``). CG steps count.
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
    coef_tol : float or None, default=1e-6
        Where the problem is strongly convex, also require the certified bound
        :math:`\max(\lVert w - w^\star\rVert_2, |b - b^\star|) \le` ``coef_tol``
        (``result.coef_bound``, see the module docstring). ``None`` drops this requirement
        (the gap alone, as scikit-learn's ``tol``).

    Returns
    -------
    SolveResult
        ``coef`` (n_alphas, n_features), ``intercept``, ``n_iter``, ``converged``, ``gap``
        (n_alphas,), plus ``objective``, ``gap_target``, ``lipschitz``, ``cond``,
        ``coef_bound``.

    Raises
    ------
    ValueError
        Invalid argument (the message names it).
    FloatingPointError
        The iteration produced non-finite values (divergence) or the data overflow.

    Warns
    -----
    sklearn.exceptions.ConvergenceWarning
        Some α did not meet the contract within ``max_iter``. Under a filter that ignores
        every warning (``warnings.simplefilter("ignore")``) it is not built, and scikit-learn
        not imported for it; ``converged`` reports the fits either way.
    """
    pen = _check_penalty(penalty, alphas, l1_ratio, method, positive)
    _check_controls(tol, max_iter, check_every, step_scale)
    coef_tol = _check_coef_tol(coef_tol)
    X, y = _check_shapes(X, y)
    if history:
        if pen.alphas.size != 1:
            raise ValueError(f"history=True needs a single alpha, got {pen.alphas.size} alphas")
        w0 = None if coef_init is None else np.asarray(coef_init, dtype=np.float64)
        if w0 is not None:
            w0 = w0.reshape(-1)
        return solve_history(X, y, penalty, float(pen.alphas[0]), l1_ratio, fit_intercept,
                             method, tol, max_iter, coef_init=w0, step_scale=step_scale,
                             positive=pen.positive, coef_tol=coef_tol)
    batch = _batch.setup([(X, y)], bool(fit_intercept))
    W0 = _coef_init_array(coef_init, X.shape[1], pen.alphas.size, pen.positive)
    res = _run(batch, pen, l1_ratio, method, tol, coef_tol, max_iter, warm_start, check_every,
               step_scale, W0)
    _warn_unconverged(res, penalty, method, max_iter, "solve")
    return res[0]


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
    coef_tol=1e-6,
):
    """Solve many small problems over the same α grid in one batched iteration.

    Each problem's Gram matrix is stacked (zero-padded to the largest ``p``; padded
    coordinates have zero gradient and stay exactly 0) and all (problem, α) pairs are
    iterated with one batched matrix product per iteration; pairs that meet the contract
    are recorded and retired. The set-up (centring, Gram matrices, spectra) is vectorized
    over problems of the same shape. The math and every argument are those of :func:`solve`.

    Parameters
    ----------
    problems : sequence of (X, y)
        ``X`` of shape (n_i, p_i), ``y`` of shape (n_i,); ``n_i`` and ``p_i`` may differ.
    penalty, alphas, l1_ratio, fit_intercept, method, tol, max_iter, warm_start,
    check_every, step_scale, positive, coef_tol
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
    :func:`solve` on each problem alone to within the contract, not necessarily bit for
    bit: the batched BLAS product may associate sums differently for another padding.
    """
    pen = _check_penalty(penalty, alphas, l1_ratio, method, positive)
    _check_controls(tol, max_iter, check_every, step_scale)
    coef_tol = _check_coef_tol(coef_tol)
    try:
        problems = list(problems)
    except TypeError:
        raise ValueError("problems must be a sequence of (X, y) pairs") from None
    if not problems:
        raise ValueError("problems is empty: pass at least one (X, y) pair")
    pairs, names = [], []
    for i, pr in enumerate(problems):
        try:
            X, y = pr
        except (TypeError, ValueError):
            raise ValueError(f"problems[{i}] must be an (X, y) pair") from None
        names.append(f" of problems[{i}]")
        pairs.append(_check_shapes(X, y, where=names[-1]))
    batch = _batch.setup(pairs, bool(fit_intercept), names)
    res = _run(batch, pen, l1_ratio, method, tol, coef_tol, max_iter, warm_start, check_every,
               step_scale, None)
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
    coef_tol=1e-6,
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
    positive, coef_tol
        As in :func:`solve` (``max_iter`` defaults to 1000 here; ``method`` is one of
        ``gd``, ``subgradient``, ``ista``, ``fista``).
    alpha : float
        A single α ≥ 0.
    stop_early : bool, default=True
        Stop at the first iterate that meets the contract (checked every iteration).
        With False, run exactly ``max_iter`` iterations (no warning is issued then).

    Returns
    -------
    SolveResult
        With ``n_alphas = 1`` and ``history`` of type :class:`History`, whose arrays have
        ``n_iter + 1`` rows (the start included).
    """
    if method in ("cg", "auto"):
        raise ValueError(f"solve_history records gd/subgradient/ista/fista, got method={method!r}")
    pen = _check_penalty(penalty, None if (alpha is None and penalty == "none") else alpha,
                         l1_ratio, method, positive)
    if pen.alphas.size != 1:
        raise ValueError(f"alpha must be a single value, got {pen.alphas.size}")
    _check_controls(tol, max_iter, 1, step_scale)
    coef_tol = _check_coef_tol(coef_tol)
    positive = _check_positive(positive)
    X, y = _check_shapes(X, y)
    batch = _batch.setup([(X, y)], bool(fit_intercept))
    p = X.shape[1]
    alpha = float(pen.alphas[0])
    a1, a2 = float(pen.a1[0]), float(pen.a2[0])
    lmax, lmin, lpos = batch.lmax[0], batch.lmin[0], batch.lpos[0]
    L = lmax + a2
    L = L if L > 0 else 1.0
    t = step_scale / L
    mu = (lmin + a2) if a2 > 0 else (lmin if positive else lpos)
    target = tol * float(batch.yy[0])
    w = np.zeros(p) if coef_init is None else np.asarray(coef_init, dtype=np.float64).copy()
    if w.shape != (p,):
        raise ValueError(f"coef_init must have shape ({p},), got {w.shape}")
    if positive:
        w = np.maximum(w, 0.0)
    G, c = batch.G[0], batch.C[0, :, 0]
    one = np.ones((1, 1, 1))
    args = (batch.G, batch.C, batch.yy[:, None, None])
    rest = (a1 * one, a2 * one, L * one, mu * one, (batch.mu_strong[0] + a2) * one,
            batch.intercept_scale[:, None], positive)

    def measure(w):
        gap, obj, bound = _batch.measures(*args, w[None, :, None], *rest)
        return gap[0, 0], obj[0, 0], bound[0, 0]

    def met(gp, bd):
        return bool(_batch.meets(gp, bd, target, coef_tol, rest[4]))

    ws, gaps, objs = [w.copy()], [], []
    gp, ob, bd = measure(w)
    gaps.append(gp)
    objs.append(ob)
    z = w.copy()
    theta = 1.0
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while k < max_iter and not (stop_early and met(gp, bd)):
            k += 1
            u = z - t * (G @ z - c + a2 * z)
            if method == "subgradient":
                w_new = u - t * a1 * np.sign(z)
                if positive:
                    w_new = np.maximum(w_new, 0.0)
                z = w_new
            else:
                w_new = pen.prox(u, t * a1)
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
            gp, ob, bd = measure(w)
            if not (math.isfinite(ob) and np.all(np.isfinite(w))):
                raise FloatingPointError(
                    f"{method} diverged: non-finite coefficients at iteration {k} for "
                    f"alpha={alpha:.6g}; step_scale={step_scale} (steps above 2/L are unstable)"
                )
            ws.append(w.copy())
            gaps.append(gp)
            objs.append(ob)
    coefs = np.array(ws)
    hist = History(coef=coefs, intercept=batch.y_mean[0] - coefs @ batch.x_mean[0],
                   objective=np.array(objs), gap=np.array(gaps))
    res = SolveResult(
        coef=w[None, :].copy(), intercept=np.array([batch.y_mean[0] - w @ batch.x_mean[0]]),
        n_iter=np.array([k]), converged=np.array([met(gp, bd)]), gap=np.array([gp]),
        objective=np.array([ob]), alphas=pen.alphas, gap_target=target,
        lipschitz=np.array([L]), cond=float(batch.cond[0]), penalty=penalty, method=method,
        l1_ratio=l1_ratio, coef_bound=np.array([bd]), coef_tol=coef_tol, history=hist,
    )
    if stop_early:
        _warn_unconverged([res], penalty, method, max_iter, "solve_history")
    return res


__all__ = ["History", "SolveResult", "solve", "solve_many", "solve_history"]
