r"""scikit-learn compatible estimators on top of :func:`l1l2.solvers.solve`.

They take their scikit-learn namesakes' parameters with the same meanings and scaling
(weights :math:`s_i`, residuals :math:`r_i = y_i - x_i^\top w - b`):

* ``GDLinearRegression()`` ≙ ``LinearRegression()``: minimizes :math:`\sum_i s_i r_i^2`;
* ``GDRidge(alpha)`` ≙ ``Ridge(alpha)``: :math:`\sum_i s_i r_i^2 + \alpha\lVert w\rVert^2`;
* ``GDLasso(alpha)`` ≙ ``Lasso(alpha)``:
  :math:`\frac{1}{2n}\sum_i s_i r_i^2 + \alpha\lVert w\rVert_1`;
* ``GDElasticNet(alpha, l1_ratio)`` ≙ ``ElasticNet(alpha, l1_ratio)``:
  :math:`\frac{1}{2n}\sum_i s_i r_i^2 + \alpha\rho\lVert w\rVert_1
  + \frac{\alpha(1-\rho)}{2}\lVert w\rVert^2`.

``GDRidge(alpha)`` therefore solves l1l2's objective with α = ``alpha / n_samples``. How far
they are drop-in replacements is *measured*, not asserted: ``benchmarks/sklearn_suite.py``
runs scikit-learn's own test files for these four classes with the GD classes substituted
(README states the figure and what still differs).

Data handling (one code path for all four classes, :func:`_fit_linear`), as scikit-learn's
``_preprocess_data`` / ``_rescale_data`` do it:

* ``sample_weight`` :math:`s`: centring uses weighted means
  :math:`\bar x = \sum s_i x_i / \sum s_i` (likewise :math:`\bar y`), and each centred row is
  scaled by :math:`\sqrt{s_i}`. Lasso / ElasticNet first rescale :math:`s` to sum to
  ``n_samples`` (their objective is a weighted *average*), Ridge and LinearRegression use
  :math:`s` as given (a weighted *sum*). A scalar weight is the same as none for
  Lasso / ElasticNet.
* The solvers only need :math:`G = X_c^\top S X_c/n`, :math:`c = X_c^\top S y_c/n` and
  :math:`y_c^\top S y_c/n`. These are computed once, for dense or ``scipy.sparse`` ``X``;
  sparse ``X`` is centred implicitly (:math:`X^\top S X - (\sum s)\bar x\bar x^\top`) and never
  densified. The problem handed to :func:`l1l2.solvers.solve` is then an equivalent one with
  at most ``n_features + 1`` rows, :math:`\tilde X = \sqrt m\,\Lambda^{1/2}V^\top` from
  :math:`G = V\Lambda V^\top`, with the same :math:`G`, :math:`c` and
  :math:`y_c^\top S y_c/n` (so the same objective, gap and stopping rule). Eigenvalues
  below :math:`\lambda_{\max}\,p\,\varepsilon` count as zero.
* Singular :math:`G` (rank :math:`r < p`: more features than samples, collinear columns)
  without an L1 term or ``positive`` (LinearRegression, Ridge): the minimizer — for least
  squares the minimum-norm one, which is what scikit-learn returns — lies in the range of
  :math:`G`, where the objective is unchanged. It is solved there, in the coordinates
  :math:`z = V_r^\top w` of the :math:`r` eigenvectors with positive eigenvalues
  (:math:`\tilde X = \sqrt m\,\Lambda_r^{1/2}`, diagonal), and :math:`w = V_r z`. The
  problem in :math:`z` is strongly convex with :math:`\mu = \lambda_r + \alpha`, so the
  solver certifies :math:`\lVert w - w^\star\rVert = \lVert z - z^\star\rVert \le`
  ``coef_tol``; in the original coordinates μ would be α (1e-16 for a "tiny" ridge, 0 for
  least squares) and nothing could be certified.
* Multi-output ``y`` of shape ``(n_samples, n_targets)`` is solved for all targets in one
  batched :func:`l1l2.solvers.solve_many` call (``coef_`` then has shape
  ``(n_targets, n_features)``); Ridge accepts one ``alpha`` per target.
* float32 input gives float32 ``coef_`` and ``intercept_`` (the solver works in float64);
  ``intercept_`` is a NumPy scalar (or array for several targets), ``0.0`` without intercept.
* Non-finite results (overflow) raise ``ValueError``; a fit that does not converge warns
  with scikit-learn's ``ConvergenceWarning`` text followed by the solver's gap and target.
* ``copy_X=False`` centres a dense float64 ``X`` in place, as scikit-learn does.

scikit-learn options that select an *algorithm* are accepted and have no effect on the
result, because l1l2 always runs its own first-order ``method`` on the Gram matrix:
``precompute`` (``True``/``False``/``"auto"``; an array is used as the Gram matrix
:math:`X^\top X` of the centred, weighted data after a consistency check), ``selection`` and
``random_state`` (coordinate order in scikit-learn's coordinate descent), ``n_jobs``, and
Ridge's ``solver`` (every name scikit-learn accepts; the same
combinations are refused, with scikit-learn's messages: ``"lbfgs"`` needs ``positive=True``,
``positive=True`` needs ``"auto"`` or ``"lbfgs"``, sparse ``X`` with an intercept refuses
``"svd"``, ``"cholesky"`` and ``"saga"``). ``GDRidge.solver_`` repeats the ``solver`` name
asked for; unlike scikit-learn's, it does not name the algorithm that ran.

``tol`` is the gap threshold of :mod:`l1l2.solvers` (``gap <= tol·||y_c||²/n``): for
Lasso / ElasticNet it means what it means in scikit-learn (same default, 1e-4);
scikit-learn's Ridge and LinearRegression use direct solvers by default, so ours default to
``tol=1e-16``. All four add l1l2's accuracy
contract ``coef_tol`` (default 1e-8: where the problem is strongly convex, the solver
certifies coefficients and intercept within ``coef_tol``) and default to ``method="auto"``
(conjugate gradient for the smooth problems, FISTA with active-set conjugate-gradient steps
for the L1 ones).

Fitted attributes: ``coef_``, ``intercept_``, ``n_iter_``, ``dual_gap_`` (the stopping
measure reached), ``converged_``, ``n_features_in_`` (and ``feature_names_in_``); Lasso and
ElasticNet also ``sparse_coef_``.
"""

from __future__ import annotations

import numbers
import warnings
from fractions import Fraction
from math import comb
from numbers import Integral, Real

import numpy as np
from numpy.polynomial import legendre
from scipy import sparse
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

from l1l2.data import to_unit_interval
from l1l2.features import basis_matrix
from l1l2.solvers import solve, solve_many

__all__ = [
    "GDLinearRegression",
    "GDRidge",
    "GDLasso",
    "GDElasticNet",
    "LegendreFeatures",
    "GDPolynomialRegression",
]

_METHODS = StrOptions({"gd", "subgradient", "ista", "fista", "cg", "auto"})
_PROX_METHODS = StrOptions({"subgradient", "ista", "fista", "auto"})
# Coefficient tolerance of the estimators whose scikit-learn namesakes solve directly.
COEF_TOL_DIRECT = 1e-8
RIDGE_SOLVERS = ("auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs")

_COMMON = {
    "fit_intercept": ["boolean"],
    "copy_X": ["boolean"],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "tol": [Interval(Real, 0, None, closed="left")],
    "coef_tol": [Interval(Real, 0, None, closed="left"), None],
    "positive": ["boolean"],
}
_CD_OPTIONS = {  # scikit-learn's coordinate-descent options (accepted, no effect)
    "precompute": ["boolean", StrOptions({"auto"}), "array-like"],
    "warm_start": ["boolean"],
    "random_state": ["random_state"],
    "selection": [StrOptions({"cyclic", "random"})],
}


# --------------------------------------------------------------------------- data reduction


def _weighted_stats(X, Y, sw, fit_intercept, in_place=False):
    """Centred, weighted sufficient statistics in float64.

    Returns ``G`` (p, p), ``C`` (p, T), ``yy`` (T,), ``x_mean`` (p,), ``y_mean`` (T,), all
    divided by ``n = X.shape[0]``; ``sw`` is None or the (already rescaled) weights. With
    ``in_place`` a dense, writeable float64 ``X`` is centred in place instead of copied
    (scikit-learn's ``copy_X=False``).
    """
    n = X.shape[0]
    w = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)
    if fit_intercept:
        total = w.sum()
        x_mean = np.asarray(X.T @ w, dtype=np.float64).ravel() / total
        y_mean = (w @ Y) / total
    else:
        x_mean = np.zeros(X.shape[1])
        y_mean = np.zeros(Y.shape[1])
    Yc = Y - y_mean
    WYc = Yc * w[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        if sparse.issparse(X):
            Xs = sparse.csr_array(X, dtype=np.float64)
            XtWX = (Xs.T @ (Xs.multiply(w[:, None]))).toarray()
            G = (XtWX - w.sum() * np.outer(x_mean, x_mean)) / n
            C = np.asarray(Xs.T @ WYc) / n  # Σ s_i (y_i - ȳ) = 0, so x̄ drops out
        else:
            if (in_place and isinstance(X, np.ndarray) and X.dtype == np.float64
                    and X.flags.writeable):
                X -= x_mean
                Xc = X
            else:
                Xc = np.asarray(X, dtype=np.float64) - x_mean
            G = ((Xc * w[:, None]).T @ Xc) / n
            C = (Xc.T @ WYc) / n
        yy = np.einsum("ij,ij->j", Yc, WYc) / n
    if not (np.all(np.isfinite(G)) and np.all(np.isfinite(C)) and np.all(np.isfinite(yy))):
        raise ValueError("X or y is too large: X^T X / n or X^T y / n overflows float64; "
                         "rescale the data")
    return 0.5 * (G + G.T), C, yy, x_mean, y_mean


def _equivalent_problem(G, C, yy, reduce=False):
    r"""Rows ``Xt`` (m, q) and targets ``Yt`` (m, T) with the same Gram statistics.

    :math:`\tilde X^\top\tilde X/m = G`, :math:`\tilde X^\top\tilde y_k/m = c_k` (the part of
    :math:`c_k` in the range of G, which is all of it for exact data) and
    :math:`\tilde y_k^\top\tilde y_k/m = yy_k`, with ``m`` = rank(G) + 1 ≤ p + 1; returns
    ``(Xt, Yt, basis)``. Eigenvalues below ``λ_max·p·eps`` count as zero.

    With ``reduce`` and a singular ``G`` (rank r < p), the rows are written in the
    coordinates ``z = basisᵀw`` of the range of G instead (q = r columns, ``basis`` the
    (p, r) orthonormal eigenvectors of its positive eigenvalues, so ``G`` is diagonal there);
    otherwise (or when G has no positive eigenvalue) ``basis`` is None and q = p.
    """
    lam, V = np.linalg.eigh(G)
    keep = lam > max(lam[-1], 0.0) * G.shape[0] * np.finfo(np.float64).eps
    lam, V = lam[keep], V[:, keep]
    m = lam.size + 1
    R = np.sqrt(lam)[:, None] * V.T  # (r, p), RᵀR = G on its range
    Z = (V.T @ C) / np.sqrt(lam)[:, None]  # (r, T), RᵀZ = C
    rest = np.sqrt(np.maximum(yy - np.einsum("ij,ij->j", Z, Z), 0.0))
    basis = V if reduce and 0 < lam.size < G.shape[0] else None
    if basis is not None:
        R = np.diag(np.sqrt(lam))  # R V: the same rows in the coordinates z = Vᵀw
    Xt = np.sqrt(m) * np.vstack([R, np.zeros((1, R.shape[1]))])
    Yt = np.sqrt(m) * np.vstack([Z, rest[None, :]])
    return Xt, Yt, basis


def _user_gram(gram, G, x_mean, n, fit_intercept):
    """Use a Gram matrix passed as ``precompute``, as scikit-learn's ``_pre_fit`` does.

    It must be :math:`X^\top X` of the data the solver sees (centred and weighted): with an
    intercept and non-centred ``X`` it is replaced by the computed one, with scikit-learn's
    warning; otherwise one element is checked against the data. Returns ``G`` (divided by n).
    """
    p = G.shape[0]
    if fit_intercept and not np.allclose(x_mean, np.zeros(p)):
        warnings.warn("Gram matrix was provided but X was centered to fit intercept: "
                      "recomputing Gram matrix.", UserWarning, stacklevel=3)
        return G
    gram = np.asarray(gram)
    if gram.shape != (p, p):
        raise ValueError(f"Gram matrix passed in via 'precompute' parameter has shape "
                         f"{gram.shape}, expected ({p}, {p})")
    i, j = p // 2, min(p // 2 + 1, p - 1)
    expected, actual = G[i, j] * n, float(gram[i, j])
    rtol = 1e-4 if gram.dtype == np.float32 else 1e-7
    if not np.isclose(expected, actual, rtol=rtol, atol=1e-5):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass validation when "
            f"a single element was checked - please check that it was computed properly. "
            f"For element ({i},{j}) we computed {expected} but the user-supplied value was "
            f"{actual}."
        )
    gram = np.asarray(gram, dtype=np.float64)
    return 0.5 * (gram + gram.T) / n


# --------------------------------------------------------------------------- base class


class _GDBase(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Shared validation, data reduction, fit and predict of the four estimators.

    Subclasses set ``_penalty``, ``_cd_api`` (True for Lasso/ElasticNet: weights rescaled to
    sum to n, a scalar weight ignored, the alpha=0 warning — as scikit-learn's
    coordinate-descent estimators do), ``_squeeze_one_target`` (1-D ``coef_`` for a
    one-column ``y``: Ridge, Lasso, ElasticNet), and
    define ``_l1l2_alphas(n_samples, n_targets)`` (α on l1l2's scale, one per target) and
    ``_check_options(X)``.
    """

    _penalty = "none"
    _default_max_iter = 100_000
    _cd_api = False
    _squeeze_one_target = False
    _l1_ratio = None

    def _l1l2_alphas(self, n_samples, n_targets):
        return None

    def _check_options(self, X):
        """Refuse option combinations scikit-learn refuses (subclasses)."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model with l1l2's first-order solver.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None
            Individual weights (see the module docstring for their scaling).
        check_input : bool, default=True
            With False, ``X`` and ``y`` must already be validated float arrays
            (scikit-learn's meaning; used by its CV estimators).

        Returns
        -------
        self
        """
        self._validate_params()
        if check_input:
            X, y = validate_data(
                self, X, y, accept_sparse=["csr", "csc", "coo"],
                dtype=[np.float64, np.float32], multi_output=True, y_numeric=True,
            )
            y = check_array(y, dtype=X.dtype.type, ensure_2d=False)
        self._check_options(X)
        if self._cd_api and self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to "
                "use the LinearRegression estimator", stacklevel=2,
            )
        n_samples = X.shape[0]
        if sample_weight is not None and not (
            self._cd_api and isinstance(sample_weight, numbers.Number)
        ):
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                                 ensure_non_negative=True)
            if self._cd_api:
                sample_weight = sample_weight * (n_samples / sample_weight.sum())
        else:
            sample_weight = None
        single = y.ndim == 1
        Y = np.asarray(y, dtype=np.float64).reshape(n_samples, -1)
        G, C, yy, x_mean, y_mean = _weighted_stats(X, Y, sample_weight, self.fit_intercept,
                                                   in_place=not self.copy_X)
        gram = getattr(self, "precompute", None)
        if gram is not None and not isinstance(gram, bool | str):
            G = _user_gram(gram, G, x_mean, n_samples, self.fit_intercept)
        coef, n_iter, gap, converged = self._solve(G, C, yy, n_samples, x_mean)
        self._set_fitted(coef, n_iter, gap, converged, x_mean, y_mean, X.dtype, single)
        return self

    def _solve(self, G, C, yy, n_samples, x_mean):
        """Solve every target; return coef (T, p), n_iter, gap and converged (T,).

        The solver sees the centred problem without intercept, so its coefficient bound
        covers ``w`` only; ``coef_tol`` is divided by ``max(1, ||x̄||)`` so that the
        intercept :math:`b = \bar y - \bar x^\top w` meets it too (the solver's own
        contract with ``fit_intercept=True``).
        """
        T = C.shape[1]
        alphas = self._l1l2_alphas(n_samples, T)
        # Without an L1 term or a sign constraint the minimizer (the minimum-norm one for
        # least squares) lies in the range of G: solve there when G is singular.
        rho = {"none": 0.0, "l2": 0.0, "l1": 1.0}.get(self._penalty, self._l1_ratio)
        smooth = not self.positive and (rho == 0 or alphas is None or not np.any(alphas > 0))
        Xt, Yt, basis = _equivalent_problem(G, C, yy, reduce=smooth)
        kw = dict(penalty=self._penalty, l1_ratio=self._l1_ratio, fit_intercept=False,
                  method=self.method, tol=self.tol,
                  max_iter=self._default_max_iter if self.max_iter is None else self.max_iter)
        kw["positive"] = bool(self.positive)
        kw["coef_tol"] = (None if self.coef_tol is None
                          else self.coef_tol / max(1.0, float(np.linalg.norm(x_mean))))
        warm = getattr(self, "warm_start", False) and hasattr(self, "coef_")
        W0 = np.asarray(self.coef_, dtype=np.float64).reshape(T, -1) if warm else None
        if W0 is not None and W0.shape != (T, G.shape[0]):
            W0 = None
        if W0 is not None and basis is not None:
            W0 = W0 @ basis
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            res = self._solve_targets(Xt, Yt, alphas, W0, kw)
        for w in caught:
            if issubclass(w.category, ConvergenceWarning):
                warnings.warn(f"Objective did not converge. You might want to increase the "
                              f"number of iterations. {w.message}", ConvergenceWarning,
                              stacklevel=3)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        coef = np.vstack([r.coef[0] for r in res])
        if basis is not None:
            coef = coef @ basis.T
        if not np.all(np.isfinite(coef)):
            raise ValueError("Iterations resulted in non-finite parameter values. The input "
                             "data may contain large values and need to be preprocessed.")
        return (coef, np.array([int(r.n_iter[0]) for r in res]),
                np.array([float(r.gap[0]) for r in res]),
                np.array([bool(r.converged[0]) for r in res]))

    @staticmethod
    def _solve_targets(Xt, Yt, alphas, W0, kw):
        """All targets in one batched call, or one call each (warm start, per-target α)."""
        T = Yt.shape[1]
        try:
            if W0 is None and (alphas is None or np.all(alphas == alphas[0])):
                return solve_many([(Xt, Yt[:, k]) for k in range(T)],
                                  alphas=None if alphas is None else alphas[:1], **kw)
            return [solve(Xt, Yt[:, k], alphas=None if alphas is None else alphas[k:k + 1],
                          coef_init=None if W0 is None else W0[k], **kw)
                    for k in range(T)]
        except FloatingPointError as exc:
            raise ValueError(f"{exc}; the input data may contain large values and need "
                             f"to be preprocessed") from exc

    def _set_fitted(self, coef, n_iter, gap, converged, x_mean, y_mean, dtype, single):
        intercept = y_mean - coef @ x_mean
        if single:
            intercept = intercept[0]
        if single or (self._squeeze_one_target and coef.shape[0] == 1):
            coef = coef[0]  # scikit-learn keeps intercept_ of shape (1,) for a (n, 1) y
            n_iter, gap, converged = int(n_iter[0]), float(gap[0]), bool(converged[0])
        self.coef_ = np.asarray(coef, dtype=dtype)
        self.intercept_ = np.asarray(intercept, dtype=dtype)[()] if self.fit_intercept else 0.0
        self.n_iter_ = n_iter
        self.dual_gap_ = gap
        self.converged_ = converged

    def predict(self, X):
        """Predict ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], reset=False)
        return safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _CDOptions:
    """``sparse_coef_`` of scikit-learn's coordinate-descent estimators."""

    @property
    def sparse_coef_(self):
        """Sparse representation of the fitted ``coef_`` (a ``scipy.sparse`` CSR matrix)."""
        return sparse.csr_matrix(np.atleast_2d(self.coef_))


# --------------------------------------------------------------------------- estimators


class GDLinearRegression(_GDBase):
    r"""Ordinary least squares by gradient descent: minimizes
    :math:`\sum_i s_i(y_i - x_i^\top w - b)^2` (same solution as ``LinearRegression``; the
    minimum-norm one when ``X`` is rank deficient, found in the range of ``XᵀX``: see the
    module docstring).

    Parameters
    ----------
    fit_intercept : bool, default=True
    copy_X : bool, default=True
        With False a dense float64 ``X`` is centred in place (scikit-learn's meaning: ``X``
        may be overwritten); sparse ``X`` is never modified.
    n_jobs : int, default=None
        Accepted, no effect.
    positive : bool, default=False
        Constrain the coefficients to be ≥ 0 (projected gradient step).
    method : {"auto", "cg", "gd", "subgradient", "ista", "fista"}, default="auto"
        See :mod:`l1l2.solvers`; ``auto`` is conjugate gradient on the normal equations
        (FISTA with ``positive=True``). Without a penalty ``ista`` and ``subgradient`` are
        plain gradient descent.
    tol : float, default=1e-16
        Stop when :math:`\lVert\nabla F\rVert^2/(2\mu_+) \le` ``tol·||y_c||²/n`` (μ₊ the
        smallest positive eigenvalue of :math:`X_c^\top X_c/n`): a bound on the excess
        objective.
    coef_tol : float or None, default=1e-8
        Where the problem is strongly convex (``X`` of full column rank), also stop only when
        the solver certifies :math:`\max(\lVert w - w^\star\rVert_2, |b - b^\star|) \le`
        ``coef_tol`` (l1l2's accuracy contract); None: the gap alone. Tighter than the
        solver's default 1e-6 because scikit-learn's namesake solves directly.
    max_iter : int, default=100_000

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : numpy scalar or ndarray of shape (n_targets,)
    n_iter_ : int or ndarray of shape (n_targets,)
    dual_gap_ : float or ndarray of shape (n_targets,)
        Final value of the stopping measure.
    converged_ : bool or ndarray of shape (n_targets,)
    n_features_in_ : int
    """

    _parameter_constraints = {**_COMMON, "n_jobs": [None, Integral], "method": [_METHODS]}

    def __init__(self, *, fit_intercept=True, copy_X=True, n_jobs=None, positive=False,
                 method="auto", tol=1e-16, coef_tol=COEF_TOL_DIRECT, max_iter=100_000):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.n_jobs = n_jobs
        self.positive = positive
        self.method = method
        self.tol = tol
        self.coef_tol = coef_tol
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        """Fit by gradient descent; see :meth:`_GDBase.fit` (``sample_weight`` as in
        ``LinearRegression``: a weighted sum of squares)."""
        return super().fit(X, y, sample_weight)


class GDRidge(_GDBase):
    r"""Ridge regression by gradient descent: minimizes
    :math:`\sum_i s_i(y_i - x_i^\top w - b)^2 + \mathrm{alpha}\lVert w\rVert^2`, exactly like
    ``sklearn.linear_model.Ridge(alpha)`` — l1l2's objective with α = ``alpha / n``.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        scikit-learn's Ridge ``alpha`` (≥ 0), one per target if an array.
    fit_intercept : bool, default=True
    copy_X : bool, default=True
        With False a dense float64 ``X`` is centred in place (scikit-learn's meaning: ``X``
        may be overwritten); sparse ``X`` is never modified.
    max_iter : int or None, default=None
        None means 100 000.
    tol : float, default=1e-16
        Stop when :math:`\lVert\nabla F\rVert^2/(2\mu) \le` ``tol·||y_c||²/n`` with
        μ = λ_min(XᵀX/n) + α (a bound on the excess objective, never above scikit-learn's
        ridge duality gap).
    solver : {"auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"}, \
            default="auto"
        scikit-learn's names, accepted for compatibility. Every value is solved the same
        way, by ``method`` on the Gram matrix; scikit-learn's refusals are kept
        (``"lbfgs"`` only with ``positive=True``; ``positive=True`` only with ``"auto"`` or
        ``"lbfgs"``; sparse ``X`` with an intercept not with ``"svd"``, ``"cholesky"``,
        ``"saga"``).
    positive : bool, default=False
        Constrain the coefficients to be ≥ 0 (projected gradient step).
    random_state : int, RandomState instance or None, default=None
        Accepted, no effect (scikit-learn uses it for ``sag``/``saga``).
    method : {"auto", "cg", "gd", "subgradient", "ista", "fista"}, default="auto"
        As in :class:`GDLinearRegression`.
    coef_tol : float or None, default=1e-8
        As in :class:`GDLinearRegression` (ridge is always strongly convex for alpha > 0).

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_, converged_, n_features_in_
        See :class:`GDLinearRegression`.
    solver_ : str
        The ``solver`` name this fit was asked for, unchanged (``"auto"`` stays
        ``"auto"``). It does **not** name the algorithm that ran: that is always l1l2's
        ``method`` on the Gram matrix, whatever ``solver`` says. (scikit-learn's ``solver_``
        names the solver it used; its tests check that a named solver is reported back.)
    """

    _penalty = "l2"
    _squeeze_one_target = True
    _parameter_constraints = {
        **_COMMON,
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "solver": [StrOptions(set(RIDGE_SOLVERS))],
        "random_state": ["random_state"],
        "method": [_METHODS],
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=None,
                 tol=1e-16, solver="auto", positive=False, random_state=None,
                 method="auto", coef_tol=COEF_TOL_DIRECT):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.coef_tol = coef_tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state
        self.method = method

    def fit(self, X, y, sample_weight=None):
        """Fit by gradient descent; see :meth:`_GDBase.fit` (``sample_weight`` as in
        ``Ridge``: a weighted sum of squares, not rescaled)."""
        return super().fit(X, y, sample_weight)

    def _check_options(self, X):
        if self.solver == "lbfgs" and not self.positive:
            raise ValueError("'lbfgs' solver can be used only when positive=True. "
                             "Please use another solver.")
        if self.positive and self.solver not in ("auto", "lbfgs"):
            raise ValueError(f"solver='{self.solver}' does not support positive fitting. "
                             "Please set the solver to 'auto' or 'lbfgs', or set "
                             "`positive=False`")
        if (sparse.issparse(X) and self.fit_intercept and not self.positive
                and self.solver in ("svd", "cholesky", "saga")):
            raise ValueError(f"solver='{self.solver}' does not support fitting the intercept "
                             "on sparse data. Please set the solver to 'auto' or 'lsqr', "
                             "'sparse_cg', 'sag', 'lbfgs' or set `fit_intercept=False`")

    def _set_fitted(self, *args):
        super()._set_fitted(*args)
        self.solver_ = self.solver  # the name asked for, not the algorithm (see above)

    def _l1l2_alphas(self, n_samples, n_targets):
        a = np.asarray(self.alpha, dtype=np.float64).reshape(-1)
        if a.size not in (1, n_targets):
            raise ValueError(f"Number of targets and number of penalties do not correspond: "
                             f"{a.size} != {n_targets}")
        if np.any(a < 0) or not np.all(np.isfinite(a)):
            raise ValueError(f"alpha must be finite and >= 0, got alpha={self.alpha!r}")
        return np.broadcast_to(a, (n_targets,)) / n_samples


class GDElasticNet(_CDOptions, _GDBase):
    r"""Elastic net by proximal gradient: minimizes
    :math:`\frac{1}{2n}\sum_i s_i(y_i - x_i^\top w - b)^2 + \alpha\rho\lVert w\rVert_1
    + \frac{\alpha(1-\rho)}{2}\lVert w\rVert^2`, exactly like
    ``sklearn.linear_model.ElasticNet(alpha, l1_ratio=ρ)`` (weights rescaled to sum to n).

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=0.5
    fit_intercept : bool, default=True
    precompute : bool, "auto" or array of shape (n_features, n_features), default=False
        Accepted; l1l2 always iterates on the Gram matrix. An array is used as
        :math:`X^\top X` of the centred, weighted data, after scikit-learn's one-element check.
    max_iter : int, default=1000
        Iterations (one costs :math:`O(p^2)`).
    copy_X : bool, default=True
        With False a dense float64 ``X`` is centred in place (scikit-learn's meaning: ``X``
        may be overwritten); sparse ``X`` is never modified.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol·||y_c||²/n``: scikit-learn's criterion.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Constrain the coefficients to be ≥ 0 (projected proximal step).
    random_state : int, RandomState instance or None, default=None
        Accepted, no effect (scikit-learn uses it with ``selection="random"``).
    selection : {"cyclic", "random"}, default="cyclic"
        Accepted, no effect: l1l2 updates all coordinates at once, not one at a time.
    method : {"auto", "subgradient", "ista", "fista"}, default="auto"
        ``auto`` is FISTA with conjugate-gradient steps on its active set (see
        :mod:`l1l2.solvers`); ``subgradient`` produces no exact zeros and rarely converges
        (honestly reported).
    coef_tol : float or None, default=1e-8
        Where the problem is strongly convex, also require the certified coefficient bound
        to be at most ``coef_tol`` (see :class:`GDLinearRegression`).

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_, converged_, n_features_in_
        See :class:`GDLinearRegression`; ``dual_gap_`` is on the scale of scikit-learn's
        ``dual_gap_`` (which also divides its internal gap by ``n``).
    sparse_coef_ : scipy.sparse matrix of shape (1, n_features)
    """

    _penalty = "elasticnet"
    _default_max_iter = 1000
    _cd_api = True
    _squeeze_one_target = True
    _parameter_constraints = {
        **_COMMON,
        **_CD_OPTIONS,
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "method": [_PROX_METHODS],
    }

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, precompute=False,
                 max_iter=1000, copy_X=True, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic", method="auto", coef_tol=1e-8):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.method = method
        self.coef_tol = coef_tol

    @property
    def _l1_ratio(self):
        return self.l1_ratio

    def _l1l2_alphas(self, n_samples, n_targets):
        return np.full(n_targets, float(self.alpha))


class GDLasso(GDElasticNet):
    r"""Lasso by proximal gradient: minimizes
    :math:`\frac{1}{2n}\sum_i s_i(y_i - x_i^\top w - b)^2 + \mathrm{alpha}\lVert w\rVert_1`,
    exactly like ``sklearn.linear_model.Lasso(alpha)`` (weights rescaled to sum to n).

    Parameters
    ----------
    alpha : float, default=1.0
    fit_intercept, precompute, max_iter, copy_X, tol, warm_start, positive, random_state,
    selection, method, coef_tol
        As in :class:`GDElasticNet`.

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_, converged_, n_features_in_, sparse_coef_
        See :class:`GDElasticNet`.
    """

    _penalty = "l1"
    _l1_ratio = None
    _parameter_constraints = {
        k: v for k, v in GDElasticNet._parameter_constraints.items() if k != "l1_ratio"
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute=False, copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic", method="auto", coef_tol=1e-8):
        super().__init__(alpha=alpha, l1_ratio=1.0, fit_intercept=fit_intercept,
                         precompute=precompute, max_iter=max_iter, copy_X=copy_X, tol=tol,
                         warm_start=warm_start, positive=positive, random_state=random_state,
                         selection=selection, method=method, coef_tol=coef_tol)


# --------------------------------------------------------------------------- polynomials


def _check_x(est, X, reset):
    X = validate_data(est, X, dtype=np.float64, reset=reset)
    if X.shape[1] != 1:
        raise ValueError(f"{type(est).__name__} fits one predictor: X must have shape "
                         f"(n_samples, 1), got {X.shape}")
    return X[:, 0]


def _domain(est, x):
    if est.domain is None:
        low, high = float(x.min()), float(x.max())
        if not high > low:
            raise ValueError("x is constant: pass domain=(low, high) explicitly")
        return low, high
    low, high = (float(v) for v in est.domain)
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        raise ValueError(f"domain must be (low, high) with low < high, got {est.domain!r}")
    return low, high


class LegendreFeatures(TransformerMixin, BaseEstimator):
    r"""Legendre polynomial features of one predictor: :math:`P_1(t), …, P_d(t)`.

    :math:`t = (2x - (\mathrm{low} + \mathrm{high}))/(\mathrm{high} - \mathrm{low})` maps
    ``domain`` onto [-1, 1], where the :math:`P_j` are orthogonal, so the columns of
    uniformly spread x are nearly orthogonal (cond(XᵀX) ≈ 10–50 at degree 15, against
    1e10–1e11 for standardized powers). The constant :math:`P_0 = 1` is left out (use
    ``include_bias=True`` to keep it): estimators fit the intercept themselves.

    Parameters
    ----------
    degree : int, default=3
    domain : (float, float) or None, default=None
        ``(low, high)``; None learns ``(min(x), max(x))`` from the data passed to ``fit``.
    include_bias : bool, default=False
        Prepend the column :math:`P_0 = 1`.

    Attributes
    ----------
    domain_ : tuple of float
    n_features_in_ : int
        Always 1.
    """

    _parameter_constraints = {
        "degree": [Interval(Integral, 1, None, closed="left")],
        "domain": [tuple, list, np.ndarray, None],
        "include_bias": ["boolean"],
    }

    def __init__(self, degree=3, *, domain=None, include_bias=False):
        self.degree = degree
        self.domain = domain
        self.include_bias = include_bias

    def fit(self, X, y=None):
        """Learn the domain (if not given) from ``X`` of shape (n_samples, 1)."""
        self._validate_params()
        self.domain_ = _domain(self, _check_x(self, X, reset=True))
        return self

    def transform(self, X):
        """Columns :math:`P_j(t)`, shape (n_samples, degree) (+1 with ``include_bias``)."""
        check_is_fitted(self)
        x = _check_x(self, X, reset=False)
        V = legendre.legvander(to_unit_interval(x, self.domain_), self.degree)
        return V if self.include_bias else V[:, 1:]

    def get_feature_names_out(self, input_features=None):
        start = 0 if self.include_bias else 1
        return np.array([f"P{j}" for j in range(start, self.degree + 1)], dtype=object)


def _legendre_to_power(c):
    """Exact power-basis coefficients of Σ c_j P_j(t) (c as Fractions)."""
    polys = [[Fraction(1)], [Fraction(0), Fraction(1)]]
    for m in range(1, len(c) - 1):  # (m+1) P_{m+1} = (2m+1) t P_m - m P_{m-1}
        nxt = [Fraction(0)] * (m + 2)
        for i, v in enumerate(polys[m]):
            nxt[i + 1] += Fraction(2 * m + 1, m + 1) * v
        for i, v in enumerate(polys[m - 1]):
            nxt[i] -= Fraction(m, m + 1) * v
        polys.append(nxt)
    out = [Fraction(0)] * len(c)
    for cj, pj in zip(c, polys, strict=False):
        for i, v in enumerate(pj):
            out[i] += cj * v
    return out


def _power_in_x(a, low, high):
    r"""Exact coefficients in x of Σ a_j t^j with t = (2x − (low + high))/(high − low)."""
    low, high = Fraction(low), Fraction(high)
    s, o = 2 / (high - low), -(low + high) / (high - low)  # t = s·x + o
    out = [Fraction(0)] * len(a)
    for j, aj in enumerate(a):
        for i in range(j + 1):
            out[i] += aj * comb(j, i) * s**i * o ** (j - i)
    return out


class GDPolynomialRegression(RegressorMixin, BaseEstimator):
    r"""Penalized polynomial regression of one predictor, fitted in a well-conditioned basis.

    Fits :math:`f(x) = c_0 + \sum_{j=1}^{d} c_j B_j(t)`, :math:`t` the affine map of
    ``domain`` onto [-1, 1] and :math:`B_j = P_j` (Legendre, default) or :math:`t^j`
    (``basis="monomial"``), by minimizing l1l2's objective

    .. math::  \frac{1}{2n}\lVert y - c_0 - Bc\rVert^2 + \alpha R(c)

    with ``penalty`` R ∈ {none, l1, l2, elasticnet} on the basis coefficients
    :math:`c_1 … c_d` (:mod:`l1l2.solvers`; ``alpha`` is on that scale, i.e. scikit-learn's
    ``Lasso(alpha)``; the intercept :math:`c_0` is never penalized; the basis columns are not
    standardized). ``monomial_coef_`` gives the same polynomial in powers of the original
    ``x``: :math:`b_0 + b_1 x + … + b_d x^d`, converted exactly (rational arithmetic), so the
    conversion adds no rounding of its own.

    With ``penalty="none"`` the least-squares solution is computed by ``1 + refine``
    correction steps (iterative refinement): each computes the normal-equation residual
    :math:`g = V^\top(y - Vc)/n` in extended precision (``numpy.longdouble``, with the
    coefficients carried as a pair of float64) and adds the solution of :math:`Gd = g`,
    :math:`G = V^\top V/n` — by FISTA (``solver="gd"``, :func:`l1l2.solvers.solve`, the
    default; each correction to ``tol`` relative to its own size) or by a direct solve
    (``solver="direct"``). The first step alone is an ordinary float64 fit; the refinement
    is what reproduces NIST's certified values of the StRD polynomial data sets to 11–14
    digits (``benchmarks/nist_polynomial.py`` prints them; ``tests/test_nist.py`` checks).
    Penalized fits are one :func:`l1l2.solvers.solve` call (``solver="gd"`` only).

    Parameters
    ----------
    degree : int, default=3
    penalty : {"none", "l1", "l2", "elasticnet"}, default="none"
    alpha : float, default=0.0
        Must be 0 for ``penalty="none"``.
    l1_ratio : float in [0, 1] or None, default=None
        ρ, required for ``penalty="elasticnet"`` only.
    basis : {"legendre", "monomial"}, default="legendre"
    domain : (float, float) or None, default=None
        None: ``(min(x), max(x))`` of the training data.
    solver : {"gd", "direct"}, default="gd"
    method : {"fista", "auto", "cg", "gd", "ista", "subgradient"}, default="fista"
    tol : float, default=1e-12
    max_iter : int, default=100_000
    refine : int, default=3
        Refinement steps after the first solve (``penalty="none"`` only).

    Attributes
    ----------
    coef_ : ndarray of shape (degree,)
        :math:`c_1 … c_d`.
    intercept_ : numpy.float64
        :math:`c_0`.
    monomial_coef_ : ndarray of shape (degree + 1,)
        :math:`b_0 … b_d` in the original x.
    domain_ : tuple of float
    n_iter_ : int
        Iterations of the first-order solver, summed over the refinement steps (0 for
        ``solver="direct"``).
    converged_ : bool
    """

    _parameter_constraints = {
        "degree": [Interval(Integral, 1, None, closed="left")],
        "penalty": [StrOptions({"none", "l1", "l2", "elasticnet"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "basis": [StrOptions({"legendre", "monomial"})],
        "domain": [tuple, list, np.ndarray, None],
        "solver": [StrOptions({"gd", "direct"})],
        "method": [_METHODS],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "refine": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, degree=3, *, penalty="none", alpha=0.0, l1_ratio=None,
                 basis="legendre", domain=None, solver="gd", method="fista", tol=1e-12,
                 max_iter=100_000, refine=3):
        self.degree = degree
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.basis = basis
        self.domain = domain
        self.solver = solver
        self.method = method
        self.tol = tol
        self.max_iter = max_iter
        self.refine = refine

    def _basis(self, t):
        return basis_matrix(t, self.degree, self.basis)

    def fit(self, X, y):
        """Fit on ``X`` of shape (n_samples, 1) and ``y`` of shape (n_samples,)."""
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        if X.shape[1] != 1:
            raise ValueError(f"GDPolynomialRegression fits one predictor: X must have shape "
                             f"(n_samples, 1), got {X.shape}")
        x = X[:, 0]
        self.domain_ = _domain(self, x)
        B = self._basis(to_unit_interval(x, self.domain_))
        if self.penalty == "none":
            c_hi, c_lo, self.n_iter_, self.converged_ = self._refined(x, y, self.solver)
        elif self.solver == "direct":
            raise ValueError(f"solver='direct' solves penalty='none' only, got "
                             f"penalty={self.penalty!r}; use solver='gd'")
        else:
            res = solve(B, y, penalty=self.penalty,
                        alphas=None if self.penalty == "none" else [self.alpha],
                        l1_ratio=self.l1_ratio, fit_intercept=True, method=self.method,
                        tol=self.tol, max_iter=self.max_iter)
            c_hi = np.concatenate([res.intercept, res.coef[0]])
            c_lo = np.zeros_like(c_hi)
            self.n_iter_, self.converged_ = int(res.n_iter[0]), bool(res.converged[0])
        self.intercept_ = np.float64(c_hi[0] + c_lo[0])
        self.coef_ = c_hi[1:] + c_lo[1:]
        c = [Fraction(float(h)) + Fraction(float(lo)) for h, lo in zip(c_hi, c_lo, strict=True)]
        a = _legendre_to_power(c) if self.basis == "legendre" else c
        self.monomial_coef_ = np.array([float(v) for v in _power_in_x(a, *self.domain_)])
        return self

    def _refined(self, x, y, solver):
        """Least squares by ``1 + refine`` correction steps on the normal equations.

        Each step computes :math:`g = V^\top(y - Vc)/n` in extended precision (V with the
        constant column, c carried as a float64 pair) and adds the solution d of
        :math:`Gd = g`, :math:`G = V^\top V/n`, found by ``solver``.
        """
        low, high = self.domain_
        V = np.hstack([np.ones((x.size, 1)), self._basis(to_unit_interval(x, self.domain_))])
        G = V.T @ V / x.size
        lo, hi = np.longdouble(low), np.longdouble(high)
        tl = (2 * x.astype(np.longdouble) - (lo + hi)) / (hi - lo)
        Vl = (legendre.legvander(tl, self.degree) if self.basis == "legendre"
              else np.vander(tl, self.degree + 1, increasing=True))
        yl = y.astype(np.longdouble)
        c_hi, c_lo = np.zeros(V.shape[1]), np.zeros(V.shape[1])
        n_iter, converged = 0, True
        for _ in range(1 + self.refine):
            r = yl - Vl @ c_hi.astype(np.longdouble) - Vl @ c_lo.astype(np.longdouble)
            g = (Vl.T @ r / x.size).astype(np.float64)
            if solver == "direct":
                d = np.linalg.lstsq(G, g, rcond=None)[0]
            else:
                Xt, Yt, _ = _equivalent_problem(G, g[:, None], np.zeros(1))
                res = solve(Xt, Yt[:, 0], penalty="none", fit_intercept=False,
                            method=self.method, tol=self.tol, max_iter=self.max_iter)
                d, n_iter = res.coef[0], n_iter + int(res.n_iter[0])
                converged = converged and bool(res.converged[0])
            c_lo = c_lo + d
            c_hi, c_lo = c_hi + c_lo, (c_hi - (c_hi + c_lo)) + c_lo  # renormalize the pair
        return c_hi, c_lo, n_iter, converged

    def predict(self, X):
        """Predict :math:`c_0 + B(t)c` for ``X`` of shape (n_samples, 1)."""
        check_is_fitted(self)
        x = _check_x(self, X, reset=False)
        return self.intercept_ + self._basis(to_unit_interval(x, self.domain_)) @ self.coef_
