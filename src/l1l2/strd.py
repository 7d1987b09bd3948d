"""Reader for NIST StRD linear least-squares files (``Norris.dat``, ``Filip.dat``, …).

The Statistical Reference Datasets of NIST's Information Technology Laboratory publish, for
each data set, one ASCII file that carries both the observations and the certified
regression statistics (computed by NIST in 500-digit arithmetic and rounded to 15
significant digits). Each file states where both parts are in its header::

    File Format:   ASCII
                   Certified Values  (lines 31 to 46)
                   Data              (lines 61 to 96)

This module follows that header literally: the certified coefficients are the ``B0``, ``B1``,
… lines of the certified block, the observations the ``y x`` rows of the data block.
The precision of a result is scored as NIST does, by the log relative error
(:func:`log_relative_error`): the number of correct significant digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["StRDPolynomial", "read_strd", "log_relative_error"]

_LINES = re.compile(r"(Certified Values|Data)\s+\(lines\s+(\d+)\s+to\s+(\d+)\)")
_PARAM = re.compile(r"^\s*B(\d+)\s+(\S+)\s+(\S+)\s*$")


@dataclass(frozen=True)
class StRDPolynomial:
    """One StRD linear least-squares data set with a single predictor.

    Attributes
    ----------
    name : str
    x, y : ndarray of shape (n,)
        The observations, parsed from the file's decimal strings.
    coef : ndarray of shape (k + 1,)
        Certified ``B0 … Bk`` of ``y = B0 + B1 x + … + Bk x^k``.
    coef_sd : ndarray of shape (k + 1,)
        Certified standard deviations of the estimates.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    coef_sd: np.ndarray

    @property
    def degree(self) -> int:
        return self.coef.size - 1


def read_strd(path) -> StRDPolynomial:
    """Parse a NIST StRD linear least-squares ``.dat`` file with one predictor.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    StRDPolynomial

    Raises
    ------
    ValueError
        The file does not have the StRD layout (the message names the file).
    """
    path = Path(path)
    lines = path.read_text(encoding="ascii").splitlines()
    spans = {m.group(1): (int(m.group(2)), int(m.group(3)))
             for m in map(_LINES.search, lines[:10]) if m}
    if set(spans) != {"Certified Values", "Data"}:
        raise ValueError(f"{path}: not a NIST StRD file (no 'Certified Values'/'Data' "
                         f"line ranges in its header)")
    lo, hi = spans["Certified Values"]
    params = [m for m in map(_PARAM.match, lines[lo - 1:hi]) if m]
    if not params or [int(m.group(1)) for m in params] != list(range(len(params))):
        raise ValueError(f"{path}: certified block (lines {lo}-{hi}) has no B0, B1, … lines")
    lo, hi = spans["Data"]
    rows = [line.split() for line in lines[lo - 1:hi]]
    if any(len(r) != 2 for r in rows):
        raise ValueError(f"{path}: data block (lines {lo}-{hi}) must have two columns, y x")
    data = np.array(rows, dtype=np.float64)
    return StRDPolynomial(
        name=path.stem,
        x=data[:, 1].copy(),
        y=data[:, 0].copy(),
        coef=np.array([float(m.group(2)) for m in params]),
        coef_sd=np.array([float(m.group(3)) for m in params]),
    )


def log_relative_error(estimate, certified) -> np.ndarray:
    r"""NIST's log relative error: the number of correct significant digits.

    :math:`\mathrm{LRE} = -\log_{10}(|q - c| / |c|)` for :math:`c \ne 0` and
    :math:`-\log_{10}|q - c|` for :math:`c = 0`; clipped to ``[0, 15]`` (the certified
    values carry 15 digits), and 15 where ``q == c`` exactly.

    Parameters
    ----------
    estimate, certified : array-like of the same shape

    Returns
    -------
    ndarray of float
    """
    q = np.asarray(estimate, dtype=np.float64)
    c = np.asarray(certified, dtype=np.float64)
    err = np.abs(q - c)
    rel = np.where(c != 0, err / np.where(c != 0, np.abs(c), 1.0), err)
    with np.errstate(divide="ignore", invalid="ignore"):
        lre = -np.log10(rel)
    lre = np.where(np.isnan(lre), 0.0, lre)
    return np.clip(lre, 0.0, 15.0)
