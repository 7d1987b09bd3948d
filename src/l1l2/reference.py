r"""The same fits as :func:`l1l2.solvers.solve`, computed with scikit-learn.

Same objective, same scaling (see :mod:`l1l2.solvers`):

.. math::

    F(w) = \frac{1}{2n}\lVert y - Xw - b\rVert^2 + \alpha R(w)

* ``none``: ``LinearRegression`` (a direct least-squares solve),
* ``l2``: ``Ridge(alpha=n·α, solver="cholesky")`` (exact),
* ``l1``: ``Lasso(alpha=α)``, ``elasticnet``: ``ElasticNet(alpha=α, l1_ratio=ρ)``, by
  coordinate descent with the caller's ``tol`` (same meaning as in ``solve``) and a large
  ``max_iter``. Their convergence is recorded honestly: scikit-learn's
  ``ConvergenceWarning`` is caught and turns ``converged`` to False.

The result has the fields of :class:`l1l2.solvers.SolveResult` that matter for a cross-check:
``coef``, ``intercept``, ``n_iter``, ``converged``, ``gap`` and ``objective``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge

from l1l2.solvers import (
    PENALTIES,
    _check_alphas,
    _check_l1_ratio,
    _check_xy,
    duality_gap,
    gap_target,
    objective,
)

__all__ = ["ReferenceResult", "reference_fit"]


@dataclass
class ReferenceResult:
    """scikit-learn's solutions for every α of one problem.

    Attributes
    ----------
    coef : ndarray of shape (n_alphas, n_features)
    intercept : ndarray of shape (n_alphas,)
    n_iter : ndarray of int of shape (n_alphas,)
        Coordinate-descent epochs (``l1``/``elasticnet``); 0 for the direct solvers.
    converged : ndarray of bool of shape (n_alphas,)
        False where scikit-learn raised a ``ConvergenceWarning``; always True for the
        direct solvers.
    gap : ndarray of shape (n_alphas,)
        Duality gap on l1l2's scale (scikit-learn's gap divided by ``n``) recomputed from
        the data; for ``none`` and ``l2`` the PL bound ``||∇F||²/(2μ)`` as in ``solve``.
    objective : ndarray of shape (n_alphas,)
        :math:`F` at the returned solution.
    alphas : ndarray of shape (n_alphas,)
    gap_target : float
        ``tol * ||y_c||² / n``.
    penalty : str
    l1_ratio : float or None
    """

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    gap: np.ndarray
    objective: np.ndarray
    alphas: np.ndarray
    gap_target: float
    penalty: str
    l1_ratio: float | None


def _smooth_gap(X, y, w, a2, fit_intercept):
    """PL bound ``||∇F||² / (2μ)``, μ as in :mod:`l1l2.solvers`."""
    if fit_intercept:
        X = X - X.mean(axis=0)
        y = y - y.mean()
    n = X.shape[0]
    G = X.T @ X / n
    grad = G @ w - X.T @ y / n + a2 * w
    ev = np.linalg.eigvalsh(0.5 * (G + G.T))
    if a2 > 0:
        mu = max(ev[0], 0.0) + a2
    else:
        thresh = max(ev[-1], 0.0) * G.shape[0] * np.finfo(np.float64).eps
        pos = ev[ev > thresh]
        mu = pos[0] if pos.size else np.inf
    return float(grad @ grad / (2.0 * mu))


def reference_fit(
    X,
    y,
    penalty,
    alphas=None,
    l1_ratio=None,
    tol=1e-12,
    *,
    fit_intercept=True,
    max_iter=1_000_000,
    warm_start=False,
):
    """Fit every α with scikit-learn on l1l2's objective.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    penalty : {"none", "l1", "l2", "elasticnet"}
    alphas : array-like of shape (n_alphas,)
        α on l1l2's scale (``Ridge`` gets ``n·α``). Optional for ``none``.
    l1_ratio : float, optional
        ρ, for ``elasticnet`` only.
    tol : float, default=1e-12
        Coordinate-descent tolerance (``l1``/``elasticnet``): scikit-learn stops when its
        duality gap is at most ``tol·||y_c||²``, i.e. l1l2's gap at most ``tol·||y_c||²/n``.
    fit_intercept : bool, default=True
    max_iter : int, default=1_000_000
        Coordinate-descent epochs per α.
    warm_start : bool, default=False
        Fit the α in decreasing order, each Lasso/ElasticNet starting from the previous
        solution (still to the same ``tol``).

    Returns
    -------
    ReferenceResult
    """
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}, got penalty={penalty!r}")
    rho = _check_l1_ratio(penalty, l1_ratio)
    alphas = _check_alphas(penalty, alphas)
    X, y = _check_xy(X, y)
    n, p = X.shape
    A = alphas.size
    coef = np.zeros((A, p))
    intercept = np.zeros(A)
    n_iter = np.zeros(A, dtype=np.int64)
    converged = np.ones(A, dtype=bool)
    gap = np.zeros(A)
    order = np.argsort(-alphas, kind="stable") if warm_start else np.arange(A)
    model = None
    # X and y were checked above (finite, shapes) and the estimators' parameters are set here;
    # scikit-learn's own checks of both, repeated for every α, cost about as much as these small
    # fits themselves (~0.3 ms of ~0.7 ms per Lasso fit) and change no number.
    with config_context(skip_parameter_validation=True, assume_finite=True):
        for j in order:
            a = float(alphas[j])
            a1, a2 = a * rho, a * (1.0 - rho)
            if penalty == "none" or (a1 == 0 and a2 == 0):
                model = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
            elif a1 == 0:
                model = Ridge(alpha=n * a2, fit_intercept=fit_intercept, solver="cholesky")
                model.fit(X, y)
            else:
                if not (warm_start and isinstance(model, Lasso | ElasticNet)):
                    if rho == 1.0:
                        model = Lasso(alpha=a, fit_intercept=fit_intercept, tol=tol,
                                      max_iter=max_iter, warm_start=warm_start)
                    else:
                        model = ElasticNet(alpha=a, l1_ratio=rho, fit_intercept=fit_intercept,
                                           tol=tol, max_iter=max_iter, warm_start=warm_start)
                else:
                    model.set_params(alpha=a)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    model.fit(X, y)
                converged[j] = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
                n_iter[j] = int(model.n_iter_)
            coef[j] = model.coef_
            intercept[j] = model.intercept_
            if a1 > 0:
                gap[j] = duality_gap(X, y, coef[j], a, rho, fit_intercept)
            else:
                gap[j] = _smooth_gap(X, y, coef[j], a2, fit_intercept)
    obj = objective(X, y, coef, intercept, penalty, alphas, l1_ratio)
    return ReferenceResult(
        coef=coef,
        intercept=intercept,
        n_iter=n_iter,
        converged=converged,
        gap=gap,
        objective=obj,
        alphas=alphas,
        gap_target=gap_target(y, tol, fit_intercept),
        penalty=penalty,
        l1_ratio=l1_ratio,
    )
