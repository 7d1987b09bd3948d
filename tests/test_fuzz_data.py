"""Fuzz suite, data and fault side: hostile but realistic edits of the data files and faults.

Every case works on a copy of one finished tiny study (``tiny_run``, tests/config/tiny.yaml) and
asserts one clear line naming the file (and the column and first bad row where there is one),
and that nothing produced before is lost or changed.

* ``test_a_bad_data_file_is_refused_naming_file_column_and_row``: ~60 edits of a split or a
  simulated file, checked by the function every stage reads its data with
  (``l1l2.tables.read_table``: content against the study, then the checksum its writer
  recorded) and by the check Snakemake runs before planning (``edited_since_written``).
* Real ``snakemake`` runs: an edit that keeps the file's modification time, an edit whose
  checksum was re-recorded (the stage's own check must catch it), SIGINT/SIGTERM/SIGKILL in the
  middle of a run and the recovery to an identical manifest, two runs at once (the lock), and a
  full disk (a small tmpfs; skipped where mounting is not permitted).

The table of cases and messages is in docs/promises.md ("Fuzz cases: data and faults").
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml

from l1l2 import tables
from l1l2.data import scenarios_from_config
from l1l2.study import lambda_grid
from l1l2.tables import (
    SIMULATED,
    SPLIT,
    ChecksummedCSV,
    Expected,
    FitsExpected,
    TableError,
    edited_since_written,
    file_sha256,
    read_fit_metrics,
    read_metrics,
    read_reference,
    read_split_columns,
    read_table,
)

from conftest import ROOT, SNAKEMAKE, TINY_CONFIG, copy_run, snakemake

pytestmark = pytest.mark.workflow

CONFIG = yaml.safe_load(TINY_CONFIG.read_text())
SCENARIOS = {
    s.name: s
    for s in scenarios_from_config(
        CONFIG["scenarios"]["functions"],
        CONFIG["scenarios"]["noise_sd"],
        CONFIG["scenarios"]["n_samples"],
    )
}
SCENARIO = "sine_sd0.2_n60"  # 2 replicates x 60 rows: rows 0-59 replicate 0, 60-119 replicate 1
OTHER = "sparse_legendre_sd0.2_n60"
SPLIT_FILE = f"data/split/{SCENARIO}.csv"
SIMULATED_FILE = f"data/simulated/{SCENARIO}.csv"
LOCKED = "Directory cannot be locked"


def expected(scenario: str = SCENARIO) -> Expected:
    s = SCENARIOS[scenario]
    return Expected(
        s.function,
        s.noise_sd,
        s.n_samples,
        CONFIG["scenarios"]["replicates"],
        tuple(CONFIG["scenarios"]["domain"]),
        CONFIG["split"]["test_size"],
        CONFIG["split"]["folds"],
    )


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under data/ and results/ of a run."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("data", "results")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("l1l2 error in rule ")]


# --------------------------------------------------------------------------------------------
# Edits. Each takes the file's lines (header first, each ending in "\n") and returns new text.

ROW = 7  # a row of replicate 0 (file line 9)


def _cells(lines, row):
    return lines[row + 1].rstrip("\n").split(",")


def set_cell(column, value, row=ROW):
    def edit(lines, columns):
        cells = _cells(lines, row)
        cells[columns.index(column)] = value
        lines[row + 1] = ",".join(cells) + "\n"
        return "".join(lines)

    return edit


def set_where(column, value, predicate):
    """Set ``column`` on the first row where ``predicate(cells, columns)`` holds."""

    def edit(lines, columns):
        row = next(i for i in range(len(lines) - 1) if predicate(_cells(lines, i), columns))
        return set_cell(column, value, row)(lines, columns)

    return edit


def is_split(label):
    return lambda cells, columns: cells[columns.index("split")] == label


def cut_number(column, keep=4, row=ROW):
    """Cut a number in the middle (e.g. 0.2987... -> 0.29): still a number, not the same one."""

    def edit(lines, columns):
        cells = _cells(lines, row)
        cells[columns.index(column)] = cells[columns.index(column)][:keep]
        lines[row + 1] = ",".join(cells) + "\n"
        return "".join(lines)

    return edit


def keep_rows(stop, start=0):
    return lambda lines, columns: "".join([lines[0], *lines[1 + start : 1 + stop]])


def header(text):
    return lambda lines, columns: "".join([text + "\n", *lines[1:]])


def raw(text):
    return lambda lines, columns: text


def cut_last_line(lines, columns):
    return "".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]


def swap_rows(a, b):
    def edit(lines, columns):
        lines[a + 1], lines[b + 1] = lines[b + 1], lines[a + 1]
        return "".join(lines)

    return edit


def duplicate_row(row):
    return lambda lines, columns: "".join([*lines[: row + 2], lines[row + 1], *lines[row + 2 :]])


def move_row(source, target):
    def edit(lines, columns):
        line = lines.pop(source + 1)
        lines.insert(target + 1, line)
        return "".join(lines)

    return edit


def drop_column(column):
    def edit(lines, columns):
        j = columns.index(column)
        return "".join(
            ",".join(c for i, c in enumerate(line.rstrip("\n").split(",")) if i != j) + "\n"
            for line in lines
        )

    return edit


def add_column(lines, columns):
    return "".join(
        line.rstrip("\n") + ("," + ("note" if i == 0 else "0")) + "\n"
        for i, line in enumerate(lines)
    )


def relabel_fold(lines, columns):
    """Move one training row from fold 0 to fold 1: folds 14/16/15, no longer dealt evenly."""
    return set_where("fold", "1", lambda c, cols: c[cols.index("fold")] == "0")(lines, columns)


def other_scenario(lines, columns):
    """The file replaced by the other scenario's (a different true function)."""
    return (Path.cwd() / "data/split" / f"{OTHER}.csv").read_text()


def crlf(lines, columns):
    return "".join(line.replace("\n", "\r\n") for line in lines)


def blank_line(lines, columns):
    return "".join([*lines[:10], "\n", *lines[10:]])


def semicolons(lines, columns):
    return "".join(line.replace(",", ";") for line in lines)


def nudge_y(lines, columns):
    cells = _cells(lines, ROW)
    j = columns.index("y")
    cells[j] = repr(float(cells[j]) + 1e-3)
    lines[ROW + 1] = ",".join(cells) + "\n"
    return "".join(lines)


def bytes_edit(data: bytes):
    return lambda lines, columns: data


CHANGED = "changed after it was written"
LINE = f"row {ROW} (line {ROW + 2})"
SPLIT_CASES = [
    # (case, edit, words the one-line message must contain besides the file name)
    (
        "truncated-at-line",
        keep_rows(100),
        ["column 'replicate'", "replicate 1 has 40 rows", "n_samples"],
    ),
    ("missing-replicate-1", keep_rows(60), ["column 'replicate'", "replicate 1 is missing"]),
    ("missing-replicate-0", keep_rows(120, start=60), ["replicate 0 is missing", "row 0 (line 2)"]),
    ("value-cut-mid-field", cut_last_line, ["column", "row 119 (line 121)"]),
    ("cut-number-x", cut_number("x"), ["column 'y_true'", LINE, "true function sine"]),
    ("cut-number-y_true", cut_number("y_true"), ["column 'y_true'", LINE]),
    ("cut-number-y", cut_number("y"), [CHANGED, ".sha256"]),
    ("x=1e6", set_cell("x", "1e6"), ["column 'x'", "1000000.0", LINE, "domain"]),
    ("x=-1.5", set_cell("x", "-1.5"), ["column 'x'", LINE, "scenarios.domain"]),
    ("x=nan", set_cell("x", "nan"), ["column 'x'", LINE, "finite"]),
    ("x=inf", set_cell("x", "inf"), ["column 'x'", LINE, "finite"]),
    ("x=text", set_cell("x", "abc"), ["column 'x'", "'abc'", LINE]),
    ("x=empty", set_cell("x", ""), ["column 'x'", LINE, "finite"]),
    (
        "headers-x-y-swapped",
        header("replicate,y,x,y_true,split,fold"),
        ["column 2 is 'y'", "expected 'x'"],
    ),
    (
        "headers-y-y_true-swapped",
        header("replicate,x,y_true,y,split,fold"),
        ["column 3 is 'y_true'"],
    ),
    ("header-renamed", header("replicate,X,y,y_true,split,fold"), ["column 2 is 'X'"]),
    ("column-dropped", drop_column("fold"), ["column 'fold' is missing"]),
    ("column-added", add_column, ["unexpected column 'note'"]),
    (
        "fold=99-train",
        set_where("fold", "99", is_split("train")),
        ["column 'fold'", "99", "0…2", "split.folds"],
    ),
    ("fold=99-test", set_where("fold", "99", is_split("test")), ["column 'fold'", "99", "-1"]),
    ("fold=1.5", set_cell("fold", "1.5"), ["column 'fold'", "1.5", LINE, "integer"]),
    ("fold=-2-train", set_where("fold", "-2", is_split("train")), ["column 'fold'", "-2", "0…2"]),
    (
        "fold=K-train",
        set_where("fold", "3", is_split("train")),
        ["column 'fold'", "3", "split.folds = 3"],
    ),
    ("fold=nan", set_cell("fold", "nan"), ["column 'fold'", LINE, "finite"]),
    (
        "fold-sizes-unbalanced",
        relabel_fold,
        ["column 'fold'", "replicate 0", "training rows in fold"],
    ),
    (
        "test-row-relabelled-train",
        set_where("split", "train", is_split("test")),
        ["column 'fold'", "-1"],
    ),
    (
        "train-row-relabelled-test",
        set_where("split", "test", is_split("train")),
        ["column 'fold'", "fold of a test row"],
    ),
    ("split=validation", set_cell("split", "validation"), ["column 'split'", "'validation'", LINE]),
    ("split=empty", set_cell("split", ""), ["column 'split'", LINE, "train or test"]),
    ("replicate=0.5", set_cell("replicate", "0.5"), ["column 'replicate'", "0.5", LINE, "integer"]),
    (
        "replicate=-1",
        set_cell("replicate", "-1"),
        ["column 'replicate'", "-1", LINE, "scenarios.replicates"],
    ),
    ("replicate=2", set_cell("replicate", "2"), ["column 'replicate'", LINE, "0…1"]),
    ("replicate=1e300", set_cell("replicate", "1e300"), ["column 'replicate'", LINE]),
    ("replicate=text", set_cell("replicate", "one"), ["column 'replicate'", "'one'", LINE]),
    (
        "y=1e300",
        set_cell("y", "1e300"),
        ["column 'y'", "1e+300", LINE, "noise standard deviations"],
    ),
    ("y=-1e300", set_cell("y", "-1e300"), ["column 'y'", LINE, "scenarios.noise_sd"]),
    ("y=nan", set_cell("y", "nan"), ["column 'y'", LINE, "finite"]),
    ("y=-inf", set_cell("y", "-inf"), ["column 'y'", LINE, "finite"]),
    ("y=empty", set_cell("y", ""), ["column 'y'", LINE]),
    ("y-nudged-1e-3", nudge_y, [CHANGED]),
    ("y_true=5", set_cell("y_true", "5"), ["column 'y_true'", LINE, "true function sine"]),
    ("rows-swapped", swap_rows(3, 4), ["column 'x' decreases", "row 4 (line 6)", "replicate 0"]),
    ("row-duplicated", duplicate_row(10), ["replicate 0 has 61 rows"]),
    ("row-moved-across-replicates", move_row(70, 5), ["column 'replicate'", "replicate 0"]),
    ("other-scenario-file", other_scenario, ["column 'y_true'", "true function sine"]),
    ("empty-file", raw(""), ["not a readable CSV"]),
    ("header-only", keep_rows(0), ["no rows"]),
    (
        "non-utf8-bytes",
        bytes_edit(b"replicate,x,y\n\xff\xfe\xfa,1,2\n"),
        ["not a readable CSV", "UnicodeDecodeError"],
    ),
    (
        "binary-garbage",
        bytes_edit(b"\x00\x17garbage;;\n\xff\xfe not a table\n"),
        ["not a readable CSV"],
    ),
    ("crlf-line-endings", crlf, [CHANGED]),
    ("blank-line-inserted", blank_line, [CHANGED]),
    ("semicolon-separated", semicolons, ["column 1 is 'replicate;x;y;y_true;split;fold'"]),
    (
        "comment-line",
        lambda lines, c: "".join([*lines[:5], "# edited by hand\n", *lines[5:]]),
        ["column 'replicate'", "'# edited by hand'"],
    ),
    (
        "trailing-garbage",
        lambda lines, c: "".join(lines) + "oops\n",
        ["column 'replicate'", "'oops'"],
    ),
]
SIMULATED_CASES = [
    ("sim:truncated-at-line", keep_rows(90), ["replicate 1 has 30 rows"]),
    ("sim:y_true=nan", set_cell("y_true", "nan"), ["column 'y_true'", LINE, "finite"]),
    ("sim:column-dropped", drop_column("y_true"), ["column 'y_true' is missing"]),
    ("sim:headers-swapped", header("replicate,y,x,y_true"), ["column 2 is 'y'"]),
    ("sim:x=1e6", set_cell("x", "1e6"), ["column 'x'", LINE, "domain"]),
    ("sim:replicate=0.5", set_cell("replicate", "0.5"), ["column 'replicate'", LINE, "integer"]),
    (
        "sim:split-file-copied-over",
        lambda lines, c: (Path.cwd() / SPLIT_FILE).read_text(),
        ["unexpected column 'split'"],
    ),
    ("sim:cut-number-y", cut_number("y", keep=3), [CHANGED]),
]
CASES = [(SPLIT_FILE, SPLIT, *c) for c in SPLIT_CASES] + [
    (SIMULATED_FILE, SIMULATED, *c) for c in SIMULATED_CASES
]


# Results tables read by later stages: results/tables/metrics.csv (select, summary, explorer,
# overview) and a fit job's table (aggregate, the per-scenario figures), checked against the
# study's grid.
METRICS_FILE = "results/tables/metrics.csv"
FIT_FILE = f"results/fits/{SCENARIO}/lasso.metrics.csv"


def model_is(name, negate=False):
    return lambda cells, columns: (cells[columns.index("model")] == name) != negate


def penalized(cells, columns):
    return cells[columns.index("model")] != "ols"


METRICS_CASES = [
    ("m:row-dropped", lambda lines, c: "".join(lines[:9] + lines[10:]), ["is missing", "lambda"]),
    ("m:truncated", keep_rows(100), ["is missing", "100 rows, expected 456"]),
    ("m:row-duplicated", duplicate_row(10), ["row 11 (line 13) repeats the fit", "one row per"]),
    ("m:test_mse=nan", set_cell("test_mse", "nan"), ["column 'test_mse'", LINE, "finite"]),
    ("m:cv_mse=inf", set_cell("cv_mse", "inf"), ["column 'cv_mse'", LINE, "finite"]),
    ("m:train_mse=text", set_cell("train_mse", "abc"), ["column 'train_mse'", "'abc'", LINE]),
    ("m:test_mse=empty", set_cell("test_mse", ""), ["column 'test_mse'", LINE, "finite"]),
    (
        "m:lambda-off-grid",
        set_where("lambda", "0.5", penalized),
        ["column 'lambda'", "0.5", "lambdas.*"],
    ),
    ("m:ols-lambda", set_where("lambda", "0.1", model_is("ols")), ["expected 0 for ols"]),
    ("m:degree=99", set_cell("degree", "99"), ["column 'degree'", LINE, "features.degrees"]),
    ("m:degree=1.5", set_cell("degree", "1.5"), ["column 'degree'", LINE, "integer"]),
    ("m:replicate=5", set_cell("replicate", "5"), ["column 'replicate'", "scenarios.replicates"]),
    ("m:model-unknown", set_cell("model", "svm"), ["column 'model'", "'svm'", "(models)"]),
    ("m:scenario-unknown", set_cell("scenario", "sine_sd0x2_n60"), ["column 'scenario'", LINE]),
    ("m:converged=maybe", set_cell("converged", "maybe"), ["column 'converged'", "True or False"]),
    ("m:n_coef-wrong", set_cell("n_coef", "40"), ["column 'n_coef'", LINE, "the degree"]),
    ("m:n_nonzero>n_coef", set_cell("n_nonzero", "40"), ["column 'n_nonzero'", "0…degree"]),
    ("m:column-dropped", drop_column("test_mse"), ["column 8 is 'n_coef', expected 'test_mse'"]),
    ("m:column-added", add_column, ["unexpected column 'note'"]),
    (
        "m:headers-swapped",
        lambda lines, c: "".join(
            [lines[0].replace("train_mse,cv_mse", "cv_mse,train_mse"), *lines[1:]]
        ),
        ["column 6 is 'cv_mse', expected 'train_mse'"],
    ),
    ("m:basis-other", set_cell("basis", "monomial"), ["column 'basis'", "features.basis"]),
    ("m:empty-file", raw(""), ["not a readable CSV"]),
    ("m:header-only", keep_rows(0), ["no rows after the header"]),
    ("m:semicolons", semicolons, ["column 1 is"]),
]
FIT_CASES = [
    ("fit:row-dropped", keep_rows(70), ["replicate 1, model lasso, degree 6", "is missing"]),
    ("fit:test_mse=nan", set_cell("test_mse", "nan"), ["column 'test_mse'", LINE, "finite"]),
    ("fit:lambda-off-grid", set_cell("lambda", "0.5"), ["column 'lambda'", "lambdas.*"]),
    ("fit:other-model", set_cell("model", "ridge"), ["column 'model'", "'ridge'", "(models)"]),
    ("fit:row-duplicated", duplicate_row(3), ["repeats the fit"]),
]
REFERENCE_FILE = "results/reference/comparison.csv"  # the study's: rows of SCENARIO first
REFERENCE_CASES = [
    (
        "ref:row-dropped",
        keep_rows(200),
        [f"scenario {SCENARIO}, replicate 1, model elasticnet", "200 rows"],
    ),
    ("ref:objective=nan", set_cell("objective_l1l2", "nan"), ["column 'objective_l1l2'", LINE]),
    ("ref:coef-diff=text", set_cell("max_abs_coef_diff", "x"), ["'max_abs_coef_diff'", LINE]),
    ("ref:same_support=1", set_cell("same_support", "1"), ["'same_support'", "True or False"]),
    ("ref:lambda-off-grid", set_where("lambda", "0.5", penalized), ["column 'lambda'", "0.5"]),
    ("ref:n_nonzero>degree", set_cell("n_nonzero_l1l2", "99"), ["'n_nonzero_l1l2'", "0…degree"]),
    ("ref:replicate=5", set_cell("replicate", "5"), ["column 'replicate'", LINE, "= 2"]),
    ("ref:row-duplicated", duplicate_row(3), ["repeats the fit"]),
    ("ref:scenario-unknown", set_cell("scenario", "sine_sd0x2_n60"), ["column 'scenario'", LINE]),
]
RESULTS_CASES = (
    [(METRICS_FILE, *c) for c in METRICS_CASES]
    + [(FIT_FILE, *c) for c in FIT_CASES]
    + [(REFERENCE_FILE, *c) for c in REFERENCE_CASES]
)


def expected_fits() -> FitsExpected:
    return FitsExpected(
        scenarios=tuple(SCENARIOS),
        models=tuple(CONFIG["models"]),
        replicates=CONFIG["scenarios"]["replicates"],
        degrees=tuple(
            range(CONFIG["features"]["degrees"]["min"], CONFIG["features"]["degrees"]["max"] + 1)
        ),
        lambdas=tuple(
            float(v) for v in lambda_grid(*(CONFIG["lambdas"][k] for k in ("min", "max", "num")))
        ),
        basis=CONFIG["features"]["basis"],
    )


def read_results(path: str) -> pd.DataFrame:
    """What the stage that reads ``path`` does with it."""
    if path == METRICS_FILE:
        return read_metrics(path, expected_fits().as_dict())
    if path == REFERENCE_FILE:  # the tiny study compares every replicate
        return read_reference(path, expected_fits().as_dict())
    return read_fit_metrics(path, expected_fits().as_dict(), SCENARIO, "lasso")


@pytest.mark.parametrize(
    ("path", "case", "edit", "words"), RESULTS_CASES, ids=[c[1] for c in RESULTS_CASES]
)
def test_a_bad_results_table_is_refused_naming_file_column_and_row(
    path, case, edit, words, tiny_run, tmp_path, monkeypatch
):
    (tmp_path / path).parent.mkdir(parents=True)
    shutil.copy(tiny_run / path, tmp_path / path)
    monkeypatch.chdir(tmp_path)
    original = Path(path).read_text()
    columns = original.splitlines()[0].split(",")
    Path(path).write_text(edit(original.splitlines(keepends=True), columns), newline="")
    assert Path(path).read_text() != original, "the edit must change the file"
    edited = Path(path).read_bytes()
    with pytest.raises(TableError) as raised:
        read_results(path)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"{path}:"), message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert Path(path).read_bytes() == edited  # reading never changes anything


def test_untouched_results_tables_pass(tiny_run, monkeypatch):
    monkeypatch.chdir(tiny_run)
    assert len(read_results(METRICS_FILE)) == expected_fits().rows() == 456
    assert len(read_results(FIT_FILE)) == 2 * 6 * 6
    assert len(read_results(REFERENCE_FILE)) == len(SCENARIOS) * 2 * 6 * 19


def test_the_compared_subset_is_replicate_0_unless_all_replicates(tiny_run):
    """With crosscheck.all_replicates false, a reference table must hold replicate 0 only."""
    subset = replace(expected_fits(), replicates=1, replicates_note="replicate 0 only")
    with pytest.raises(TableError) as raised:
        read_reference(str(tiny_run / REFERENCE_FILE), subset.as_dict())
    assert "column 'replicate' has 1 at row 6 (line 8); expected 0…0 (replicate 0 only)" in str(
        raised.value
    )


def test_an_edited_metrics_table_stops_the_stage_that_reads_it(tiny_run, tmp_path):
    """results/ tables carry no checksum: an edit with a new mtime reruns the stages that read
    the table (Snakemake's rule), and the first of them refuses it by file, column and row."""
    work = copy_run(tiny_run, tmp_path / "run")
    target = work / METRICS_FILE
    lines = target.read_text().splitlines(keepends=True)
    target.write_text(set_cell("test_mse", "nan")(lines, lines[0].rstrip().split(",")))
    before = digests(work)
    proc = snakemake(work, "--cores", "1", check=False)
    assert proc.returncode != 0
    (line,) = error_lines(proc.output)
    nan = f"TableError: {METRICS_FILE}: column 'test_mse' has a missing or NaN value at {LINE}"
    assert nan in line, line
    after = digests(work)
    assert after[METRICS_FILE] == before[METRICS_FILE]
    failed = set(before) - set(after)  # the failed job's outputs, removed by Snakemake
    assert all(f.startswith("results/") for f in failed)
    assert {k: v for k, v in before.items() if k in after} == after


@pytest.fixture(scope="module")
def data_copy(tiny_run, tmp_path_factory) -> Path:
    """The data/ folder of the finished tiny study (the cases edit copies of its files)."""
    target = tmp_path_factory.mktemp("fuzz_data")
    shutil.copytree(tiny_run / "data", target / "data")
    return target


@pytest.mark.parametrize(
    ("path", "columns", "case", "edit", "words"), CASES, ids=[c[2] for c in CASES]
)
def test_a_bad_data_file_is_refused_naming_file_column_and_row(
    path, columns, case, edit, words, data_copy, tmp_path, monkeypatch
):
    work = tmp_path / "run"
    shutil.copytree(data_copy / "data", work / "data")
    monkeypatch.chdir(work)
    original = Path(path).read_text()
    edited = edit(original.splitlines(keepends=True), list(columns))
    if isinstance(edited, str):
        Path(path).write_text(edited, newline="")
    else:
        Path(path).write_bytes(edited)
    assert Path(path).read_bytes() != original.encode(), "the edit must change the file"
    before = digests(work)
    # what a stage does when it reads the file ...
    with pytest.raises(TableError) as raised:
        read_table(path, expected(), columns, checksum=path + ".sha256")
    message = str(raised.value)
    # ... and the check run before Snakemake plans any job
    planned = edited_since_written(path, expected(), columns)
    for text in (message, planned):
        assert text is not None and "\n" not in text, text
        assert text.startswith(f"{path}:"), text
        for word in words:
            assert word in text, f"{word!r} not in {text!r}"
    assert planned.startswith(message)
    assert digests(work) == before  # reading never changes or removes anything
    if columns == SPLIT:  # the fit job's reader (pandas-free for a file as `split` wrote it)
        with pytest.raises(TableError) as fast:
            read_split_columns(path, expected().as_dict())
        assert str(fast.value) == message
    # Once the checksum is recorded again after the edit, the pandas-free reader's own checks
    # decide: they must agree with read_table's, message for message and value for value.
    Path(path + ".sha256").write_text(f"{file_sha256(path)}  {Path(path).name}\n")
    assert_read_alike(path, SCENARIO, columns)


def assert_read_alike(path: str, scenario: str, columns) -> None:
    """The pandas-free reader (used by simulate/split/fit jobs) refuses what read_table refuses,
    with its message, and otherwise gives read_table's values bit for bit."""
    study = expected(scenario)
    fast = tables._as_written(path, study, columns)
    try:
        frame = read_table(path, study, columns, checksum=path + ".sha256")
    except TableError as exc:
        assert fast is None
        if columns == SPLIT:
            with pytest.raises(TableError) as raised:
                read_split_columns(path, study.as_dict())
            assert str(raised.value) == str(exc)
        return
    readings = [fast, read_split_columns(path, study.as_dict()) if columns == SPLIT else None]
    for table in (t for t in readings if t is not None):
        assert table.columns == list(columns)
        for column in columns:
            ours, theirs = table[column], frame[column].to_numpy()
            assert ours.dtype == theirs.dtype, column
            assert ours.tolist() == theirs.tolist(), column
            if ours.dtype != object:  # the same bits (-0.0 and 0.0 compare equal)
                assert ours.tobytes() == theirs.tobytes(), column


def test_an_untouched_file_passes_every_check(data_copy, monkeypatch):
    monkeypatch.chdir(data_copy)
    for scenario in SCENARIOS:
        for folder, columns in (("data/simulated", SIMULATED), ("data/split", SPLIT)):
            path = f"{folder}/{scenario}.csv"
            table = read_table(path, expected(scenario), columns, checksum=path + ".sha256")
            assert len(table) == 2 * 60 and list(table.columns) == list(columns)
            assert edited_since_written(path, expected(scenario), columns) is None
            # the jobs' reader parses a file as it was written itself, to the same bits ...
            assert tables._as_written(path, expected(scenario), columns) is not None
            assert_read_alike(path, scenario, columns)
            # ... unless it is larger than its limit: then pandas reads it
            with monkeypatch.context() as patch:
                patch.setattr(tables, "AS_WRITTEN_BYTES", os.path.getsize(path) - 1)
                assert tables._as_written(path, expected(scenario), columns) is None
                assert_read_alike(path, scenario, columns)


def test_a_changed_config_does_not_make_unchanged_data_suspect(data_copy, monkeypatch):
    """The check before planning compares checksums only: data written under other settings
    (here: 4 folds instead of 3) are not reported; the stages that depend on them rerun."""
    monkeypatch.chdir(data_copy)
    other = Expected(**{**expected().as_dict(), "folds": 4, "domain": (-1.0, 1.0)})
    assert edited_since_written(SPLIT_FILE, other, SPLIT) is None


# --------------------------------------------------------------------------------------------
# Real snakemake runs on copies of the finished study


def _keep_mtime_write(path: Path, text: str) -> None:
    stat = path.stat()
    path.write_text(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _mtimes(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns
        for folder in ("data", "results")
        for p in (root / folder).rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("case", "path", "edit", "words"),
    [
        ("kept-mtime-plausible", SPLIT_FILE, cut_number("y"), [CHANGED]),
        (
            "kept-mtime-fold-99",
            SPLIT_FILE,
            set_where("fold", "99", is_split("train")),
            ["column 'fold'", "99", CHANGED],
        ),
        ("new-mtime-x-1e6", SIMULATED_FILE, set_cell("x", "1e6"), ["column 'x'", LINE, CHANGED]),
    ],
    ids=["kept-mtime-plausible", "kept-mtime-fold-99", "new-mtime-x-1e6"],
)
def test_an_edited_data_file_stops_snakemake_before_any_job(
    case, path, edit, words, tiny_run, tmp_path
):
    """Snakemake alone would not notice an edit that keeps the modification time ("Nothing to be
    done"); the check before planning does, and nothing runs or is removed."""
    work = copy_run(tiny_run, tmp_path / "run")
    target = work / path
    text = edit(
        target.read_text().splitlines(keepends=True), list(SPLIT if "split" in path else SIMULATED)
    )
    if case.startswith("kept-mtime"):
        _keep_mtime_write(target, text)
    else:
        target.write_text(text)
    before, mtimes = digests(work), _mtimes(work)
    args = ("-n",) if case == "kept-mtime-plausible" else ()
    proc = snakemake(work, *args, check=False)
    assert proc.returncode != 0
    lines = [line for line in proc.output.splitlines() if line.startswith(f"{path}:")]
    assert len(lines) == 1, proc.output[-3000:]
    for word in words:
        assert word in lines[0]
    assert "delete it and snakemake rebuilds it" in lines[0]
    assert digests(work) == before and _mtimes(work) == mtimes  # no job ran, nothing removed


def test_a_recomputed_checksum_leaves_the_stage_check(tiny_run, tmp_path):
    """Someone edits a split file and re-records its checksum (sha256sum): the check before
    planning passes, the fit job reruns on it and its own check stops it with one line; the
    failed job leaves no output, everything else is unchanged."""
    work = copy_run(tiny_run, tmp_path / "run")
    target = work / SPLIT_FILE
    text = set_where("fold", "99", is_split("train"))(
        target.read_text().splitlines(keepends=True), list(SPLIT)
    )
    target.write_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    Path(f"{target}.sha256").write_text(f"{digest}  {target.name}\n")
    before = digests(work)
    proc = snakemake(work, "--cores", "1", check=False)
    assert proc.returncode != 0
    (line,) = error_lines(proc.output)
    assert line.startswith("l1l2 error in rule ")  # whichever reader of the file ran first
    assert f"TableError: {SPLIT_FILE}: column 'fold' has 99" in line and "split.folds = 3" in line
    after = digests(work)
    failed = set(before) - set(after)
    assert failed and all(f.startswith("results/") for f in failed)
    assert {k: v for k, v in before.items() if k in after} == after


# ---------------------------------------------------------------------------------------------
# Signals and the lock: the last jobs of the study rerun, interrupted, then recovered

# Every output of two short jobs (a figure, the summary) and of the manifest, as globs.
TAIL = [
    "results/figures/crosscheck.*",
    "results/tables/summary.*",
    "results/manifest.tsv",
    "results/provenance.*",
]
# Every output of one long job (solver runs for the convergence figure) and of the manifest: a
# signal sent once the job's log exists reaches it while it computes, past Python's and
# Snakemake's imports.
LONG_TAIL = [
    "results/figures/convergence.*",
    "results/tables/conditioning.csv",
    "results/manifest.tsv",
    "results/provenance.*",
]
LONG_LOG = "logs/figures/convergence.log"


def _as_from_a_terminal() -> None:
    """Ctrl-C reaches a run started from a terminal with SIGINT at its default action. A harness
    that starts the tests in the background without job control (``cmd &`` in a script) leaves
    SIGINT ignored, every child inherits that, and the run would never see the signal under test;
    so the run under test gets the terminal's disposition back."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start(work: Path, log: Path) -> subprocess.Popen:
    command = [*SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--directory", str(work)]
    command += ["--configfile", str(TINY_CONFIG), "--cores", "1"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAKEMAKE_")}
    with open(log, "w") as out:
        return subprocess.Popen(
            command,
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_as_from_a_terminal,
        )


def _wait_for(work: Path, proc: subprocess.Popen, log: Path, ready) -> None:
    deadline = time.monotonic() + 300
    while not ready():
        assert proc.poll() is None, f"the run ended too early:\n{log.read_text()}"
        assert time.monotonic() < deadline, "no job started"
        time.sleep(0.02)


def _a_job_started(work: Path):
    return lambda: any((work / ".snakemake" / "incomplete").glob("*"))


def _tail_copy(tiny_run: Path, work: Path, tail: list[str]) -> dict[str, str]:
    """A copy of the finished study without the outputs of a few jobs, which then rerun; the
    digests of everything else, which must survive whatever happens to those jobs."""
    copy_run(tiny_run, work)
    for pattern in tail:
        found = list(work.glob(pattern))
        assert found, pattern
        for path in found:
            path.unlink()
    (work / LONG_LOG).unlink()
    return digests(work)


def _a_job_python_started(proc: subprocess.Popen):
    """True once a job's Python (running a script Snakemake wrote to .snakemake/scripts/) exists
    in the run's process group: it is then importing, long before any l1l2 code runs. (Not the
    shell or `env` that start it: those die of a SIGINT silently, before Python exists.)"""

    def started():
        for entry in Path("/proc").iterdir():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
                if (
                    command[0].endswith(b"python")
                    and b".snakemake/scripts/" in command[1]
                    and os.getpgid(int(entry.name)) == proc.pid
                ):
                    return True
            except (OSError, ValueError, IndexError):
                continue
        return False

    return started


@pytest.mark.parametrize(
    ("sig", "when"),
    [
        (signal.SIGINT, "computing"),
        (signal.SIGINT, "importing"),
        (signal.SIGTERM, "started"),
        (signal.SIGKILL, "started"),
    ],
    ids=["SIGINT", "SIGINT-while-importing", "SIGTERM", "SIGKILL"],
)
def test_a_signal_mid_run_then_recovery_gives_an_identical_manifest(
    sig, when, tiny_run, tmp_path
):
    """The whole run (Snakemake and its job, as Ctrl-C or a scheduler would) gets the signal
    while a job computes (or, for Ctrl-C, also while the job's Python still imports: that used
    to print a KeyboardInterrupt traceback); the files made before stay, and the documented
    recovery (after SIGKILL: the lock message, `--unlock`) ends with the outputs and manifest of
    an undisturbed run."""
    work = tmp_path / "run"
    long = when == "computing"
    kept = _tail_copy(tiny_run, work, LONG_TAIL if long else TAIL)
    log = tmp_path / "run.log"
    proc = _start(work, log)
    ready = {
        "computing": (work / LONG_LOG).exists,
        "importing": _a_job_python_started(proc),
        "started": _a_job_started(work),
    }[when]
    try:
        _wait_for(work, proc, log, ready)
        os.killpg(proc.pid, sig)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = log.read_text()
    assert "Traceback" not in output, output[-3000:]
    if long:
        assert "l1l2: rule figure_convergence interrupted; run snakemake again" in output
    if sig == signal.SIGINT:
        assert "Terminating processes on user request" in output
        interrupted = re.findall(r"^l1l2: rule .* interrupted; run snakemake again", output, re.M)
        assert len(interrupted) == 1, output[-3000:]
        assert "KeyboardInterrupt" not in output, output[-3000:]
    now = digests(work)
    assert {k: now.get(k) for k in kept} == kept  # nothing produced before is lost or changed
    if sig == signal.SIGKILL:
        refused = snakemake(work, check=False)
        assert refused.returncode != 0 and LOCKED in refused.output and "--unlock" in refused.output
        snakemake(work, "--unlock")
    snakemake(work)
    assert digests(work) == digests(tiny_run)
    manifest = (work / "results/manifest.tsv").read_bytes()
    assert manifest == (tiny_run / "results/manifest.tsv").read_bytes()


def test_two_runs_at_once_the_second_is_refused(tiny_run, tmp_path):
    work = tmp_path / "run"
    kept = _tail_copy(tiny_run, work, LONG_TAIL)
    log = tmp_path / "run.log"
    first = _start(work, log)
    try:
        _wait_for(work, first, log, (work / LONG_LOG).exists)
        second = snakemake(work, check=False)
        still_running = first.poll() is None
        assert first.wait(timeout=600) == 0, log.read_text()[-3000:]
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert still_running and second.returncode != 0
    assert LOCKED in second.output
    now = digests(work)
    assert {k: now[k] for k in kept} == kept
    assert now == digests(tiny_run)


# ---------------------------------------------------------------------------------------------
# A full disk (a small tmpfs)


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip() or proc.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_while_splitting_names_the_file_and_leaves_nothing(
    small_disk, data_copy, monkeypatch
):
    """``split`` on a disk that fills up: one line naming the file being written, no partial file
    and no checksum sidecar left; the data that were there before are untouched."""
    from l1l2.tables import write_split

    disk = small_disk
    shutil.copytree(data_copy / "data/simulated", disk / "data/simulated")
    (disk / "data/split").mkdir()
    free = shutil.disk_usage(disk).free
    (disk / "filler").write_bytes(b"\0" * max(free - 8192, 0))  # leave less than a split file
    before = digests(disk)
    monkeypatch.chdir(disk)
    with pytest.raises(OSError) as raised:
        write_split(
            SIMULATED_FILE,
            SPLIT_FILE,
            expected(),
            SCENARIO,
            CONFIG["seed"],
            checksum=SIMULATED_FILE + ".sha256",
        )
    message = str(raised.value)
    assert "\n" not in message and SPLIT_FILE in message and "No space left" in message
    assert not Path(SPLIT_FILE).exists() and not Path(SPLIT_FILE + ".sha256").exists()
    assert digests(disk) == before
    # with room again, the same call writes the file the study wrote
    (disk / "filler").unlink()
    write_split(
        SIMULATED_FILE,
        SPLIT_FILE,
        expected(),
        SCENARIO,
        CONFIG["seed"],
        checksum=SIMULATED_FILE + ".sha256",
    )
    assert Path(SPLIT_FILE).read_bytes() == (data_copy / SPLIT_FILE).read_bytes()


def test_checksummed_csv_bytes_equal_one_to_csv(tmp_path):
    """Many small pieces, a piece larger than a chunk and the header: the same bytes as one
    ``to_csv`` of everything, and a sidecar ``sha256sum -c`` accepts."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame({"replicate": r, "x": rng.normal(size=n), "split": "train"})
        for r, n in enumerate([3, 1, 250, 7])
    ]
    path = tmp_path / "t.csv"
    with ChecksummedCSV(str(path), chunk_rows=100) as out:
        for frame in frames:
            out.write(frame)
    assert path.read_text() == pd.concat(frames, ignore_index=True).to_csv(index=False)
    check = subprocess.run(["sha256sum", "-c", "t.csv.sha256"], cwd=tmp_path, capture_output=True)
    assert check.returncode == 0, check.stdout


def test_the_streamed_stages_write_the_bytes_of_the_in_memory_functions(tmp_path):
    """write_simulated/write_split == simulate/split + to_csv, byte for byte (three replicates,
    a domain other than [-1, 1], a chunk smaller than a replicate)."""
    import pandas as pd

    from l1l2 import tables
    from l1l2.data import Scenario, simulate, split

    scenario = Scenario("runge", 0.3, 37)
    study = Expected("runge", 0.3, 37, 3, (0.0, 2.0), 0.2, 4)
    sim, spl = str(tmp_path / "sim.csv"), str(tmp_path / "split.csv")
    data = simulate(scenario, 3, 11, (0.0, 2.0))
    old_chunk = tables.CHUNK_ROWS
    tables.CHUNK_ROWS = 10
    try:
        tables.write_simulated(sim, scenario, 3, 11, (0.0, 2.0))
        assert Path(sim).read_text() == data.to_csv(index=False)
        expected_split = split(pd.read_csv(sim), scenario.name, 11, 0.2, 4)
        # the simulated file parsed without pandas (as the split job does), then with pandas
        for limit in (tables.AS_WRITTEN_BYTES, 0):
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(tables, "AS_WRITTEN_BYTES", limit)
                tables.write_split(sim, spl, study, scenario.name, 11, checksum=sim + ".sha256")
            assert Path(spl).read_text() == expected_split.to_csv(index=False), limit
    finally:
        tables.CHUNK_ROWS = old_chunk


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
