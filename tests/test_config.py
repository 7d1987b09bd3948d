"""Bad configuration stops Snakemake before any job runs, naming the key and allowed values."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from l1l2.config import check_config

from conftest import ROOT, TINY_CONFIG, snakemake, write_config

SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())

BAD = {
    "typo": (
        {"lamdas": {"min": 1e-3}},
        "unknown config key(s) 'lamdas'; allowed keys: seed, scenarios,",
    ),
    "nested_typo": (
        {"split": {"test_size": 0.2, "fold": 5}},
        "unknown config key(s) 'fold' in 'split'; allowed keys: test_size, folds",
    ),
    "negative_noise": (
        {"scenarios": {"noise_sd": [-0.1]}},
        "config key 'scenarios.noise_sd[0]' = -0.1 is invalid",
    ),
    "degree_zero": (
        {"features": {"degrees": {"min": 0, "max": 5}}},
        "config key 'features.degrees.min' = 0 is invalid",
    ),
    "empty_lambda_grid": (
        {"lambdas": {"min": 1e-3, "max": 1.0, "num": 0}},
        "config key 'lambdas.num' = 0 is invalid",
    ),
    "unknown_function": (
        {"scenarios": {"functions": ["sine", "sinus"]}},
        "config key 'scenarios.functions[1]' = 'sinus' is invalid (not a known value); "
        "allowed: one of sine, cosine, runge, sparse_legendre",
    ),
    "test_size_one": (
        {"split": {"test_size": 1.0}},
        "config key 'split.test_size' = 1.0 is invalid",
    ),
    "min_above_max": (
        {"lambdas": {"min": 2.0, "max": 1.0, "num": 5}},
        "config key 'lambdas': min = 2.0 is greater than max = 1.0",
    ),
}
ALLOWED = {
    "negative_noise": "allowed: a number in (0, 10]",
    "degree_zero": "allowed: an integer in [1, 50]",
    "empty_lambda_grid": "allowed: an integer in [1, 1000]",
    "test_size_one": "allowed: a number in (0, 1)",
}


def merged(changes, tmp_path):
    return yaml.safe_load(write_config(tmp_path / "config.yaml", **changes).read_text())


def filled(config):
    """The config with the schema's defaults, as Snakemake's validate fills them."""
    from snakemake.utils import validate

    try:
        validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))
    except Exception:
        pass
    return config


def test_default_and_tiny_configs_are_valid():
    for path in (ROOT / "config/config.yaml", TINY_CONFIG):
        assert check_config(filled(yaml.safe_load(path.read_text())), SCHEMA) == []


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_message(case, tmp_path):
    changes, expected = BAD[case]
    problems = check_config(filled(merged(changes, tmp_path)), SCHEMA)
    assert len(problems) == 1, problems
    assert expected in problems[0]
    if case in ALLOWED:
        assert ALLOWED[case] in problems[0]


@pytest.mark.workflow
@pytest.mark.parametrize("case", ["typo", "negative_noise", "unknown_function", "test_size_one"])
def test_bad_config_stops_snakemake_before_any_job(case, tmp_path: Path):
    changes, expected = BAD[case]
    config = write_config(tmp_path / "config.yaml", **changes)
    proc = snakemake(tmp_path, "--cores", "1", configfile=config, check=False)
    assert proc.returncode != 0
    assert expected in proc.output
    assert "Traceback" not in proc.output
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "results").exists()


def test_write_config_helper_changes_only_what_is_asked(tmp_path):
    path = write_config(tmp_path / "c.yaml", split={"folds": 4})
    config = yaml.safe_load(path.read_text())
    assert config["split"] == {"test_size": 0.25, "folds": 4}
    assert config["seed"] == 7


# --------------------------------------------------------------------------------------------
# The valid-config cache (a no-change rerun does not import jsonschema)


def _check(config: Path, cache: Path | None = None) -> list[str]:
    """check_config's problems for the file ``config`` (defaults filled), reading ``cache`` from
    disk as a new process would."""
    from l1l2 import cache as caches
    from l1l2.config import fill_defaults

    caches._OPEN.clear()
    return check_config(fill_defaults(yaml.safe_load(config.read_text()), SCHEMA), SCHEMA, cache)


def test_a_config_that_passed_is_not_validated_again(tmp_path):
    """With a cache file, a config that passed every check is recorded (by a digest of config,
    schema and validator) and the next check of the same config skips the schema; any other
    config (one value changed, 7.0 for 7) is validated; a config with a problem, also one the
    schema lets through, is never recorded and nothing is written for it; a corrupt or edited
    cache counts as empty."""
    cache = tmp_path / "cache" / "valid.json"
    for case in ("typo", "negative_noise", "min_above_max"):
        changes, expected = BAD[case]
        bad = write_config(tmp_path / f"{case}.yaml", **changes)
        without = _check(bad)
        assert len(without) == 1 and expected in without[0]
        assert _check(bad, cache) == without
        assert not cache.parent.exists()

    valid = write_config(tmp_path / "valid.yaml")
    assert _check(valid, cache) == []
    recorded = json.loads(cache.read_text())["entries"]
    assert list(recorded.values()) == [True]
    assert _check(valid, cache) == []
    assert json.loads(cache.read_text())["entries"] == recorded

    other = write_config(tmp_path / "other.yaml", seed=8)
    assert _check(other, cache) == []
    assert len(json.loads(cache.read_text())["entries"]) == 2
    as_float = write_config(tmp_path / "float.yaml", seed=7.0)
    assert _check(as_float, cache) == [
        "config key 'seed' = 7.0 is invalid (7.0 is not of type 'integer'); "
        "allowed: an integer in [0, 4294967295]"
    ]
    bad = write_config(tmp_path / "typo.yaml", **BAD["typo"][0])
    assert _check(bad, cache) == _check(bad)
    assert len(json.loads(cache.read_text())["entries"]) == 2

    for damage in ('{"kind": "other", "entries": {}}', "\x00 not json"):
        cache.write_text(damage)
        assert _check(valid, cache) == []
        assert json.loads(cache.read_text())["entries"] == recorded


def test_a_recorded_config_does_not_import_jsonschema(tmp_path):
    """What the cache is for: in a new Python, checking a recorded config imports no jsonschema
    (checking it the first time does)."""
    code = (
        "import sys, yaml\n"
        "from l1l2.config import check_config, fill_defaults\n"
        "schema = yaml.safe_load(open(sys.argv[1]))\n"
        "config = fill_defaults(yaml.safe_load(open(sys.argv[2])), schema)\n"
        "assert check_config(config, schema, cache=sys.argv[3]) == []\n"
        "print('jsonschema' in sys.modules)\n"
    )
    args = [str(ROOT / "workflow/schemas/config.schema.yaml"), str(TINY_CONFIG)]
    imported = [
        subprocess.run(
            [sys.executable, "-c", code, *args, str(tmp_path / "valid.json")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert imported == ["True", "False"]


@pytest.mark.workflow
def test_a_bad_config_after_a_good_run_is_still_refused(tmp_path: Path):
    """In a folder where a valid config was checked (and recorded), a bad one still stops
    Snakemake with the same line as in a fresh folder."""
    snakemake(tmp_path, "-n", "--cores", "1")
    assert (tmp_path / ".snakemake/l1l2/valid-configs.json").is_file()
    changes, expected = BAD["negative_noise"]
    config = write_config(tmp_path / "config.yaml", **changes)
    proc = snakemake(tmp_path, "-n", "--cores", "1", configfile=config, check=False)
    assert proc.returncode != 0
    assert expected in proc.output
    assert "Traceback" not in proc.output
