"""scikit-learn's own tests, run on l1l2's GD estimators: how much of a drop-in are they?

Runs scikit-learn's installed test files for the classes l1l2 replaces

    sklearn/linear_model/tests/test_base.py, test_coordinate_descent.py, test_ridge.py,
    test_sparse_coordinate_descent.py

twice, each in its own pytest process:

1. ``sklearn``: as shipped (the reference outcome of every test on this machine);
2. ``gd``: with ``LinearRegression``, ``Ridge``, ``Lasso`` and ``ElasticNet`` bound to
   ``GDLinearRegression``, ``GDRidge``, ``GDLasso`` and ``GDElasticNet``. The names are
   replaced in ``sklearn.linear_model`` before the test modules are imported (so
   ``from sklearn.linear_model import Lasso`` and module-level parameter lists get the GD
   class) and again in each test module's namespace. No test, fixture or assertion is
   changed.

Counted are the tests that construct one of the four GD classes in run 2 (in the test body
or as a collected parameter) and pass in run 1. A test whose function runs longer than
``--timeout`` seconds (default 20; pytest-timeout, fixtures and failure reports not timed)
fails with cause "timeout". The script prints the
share of them that pass in run 2 and the failures grouped by their cause (the first error
each test hits).

Usage::

    python benchmarks/sklearn_suite.py                  # all four files (a few minutes)
    python benchmarks/sklearn_suite.py -k "lasso and not cv" --files test_coordinate_descent.py
    python benchmarks/sklearn_suite.py --json out.json  # also write every test's outcome

This is a benchmark, not part of ``make test``; ``tests/test_sklearn_suite.py`` runs it on a
small subset.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

FILES = (
    "test_base.py",
    "test_coordinate_descent.py",
    "test_ridge.py",
    "test_sparse_coordinate_descent.py",
)
NAMES = {
    "LinearRegression": "GDLinearRegression",
    "Ridge": "GDRidge",
    "Lasso": "GDLasso",
    "ElasticNet": "GDElasticNet",
}
_MODE_ENV = "L1L2_SKLEARN_SUITE_MODE"
_OUT_ENV = "L1L2_SKLEARN_SUITE_OUT"


# --------------------------------------------------------------------------- pytest plugin
# Loaded into the pytest process of each run (``-p sklearn_suite``).

_constructed = [0]  # GD instances created so far in this process


def _substitute():
    """Bind the GD classes to scikit-learn's names; return {sklearn class: GD class}."""
    import functools

    import sklearn.linear_model as lm

    import l1l2.estimators as est

    mapping = {}
    for sk_name, gd_name in NAMES.items():
        gd = getattr(est, gd_name)
        if not getattr(gd.__init__, "_l1l2_counted", False):
            init = gd.__init__

            @functools.wraps(init)
            def counted(self, *args, __init=init, **kwargs):
                _constructed[0] += 1
                __init(self, *args, **kwargs)

            counted._l1l2_counted = True
            gd.__init__ = counted
        mapping[getattr(lm, sk_name)] = gd
        setattr(lm, sk_name, gd)
    return mapping


def _holds_gd(value, classes, depth=0):
    if isinstance(value, classes):
        return True
    if depth < 3 and isinstance(value, list | tuple | dict):
        items = value.values() if isinstance(value, dict) else value
        return any(_holds_gd(v, classes, depth + 1) for v in items)
    return False


class _Plugin:
    def __init__(self, mode, out):
        self.mode, self.out = mode, out
        self.records = {}
        self.mapping = _substitute() if mode == "gd" else {}
        self.gd_classes = tuple(self.mapping.values())

    def pytest_collection_modifyitems(self, items):
        if self.mode != "gd":
            return
        seen = set()
        for item in items:
            mod = getattr(item, "module", None)
            if mod is None or id(mod) in seen:
                continue
            seen.add(id(mod))
            for name, value in list(vars(mod).items()):
                if isinstance(value, type) and value in self.mapping:
                    setattr(mod, name, self.mapping[value])

    def pytest_runtest_setup(self, item):
        item._l1l2_before = _constructed[0]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        rec = self.records.setdefault(item.nodeid, {"outcome": "passed", "error": None})
        if rec["outcome"] == "passed" and not report.passed:
            if hasattr(report, "wasxfail"):
                rec["outcome"] = "xfailed"
            elif report.skipped:
                rec["outcome"] = "skipped"
            else:
                rec["outcome"] = "failed"
                lines = str(call.excinfo.value).strip().splitlines() if call.excinfo else []
                name = call.excinfo.typename if call.excinfo else "Error"
                rec["error"] = f"{name}: {lines[0] if lines else ''}"[:400]
        if call.when == "teardown":
            params = getattr(getattr(item, "callspec", None), "params", {})
            rec["constructs"] = bool(
                _constructed[0] > getattr(item, "_l1l2_before", _constructed[0])
                or (self.gd_classes and _holds_gd(list(params.values()), self.gd_classes))
            )

    def pytest_sessionfinish(self):
        Path(self.out).write_text(json.dumps(self.records, indent=0, sort_keys=True))


def pytest_configure(config):
    mode = os.environ.get(_MODE_ENV)
    if mode:
        config.pluginmanager.register(_Plugin(mode, os.environ[_OUT_ENV]), "l1l2-suite")


# --------------------------------------------------------------------------- driver

# Causes, tried in order on the first error of a failing test.
_CAUSES = [
    ("accuracy (assert_allclose / almost_equal)",
     r"Not equal to tolerance|not almost equal|Arrays are not equal|Mismatched elements|"
     r"approx\(| ± "),
    ("timeout (slower than --timeout)", r"^Failed: Timeout"),
    ("warning expected but not raised", r"DID NOT WARN|No warnings of type|did not warn"),
    ("message text differs (match= of raises/warns)", r"Regex pattern did not match"),
    ("error expected but not raised", r"DID NOT RAISE"),
    ("warning raised (test turns warnings into errors)", r"Warning: "),
    ("sample_weight", r"sample_weight"),
    ("sparse X", r"[Ss]parse"),
    ("multi-output y", r"y must be 1-D|multi.?output|shape \(\d+, \d+\)|y should be a 1d"),
    ("dtype", r"dtype"),
    ("other assertion", r"^AssertionError"),
]
_PARAM = re.compile(r"unexpected keyword argument '(\w+)'|The '(\w+)' parameter of GD")


def classify(error: str | None) -> str:
    """One short cause for a failing test's first error."""
    if not error:
        return "unknown"
    m = _PARAM.search(error)
    if m:
        return f"parameter {m.group(1) or m.group(2)}="
    for cause, pattern in _CAUSES:
        if re.search(pattern, error):
            return cause
    return "other: " + error.split(":", 1)[0]


def _run(mode, files, extra, out, timeout):
    import sklearn

    tests = Path(sklearn.__file__).parent / "linear_model" / "tests"
    env = dict(os.environ, **{_MODE_ENV: mode, _OUT_ENV: str(out)})
    here = str(Path(__file__).resolve().parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "sklearn_suite", "-p", "no:cacheprovider",
           "-p", "no:randomly", "-o", "addopts=", "--rootdir", str(tests.parent.parent),
           "-W", "ignore::DeprecationWarning", f"--timeout={timeout}",
           # Time the test function only: an alarm during a failure's report would end the
           # whole pytest run with an INTERNALERROR.
           "-o", "timeout_func_only=true",
           *[str(tests / f) for f in files], *extra]
    t0 = time.perf_counter()
    log = Path(out).with_suffix(".log")
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, text=True)
    if proc.returncode not in (0, 1) or not Path(out).exists():
        sys.exit(f"pytest ({mode}) did not run:\n{log.read_text()[-3000:]}")
    return json.loads(Path(out).read_text()), time.perf_counter() - t0


def summarize(ref, gd):
    """Counted tests, passes and the failures by cause, from the two runs' records."""
    counted = sorted(t for t, r in gd.items()
                     if r.get("constructs") and ref.get(t, {}).get("outcome") == "passed")
    passed = [t for t in counted if gd[t]["outcome"] == "passed"]
    failed = [t for t in counted if gd[t]["outcome"] != "passed"]
    causes = Counter(classify(gd[t]["error"]) for t in failed)
    examples = {}
    for t in failed:
        examples.setdefault(classify(gd[t]["error"]), (t, gd[t]["error"]))
    return counted, passed, failed, causes, examples


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", nargs="+", default=list(FILES), choices=FILES)
    ap.add_argument("-k", default=None, help="pytest -k expression (a subset)")
    ap.add_argument("--json", default=None, help="write every test's outcome here")
    ap.add_argument("--timeout", type=int, default=20,
                    help="seconds per test (pytest-timeout); a test that takes longer fails")
    ap.add_argument("--reference", default=None,
                    help="reuse the records of an earlier scikit-learn run (its sklearn.json)")
    ap.add_argument("--workdir", default=None,
                    help="keep the runs' records and pytest logs here (default: a temp dir)")
    args = ap.parse_args(argv)
    extra = ["-k", args.k] if args.k else []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.reference:
            ref, t_ref = json.loads(Path(args.reference).read_text()), 0.0
        else:
            ref, t_ref = _run("sklearn", args.files, extra, work / "sklearn.json", args.timeout)
        gd, t_gd = _run("gd", args.files, extra, work / "gd.json", args.timeout)
    counted, passed, failed, causes, examples = summarize(ref, gd)
    import sklearn

    print(f"scikit-learn {sklearn.__version__}: {', '.join(args.files)}"
          + (f" (-k {args.k!r})" if args.k else ""))
    print(f"tests collected: {len(ref)}; passing with scikit-learn's classes: "
          f"{sum(r['outcome'] == 'passed' for r in ref.values())} ({t_ref:.0f} s); "
          f"GD run {t_gd:.0f} s; per-test timeout {args.timeout} s")
    share = 100.0 * len(passed) / len(counted) if counted else float("nan")
    print(f"tests that construct the GD classes and pass with scikit-learn's: {len(counted)}")
    print(f"PASS with the GD classes: {len(passed)} / {len(counted)} = {share:.1f} %")
    if failed:
        print("\nfailures by cause (first error of each test):")
        width = max(len(c) for c in causes)
        for cause, n in causes.most_common():
            test, err = examples[cause]
            print(f"  {cause:<{width}}  {n:4d}   e.g. {test.split('::', 1)[-1][:60]}")
            print(f"  {'':<{width}}         {(err or '')[:150]}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"counted": counted, "passed": passed,
             "failed": {t: gd[t]["error"] for t in failed}}, indent=1))
    return share


if __name__ == "__main__":
    main()
