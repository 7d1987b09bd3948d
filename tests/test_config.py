"""Bad configuration stops Snakemake before any job runs, naming the key and allowed values."""

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
