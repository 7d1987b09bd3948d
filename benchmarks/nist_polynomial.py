"""Correct digits on the NIST StRD polynomial data sets (Norris, Pontius, Wampler1-5, Filip).

For each data set (tests/data/nist/, certified by NIST to 15 digits) prints the log relative
error (LRE, the number of correct significant digits; NIST's measure) of the worst
coefficient b0 … bk of y = b0 + b1 x + … + bk x^k, for

* ``GDPolynomialRegression`` (Legendre basis, FISTA + extended-precision refinement, default);
* the same with ``solver="direct"``, and both without refinement (``refine=0``: one float64
  solve, FISTA to its ``tol`` or direct);
* ``numpy.polyfit`` (least squares on scaled powers, LAPACK);
* scikit-learn ``LinearRegression`` on the raw powers x, x², …, x^k;
* ``GDLinearRegression`` on the raw powers (l1l2's estimator without the basis change;
  ``max_iter=20_000`` to keep the run short: it does not converge on most sets either way).

Usage: ``python benchmarks/nist_polynomial.py``
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LinearRegression

from l1l2.estimators import GDLinearRegression, GDPolynomialRegression
from l1l2.strd import log_relative_error, read_strd

NIST = Path(__file__).resolve().parent.parent / "tests" / "data" / "nist"
NAMES = ("Norris", "Pontius", "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5",
         "Filip")


def _powers(model, d):
    P = np.vander(d.x, d.degree + 1, increasing=True)[:, 1:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = model.fit(P, d.y)
    return np.r_[m.intercept_, m.coef_], getattr(m, "converged_", None)


def contestants():
    def poly(**kw):
        return lambda d: GDPolynomialRegression(d.degree, **kw).fit(d.x[:, None], d.y) \
            .monomial_coef_
    return {
        "GDPolynomialRegression": poly(),
        "  solver='direct'": poly(solver="direct"),
        "  refine=0 (one FISTA solve)": poly(refine=0),
        "  solver='direct', refine=0": poly(solver="direct", refine=0),
        "numpy.polyfit": lambda d: np.polyfit(d.x, d.y, d.degree)[::-1],
        "LinearRegression (powers)": lambda d: _powers(LinearRegression(), d)[0],
        "GDLinearRegression (powers)": lambda d: _powers(GDLinearRegression(max_iter=20_000),
                                                         d)[0],
    }


def main():
    data = [read_strd(NIST / f"{n}.dat") for n in NAMES]
    rows = {}
    for label, fit in contestants().items():
        t0 = time.perf_counter()
        rows[label] = [float(log_relative_error(fit(d), d.coef).min()) for d in data]
        rows[label].append(time.perf_counter() - t0)
    width = max(map(len, rows))
    print("Correct digits (LRE of the worst coefficient; 15 = all certified digits)\n")
    print(f"{'':<{width}} " + " ".join(f"{n:>8}" for n in NAMES) + "   time [s]")
    for label, vals in rows.items():
        print(f"{label:<{width}} " + " ".join(f"{v:8.1f}" for v in vals[:-1])
              + f"   {vals[-1]:8.3f}")
    conv = [_powers(GDLinearRegression(max_iter=20_000), d)[1] for d in data]
    print("\nGDLinearRegression (max_iter=20_000) on powers says converged: "
          + ", ".join(f"{n} {c}" for n, c in zip(NAMES, conv, strict=True)))


if __name__ == "__main__":
    main()
