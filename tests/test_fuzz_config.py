"""Fuzz suite, config side: bad configurations and a hostile environment, each refused in one line.

Every case asserts one line that names the key (or the file and line), and that nothing a run
produced before is lost or changed. Most cases check the configuration in-process with the very
function the workflow calls (``l1l2.config.read_config``: config files, then ``--config``, schema
defaults, the checks and the size budget), so they take milliseconds; ``WORKFLOW_CASES`` run the
same inputs through Snakemake in a temporary directory that holds the files of an earlier run,
which must be left byte for byte and mtime for mtime as they were. The table of cases is in
docs/promises.md ("Bad configuration").
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from l1l2.budget import estimate
from l1l2.config import ConfigError, read_config
from l1l2.data import scenarios_from_config

from conftest import ROOT, TINY_CONFIG, snakemake

SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())

# case id -> (override file text or None, --config entries, expected text of the one line)
# The override file is merged over tests/config/tiny.yaml, as `--configfile tiny.yaml FILE`.
CASES = {
    # NaN and ±inf pass JSON-schema bounds; every number is checked for them.
    "nan_noise_sd": ("scenarios: {noise_sd: [.nan]}", [], "'scenarios.noise_sd[0]' = nan"),
    "nan_solver_tol": ("solver: {tol: .nan}", [], "'solver.tol' = nan"),
    "nan_l1_ratio": ("elasticnet: {l1_ratio: .NaN}", [], "'elasticnet.l1_ratio' = nan"),
    "nan_reference_tol": ("reference: {tol: .nan}", [], "'reference.tol' = nan"),
    "nan_coef_atol": ("crosscheck: {coef_atol: .nan}", [], "'crosscheck.coef_atol' = nan"),
    "inf_objective_rtol": (
        "crosscheck: {objective_rtol: .inf}",
        [],
        "'crosscheck.objective_rtol' = inf",
    ),
    "neg_inf_prediction_atol": (
        "crosscheck: {prediction_atol: -.inf}",
        [],
        "'crosscheck.prediction_atol' = -inf",
    ),
    "inf_lambdas_max": ("lambdas: {max: .inf}", [], "'lambdas.max' = inf"),
    "nan_lambdas_min": ("lambdas: {min: .nan}", [], "'lambdas.min' = nan"),
    "nan_test_size": ("split: {test_size: .nan}", [], "'split.test_size' = nan"),
    "inf_domain": ("scenarios: {domain: [-.inf, 1.0]}", [], "'scenarios.domain[0]' = -inf"),
    "overflow_to_inf": ("scenarios: {noise_sd: [1.0e+400]}", [], "'scenarios.noise_sd[0]' = inf"),
    "inf_limit": ("limits: {rows: .inf}", [], "'limits.rows' = inf"),
    "nan_via_config": (None, ['solver={"tol": .nan}'], "'solver.tol' = nan"),
    "nan_string_seed": (None, ["seed=nan"], "config key 'seed' = 'nan' is invalid"),
    "json_nan": ('{"solver": {"tol": NaN}}', [], "config key 'solver.tol' = nan is invalid"),
    "json_duplicate_key": ('{"seed": 1, "seed": 2}', [], "duplicate key 'seed'"),
    "denormal_lambda": ("lambdas: {min: 1.0e-320}", [], "'lambdas.min' = 1e-320 is invalid"),
    # YAML that YAML itself accepts, refused by line: duplicate keys, tags, aliases.
    "duplicate_top_key": (
        "seed: 1\nseed: 2\n",
        [],
        "line 2: duplicate key 'seed' (first at line 1)",
    ),
    "duplicate_nested_key": (
        "scenarios:\n  replicates: 2\n  noise_sd: [0.1]\n  replicates: 3\n",
        [],
        "line 4: duplicate key 'replicates' (first at line 2)",
    ),
    "duplicate_flow_key": (
        "lambdas: {min: 1.0e-3, min: 1.0e-2}",
        [],
        "line 1: duplicate key 'min'",
    ),
    "tag_object_apply": (
        'seed: !!python/object/apply:os.system ["touch pwned"]',
        [],
        "line 1: YAML tag '!!python/object/apply:os.system' is not allowed",
    ),
    "tag_python_name": (
        "seed: !!python/name:os.system",
        [],
        "line 1: YAML tag '!!python/name:os.system' is not allowed",
    ),
    "tag_python_tuple": (
        "scenarios:\n  domain: !!python/tuple [-1, 1]\n",
        [],
        "line 2: YAML tag '!!python/tuple' is not allowed",
    ),
    "tag_binary": ("seed: !!binary aGVsbG8=", [], "YAML tag '!!binary' is not allowed"),
    "tag_set": ("models: !!set {ols: null}", [], "YAML tag '!!set' is not allowed"),
    "tag_explicit_float": ("solver: {tol: !!float 1}", [], "YAML tag '!!float' is not allowed"),
    "tag_local": ("seed: !mine 3", [], "line 1: YAML tag '!mine' is not allowed"),
    "alias_bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{k}: &{k} [{', '.join([f'*{p}'] * 10)}]\n"
            for p, k in zip("abcdef", "bcdefg", strict=True)
        ),
        [],
        "more than 100000 values once YAML aliases are expanded",
    ),
    "syntax_unclosed_list": (
        "seed: 1\nmodels: [ols, ridge\n",
        [],
        "line 3: not valid YAML",
    ),
    "syntax_tab_indent": ("scenarios:\n\treplicates: 2\n", [], "line 2: not valid YAML"),
    "syntax_bad_indent": (
        "split:\n  folds: 3\n test_size: 0.2\n",
        [],
        "line 3: not valid YAML",
    ),
    "top_level_list": ("- seed\n- 1\n", [], "the top level must be a mapping of keys, not a list"),
    "two_documents": ("seed: 1\n---\nseed: 2\n", [], "not valid YAML"),
    # --config values are YAML: nested mappings arrive typed, and are checked like a file's.
    "config_nested_bad_value": (None, ['split={"folds": 1}'], "config key 'split.folds' = 1"),
    "config_nested_syntax": (None, ['split={"folds": 4'], "--config split, line 1: not valid YAML"),
    "config_nested_unknown": (
        None,
        ['split={"fold": 4}'],
        "unknown config key(s) 'fold' in 'split'",
    ),
    "config_tag": (None, ["seed=!!python/name:os.system"], "--config seed, line 1: YAML tag"),
    "config_duplicate_key": (
        None,
        ['lambdas={"num": 4, "num": 5}'],
        "--config lambdas, line 1: duplicate key 'num'",
    ),
    # Integers are integers (10.0 or 1e1 would reach range() as a float), booleans are not.
    "float_replicates": ("scenarios: {replicates: 2.0}", [], "'scenarios.replicates' = 2.0"),
    "exponent_replicates": ("scenarios: {replicates: 1e1}", [], "'scenarios.replicates' = 10.0"),
    "bool_seed": ("seed: true", [], "config key 'seed' = True is invalid"),
    "string_n_samples": ("scenarios: {n_samples: ['60']}", [], "'scenarios.n_samples[0]' = '60'"),
    "unique_noise_levels": (
        "scenarios: {noise_sd: [1, 1.0]}",
        [],
        "'scenarios.noise_sd' = [1, 1.0] is invalid",
    ),
    # List caps (before them, 300 noise levels x 6 functions x 100 sizes planned for minutes).
    "too_many_noise_levels": (
        f"scenarios: {{noise_sd: {[round(0.01 * i, 2) for i in range(1, 301)]}}}",
        [],
        "config key 'scenarios.noise_sd' = [0.01, 0.02",
    ),
    "too_many_sizes": (
        f"scenarios: {{n_samples: {list(range(20, 120))}}}",
        [],
        "'scenarios.n_samples' = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,... "
        "(100 items) is invalid (100 items); allowed: a list (1..20 items)",
    ),
    # The size budget: estimates from the config, refused before any job (l1l2.budget).
    "huge_rows": (
        "scenarios: {n_samples: [1000000], replicates: 100000}",
        [],
        "simulated rows > limits.rows = 5e+07",
    ),
    "many_small_replicates": (
        "scenarios: {replicates: 100000}\nfeatures: {degrees: {min: 1, max: 15}}",
        [],
        "solver fits > limits.fits = 2e+08",
    ),
    "design_matrix_too_big": (
        "scenarios: {n_samples: [1000000], replicates: 1}\n"
        "features: {degrees: {min: 1, max: 15}}\nsplit: {folds: 5}",
        [],
        "bytes of design matrices for one replicate in a fit job > limits.design_bytes = 4e+09",
    ),
    "solver_work_monomial_50": (
        "features: {basis: monomial, degrees: {min: 1, max: 50}}\n"
        "solver: {method: ista, max_iter: 100000000}\nlambdas: {num: 1000}",
        [],
        "multiply-adds if every fit ran to solver.max_iter > limits.solver_work = 2e+15",
    ),
    "too_many_jobs": (
        "scenarios:\n  functions: [sine, cosine, runge, sparse_legendre, step, abs]\n"
        f"  noise_sd: {[round(0.1 * i, 1) for i in range(1, 21)]}\n"
        f"  n_samples: {list(range(20, 40))}\n  replicates: 1",
        [],
        "jobs > limits.jobs = 1e+04",
    ),
    "limit_zero": ("limits: {jobs: 0}", [], "config key 'limits.jobs' = 0 is invalid"),
    "limit_unknown": ("limits: {memory: 1}", [], "unknown config key(s) 'memory' in 'limits'"),
}

# Inputs that were wrong before and are now read as meant: the case passes when the config is valid
# and has the value shown (key path, expected value).
ACCEPTED = {
    "config_nested_value_is_typed": (None, ['split={"folds": 4}'], ("split", "folds"), 4),
    "config_exponent_is_a_number": (None, ['lambdas={"min": 1e-5}'], ("lambdas", "min"), 1e-5),
    "file_exponent_is_a_number": ("lambdas: {min: 1e-5}", [], ("lambdas", "min"), 1e-5),
    "json_with_tabs": ('{\n\t"split": {\n\t\t"folds": 4\n\t}\n}\n', [], ("split", "folds"), 4),
    "raised_limit_on_purpose": (
        "solver: {max_iter: 100000000}\nlimits: {solver_work: 1.0e+18}",
        [],
        ("solver", "max_iter"),
        100_000_000,
    ),
}

# Noise levels that used to share one scenario name ({:g}), now one name each.
NAME_CASES = {
    "sd_0.2_vs_0.2000001": [0.2, 0.2000001],
    "sd_0.1x3_vs_0.3": [0.1 * 3, 0.3],
    "sd_1.0000001_vs_1": [1.0000001, 1],
}


def problems_of(tmp_path: Path, text: str | None, args: list[str]) -> list[str]:
    """The workflow's reading of `--configfile tiny.yaml [override] --config args`."""
    files = [TINY_CONFIG]
    if text is not None:
        override = tmp_path / "override.yaml"
        override.write_text(text)
        files.append(override)
    try:
        return read_config(files, args, SCHEMA)[1]
    except ConfigError as exc:
        return [str(exc)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_config_is_refused_in_one_line(case, tmp_path):
    text, args, expected = CASES[case]
    problems = problems_of(tmp_path, text, args)
    assert len(problems) == 1, problems
    assert "\n" not in problems[0] and expected in problems[0], problems[0]
    if text is not None and "config file" in problems[0]:
        assert str(tmp_path / "override.yaml") in problems[0]  # a file problem names the file


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_values_are_read_as_meant(case, tmp_path):
    text, args, (section, key), value = ACCEPTED[case]
    files = [TINY_CONFIG] + ([tmp_path / "o.yaml"] if text else [])
    if text:
        files[-1].write_text(text)
    config, problems = read_config(files, args, SCHEMA)
    assert problems == []
    assert config[section][key] == value and type(config[section][key]) is type(value)


@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_every_noise_level_gets_its_own_scenario_name(case):
    values = NAME_CASES[case]
    scenarios = scenarios_from_config(["sine"], values, [60])
    names = [s.name for s in scenarios]
    assert len(set(names)) == len(values), names
    # Today's names stay today's names: {:g} wherever it reads back exactly.
    assert scenarios_from_config(["sine"], [0.1, 0.4, 2.0], [50])[2].name == "sine_sd2_n50"
    assert [s.name for s in scenarios_from_config(["sine"], [0.1, 0.4], [50])] == [
        "sine_sd0.1_n50",
        "sine_sd0.4_n50",
    ]


@pytest.mark.workflow
@pytest.mark.parametrize("setup", ["tiny", "default", "tiny_over_default"])
def test_the_job_estimate_is_the_dag(setup, tmp_path):
    """The budget's job count is Snakemake's own count of the plan; config/config.yaml of the
    working directory (the `configfile:` directive) comes first, --configfile files over it."""
    files = []
    if setup != "tiny":
        (tmp_path / "config").mkdir()
        (tmp_path / "config/config.yaml").write_text((ROOT / "config/config.yaml").read_text())
        files.append(tmp_path / "config/config.yaml")
    configfile = None if setup == "default" else TINY_CONFIG
    proc = snakemake(tmp_path, "-n", configfile=configfile)
    total = next(line for line in proc.output.splitlines() if line.startswith("total"))
    config, _ = read_config([*files, *([configfile] if configfile else [])], [], SCHEMA)
    assert int(total.split()[1]) == estimate(config)["jobs"] == (130 if setup == "default" else 29)


# --------------------------------------------------------------------------------------------
# The same refusals through Snakemake, over the files of an earlier run.

EARLIER_RUN = {
    "data/simulated/sine_sd0.2_n60.csv": "replicate,x,y,y_true\n0,0.1,0.2,0.3\n",
    "results/tables/metrics.csv": "scenario,replicate\nsine_sd0.2_n60,0\n",
    "results/figures/penalties.png": "not really a png",
    "logs/fit/sine_sd0.2_n60/ols.log": "earlier log\n",
}


def earlier_run(workdir: Path) -> dict[str, tuple[str, int]]:
    for path, text in EARLIER_RUN.items():
        (workdir / path).parent.mkdir(parents=True, exist_ok=True)
        (workdir / path).write_text(text)
    return tree(workdir)


def tree(workdir: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of every file outside Snakemake's own .snakemake/."""
    return {
        str(p.relative_to(workdir)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(workdir.rglob("*"))
        if p.is_file() and ".snakemake" not in p.relative_to(workdir).parts
    }


def one_line(output: str, expected: str) -> str:
    lines = [line for line in output.splitlines() if expected in line]
    assert len(lines) == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    return lines[0]


# Cases run through Snakemake (without -n: a config that slipped through would start jobs).
WORKFLOW_CASES = [
    "duplicate_top_key",
    "nan_noise_sd",
    "tag_python_name",
    "config_nested_bad_value",
    "huge_rows",
    "solver_work_monomial_50",
    "alias_bomb",
]


@pytest.mark.workflow
@pytest.mark.parametrize("case", WORKFLOW_CASES)
def test_snakemake_refuses_before_any_job_and_keeps_earlier_files(case, tmp_path):
    text, args, expected = CASES[case]
    files = [str(TINY_CONFIG)]
    if text is not None:
        (tmp_path / "override.yaml").write_text(text)
        files.append(str(tmp_path / "override.yaml"))
    before = earlier_run(tmp_path)
    extra = ["--configfile", *files] + (["--config", *args] if args else [])
    proc = snakemake(tmp_path, "--cores", "1", *extra, configfile=None, check=False)
    assert proc.returncode != 0
    one_line(proc.output, expected)
    assert tree(tmp_path) == before


@pytest.mark.workflow
def test_config_nested_values_reach_snakemake_typed(tmp_path):
    """`--config 'split={"folds": 4}'` used to be refused ('4' is not of type 'integer')."""
    proc = snakemake(tmp_path, "-n", "--config", 'split={"folds": 4}', check=False)
    assert proc.returncode == 0, proc.output[-3000:]


@pytest.mark.workflow
def test_a_bad_study_config_file_is_reported_by_line(tmp_path):
    """config/config.yaml of the working directory is read by l1l2 first: errors name the line."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text(TINY_CONFIG.read_text() + "models: [ols\n")
    before = earlier_run(tmp_path)
    proc = snakemake(tmp_path, "--cores", "1", configfile=None, check=False)
    assert proc.returncode != 0
    line = one_line(proc.output, "config file config/config.yaml, line")
    assert "not valid YAML" in line
    assert tree(tmp_path) == before


@pytest.mark.workflow
def test_report_before_any_run_is_one_line(tmp_path):
    before = earlier_run(tmp_path)
    proc = snakemake(tmp_path, "--report", "results/report.html", check=False)
    assert proc.returncode != 0
    one_line(proc.output, "no finished run to report on")
    assert "Missing metadata" not in proc.output
    assert tree(tmp_path) == before


def _read_only(path: Path):
    """Make ``path`` read-only: a read-only bind mount as root, else file permissions."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return lambda: path.chmod(0o755)
    bound = subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True)
    ro = subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], capture_output=True)
    if bound.returncode or ro.returncode:
        if not bound.returncode:
            subprocess.run(["umount", str(path)])
        pytest.skip("cannot make a read-only directory here (no mount as root)")
    return lambda: subprocess.run(["umount", str(path)], check=True)


@pytest.mark.workflow
def test_a_read_only_working_directory_is_one_line(tmp_path):
    workdir = tmp_path / "ro"
    workdir.mkdir()
    before = earlier_run(workdir)
    undo = _read_only(workdir)
    try:
        proc = snakemake(workdir, "--cores", "1", check=False)
    finally:
        undo()
    assert proc.returncode != 0
    one_line(proc.output, f"working directory {workdir} is not writable")
    assert tree(workdir) == before


# --------------------------------------------------------------------------------------------
# --configfile files: Snakemake reads them before any workflow code, but after its profile, which
# reads them first with l1l2's reader (profiles/default/config.yaml).

CONFIGFILE_CASES = {
    "missing": (None, "l1l2 config error: config file {path} not found"),
    **{
        case: (CASES[case][0], "l1l2 config error: config file {path}, " + CASES[case][2])
        for case in ("syntax_unclosed_list", "tag_object_apply", "syntax_tab_indent")
    },
    "yte_template": (
        '__use_yte__: true\n__definitions__:\n  - open("PWNED", "w").close()\n',
        "l1l2 config error: config file {path} uses YTE templating",
    ),
}


@pytest.mark.workflow
@pytest.mark.parametrize("case", sorted(CONFIGFILE_CASES))
def test_a_bad_configfile_is_one_line_before_snakemake_reads_it(case, tmp_path):
    """A missing file used to end in a Snakemake traceback; bad YAML in "not valid JSON or YAML"
    without file or line; a YTE template was evaluated (here: it would create PWNED)."""
    text, expected = CONFIGFILE_CASES[case]
    path = tmp_path / "my.yaml"
    if text is not None:
        path.write_text(text)
    before = earlier_run(tmp_path)
    proc = snakemake(tmp_path, "--cores", "1", configfile=path, check=False)
    assert proc.returncode != 0
    line = one_line(proc.output, "l1l2 config error")
    assert line.startswith(expected.format(path=path)), line
    assert tree(tmp_path) == before  # nothing written, PWNED not created


@pytest.mark.workflow
@pytest.mark.xfail(
    strict=True, reason="without the workflow's profile, Snakemake's traceback (limit)"
)
def test_without_the_profile_a_missing_configfile_is_snakemakes_traceback(tmp_path):
    """`--workflow-profile none` (or a workflow profile of your own) skips the check: Snakemake
    opens the file outside its own error handling. Reports when a Snakemake release fixes it."""
    before = earlier_run(tmp_path)
    proc = snakemake(
        tmp_path,
        "--cores",
        "1",
        "--workflow-profile",
        "none",
        configfile=tmp_path / "missing.yaml",
        check=False,
    )
    assert proc.returncode != 0
    assert tree(tmp_path) == before  # holds
    one_line(proc.output, "missing.yaml")  # fails: a Snakemake traceback


@pytest.mark.workflow
def test_a_name_that_is_not_the_studys_is_not_a_scenario(tmp_path):
    """Wildcard constraints are the study's names, escaped: '.' in sd0.2 matched any character,
    so sine_sd0x2_n60 was taken for a scenario and failed with a KeyError traceback."""
    target = "data/simulated/sine_sd0x2_n60.csv"
    proc = snakemake(tmp_path, "-n", target, check=False)
    assert proc.returncode != 0
    one_line(proc.output, f"No rule to produce {target}")
    assert "KeyError" not in proc.output and "InputFunctionException" not in proc.output


@pytest.mark.parametrize("case", ["syntax_unclosed_list", "tag_object_apply", "syntax_tab_indent"])
def test_the_checker_names_the_line(case, tmp_path):
    """`python -m l1l2.config FILE` runs the same checks without Snakemake."""
    text, _, expected = CASES[case]
    path = tmp_path / "override.yaml"
    path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "l1l2.config", str(TINY_CONFIG), str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stdout == "" and proc.stderr.count("\n") == 1
    assert expected in proc.stderr and str(path) in proc.stderr


def test_the_checker_prints_the_estimates_of_a_valid_config():
    path = ROOT / "config/config.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "l1l2.config", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    sizes = {k: float(v) for k, v in (line.split("\t") for line in proc.stdout.splitlines())}
    config, _ = read_config([path], [], SCHEMA)
    assert sizes == pytest.approx(estimate(config), rel=1e-3)


@pytest.mark.workflow
def test_a_disk_filling_during_a_job_is_one_line(tmp_path):
    """A small tmpfs, 2 MB free, and a simulate job that writes ~6 MB: the job's one line, no
    logging tracebacks, no partial output, the earlier files intact; and a disk with less than
    1 MiB free is refused before Snakemake writes its lock files (it would fail with a traceback).
    """
    workdir = tmp_path / "disk"
    workdir.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(workdir)], capture_output=True
        ).returncode
    ):
        pytest.skip("mounting a small tmpfs needs root")
    try:
        big = tmp_path / "big.yaml"
        big.write_text("scenarios: {n_samples: [100000], replicates: 1}\n")
        target = "data/simulated/sine_sd0.2_n100000.csv"
        run = ["--configfile", str(TINY_CONFIG), str(big)]
        before = earlier_run(workdir)
        filler = workdir / ".filler"
        free = os.statvfs(workdir).f_bavail * os.statvfs(workdir).f_frsize
        filler.write_bytes(b"\0" * (free - 2 * 2**20))  # 2 MB left
        proc = snakemake(workdir, "--cores", "1", target, *run, configfile=None, check=False)
        assert proc.returncode != 0
        line = one_line(proc.output, "l1l2 error in rule simulate")
        assert "No space left on device" in line
        assert "Logging error" not in proc.output
        assert not (workdir / target).exists()
        free = os.statvfs(workdir).f_bavail * os.statvfs(workdir).f_frsize
        filler.write_bytes(b"\0" * (free + filler.stat().st_size - 64 * 2**10))  # 64 kB left
        proc = snakemake(workdir, "--cores", "1", target, *run, configfile=None, check=False)
        assert proc.returncode != 0
        one_line(proc.output, "its disk is full")
        filler.unlink()
        after = tree(workdir)
        assert {path: after.get(path) for path in before} == before
        assert set(after) - set(before) == {"logs/simulate/sine_sd0.2_n100000.log"}  # empty
    finally:
        subprocess.run(["umount", str(workdir)], check=True)


def test_limits_and_cases_are_documented():
    """Every limit is in the schema, the budget and config/README.md; every case is in the table."""
    from l1l2.budget import LIMITS

    limits = SCHEMA["properties"]["limits"]["properties"]
    assert set(limits) == set(LIMITS)
    readme = (ROOT / "config/README.md").read_text()
    assert all(f"`limits.{key}`" in readme for key in limits)
    promises = (ROOT / "docs/promises.md").read_text()
    assert [case for case in CASES if f"| `{case}` |" not in promises] == []
