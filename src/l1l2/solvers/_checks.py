"""Argument validation shared by the solvers (each message names the argument)."""

from __future__ import annotations

import math

import numpy as np

from .penalty import Penalty

PENALTIES = ("none", "l1", "l2", "elasticnet")
METHODS = ("gd", "subgradient", "ista", "fista", "cg", "auto")


def _check_penalty_method(penalty, method, positive=False):
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}, got penalty={penalty!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got method={method!r}")
    if method == "gd" and penalty in ("l1", "elasticnet"):
        raise ValueError(
            f"method='gd' needs a differentiable penalty ('none' or 'l2'), got "
            f"penalty={penalty!r}; use method='ista', 'fista', 'auto' or 'subgradient'"
        )
    if method == "cg" and (penalty in ("l1", "elasticnet") or positive is True):
        raise ValueError(
            f"method='cg' solves the smooth problems ('none' or 'l2' without positive=True), "
            f"got penalty={penalty!r}, positive={positive!r}; use method='auto' or 'fista'"
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


def _check_shapes(X, y, where=""):
    """Validate the shapes of one (X, y) pair; return float64 arrays (X 2-D, y 1-D).

    Finiteness is left to the caller (:func:`_check_xy`, or the stacked check of the
    batched set-up).
    """
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
    return X, y


def _check_xy(X, y, where=""):
    """Validate one (X, y) pair; return float64 arrays (X 2-D, y 1-D)."""
    X, y = _check_shapes(X, y, where)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"X{where} contains NaN or infinity")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"y{where} contains NaN or infinity")
    return X, y



def _check_positive(positive) -> bool:
    if not isinstance(positive, bool | np.bool_):
        raise ValueError(f"positive must be True or False, got positive={positive!r}")
    return bool(positive)


def _check_coef_tol(coef_tol) -> float:
    """``None`` (no coefficient contract) is returned as infinity."""
    if coef_tol is None:
        return math.inf
    if not (isinstance(coef_tol, int | float | np.floating | np.integer)
            and not isinstance(coef_tol, bool) and coef_tol >= 0):  # also rejects NaN
        raise ValueError(f"coef_tol must be a float >= 0 or None, got coef_tol={coef_tol!r}")
    return float(coef_tol)


def _check_penalty(penalty, alphas, l1_ratio, method, positive) -> Penalty:
    """Validate everything that defines the penalty; return it."""
    _check_penalty_method(penalty, method, positive)
    rho = _check_l1_ratio(penalty, l1_ratio)
    alphas = _check_alphas(penalty, alphas)
    return Penalty.of(penalty, alphas, rho, _check_positive(positive))
