r"""The penalty of one solver call: α₁, α₂, the constraint, its value and its prox.

For a vector of penalty strengths α (one column per α) and ``l1_ratio`` ρ,

.. math::

    R_\alpha(w) = \alpha_1\lVert w\rVert_1 + \tfrac{\alpha_2}{2}\lVert w\rVert_2^2
    \;[+\ \iota(w \ge 0)],\qquad \alpha_1 = \alpha\rho,\quad \alpha_2 = \alpha(1-\rho),

with ρ = 1 for ``l1``, ρ = 0 for ``l2`` and α = 0 for ``none``. The solvers treat the
α₂ term as part of the smooth function (its gradient is α₂w) and only the α₁ term and the
constraint through the proximal operator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Penalty"]

_RHO = {"none": 0.0, "l2": 0.0, "l1": 1.0}


@dataclass(frozen=True)
class Penalty:
    """α₁ = αρ, α₂ = α(1 − ρ) for every α of a call, and the constraint w ≥ 0.

    Attributes
    ----------
    name : {"none", "l1", "l2", "elasticnet"}
    alphas : ndarray of shape (n_alphas,)
    rho : float
        The L1 share ρ (1 for ``l1``, 0 for ``l2`` and ``none``).
    positive : bool
        Constrain :math:`w \\ge 0`.
    """

    name: str
    alphas: np.ndarray
    rho: float
    positive: bool = False

    @classmethod
    def of(cls, name: str, alphas, l1_ratio: float | None = None, positive: bool = False):
        """The penalty ``name`` with ``l1_ratio`` (required for, and only used by, elasticnet)."""
        rho = float(l1_ratio) if name == "elasticnet" else _RHO[name]
        return cls(name, np.asarray(alphas, dtype=np.float64).reshape(-1), rho, bool(positive))

    @property
    def a1(self) -> np.ndarray:
        """α₁ = αρ, shape (n_alphas,)."""
        return self.alphas * self.rho

    @property
    def a2(self) -> np.ndarray:
        """α₂ = α(1 − ρ), shape (n_alphas,)."""
        return self.alphas * (1.0 - self.rho)

    @property
    def has_l1(self) -> bool:
        """Some α has an L1 term (α₁ > 0): the problem is not smooth."""
        return bool(np.any(self.a1 > 0))

    @property
    def smooth(self) -> bool:
        """No L1 term and no constraint: the minimizer solves a linear system."""
        return not (self.has_l1 or self.positive)

    def value(self, W: np.ndarray, axis: int = -2) -> np.ndarray:
        """Penalty value of each column, α₁‖w‖₁ + α₂‖w‖²/2.

        ``W`` has the coefficients along ``axis`` and the α along the last axis (or is 1-D
        for a single α); the constraint is not checked.
        """
        W = np.asarray(W, dtype=np.float64)
        if W.ndim == 1:
            return float(self.a1[0] * np.sum(np.abs(W)) + 0.5 * self.a2[0] * np.sum(W * W))
        return self.a1 * np.sum(np.abs(W), axis=axis) + 0.5 * self.a2 * np.sum(W * W, axis=axis)

    def prox(self, U: np.ndarray, tau: np.ndarray | float) -> np.ndarray:
        """Proximal operator of :math:`t(\\alpha_1\\lVert\\cdot\\rVert_1 + \\iota_{w\\ge0})`.

        ``tau`` = :math:`t\\alpha_1` broadcast against ``U``. Soft-threshold
        :math:`\\mathrm{sign}(u)\\max(|u| - \\tau, 0)`; with the constraint its projection
        :math:`\\max(u - \\tau, 0)`. Both give exact zeros.
        """
        if self.positive:
            return np.maximum(U - tau, 0.0)
        if not self.has_l1:
            return U
        return U - np.minimum(np.maximum(U, -tau), tau)


def soft_threshold(U, tau, positive, ntau=None, clip=None):
    """:meth:`Penalty.prox` of arrays with an L1 term or the constraint, the same operations
    (so the same bits) in at most one fresh array: for the solvers' inner loops.

    ``U − clip(U, −τ, τ)``, or ``max(U − τ, 0)`` where ``positive``. ``ntau``: −τ when the
    caller keeps it; ``clip``: a scratch buffer for the clipped ``U`` (the result is then a
    fresh array; without it the clip's array becomes the result).
    """
    if positive:
        W = np.subtract(U, tau)
        np.maximum(W, 0.0, out=W)
        return W
    C = np.maximum(U, -tau if ntau is None else ntau, out=clip)
    np.minimum(C, tau, out=C)
    return np.subtract(U, C, out=None if clip is not None else C)
