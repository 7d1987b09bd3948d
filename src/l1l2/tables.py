"""A scenario's data tables: checked against the study when read, checksummed when written.

The pipeline writes two tables per scenario: ``simulate`` writes the simulated data (columns
:data:`SIMULATED`) and ``split`` adds the train/test label and the CV fold (:data:`SPLIT`). Every
stage that reads one checks it against what the study's configuration says it must be
(:class:`Expected`), so a file that was truncated, edited or swapped stops the stage with one
line naming the file, the column and the first bad row (:class:`TableError`):

* the header is exactly the expected column names, in order;
* every number is finite; ``replicate`` and ``fold`` are integers;
* the replicates are ``0 … replicates − 1``, each in one contiguous block of ``n_samples`` rows,
  in order, with ``x`` non-decreasing inside a block (``simulate`` sorts it);
* ``x`` lies in the domain; ``y_true`` equals the true function at ``x`` (up to 1e-9, relative);
  ``y`` lies within :data:`NOISE_LIMIT` noise standard deviations of ``y_true``;
* ``split`` is ``train`` or ``test``; test rows have ``fold = -1``; training rows have a fold in
  ``0 … folds − 1``; each replicate has ``max(1, round(test_size · n_samples))`` test rows and
  folds whose sizes differ by at most one (what ``split`` deals).

Tables are read and checked one replicate at a time (:func:`iter_replicates`), so a stage that
streams (``split``) never holds more than one replicate in memory. The ``simulate``, ``split``
and ``fit`` jobs run without pandas (its import is ~0.3 CPU-s of each job's start-up): a data file
exactly as ``simulate`` or ``split`` wrote it (its recorded checksum, its header, every cell in
the form ``to_csv`` writes; :func:`read_split_columns`) is parsed with numpy and passes the same
checks to the same values; any other file is read as above, so the messages are the same; and
numpy columns are written with the bytes ``to_csv`` writes (:func:`write_columns`,
:class:`ChecksummedCSV`).

A writer records the SHA-256 of the bytes it wrote in a sidecar ``<file>.sha256`` (the format of
``sha256sum``, so ``sha256sum -c`` checks it too); a reader verifies it (:func:`verify_checksum`)
after checking the content. So an edit that leaves a plausible table, even one that keeps the
file's modification time, is still caught.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .data import (
    DATA_COLUMNS,
    SPLIT_COLUMNS,
    TEST_FOLD,
    Scenario,
    get_true_function,
    simulate_replicate_columns,
    split_replicate,
    split_replicate_columns,
    to_unit_interval,
)

if TYPE_CHECKING:  # imported where used: a fit job reads and writes its tables without pandas
    import pandas as pd

SIMULATED = DATA_COLUMNS
SPLIT = SPLIT_COLUMNS

#: ``y`` may differ from ``y_true`` by at most this many noise standard deviations. Gaussian noise
#: exceeds it with probability 4e-33 per row: a value beyond it was not drawn by ``simulate``.
NOISE_LIMIT = 12.0

#: Relative tolerance of ``y_true`` against the true function (files keep 17 significant digits).
Y_TRUE_RTOL = 1e-9

#: Rows parsed at a time when a table is streamed.
CHUNK_ROWS = 100_000

#: Suffix of the checksum sidecar of a data file.
CHECKSUM_SUFFIX = ".sha256"


class TableError(ValueError):
    """A data table does not match the study; the message names file, column and first bad row."""


@dataclass(frozen=True)
class Expected:
    """What one scenario's data tables must contain, from the study's configuration.

    The key in the configuration is named in every message that relies on a value.
    """

    function: str  # scenarios.functions
    noise_sd: float  # scenarios.noise_sd
    n_samples: int  # scenarios.n_samples
    replicates: int  # scenarios.replicates
    domain: tuple[float, float]  # scenarios.domain
    test_size: float  # split.test_size
    folds: int  # split.folds

    @classmethod
    def from_mapping(cls, values: Mapping) -> Expected:
        """From a plain mapping (a rule's ``params``): the inverse of :meth:`as_dict`."""
        return cls(
            function=str(values["function"]),
            noise_sd=float(values["noise_sd"]),
            n_samples=int(values["n_samples"]),
            replicates=int(values["replicates"]),
            domain=(float(values["domain"][0]), float(values["domain"][1])),
            test_size=float(values["test_size"]),
            folds=int(values["folds"]),
        )

    def as_dict(self) -> dict:
        """Plain values (for a rule's ``params``, which Snakemake compares between runs)."""
        values = asdict(self)
        values["domain"] = list(self.domain)
        return values

    @property
    def n_test(self) -> int:
        """Test rows per replicate, as :func:`l1l2.data.split` deals them."""
        return max(1, int(round(self.test_size * self.n_samples)))


def _line(row: int) -> str:
    return f"row {row} (line {row + 2})"  # row 0 is the file's line 2, after the header


def _show(value) -> str:
    if isinstance(value, str):
        return repr(value) if value.strip() else "an empty field"
    if isinstance(value, float) and np.isnan(value):
        return "a missing or NaN value"
    return repr(value.item() if isinstance(value, np.generic) else value)


class _Rows:
    """Row checks of one chunk: the earliest failing row wins, then the leftmost column."""

    def __init__(self, source: str, chunk: pd.DataFrame, offset: int):
        self.source, self.chunk, self.offset = source, chunk, offset
        self.found: list[tuple[int, int, int, str, str, str]] = []

    def flag(self, column: str, bad: np.ndarray, problem) -> None:
        """Record the first row where ``bad`` holds; ``problem(i)`` says what is expected."""
        hits = np.flatnonzero(bad)
        if hits.size:
            i = int(hits[0])
            order = list(self.chunk.columns).index(column)
            value = _show(_cell(self.chunk[column], i))
            self.found.append((i, order, len(self.found), column, value, problem(i)))

    def raise_first(self) -> None:
        if self.found:
            i, _, _, column, value, problem = min(self.found)
            raise TableError(
                f"{self.source}: column {column!r} has {value} at {_line(self.offset + i)}; "
                f"{problem}"
            )


def _cell(column, i: int):
    """Value ``i`` of a column (a pandas Series, or a numpy array of :class:`Columns`)."""
    return column.iloc[i] if hasattr(column, "iloc") else column[i]


def _numeric(chunk: pd.DataFrame | Columns, column: str) -> np.ndarray:
    values = chunk[column]
    if isinstance(values, np.ndarray) and values.dtype == np.float64:  # parsed already
        return values
    import pandas as pd

    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def check_header(columns: Sequence[str], source: str, expected: Sequence[str]) -> None:
    """The header must be exactly ``expected``, in order; the message names the first mismatch."""
    columns = [str(c) for c in columns]
    if columns == list(expected):
        return
    position = next(
        (i for i, (have, want) in enumerate(zip(columns, expected, strict=False)) if have != want),
        min(len(columns), len(expected)),
    )
    have = columns[position] if position < len(columns) else None
    want = expected[position] if position < len(expected) else None
    what = (
        f"column {position + 1} is {have!r}, expected {want!r}"
        if have is not None and want is not None
        else f"column {want!r} is missing"
        if want is not None
        else f"unexpected column {have!r}"
    )
    raise TableError(
        f"{source}: {what} (header {', '.join(columns) or '(empty)'}; expected "
        f"{', '.join(expected)}, in this order)"
    )


def check_rows(
    chunk: pd.DataFrame | Columns, source: str, expected: Expected, offset: int = 0
) -> None:
    """Row-by-row checks of a chunk whose first row is row ``offset`` of the file."""
    rows = _Rows(source, chunk, offset)
    values = {c: _numeric(chunk, c) for c in chunk.columns if c != "split"}
    finite = {c: np.isfinite(v) for c, v in values.items()}
    for column, ok in finite.items():
        rows.flag(column, ~ok, lambda i: "expected a finite number")
    for column in ("replicate", "fold"):
        if column in values:
            v = values[column]
            rows.flag(column, finite[column] & (v != np.round(v)), lambda i: "expected an integer")
    r = values["replicate"]
    rows.flag(
        "replicate",
        finite["replicate"] & ((r < 0) | (r >= expected.replicates)),
        lambda i: (
            f"expected 0…{expected.replicates - 1} (scenarios.replicates = {expected.replicates})"
        ),
    )
    low, high = expected.domain
    x = values["x"]
    inside = finite["x"] & (x >= low) & (x <= high)
    rows.flag(
        "x",
        finite["x"] & ~inside,
        lambda i: f"expected x in the domain [{low:g}, {high:g}] (scenarios.domain)",
    )
    truth = np.full(len(x), np.nan)
    truth[inside] = get_true_function(expected.function)(
        to_unit_interval(x[inside], expected.domain)
    )
    y_true = values["y_true"]
    true_ok = (
        inside & finite["y_true"] & (np.abs(y_true - truth) <= Y_TRUE_RTOL * (1 + np.abs(truth)))
    )
    rows.flag(
        "y_true",
        inside & finite["y_true"] & ~true_ok,
        lambda i: (
            f"expected {float(truth[i])!r}, the true function {expected.function} at this x "
            "(scenarios.functions)"
        ),
    )
    sd = expected.noise_sd
    gap = np.abs(values["y"] - y_true)
    rows.flag(
        "y",
        true_ok & finite["y"] & ~(gap <= NOISE_LIMIT * sd + Y_TRUE_RTOL * (1 + gap)),
        lambda i: (
            f"{gap[i] / sd:.3g} noise standard deviations from y_true, expected at most "
            f"{NOISE_LIMIT:g} (scenarios.noise_sd = {sd:g})"
            if sd > 0
            else "expected y = y_true (scenarios.noise_sd = 0)"
        ),
    )
    if "split" in chunk.columns:
        is_test = np.asarray(chunk["split"] == "test")
        is_train = np.asarray(chunk["split"] == "train")
        rows.flag("split", ~(is_test | is_train), lambda i: "expected train or test")
        fold, k = values["fold"], expected.folds
        rows.flag(
            "fold",
            finite["fold"] & is_train & ((fold < 0) | (fold >= k)),
            lambda i: f"expected a training row's fold in 0…{k - 1} (split.folds = {k})",
        )
        rows.flag(
            "fold",
            finite["fold"] & is_test & (fold != TEST_FOLD),
            lambda i: f"expected {TEST_FOLD}, the fold of a test row",
        )
    rows.raise_first()


def check_replicate(
    block: pd.DataFrame | Columns, source: str, expected: Expected, replicate: int, start: int
) -> None:
    """Checks of one replicate's block of rows (its first row is row ``start`` of the file)."""
    n = expected.n_samples
    where = f"replicate {replicate}"
    since = f"from {_line(start)} on"
    if len(block) != n:
        raise TableError(
            f"{source}: column 'replicate': {where} has {len(block)} rows {since}, expected {n} "
            "(scenarios.n_samples)"
        )
    x = np.asarray(block["x"], dtype=float)
    down = np.flatnonzero(np.diff(x) < 0)
    if down.size:
        raise TableError(
            f"{source}: column 'x' decreases at {_line(start + int(down[0]) + 1)} inside "
            f"replicate {replicate} (simulate writes each replicate's x in increasing order)"
        )
    if "split" not in block.columns:
        return
    is_test = np.asarray(block["split"] == "test")
    if int(is_test.sum()) != expected.n_test:
        raise TableError(
            f"{source}: column 'split': {where} has {int(is_test.sum())} test rows {since}, "
            f"expected {expected.n_test} (split.test_size = {expected.test_size:g} of {n} rows)"
        )
    k = expected.folds
    sizes = np.bincount(np.asarray(block["fold"])[~is_test].astype(np.int64), minlength=k)
    n_train = n - expected.n_test
    low, high = n_train // k, -(-n_train // k)
    odd = np.flatnonzero((sizes < low) | (sizes > high))
    if odd.size:
        j = int(odd[0])
        raise TableError(
            f"{source}: column 'fold': {where} has {int(sizes[j])} training rows in fold {j} "
            f"{since}, expected {low if low == high else f'{low} or {high}'} (split.folds = {k})"
        )


def _typed(chunk: pd.DataFrame) -> pd.DataFrame:
    """Integer replicate and fold, float x, y, y_true (after :func:`check_rows` passed)."""
    import pandas as pd

    out = chunk.copy()
    for column in out.columns:
        if column in ("replicate", "fold"):
            out[column] = pd.to_numeric(out[column]).astype(np.int64)
        elif column != "split":
            out[column] = pd.to_numeric(out[column]).astype(float)
    return out


def _unreadable_errors() -> tuple[type[Exception], ...]:
    """What pandas raises for a file that is not a CSV table it can parse."""
    import pandas as pd

    return (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError)


def _unreadable(path: str, exc: Exception) -> TableError:
    cause = " ".join(str(exc).split())
    return TableError(f"{path}: not a readable CSV table ({type(exc).__name__}: {cause})")


def _chunks(path: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pandas as pd

    try:
        with pd.read_csv(path, chunksize=chunk_rows, dtype={"split": object}) as reader:
            yield from reader
    except _unreadable_errors() as exc:
        raise _unreadable(path, exc) from None


def iter_replicates(
    path: str,
    expected: Expected,
    columns: Sequence[str],
    chunk_rows: int | None = None,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Read a data table one replicate at a time, checking it against the study as it goes.

    Yields ``(replicate, rows)`` with a ``RangeIndex`` from 0 and typed columns; raises
    :class:`TableError` at the first problem. Memory holds one replicate and one chunk.
    """
    import pandas as pd

    offset, following = 0, 0
    current: list[pd.DataFrame] = []
    start = 0
    seen_header = False

    def finish(frames, replicate, first_row):
        block = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        block = block.reset_index(drop=True)
        check_replicate(block, path, expected, replicate, first_row)
        return block

    for chunk in _chunks(path, chunk_rows or CHUNK_ROWS):
        if not seen_header:
            check_header(chunk.columns, path, columns)
            seen_header = True
        if chunk.empty:
            continue
        chunk.index = pd.RangeIndex(offset, offset + len(chunk))
        check_rows(chunk, path, expected, offset)
        chunk = _typed(chunk)
        reps = chunk["replicate"].to_numpy()
        cuts = np.flatnonzero(np.diff(reps)) + 1
        for lo, hi in zip([0, *cuts], [*cuts, len(chunk)], strict=True):
            r = int(reps[lo])
            if current and r == int(current[0]["replicate"].iloc[0]):
                current.append(chunk.iloc[lo:hi])
                continue
            if current:
                yield following, finish(current, following, start)
                following += 1
            if r != following:
                _out_of_order(path, expected, r, following, offset + lo)
            current, start = [chunk.iloc[lo:hi]], offset + lo
        offset += len(chunk)
    if not seen_header:
        raise TableError(f"{path}: empty file (expected the header {', '.join(columns)})")
    if not current:
        raise TableError(f"{path}: no rows after the header")
    yield following, finish(current, following, start)
    following += 1
    if following < expected.replicates:
        raise TableError(
            f"{path}: column 'replicate': replicate {following} is missing (the table ends at "
            f"{_line(offset - 1)}; expected replicates 0…{expected.replicates - 1}, "
            f"scenarios.replicates = {expected.replicates})"
        )


def _out_of_order(path, expected, found, wanted, row):
    if found < wanted:
        raise TableError(
            f"{path}: column 'replicate': replicate {found} appears again at {_line(row)} "
            "(each replicate's rows must be one block, in order)"
        )
    raise TableError(
        f"{path}: column 'replicate': replicate {wanted} is missing (replicate {found} starts at "
        f"{_line(row)}; expected replicates 0…{expected.replicates - 1}, "
        f"scenarios.replicates = {expected.replicates})"
    )


def read_table(
    path: str, expected: Expected, columns: Sequence[str], checksum: str | None = None
) -> pd.DataFrame:
    """The whole table, checked against the study and, if ``checksum`` names a sidecar, against
    the checksum recorded when it was written (content problems are reported first)."""
    import pandas as pd

    digest = file_sha256(path) if checksum is not None else None
    table = pd.concat(
        [rows for _, rows in iter_replicates(path, expected, columns)], ignore_index=True
    )
    if checksum is not None:
        verify_checksum(path, checksum, digest)
    return table


def read_split(path: str, expected: Mapping) -> pd.DataFrame:
    """A split table as the stages read it: checked against the study (``expected``, the plain
    values of a rule's ``params.expected``) and against the checksum in ``<path>.sha256``."""
    return read_table(
        path, Expected.from_mapping(expected), SPLIT, checksum=path + CHECKSUM_SUFFIX
    )


class Columns:
    """A table as named numpy arrays: the little of a ``DataFrame`` that the checks use
    (``columns``, ``table[name]``, ``len(table)``)."""

    def __init__(self, arrays: Mapping[str, np.ndarray]):
        self.arrays = dict(arrays)
        self.columns = list(self.arrays)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def __len__(self) -> int:
        return len(next(iter(self.arrays.values()))) if self.arrays else 0

    def rows(self, start: int, stop: int) -> Columns:
        return Columns({name: values[start:stop] for name, values in self.arrays.items()})


#: A cell as ``simulate`` and ``split`` write it (pandas' ``to_csv``): an integer, and a finite
#: float in Python's shortest round-trip form (``repr``), which ``float`` and pandas' parser both
#: read back as the value written.
_INTEGER = r"-?(?:0|[1-9][0-9]*)"
_FLOAT = r"-?[0-9]+(?:\.[0-9]+)?(?:e[+-][0-9]+)?"
_CELLS = {
    "replicate": _INTEGER,
    "x": _FLOAT,
    "y": _FLOAT,
    "y_true": _FLOAT,
    "split": "train|test",
    "fold": _INTEGER,
}


#: Largest data file parsed without pandas: its cells are held as Python strings while it is
#: parsed (a peak of ~20 times the file's size), and pandas' ~0.3 CPU-s import only matters
#: beside small files (the default study's are 0.14 MB at most).
AS_WRITTEN_BYTES = 4 * 2**20


def _column_of(cells: Sequence[str], pattern: str) -> bool:
    """Whether every cell of a column is one ``pattern`` (one regular expression call)."""
    return re.fullmatch(f"(?:(?:{pattern})\n)*", "\n".join(cells) + "\n") is not None


def _as_written(path: str, expected: Expected, columns: Sequence[str]) -> Columns | None:
    """A data table (``columns``: :data:`SIMULATED` or :data:`SPLIT`), parsed without pandas, if
    it is exactly as ``simulate`` or ``split`` writes it: the checksum its sidecar records, the
    header, every cell of the form ``to_csv`` writes, and every check of :func:`read_table`
    passed. None otherwise (the caller then reads it with :func:`read_table`, which names the
    problem)."""
    try:
        if os.path.getsize(path) > AS_WRITTEN_BYTES:
            return None
        with open(path, "rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != recorded_sha256(path + CHECKSUM_SUFFIX):
            return None
        lines = data.decode("ascii").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if lines[0] != ",".join(columns) or lines[-1] != "" or len(lines) < 3:
        return None
    cells = [line.split(",") for line in lines[1:-1]]
    if any(len(row) != len(columns) for row in cells):
        return None
    values = dict(zip(columns, zip(*cells, strict=True), strict=True))
    if not all(_column_of(values[name], _CELLS[name]) for name in columns):
        return None
    table = Columns(
        {
            name: np.array(texts, dtype=object)
            if name == "split"
            else np.fromiter(map(float, texts), dtype=np.float64, count=len(texts))
            for name, texts in values.items()
        }
    )
    n, replicates = expected.n_samples, expected.replicates
    try:
        check_rows(table, path, expected)
        if not np.array_equal(table["replicate"], np.repeat(np.arange(replicates), n)):
            return None  # replicates missing, repeated, out of order or of the wrong size
        for r in range(replicates):
            check_replicate(table.rows(r * n, (r + 1) * n), path, expected, r, r * n)
    except TableError:
        return None
    for name in ("replicate", "fold"):
        if name in table.arrays:
            table.arrays[name] = table[name].astype(np.int64)
    return table


def read_split_columns(path: str, expected: Mapping) -> Columns:
    """:func:`read_split` as numpy columns (integer ``replicate`` and ``fold``, float ``x``,
    ``y``, ``y_true``, string ``split``): the same values, the same checks, the same messages.

    A file exactly as ``split`` wrote it, up to :data:`AS_WRITTEN_BYTES`, is parsed without
    pandas (a fit job then never imports it, ~0.3 CPU-s); any other file goes through
    :func:`read_split`, which reads it or stops with one line naming the file, the column and
    the row.
    """
    study = Expected.from_mapping(expected)
    table = _as_written(path, study, SPLIT)
    if table is None:
        frame = read_split(path, expected)
        table = Columns({name: frame[name].to_numpy() for name in frame.columns})
    return table


# ------------------------------------------------------------------------------------------
# Results tables: the fits' metrics, checked against the study's grid when read

#: Columns of a fit job's table ``results/fits/<scenario>/<model>.metrics.csv``, as
#: :func:`l1l2.study.fit_grid` writes them.
FIT_METRICS = (
    "replicate",
    "model",
    "degree",
    "lambda",
    "train_mse",
    "cv_mse",
    "cv_se",
    "test_mse",
    "n_coef",
    "n_nonzero",
    "converged",
    "cv_converged",
    "n_iter",
    "gap",
    "cond_gram",
    "intercept",
)
#: The output contract of ``results/tables/metrics.csv`` (DESIGN.md): its first columns.
METRICS_CONTRACT = (
    "scenario",
    "replicate",
    "model",
    "degree",
    "lambda",
    "train_mse",
    "cv_mse",
    "test_mse",
    "n_coef",
    "n_nonzero",
    "converged",
    "n_iter",
)
#: Columns of ``results/tables/metrics.csv``: the contract, the fit table's other columns, basis.
METRICS = (
    *METRICS_CONTRACT,
    *(c for c in FIT_METRICS if c not in METRICS_CONTRACT),
    "basis",
)
#: One row per fit: these columns identify it.
FIT_KEYS = ("scenario", "replicate", "model", "degree", "lambda")
#: Columns of the study's comparison with scikit-learn (``results/reference/comparison.csv``):
#: the scenario, then the columns of :func:`l1l2.study.compare_with_reference` (``crosscheck``
#: reads them).
REFERENCE = (
    "scenario",
    "replicate",
    "model",
    "degree",
    "lambda",
    "max_abs_coef_diff",
    "max_abs_pred_diff",
    "rms_pred_diff",
    "objective_l1l2",
    "objective_sklearn",
    "rel_objective_diff",
    "same_support",
    "support_mismatch_max_coef",
    "n_nonzero_l1l2",
    "n_nonzero_sklearn",
    "converged",
    "sklearn_converged",
    "gap_l1l2",
    "gap_sklearn",
    "mu",
    "cond_gram",
)


@dataclass(frozen=True)
class _Roles:
    """Which columns of a fits table must be finite numbers, integers, True/False."""

    finite: tuple[str, ...]
    integer: tuple[str, ...]
    boolean: tuple[str, ...]


# gap, cond_gram and intercept may be inf (cond(G) of a singular design)
_METRICS_ROLES = _Roles(
    finite=("train_mse", "cv_mse", "cv_se", "test_mse"),
    integer=("replicate", "degree", "n_coef", "n_nonzero", "n_iter"),
    boolean=("converged", "cv_converged"),
)
# what the cross-check's verdict compares must be numbers; gaps, mu and cond(G) are bounds
_REFERENCE_ROLES = _Roles(
    finite=("objective_l1l2", "objective_sklearn", "max_abs_coef_diff", "rms_pred_diff"),
    integer=("replicate", "degree", "n_nonzero_l1l2", "n_nonzero_sklearn"),
    boolean=("same_support", "converged", "sklearn_converged"),
)


@dataclass(frozen=True)
class FitsExpected:
    """What the fits' metrics tables must contain, from the study's configuration: one row per
    scenario × replicate × model × degree × λ (λ = 0 only, for ols).
    """

    scenarios: tuple[str, ...]  # scenarios.*
    models: tuple[str, ...]  # models
    replicates: int  # scenarios.replicates
    degrees: tuple[int, ...]  # features.degrees
    lambdas: tuple[float, ...]  # lambdas.*
    basis: str  # features.basis
    #: What sets ``replicates`` when it is not scenarios.replicates (the cross-check's subset).
    replicates_note: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping) -> FitsExpected:
        """From a plain mapping (a rule's ``params``): the inverse of :meth:`as_dict`."""
        return cls(
            scenarios=tuple(str(s) for s in values["scenarios"]),
            models=tuple(str(m) for m in values["models"]),
            replicates=int(values["replicates"]),
            degrees=tuple(int(d) for d in values["degrees"]),
            lambdas=tuple(float(v) for v in values["lambdas"]),
            basis=str(values["basis"]),
            replicates_note=str(values.get("replicates_note", "")),
        )

    def as_dict(self) -> dict:
        """Plain values (for a rule's ``params``, which Snakemake compares between runs)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def lambdas_of(self, model: str) -> tuple[float, ...]:
        return (0.0,) if model == "ols" else self.lambdas

    def rows(self) -> int:
        per_model = sum(len(self.lambdas_of(m)) for m in self.models)
        return len(self.scenarios) * self.replicates * len(self.degrees) * per_model

    def first_missing(self, present: set) -> tuple:
        """The first (scenario, replicate, model, degree, λ) of the grid not in ``present``."""
        for scenario in self.scenarios:
            for replicate in range(self.replicates):
                for model in self.models:
                    for degree in self.degrees:
                        for lam in self.lambdas_of(model):
                            key = (scenario, replicate, model, degree, lam)
                            if key not in present:
                                return key
        raise ValueError("no row is missing")


def _read_whole(path: str) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(path)
    except _unreadable_errors() as exc:
        raise _unreadable(path, exc) from None


def _codes(values: pd.Series, allowed: Sequence) -> np.ndarray:
    """Position of each value in ``allowed`` (-1 where it is not one of them)."""
    import pandas as pd

    return pd.Index(list(allowed)).get_indexer(values.to_numpy())


def check_fits(
    table: pd.DataFrame,
    source: str,
    expected: FitsExpected,
    columns: Sequence[str],
    roles: _Roles = _METRICS_ROLES,
) -> None:
    """Check a metrics table against the study: header, values row by row, one row per fit.

    A fit job's own table has no ``scenario`` (nor ``basis``) column: ``expected`` then names
    its one scenario and one model.
    """
    import pandas as pd

    check_header(table.columns, source, columns)
    if table.empty:
        raise TableError(f"{source}: no rows after the header")
    rows = _Rows(source, table, 0)
    values = {c: _numeric(table, c) for c in (*roles.finite, *roles.integer, "lambda")}
    for column in (*roles.integer, "lambda", *roles.finite):
        rows.flag(column, ~np.isfinite(values[column]), lambda i: "expected a finite number")
    for column in roles.integer:
        v = values[column]
        rows.flag(column, np.isfinite(v) & (v != np.round(v)), lambda i: "expected an integer")
    for column in roles.boolean:
        if table[column].dtype != bool:  # pandas reads a column of True/False as bool
            ok = table[column].astype(str).isin(["True", "False"]).to_numpy()
            rows.flag(column, ~ok, lambda i: "expected True or False")
    n = len(table)
    scenario = (
        _codes(table["scenario"], expected.scenarios)
        if "scenario" in table.columns
        else np.zeros(n, dtype=np.int64)
    )
    rows.flag(
        "scenario" if "scenario" in table.columns else "model",
        scenario < 0,
        lambda i: "expected a scenario of this study (scenarios.*)",
    )
    if "basis" in table.columns:
        rows.flag(
            "basis",
            _codes(table["basis"], [expected.basis]) < 0,
            lambda i: f"expected {expected.basis!r} (features.basis)",
        )
    model = _codes(table["model"], expected.models)
    rows.flag(
        "model",
        model < 0,
        lambda i: f"expected one of {', '.join(expected.models)} (models)",
    )
    r, d, lam = values["replicate"], values["degree"], values["lambda"]
    rows.flag(
        "replicate",
        (r < 0) | (r >= expected.replicates),
        lambda i: (
            f"expected 0…{expected.replicates - 1} "
            f"({expected.replicates_note or f'scenarios.replicates = {expected.replicates}'})"
        ),
    )
    degree = _codes(pd.Series(d), [float(v) for v in expected.degrees])
    rows.flag(
        "degree",
        np.isfinite(d) & (d == np.round(d)) & (degree < 0),
        lambda i: f"expected {expected.degrees[0]}…{expected.degrees[-1]} (features.degrees)",
    )
    is_ols = model == (expected.models.index("ols") if "ols" in expected.models else -2)
    grid = sorted({0.0, *expected.lambdas})
    step = _codes(pd.Series(lam), grid)
    rows.flag("lambda", is_ols & (lam != 0.0), lambda i: "expected 0 for ols")
    rows.flag(
        "lambda",
        ~is_ols & np.isfinite(lam) & ((step < 0) | (lam == 0.0)),
        lambda i: (
            f"expected one of the study's {len(expected.lambdas)} λ from "
            f"{min(expected.lambdas):g} to {max(expected.lambdas):g} (lambdas.*)"
        ),
    )
    if "n_coef" in values:
        rows.flag(
            "n_coef", np.isfinite(d) & (values["n_coef"] != d), lambda i: "expected the degree"
        )
    for column in ("n_nonzero", "n_nonzero_l1l2", "n_nonzero_sklearn"):
        if column in values:
            nz = values[column]
            rows.flag(
                column,
                np.isfinite(nz) & ((nz < 0) | (nz > d)),
                lambda i: "expected 0…degree (the number of coefficients)",
            )
    rows.raise_first()
    # Every value is now one of the study's: one integer per fit, to find repeats and gaps.
    key = scenario.astype(np.int64)
    for code, size in (
        (r.astype(np.int64), expected.replicates),
        (model, len(expected.models)),
        (degree, len(expected.degrees)),
        (step, len(grid)),
    ):
        key = key * size + code
    order = np.argsort(key, kind="stable")
    repeats = order[1:][key[order][1:] == key[order][:-1]]
    if repeats.size:
        row = int(repeats.min())
        fit = ", ".join(
            f"{c} {float(table[c].iloc[row])!r}" if c == "lambda" else f"{c} {table[c].iloc[row]}"
            for c in FIT_KEYS
            if c in table.columns
        )
        raise TableError(f"{source}: {_line(row)} repeats the fit {fit}; expected one row per fit")
    if n != expected.rows():
        present = set(
            zip(
                np.asarray(expected.scenarios)[scenario].tolist(),
                r.astype(int).tolist(),
                np.asarray(expected.models)[model].tolist(),
                d.astype(int).tolist(),
                lam.tolist(),
                strict=True,
            )
        )
        name, replicate, model_name, degree_value, missing = expected.first_missing(present)
        what = f"scenario {name}, " if "scenario" in table.columns else ""
        raise TableError(
            f"{source}: the fit {what}replicate {replicate}, model {model_name}, degree "
            f"{degree_value}, lambda {missing!r} is missing ({n} rows, expected "
            f"{expected.rows()}: one per scenario × replicate × model × degree × λ of the study)"
        )


def read_metrics(path: str, expected: Mapping) -> pd.DataFrame:
    """``results/tables/metrics.csv`` as the stages read it, checked against the study's grid
    (``expected``: the plain values of a rule's ``params.fits``, :class:`FitsExpected`)."""
    table = _read_whole(path)
    check_fits(table, path, FitsExpected.from_mapping(expected), METRICS)
    return table


def read_fit_metrics(path: str, expected: Mapping, scenario: str, model: str) -> pd.DataFrame:
    """A fit job's metrics table (one scenario and model), checked against the study's grid."""
    grid = replace(FitsExpected.from_mapping(expected), scenarios=(scenario,), models=(model,))
    table = _read_whole(path)
    check_fits(table, path, grid, FIT_METRICS)
    return table


def read_scenario_metrics(
    paths: Sequence[str], expected: Mapping, scenario: str, models: Sequence[str]
) -> pd.DataFrame:
    """One scenario's rows of ``metrics.csv``, read from its fit jobs' tables (one per model, in
    the order of ``models``), each checked against the study's grid: the same rows in the same
    order as filtering ``metrics.csv`` by scenario, without reading every other scenario's."""
    parts = []
    for model, path in zip(models, paths, strict=True):
        part = read_fit_metrics(path, expected, scenario, model)
        part.insert(0, "scenario", scenario)
        parts.append(part)
    import pandas as pd

    return pd.concat(parts, ignore_index=True)


def read_reference(path: str, expected: Mapping) -> pd.DataFrame:
    """The study's comparison with scikit-learn, checked against the study's grid: one row per
    compared fit of every scenario (``expected``, :class:`FitsExpected`, has ``replicates = 1``
    when ``crosscheck.all_replicates`` is false: replicate 0 only)."""
    table = _read_whole(path)
    check_fits(table, path, FitsExpected.from_mapping(expected), REFERENCE, _REFERENCE_ROLES)
    return table


# ------------------------------------------------------------------------------------------
# Checksums


def file_sha256(path: str, block: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def recorded_sha256(sidecar: str) -> str:
    """The digest a sidecar records (``sha256sum`` format: ``<hex>  <file name>``)."""
    with open(sidecar, encoding="ascii", errors="replace") as handle:
        return handle.read().split(" ", 1)[0].strip()


def verify_checksum(path: str, sidecar: str, digest: str | None = None) -> None:
    """Raise :class:`TableError` if ``path`` is not the file whose checksum ``sidecar`` records."""
    digest = digest or file_sha256(path)
    recorded = recorded_sha256(sidecar)
    if digest != recorded:
        raise TableError(
            f"{path}: changed after it was written (SHA-256 {digest[:12]}…, {sidecar} records "
            f"{recorded[:12]}…); delete it and snakemake rebuilds it"
        )


def _csv_cells(values) -> list[str]:
    """One column's CSV cells as ``DataFrame.to_csv`` writes them, or None where it would quote
    (or where this does not know what pandas writes)."""
    array = np.asarray(values)
    if array.dtype == np.float64:
        # pandas writes float64 with the shortest round-trip repr (as Python's repr) and NaN as "".
        if np.isnan(array).any():
            return [repr(v) if v == v else "" for v in array.tolist()]
        return list(map(repr, array.tolist()))
    if array.dtype.kind in "iub":
        return list(map(repr, array.tolist()))
    cells = array.tolist()
    try:
        distinct = set(cells)
    except TypeError:  # unhashable cells
        return None
    if all(isinstance(c, str) and c and not any(q in c for q in ',"\n\r') for c in distinct):
        return cells
    if array.dtype != object:
        return None
    # an object column (tables with different columns stacked): str() of each value, a gap as ""
    cells = [_object_cell(c) for c in cells]
    if not all(c is not None and not any(q in c for q in ',"\n\r') for c in cells):
        return None
    return cells


def _object_cell(value) -> str | None:
    """The cell ``to_csv`` writes for one value of an object column (a concatenation of tables
    with different columns has many), or None where this leaves it to pandas."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool | int | float | np.bool_ | np.integer):
        return str(value)
    return None


#: Rows :func:`write_csv` formats at a time: its cells are Python strings (tens of bytes each),
#: so a large table is written in pieces of bounded memory.
WRITE_CSV_ROWS = 50_000


def _plain_names(names: Sequence) -> bool:
    """Column names ``to_csv`` writes as they are: distinct strings with nothing to quote."""
    return (
        bool(names)
        and len(set(names)) == len(names)
        and all(isinstance(n, str) and not any(c in n for c in ',"\n\r') for n in names)
    )


def _csv_rows(arrays: Sequence[np.ndarray]) -> str | None:
    """The lines ``to_csv`` writes for these columns' rows (no header), or None where a cell is
    one only pandas knows how to write."""
    columns = [_csv_cells(a) for a in arrays]
    if any(cells is None for cells in columns) or (len(columns) == 1 and "" in columns[0]):
        return None  # (an empty cell alone on its line is written as "" by pandas)
    return "".join(",".join(row) + "\n" for row in zip(*columns, strict=True))


def _write_cells(path: str, names: Sequence[str], arrays: Sequence[np.ndarray]) -> bool:
    """Write the header and the cells of ``arrays`` (one per column) as ``to_csv`` would, at
    most :data:`WRITE_CSV_ROWS` rows at a time; False (the file then incomplete) as soon as a
    column has a cell only pandas knows how to write."""
    rows = len(arrays[0])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(names) + "\n")
        for start in range(0, rows, WRITE_CSV_ROWS):
            text = _csv_rows([a[start : start + WRITE_CSV_ROWS] for a in arrays])
            if text is None:
                return False
            handle.write(text)
    return True


def write_csv(frame: pd.DataFrame, path: str) -> None:
    """``frame.to_csv(path, index=False)``, byte for byte, with less work per cell.

    The cells are formatted column by column with Python's ``repr`` (the shortest round-trip
    form, which is what pandas writes for float64; tested against ``to_csv``), at most
    :data:`WRITE_CSV_ROWS` rows at a time; a frame with a column pandas would quote, or of
    another dtype, is written by ``to_csv`` itself.
    """
    import pandas as pd

    names = list(frame.columns)
    if not (
        _plain_names(names)
        and all(
            isinstance(dtype, np.dtype | pd.StringDtype) and dtype.kind in "fiubOT"
            for dtype in frame.dtypes
        )
        and _write_cells(path, names, [frame[name].to_numpy() for name in names])
    ):
        frame.to_csv(path, index=False)  # a cell pandas would quote: pandas writes it all


def write_columns(columns: Mapping[str, np.ndarray], path: str) -> None:
    """``pandas.DataFrame(columns).to_csv(path, index=False)``, byte for byte, without pandas.

    ``columns`` maps each name to a 1-d numpy array (all of one length) of float64, integers,
    booleans or strings: the cells are those of :func:`write_csv`. Anything else (a name or a
    string pandas would quote, another dtype) is written by pandas itself.
    """
    names = list(columns)
    arrays = [np.asarray(columns[name]) for name in names]
    if (
        _plain_names(names)
        and all(a.ndim == 1 and len(a) == len(arrays[0]) for a in arrays)
        and all(a.dtype.kind in "fiubO" for a in arrays)
        and _write_cells(path, names, arrays)
    ):
        return
    import pandas as pd

    pd.DataFrame(dict(columns)).to_csv(path, index=False)


class ChecksummedCSV:
    """Write a CSV in pieces and record its SHA-256 in ``<path>.sha256`` when closed.

    Frames are buffered up to ``chunk_rows`` rows and written together (one ``to_csv`` call per
    chunk keeps many small replicates fast and a large one bounded). The bytes equal one
    ``to_csv(index=False)`` of all frames concatenated. A piece may also be a mapping of column
    name to numpy array (as :func:`write_columns` takes): pieces that are all mappings are
    written without pandas, with the same bytes. The sidecar is written last and atomically (a
    temporary file, then a rename): if it exists, it describes a complete file.
    """

    def __init__(self, path: str, chunk_rows: int | None = None):
        self.path, self.chunk_rows = path, chunk_rows or CHUNK_ROWS
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._digest = hashlib.sha256()
        self._header = True
        self._buffer: list[pd.DataFrame | Mapping[str, np.ndarray]] = []
        self._buffered = 0

    def write(self, frame: pd.DataFrame | Mapping[str, np.ndarray]) -> None:
        """Append the rows of ``frame`` (the header goes before the first rows)."""
        self._buffer.append(frame)
        mapping = isinstance(frame, Mapping)
        self._buffered += len(next(iter(frame.values()))) if mapping else len(frame)
        if self._buffered >= self.chunk_rows:
            self._flush()

    def _emit(self, text: str) -> None:
        data = text.encode("utf-8")
        self._digest.update(data)
        self._write(self._file.write, data)

    def _flush(self) -> None:
        if not self._buffer:
            return
        parts, self._buffer, self._buffered = self._buffer, [], 0
        if all(isinstance(part, Mapping) for part in parts):
            names = list(parts[0])
            if _plain_names(names) and all(list(part) == names for part in parts):
                arrays = [np.concatenate([np.asarray(part[n]) for part in parts]) for n in names]
                text = _csv_rows(arrays)
                if text is not None:
                    self._emit((",".join(names) + "\n" if self._header else "") + text)
                    self._header = False
                    return
        import pandas as pd

        frames = [pd.DataFrame(dict(p)) if isinstance(p, Mapping) else p for p in parts]
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        for lo in range(0, max(len(frame), 1), self.chunk_rows):
            text = frame.iloc[lo : lo + self.chunk_rows].to_csv(
                index=False, header=self._header, lineterminator="\n"
            )
            self._header = False
            self._emit(text)

    def _write(self, action, *args) -> None:
        try:
            action(*args)
        except OSError as exc:  # e.g. a full disk: name the file, not just the errno
            raise OSError(exc.errno, f"{self.path}: cannot write ({exc.strerror})") from None

    def close(self) -> None:
        self._flush()
        self._write(self._file.close)
        sidecar = self.path + CHECKSUM_SUFFIX
        temporary = sidecar + ".tmp"
        line = f"{self._digest.hexdigest()}  {os.path.basename(self.path)}\n"
        try:
            with open(temporary, "w", encoding="ascii") as handle:
                handle.write(line)
            os.replace(temporary, sidecar)
        except OSError as exc:
            _remove(temporary)
            raise OSError(exc.errno, f"{sidecar}: cannot write ({exc.strerror})") from None

    def __enter__(self) -> ChecksummedCSV:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is None:
                self.close()
                return
        except BaseException:
            _remove(self.path)
            raise
        try:
            self._file.close()
        except OSError:
            pass
        _remove(self.path)  # no partial file is left behind


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def edited_since_written(path: str, expected: Expected, columns: Sequence[str]) -> str | None:
    """``None`` if ``path`` is missing, has no sidecar or matches its recorded checksum; else one
    line saying what is wrong with it (a content problem if there is one)."""
    sidecar = path + CHECKSUM_SUFFIX
    if not (os.path.exists(path) and os.path.exists(sidecar)):
        return None
    digest = file_sha256(path)
    if digest == recorded_sha256(sidecar):
        return None
    try:
        for _ in iter_replicates(path, expected, columns):
            pass
    except TableError as exc:
        return (
            f"{exc}; the file was changed after it was written: delete it and snakemake rebuilds it"
        )
    try:
        verify_checksum(path, sidecar, digest)
    except TableError as exc:
        return str(exc)
    return None


# ------------------------------------------------------------------------------------------
# The data stages, streaming


def write_simulated(
    path: str, scenario: Scenario, replicates: int, seed: int, domain: Sequence[float]
) -> None:
    """Simulate a scenario into ``path`` one replicate at a time (with its checksum sidecar).

    The bytes equal ``l1l2.data.simulate(...).to_csv(path, index=False)``; memory holds one
    replicate, whatever the number of replicates.
    """
    if replicates < 1:
        raise ValueError(f"replicates must be >= 1, got {replicates}")
    with ChecksummedCSV(path) as out:
        for r in range(replicates):
            out.write(simulate_replicate_columns(scenario, r, seed, domain))


def write_split(
    source: str,
    path: str,
    expected: Expected,
    scenario_name: str,
    seed: int,
    checksum: str | None = None,
) -> None:
    """Split the simulated table ``source`` into ``path``, one replicate at a time.

    ``source`` is checked against the study as it is read and, if ``checksum`` names its sidecar,
    against the checksum ``simulate`` recorded (a source exactly as ``simulate`` wrote it, up to
    :data:`AS_WRITTEN_BYTES`, is then parsed, checked and split without pandas). The bytes equal
    ``l1l2.data.split(...)`` written with ``to_csv(index=False)``; memory holds one replicate.
    """
    if not 0.0 < expected.test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1), got {expected.test_size}")
    if expected.folds < 2:
        raise ValueError(f"folds must be >= 2, got {expected.folds}")
    as_written = checksum == source + CHECKSUM_SUFFIX
    table = _as_written(source, expected, SIMULATED) if as_written else None
    if table is not None:  # as simulate wrote it: checked, parsed and split without pandas
        n = expected.n_samples
        with ChecksummedCSV(path) as out:
            for r in range(expected.replicates):
                rows = table.rows(r * n, (r + 1) * n)
                out.write(
                    split_replicate_columns(
                        rows, scenario_name, r, seed, expected.test_size, expected.folds
                    )
                )
        return
    digest = file_sha256(source) if checksum is not None else None
    with ChecksummedCSV(path) as out:
        for r, rows in iter_replicates(source, expected, SIMULATED):
            out.write(
                split_replicate(rows, scenario_name, r, seed, expected.test_size, expected.folds)
            )
        if checksum is not None:
            verify_checksum(source, checksum, digest)
