r"""Stand-alone evaluations on the data itself: objective, duality gaps, KKT violation.

They recompute from ``X`` and ``y`` (not from Gram quantities) what the solvers report, so
they double as independent checks of the solvers' numbers.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import PENALTIES, _check_l1_ratio, _check_positive, _check_xy
from .penalty import Penalty

__all__ = ["objective", "duality_gap", "lasso_duality_gap", "enet_duality_gap", "gap_target",
           "kkt_violation"]


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
    a = np.asarray(0.0 if penalty == "none" else alpha, dtype=np.float64).reshape(-1)
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"alpha must be finite and >= 0, got alpha={alpha!r}")
    pen = Penalty.of(penalty, a, _check_l1_ratio(penalty, l1_ratio))
    R = y[None, :] - W @ X.T - np.asarray(intercept, dtype=np.float64).reshape(-1, 1)
    val = (0.5 / X.shape[0]) * np.sum(R * R, axis=1) + pen.value(W.T)
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
    pen = Penalty.of("elasticnet", [alpha], rho, positive)
    a1, a2 = float(pen.a1[0]), float(pen.a2[0])
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
    pen = Penalty.of("elasticnet", [alpha], rho)
    a1, a2 = float(pen.a1[0]), float(pen.a2[0])
    r = y - X @ w - intercept
    g = X.T @ r / X.shape[0] - a2 * w
    nz = w != 0
    viol = np.where(nz, np.abs(g - a1 * np.sign(w)), np.maximum(np.abs(g) - a1, 0.0))
    v = float(viol.max())
    if intercept != 0:
        v = max(v, abs(float(r.mean())))
    return v
