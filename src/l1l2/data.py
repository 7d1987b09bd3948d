"""Simulated regression data: true functions, noise, replicates, train/test split and CV folds.

Every random draw comes from a generator seeded by ``numpy.random.SeedSequence`` with the entropy
``(seed, stable_hash(scenario), replicate, stream)``, so

* the same configuration always gives the same data, on any machine and for any job order;
* adding, removing or renaming one scenario never changes another scenario's data;
* changing the split settings never changes the simulated values (the split has its own stream).

No string from a configuration is ever evaluated: true functions are looked up by name in
:data:`TRUE_FUNCTIONS`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.polynomial import legendre

if TYPE_CHECKING:  # pandas is imported where it is used: a fit job never needs it
    import pandas as pd

DATA_COLUMNS = ("replicate", "x", "y", "y_true")
SPLIT_COLUMNS = (*DATA_COLUMNS, "split", "fold")
TEST_FOLD = -1

# Independent random streams of one replicate.
_SIMULATE_STREAM = 0
_SPLIT_STREAM = 1


@dataclass(frozen=True)
class TrueFunction:
    """A named true function f on the unit interval [-1, 1].

    ``formula`` is for people (figure titles, the report); ``func`` is what is evaluated.
    ``support`` lists the Legendre degrees with a non-zero coefficient when f is a sparse Legendre
    polynomial (used by the support-recovery figure), else ``None``.
    """

    name: str
    formula: str
    func: Callable[[np.ndarray], np.ndarray]
    support: tuple[int, ...] | None = field(default=None)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.func(np.asarray(t, dtype=float))


#: Legendre coefficients of the sparse true polynomial: degree -> coefficient.
SPARSE_LEGENDRE_COEFS = {1: 1.0, 3: -0.8, 6: 0.6}


def _sparse_legendre(t: np.ndarray) -> np.ndarray:
    coefs = np.zeros(max(SPARSE_LEGENDRE_COEFS) + 1)
    for degree, value in SPARSE_LEGENDRE_COEFS.items():
        coefs[degree] = value
    return legendre.legval(t, coefs)


TRUE_FUNCTIONS: dict[str, TrueFunction] = {
    f.name: f
    for f in (
        TrueFunction("sine", "sin(2πt)", lambda t: np.sin(2 * np.pi * t)),
        TrueFunction("cosine", "cos(1.5πt)", lambda t: np.cos(1.5 * np.pi * t)),
        TrueFunction("runge", "1/(1+25t²)", lambda t: 1.0 / (1.0 + 25.0 * t**2)),
        TrueFunction(
            "sparse_legendre",
            "P₁(t) − 0.8·P₃(t) + 0.6·P₆(t)",
            _sparse_legendre,
            support=tuple(sorted(SPARSE_LEGENDRE_COEFS)),
        ),
        TrueFunction("step", "sign(t)", lambda t: np.sign(t)),
        TrueFunction("abs", "|t|", lambda t: np.abs(t)),
    )
}


def get_true_function(name: str) -> TrueFunction:
    """Look up a true function by name; unknown names raise ``ValueError`` listing known ones."""
    try:
        return TRUE_FUNCTIONS[name]
    except KeyError:
        known = ", ".join(sorted(TRUE_FUNCTIONS))
        raise ValueError(f"unknown true function {name!r}; known functions: {known}") from None


@dataclass(frozen=True)
class Scenario:
    """One true function x noise level x sample size."""

    function: str
    noise_sd: float
    n_samples: int

    @property
    def noise_text(self) -> str:
        """The noise level as written in names and labels, one text per number.

        Six significant digits (``{:g}``: 0.1, 2, 1e-05) when that reads back as the same
        number, else the exact shortest form (``repr``: 0.2000001), so two noise levels never
        share a scenario name (and a file).
        """
        short = f"{self.noise_sd:g}"
        return short if float(short) == self.noise_sd else repr(float(self.noise_sd))

    @property
    def name(self) -> str:
        return f"{self.function}_sd{self.noise_text}_n{self.n_samples}"


def scenarios_from_config(
    functions: Sequence[str], noise_sd: Sequence[float], n_samples: Sequence[int]
) -> list[Scenario]:
    """The product of functions, noise levels and sample sizes, in configuration order."""
    for name in functions:
        get_true_function(name)
    return [Scenario(f, float(s), int(n)) for f in functions for s in noise_sd for n in n_samples]


def stable_hash(text: str) -> int:
    """A 64-bit hash of ``text`` that, unlike ``hash()``, is the same in every Python process."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")


def replicate_rng(seed: int, scenario: str, replicate: int, stream: int) -> np.random.Generator:
    """The generator of one replicate's random ``stream`` (simulation or split)."""
    entropy = [int(seed), stable_hash(scenario), int(replicate), int(stream)]
    return np.random.default_rng(np.random.SeedSequence(entropy))


def to_unit_interval(x: np.ndarray, domain: Sequence[float]) -> np.ndarray:
    """Map x from ``domain = (low, high)`` affinely onto [-1, 1]."""
    low, high = float(domain[0]), float(domain[1])
    if not high > low:
        raise ValueError(f"domain must satisfy low < high, got {list(domain)}")
    return (2.0 * np.asarray(x, dtype=float) - (low + high)) / (high - low)


def simulate(
    scenario: Scenario, replicates: int, seed: int, domain: Sequence[float] = (-1.0, 1.0)
) -> pd.DataFrame:
    """Draw all replicates of a scenario.

    For each replicate, x ~ Uniform(domain) (sorted, which makes files and plots easier to read),
    y_true = f(t(x)) with t the affine map of the domain onto [-1, 1], and
    y = y_true + ε with ε ~ N(0, noise_sd²).

    Returns
    -------
    pandas.DataFrame
        Columns ``replicate, x, y, y_true``; ``replicates * n_samples`` rows.
    """
    if replicates < 1:
        raise ValueError(f"replicates must be >= 1, got {replicates}")
    if scenario.n_samples < 2:
        raise ValueError(f"n_samples must be >= 2, got {scenario.n_samples}")
    if not scenario.noise_sd >= 0:
        raise ValueError(f"noise_sd must be >= 0, got {scenario.noise_sd}")
    import pandas as pd

    return pd.concat(
        [simulate_replicate(scenario, r, seed, domain) for r in range(replicates)],
        ignore_index=True,
    )


def simulate_replicate(
    scenario: Scenario, replicate: int, seed: int, domain: Sequence[float] = (-1.0, 1.0)
) -> pd.DataFrame:
    """One replicate of :func:`simulate` (rows ``replicate, x, y, y_true``), drawn from its own
    generator: replicates can be drawn one at a time, in any order, with the same result."""
    import pandas as pd

    return pd.DataFrame(simulate_replicate_columns(scenario, replicate, seed, domain))


def simulate_replicate_columns(
    scenario: Scenario, replicate: int, seed: int, domain: Sequence[float] = (-1.0, 1.0)
) -> dict[str, np.ndarray]:
    """:func:`simulate_replicate` as numpy columns (what ``simulate`` writes, without pandas)."""
    f = get_true_function(scenario.function)
    low, high = float(domain[0]), float(domain[1])
    rng = replicate_rng(seed, scenario.name, replicate, _SIMULATE_STREAM)
    x = np.sort(rng.uniform(low, high, scenario.n_samples))
    y_true = f(to_unit_interval(x, domain))
    y = y_true + rng.normal(0.0, scenario.noise_sd, scenario.n_samples)
    replicates = np.full(scenario.n_samples, replicate, dtype=np.int64)
    return {"replicate": replicates, "x": x, "y": y, "y_true": y_true}


def split(
    data: pd.DataFrame, scenario_name: str, seed: int, test_size: float, folds: int
) -> pd.DataFrame:
    """Assign each replicate's rows to train/test and the training rows to CV folds.

    Per replicate, ``round(test_size * n)`` rows (at least one) chosen uniformly at random form the
    test set; the remaining training rows are dealt into ``folds`` folds of near-equal size in a
    random order. Test rows get ``fold = -1``.

    Raises
    ------
    ValueError
        If the data are malformed or a replicate has too few rows for the requested split.
    """
    validate_data(data, "data")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    import pandas as pd

    return pd.concat(
        [
            split_replicate(rows, scenario_name, int(r), seed, test_size, folds)
            for r, rows in data.groupby("replicate", sort=True)
        ],
        ignore_index=True,
    )


def split_replicate(
    rows: pd.DataFrame, scenario_name: str, replicate: int, seed: int, test_size: float, folds: int
) -> pd.DataFrame:
    """:func:`split` of one replicate's rows (its own generator: replicates are independent)."""
    import pandas as pd

    return pd.DataFrame(
        split_replicate_columns(rows, scenario_name, replicate, seed, test_size, folds)
    )


def split_replicate_columns(
    rows, scenario_name: str, replicate: int, seed: int, test_size: float, folds: int
) -> dict[str, np.ndarray]:
    """:func:`split_replicate` of one replicate's rows given as numpy columns (``rows[name]`` for
    each name in ``rows.columns``; what ``split`` writes, without pandas)."""
    split_rows, fold = _deal(len(rows), scenario_name, replicate, seed, test_size, folds)
    return {
        **{name: np.asarray(rows[name]) for name in rows.columns},
        "split": split_rows,
        "fold": fold,
    }


def _deal(
    n: int, scenario_name: str, replicate: int, seed: int, test_size: float, folds: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``split`` label (train/test) and CV ``fold`` of a replicate's ``n`` rows."""
    n_test = max(1, int(round(test_size * n)))
    n_train = n - n_test
    if n_train < 2 * folds:
        raise ValueError(
            f"replicate {replicate} has {n} rows: with test_size={test_size} it leaves {n_train} "
            f"training rows, fewer than 2 per fold for folds={folds}"
        )
    rng = replicate_rng(seed, scenario_name, replicate, _SPLIT_STREAM)
    order = rng.permutation(n)
    is_test = np.zeros(n, dtype=bool)
    is_test[order[:n_test]] = True
    fold = np.full(n, TEST_FOLD, dtype=np.int64)
    train_positions = np.flatnonzero(~is_test)
    fold[train_positions[rng.permutation(n_train)]] = np.arange(n_train) % folds
    return np.where(is_test, "test", "train"), fold


def validate_data(data: pd.DataFrame, source: str, columns: Sequence[str] = DATA_COLUMNS) -> None:
    """Check a data table before it is used; errors name ``source`` and the offending column."""
    import pandas as pd

    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(
            f"{source}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"
        )
    if data.empty:
        raise ValueError(f"{source}: no rows")
    for column in columns:
        if column == "split":
            bad = ~data[column].isin(["train", "test"])
            if bad.any():
                raise ValueError(
                    f"{source}: column 'split' has values other than train/test "
                    f"(first at row {int(np.flatnonzero(bad)[0])})"
                )
            continue
        values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(
                f"{source}: column {column!r} has {int(bad.sum())} missing or "
                f"non-finite value(s) (first at row {int(np.flatnonzero(bad)[0])})"
            )


def validate_split(data: pd.DataFrame, source: str) -> None:
    """Like :func:`validate_data` for a split table, and every replicate must have train rows."""
    validate_data(data, source, SPLIT_COLUMNS)
    for r, rows in data.groupby("replicate", sort=True):
        train = rows[rows["split"] == "train"]
        if train.empty:
            raise ValueError(f"{source}: replicate {r} has no training rows (column 'split')")
        if (rows["split"] == "test").sum() == 0:
            raise ValueError(f"{source}: replicate {r} has no test rows (column 'split')")
        if train["fold"].nunique() < 2:
            raise ValueError(f"{source}: replicate {r} has fewer than 2 CV folds (column 'fold')")
