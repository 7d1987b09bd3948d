r"""scikit-learn compatible estimators on top of :func:`l1l2.solvers.solve`.

They take their scikit-learn namesakes' parameters with the same meanings and scaling, so
they are drop-in replacements (and pass ``check_estimator``):

================================  =============================  ==========================
estimator                         minimizes                      same as
================================  =============================  ==========================
``GDLinearRegression()``          ``1/(2n)||y - Xw - b||²``       ``LinearRegression()``
``GDRidge(alpha)``                ``||y - Xw - b||² + alpha||w||²``  ``Ridge(alpha)``
``GDLasso(alpha)``                ``1/(2n)||y - Xw - b||² + alpha||w||₁``  ``Lasso(alpha)``
``GDElasticNet(alpha, l1_ratio)`` ``1/(2n)||y - Xw - b||² + alpha·ρ||w||₁ + alpha(1-ρ)/2||w||²``
                                                                 ``ElasticNet(alpha, l1_ratio)``
================================  =============================  ==========================

``GDRidge(alpha)`` therefore solves l1l2's objective with α = ``alpha / n_samples``.
Each adds ``method`` (``"gd"``, ``"subgradient"``, ``"ista"``, ``"fista"``). ``tol`` is the
gap threshold of :mod:`l1l2.solvers` (``gap <= tol·||y_c||²/n``): for Lasso / ElasticNet it
means exactly what it means in scikit-learn (same default, 1e-4); scikit-learn's Ridge and
LinearRegression use direct solvers by default, so ours default to the tight ``tol=1e-10``.
Coordinate-descent-only options (``precompute``, ``selection``, ``random_state``) and
``positive``/``n_jobs``/``solver`` are not offered.

Fitted attributes: ``coef_``, ``intercept_``, ``n_iter_``, ``dual_gap_`` (the stopping
measure reached), ``converged_``, ``n_features_in_`` (and ``feature_names_in_``).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from l1l2.solvers import solve

__all__ = ["GDLinearRegression", "GDRidge", "GDLasso", "GDElasticNet"]

_COMMON = {
    "fit_intercept": ["boolean"],
    "copy_X": ["boolean"],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "tol": [Interval(Real, 0, None, closed="left")],
}


class _GDBase(RegressorMixin, BaseEstimator):
    """Shared fit/predict; subclasses define ``_penalty`` and ``_solver_args``."""

    _penalty = "none"
    _default_max_iter = 100_000

    def _solver_args(self, n_samples):  # -> (alphas, l1_ratio)
        return None, None

    def fit(self, X, y):
        """Fit the model by first-order optimization.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = validate_data(
            self, X, y, dtype=np.float64, y_numeric=True, multi_output=False,
            copy=self.copy_X,
        )
        alphas, l1_ratio = self._solver_args(X.shape[0])
        coef_init = None
        if getattr(self, "warm_start", False) and hasattr(self, "coef_"):
            if self.coef_.shape == (X.shape[1],):
                coef_init = self.coef_
        max_iter = self._default_max_iter if self.max_iter is None else self.max_iter
        res = solve(
            X, y, penalty=self._penalty, alphas=alphas, l1_ratio=l1_ratio,
            fit_intercept=self.fit_intercept, method=self.method, tol=self.tol,
            max_iter=max_iter, coef_init=coef_init,
        )
        self.coef_ = res.coef[0]
        self.intercept_ = float(res.intercept[0]) if self.fit_intercept else 0.0
        self.n_iter_ = int(res.n_iter[0])
        self.dual_gap_ = float(res.gap[0])
        self.converged_ = bool(res.converged[0])
        return self

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_


class GDLinearRegression(_GDBase):
    r"""Ordinary least squares by gradient descent: minimizes
    :math:`\frac{1}{2n}\lVert y - Xw - b\rVert^2` (same solution as ``LinearRegression``).

    Parameters
    ----------
    fit_intercept : bool, default=True
    copy_X : bool, default=True
    method : {"gd", "subgradient", "ista", "fista"}, default="fista"
        Without a penalty ``ista`` and ``subgradient`` are plain gradient descent.
    tol : float, default=1e-10
        Stop when :math:`\lVert\nabla F\rVert^2/(2\mu_+) \le` ``tol·||y_c||²/n`` (μ₊ the
        smallest positive eigenvalue of :math:`X_c^\top X_c/n`): a bound on the excess
        objective.
    max_iter : int, default=100_000

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    dual_gap_ : float
        Final value of the stopping measure.
    converged_ : bool
    n_features_in_ : int
    """

    _parameter_constraints = {
        **_COMMON,
        "method": [StrOptions({"gd", "subgradient", "ista", "fista"})],
    }

    def __init__(self, *, fit_intercept=True, copy_X=True, method="fista", tol=1e-10,
                 max_iter=100_000):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.method = method
        self.tol = tol
        self.max_iter = max_iter


class GDRidge(_GDBase):
    r"""Ridge regression by gradient descent: minimizes
    :math:`\lVert y - Xw - b\rVert^2 + \mathrm{alpha}\lVert w\rVert^2`, exactly like
    ``sklearn.linear_model.Ridge(alpha)`` — l1l2's objective with α = ``alpha / n``.

    Parameters
    ----------
    alpha : float, default=1.0
        scikit-learn's Ridge ``alpha`` (≥ 0).
    fit_intercept : bool, default=True
    copy_X : bool, default=True
    max_iter : int or None, default=None
        None means 100 000.
    tol : float, default=1e-10
        Stop when :math:`\lVert\nabla F\rVert^2/(2\mu) \le` ``tol·||y_c||²/n`` with
        μ = λ_min(XᵀX/n) + α (a bound on the excess objective, never above scikit-learn's
        ridge duality gap).
    method : {"gd", "subgradient", "ista", "fista"}, default="fista"

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_, converged_, n_features_in_
        See :class:`GDLinearRegression`.
    """

    _penalty = "l2"
    _parameter_constraints = {
        **_COMMON,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "method": [StrOptions({"gd", "subgradient", "ista", "fista"})],
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=None,
                 tol=1e-10, method="fista"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.method = method

    def _solver_args(self, n_samples):
        return [self.alpha / n_samples], None


class GDLasso(_GDBase):
    r"""Lasso by proximal gradient: minimizes
    :math:`\frac{1}{2n}\lVert y - Xw - b\rVert^2 + \mathrm{alpha}\lVert w\rVert_1`, exactly
    like ``sklearn.linear_model.Lasso(alpha)``.

    Parameters
    ----------
    alpha : float, default=1.0
    fit_intercept : bool, default=True
    copy_X : bool, default=True
    max_iter : int, default=1000
        Iterations (one costs :math:`O(p^2)`).
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol·||y_c||²/n``: scikit-learn's criterion.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    method : {"subgradient", "ista", "fista"}, default="fista"
        ``subgradient`` produces no exact zeros and rarely converges (honestly reported).

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_, converged_, n_features_in_
        See :class:`GDLinearRegression`; ``dual_gap_`` is on the scale of scikit-learn's
        ``Lasso.dual_gap_`` (which also divides its internal gap by ``n``).
    """

    _penalty = "l1"
    _default_max_iter = 1000
    _parameter_constraints = {
        **_COMMON,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "method": [StrOptions({"subgradient", "ista", "fista"})],
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=1000,
                 tol=1e-4, warm_start=False, method="fista"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.method = method

    def _solver_args(self, n_samples):
        return [self.alpha], None


class GDElasticNet(_GDBase):
    r"""Elastic net by proximal gradient: minimizes
    :math:`\frac{1}{2n}\lVert y - Xw - b\rVert^2 + \alpha\rho\lVert w\rVert_1
    + \frac{\alpha(1-\rho)}{2}\lVert w\rVert^2`, exactly like
    ``sklearn.linear_model.ElasticNet(alpha, l1_ratio=ρ)``.

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=0.5
    fit_intercept, copy_X, max_iter, tol, warm_start, method
        As in :class:`GDLasso`.

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_, converged_, n_features_in_
        See :class:`GDLasso`.
    """

    _penalty = "elasticnet"
    _default_max_iter = 1000
    _parameter_constraints = {
        **_COMMON,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "warm_start": ["boolean"],
        "method": [StrOptions({"subgradient", "ista", "fista"})],
    }

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, method="fista"):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.method = method

    def _solver_args(self, n_samples):
        return [self.alpha], self.l1_ratio
