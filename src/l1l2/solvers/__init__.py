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

``cg``
    Conjugate gradient on the optimality system :math:`(G + \alpha_2 I)w = c` of the smooth
    problems (``none``, ``l2``; not with ``positive=True``), all pairs batched, restarted from
    the true residual every ``max(4p, 20)`` steps. In exact arithmetic it ends in at most
    ``p`` steps; its iterations grow like :math:`\sqrt{\mathrm{cond}}`, not like cond.
``auto``
    ``cg`` for the smooth problems; otherwise FISTA interleaved with active-set rounds.
    Without ``coef_init``, for the Lasso (α₂ = 0, not ``positive``) with at most 64
    features, a batch of at least 256 (problem, α) pairs and at least 6 α (fewer pairs,
    or fewer α per problem, are cheaper by the separable start below: the path costs per
    problem, it saves per pair) it starts from the exact Lasso path of each problem,
    followed by homotopy
    (LARS with the Lasso modification: the path is piecewise linear in α₁, each piece a
    face system solved through a rank-one-updated inverse of :math:`G_{AA}`, all problems
    stepping together; refined once per piece where cond(G) > 1e3; ``_homotopy``) and
    evaluated at the α; ``n_iter`` counts the path's events down to each α. Every pair of
    that start is measured at iteration 0 like any iterate: those that meet the contract
    are done, the others go on to the rounds below. The path is not followed where G is
    not certified positive definite (``Batch.mu_strong`` = 0) or where a Schur complement
    of the updates comes out below μ/2; those pairs get the start below. Otherwise
    (elastic net, ``positive``, and those pairs) it starts from the separable solution
    around least squares,
    :math:`w_j = S_{\alpha_1}(d_j v_j)/(d_j + \alpha_2)` (``v`` the least-squares fit,
    by one LU solve where cond(G) ≤ 1e4, else by CG to 0.1 %; ``d = diag(G)``: exact for
    a diagonal ``G``, and a good guess of the support and signs for near-orthogonal
    bases). Where every pair has that start it is not measured: the pairs whose minimizer is 0
    (:math:`\lVert c\rVert_\infty \le \alpha_1`) are recorded with w = 0 at once, and every
    other pair runs the active-set rounds below at iteration 0. With more than 64 features (not with
    ``positive=True``) it starts instead from an active-set continuation along the α
    (decreasing α₁, each from the previous solution): primal-dual active-set (Newton)
    rounds, each solving the face system by an incrementally updated Cholesky factor,
    then descent rounds (feature-sign search with an exact line search) if the Newton
    rounds do not settle; the first guess of each α moves the previous solution linearly
    along its face. Where the rounds settle the start is the exact solution up to
    rounding (``_dense.path_start``; ``n_iter`` counts its face solves); at the first α
    where they do not (40 rounds; strongly correlated designs) the path ends and the
    smaller α get the separable start. At iteration 0
    (for the pairs the start does not finish; every pair of the separable start but the
    zeros) and at a check, a pair due for it runs up to
    8 active-set rounds (1 for a problem of more than 32 features, where each round is a CG
    on the whole batch; each problem by its own number of features, whatever its
    neighbours in the batch): a proximal-gradient step (it adds the coordinates that
    violate the optimality conditions), the minimizer on the face of the result — with
    the support :math:`S` and signs :math:`s` fixed the problem is smooth,
    :math:`(G + \alpha_2 I)_{SS} w_S = c_S - \alpha_1 s_S`, solved directly (one LU
    factorization per problem, face and signs, shared by the α that have them, in every
    round) for the Lasso with at most 32 features where
    :math:`\lambda_{\min}(G)` exceeds its rounding allowance (``Batch.mu_strong`` > 0), by
    conjugate gradient otherwise — and a step back to the first coordinate that would change
    sign, which is set to 0 (a feature-sign step). Each step lowers the objective, so the
    result replaces the iterate (momentum reset); it is returned when its own measures meet
    the contract (so its accuracy is certified like any other iterate's). The second
    round's proximal step runs on the whole block: a pair whose support it leaves unchanged
    keeps its face minimizer (that step counts in ``n_iter``); only the pairs whose support
    changed, or whose face step was cut at a sign change, go on, one pair per row. A pair
    not finished waits 1, 2, 4, … 16 checks for its next rounds. FISTA identifies the
    support where the rounds do not; CG ends the tail of slow linear convergence.
    ``n_iter`` counts FISTA,
    proximal and CG steps alike (one matrix product each; a direct face solve counts as one)
    and ``max_iter`` bounds their sum. ``cg`` and ``auto`` stop a fit (not converged) at its
    rounding floor: no 0.1 % progress of gap or bound in 30 checks (for ``auto`` with an L1
    term only once the gap is met).

The step is :math:`t = s/L` with :math:`L = \lambda_{\max}(G) + \alpha_2` and ``step_scale``
:math:`s = 1` by default. The spectrum of ``G`` comes from ``eigvalsh`` up to 64 features;
above, from certified bounds at a fraction of the cost (Lanczos estimates, then Cholesky
factorizations of :math:`\sigma I - G` and :math:`G - \sigma I` that prove
:math:`\lambda_{\max} \le \sigma + \delta` and :math:`\lambda_{\min} \ge \sigma - \delta`
with Demmel's rounding allowance δ; ``_dense.spectral_bounds``): λ_max from above and
λ_min from below, so every step, modulus and certificate below stays valid, and ``cond``
is an upper bound (within a few tens of per cent). Where the estimated cond(G) exceeds
1e3, or no lower shift passes (singular ``G``), ``eigvalsh`` is used.

Accuracy contract (when ``converged`` is True)
---------------------------------------------
Each α stops, and says ``converged``, when

1. its *gap* is at most ``tol * ||y_c||² / n`` (``y_c`` the centred target, or ``y``
   itself without intercept), and
2. where the problem is strongly convex, with modulus
   :math:`\mu = \lambda_{\min}(G) + \alpha_2 > 0`, the certified bound on the
   coefficients and the intercept is at most ``coef_tol`` (default 1e-6):

   .. math::

       \max(\lVert w - w^\star\rVert_2, |b - b^\star|) \le
       \max(1, \lVert\bar x\rVert_2)\,\min\Bigl(\frac{\lVert g\rVert}{\mu},
       \sqrt{\frac{2\,\mathrm{gap}}{\mu}}\Bigr) \le \texttt{coef\_tol},

   with :math:`g` the minimal-norm subgradient of :math:`F` at :math:`w` (strong convexity
   gives :math:`\mu\lVert w - w^\star\rVert \le \lVert g\rVert` and
   :math:`\tfrac{\mu}{2}\lVert w - w^\star\rVert^2 \le F(w) - F^\star \le \mathrm{gap}`;
   :math:`|b - b^\star| = |\bar x^\top(w - w^\star)|`). The bound is reported as
   ``coef_bound``. For L1 fits whose global bound fails, gap-safe screening (Ndiaye et
   al., 2017) certifies coordinates that are zero at the optimum; μ is then
   :math:`\lambda_{\min}` of :math:`G + \alpha_2 I` on the remaining coordinates, often
   far larger for a sparse solution. The bound is certified for the problem defined by
   the computed ``G`` and ``c``, with an allowance for the rounding of the gradient and of
   λ_min; forming ``G`` itself perturbs the solution by about cond(G)·1e-16 relative,
   which matters only for cond(G) ≳ 1e9 (monomial bases of high degree) — there the
   contract is usually not met and the fit says so. Where μ = 0 (singular ``G`` without
   L2 term: OLS or Lasso with p ≥ n or collinear columns) the solution need not be unique
   and only the gap applies.

   For the smooth problems under ``cg`` and ``auto`` the certificate is for the data's
   own problem (exactly centred ``X`` and ``y``, no rounding): the Gram bound counts
   the worst-case error of forming ``G`` and ``c`` in float64, and a pair for which that
   is too loose, or which reached the Gram bound's rounding floor (about
   cond(G)·eps·‖w‖), is certified in exact arithmetic instead: its gradient
   :math:`g^\star` is computed exactly from the data's float64 values (integers times
   powers of two) and rounded once, a correction :math:`\hat d \approx H^{-1}g^\star`
   found by conjugate gradient, and
   :math:`\lVert w - w^\star\rVert \le \lVert\hat d\rVert + (\lVert g^\star -
   H\hat d\rVert + e)/\mu` with the rounding allowances ``e``; while the contract
   fails, :math:`w \leftarrow w - \hat d` (iterative refinement, at most 4 rounds).
   This certifies least squares up to cond(G) ≈ 1e11–1e12 (the worst-case slack of
   forming ``G`` then exceeds λ_min, μ is not certified and the fit says not converged).

   Under ``auto`` an L1 fit whose gap is met but whose bound is not, after an active-set
   round, is certified the same way on its face: the exact face minimizer
   :math:`v^\star = w - (G + \alpha_2 I)_{SS}^{-1}(\nabla f(w) + \alpha_1 s)_S` is proved
   to be the minimizer of the data's problem when it keeps the signs of ``w`` by more than
   the error bound and the optimality conditions hold off the support with a margin that
   covers every rounding; then :math:`\lVert w - w^\star\rVert \le \lVert\hat d\rVert +
   e_d` as above (``_exact.certify_exact_face``). Otherwise the Gram bound stands.

So ``tol`` bounds the objective and ``coef_tol`` the solution; ``coef_tol=None`` keeps the
gap alone (scikit-learn's meaning of ``tol``). The gap is an upper bound on
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
below ``tol = 1e-10``. The contract is checked every ``check_every`` iterations.
"""

from __future__ import annotations

from ._api import History, SolveResult, solve, solve_history, solve_many
from ._checks import (
    METHODS,
    PENALTIES,
    _check_alphas,
    _check_l1_ratio,
    _check_xy,
)
from .gaps import (
    duality_gap,
    enet_duality_gap,
    gap_target,
    kkt_violation,
    lasso_duality_gap,
    objective,
)
from .penalty import Penalty

__all__ = [
    "PENALTIES",
    "METHODS",
    "Penalty",
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
    # validators shared with l1l2.reference
    "_check_alphas",
    "_check_l1_ratio",
    "_check_xy",
]
