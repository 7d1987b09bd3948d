"""benchmarks/sklearn_suite.py runs (on a small subset of scikit-learn's tests) and counts right."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
import sklearn_suite  # noqa: E402


def test_suite_script_on_a_subset(tmp_path):
    out = tmp_path / "summary.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "sklearn_suite.py"), "--files", "test_coordinate_descent.py",
         "-k", "test_lasso_toy or test_enet_toy or test_lasso_zero or test_set_order_dense",
         "--json", str(out), "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(out.read_text())
    # test_set_order_dense never constructs an estimator: not counted
    assert not any("test_set_order_dense" in t for t in summary["counted"])
    assert {t.split("::")[1] for t in summary["counted"]} == {
        "test_lasso_toy", "test_enet_toy", "test_lasso_zero"}
    assert f"PASS with the GD classes: {len(summary['passed'])} / {len(summary['counted'])}" \
        in proc.stdout
    # the substitution really happened: the GD run's records say which tests built GD classes
    gd = json.loads((tmp_path / "gd.json").read_text())
    assert all(gd[t]["constructs"] for t in summary["counted"])


@pytest.mark.parametrize(("error", "cause"), [
    ("TypeError: GDRidge.__init__() got an unexpected keyword argument 'solver'",
     "parameter solver="),
    ("InvalidParameterError: The 'selection' parameter of GDLasso must be a str among",
     "parameter selection="),
    ("AssertionError: \nNot equal to tolerance rtol=1e-07, atol=0",
     "accuracy (assert_allclose / almost_equal)"),
    ("Failed: DID NOT WARN. No warnings of type (<class 'UserWarning'>,) were emitted.",
     "warning expected but not raised"),
    ("Failed: Timeout >120.0s", "timeout (slower than --timeout)"),
    ("AssertionError: Regex pattern did not match.",
     "message text differs (match= of raises/warns)"),
    ("Failed: Regex pattern did not match any of the 1 warnings emitted.",
     "message text differs (match= of raises/warns)"),
    ("Failed: DID NOT RAISE TypeError", "error expected but not raised"),
    ("KeyError: 'x'", "other: KeyError"),
])
def test_classify(error, cause):
    assert sklearn_suite.classify(error) == cause
