"""Validation of the study configuration with one clear line per problem.

The JSON schema (``workflow/schemas/config.schema.yaml``) holds types, bounds, defaults and the
list of allowed keys; this module turns a violation into a sentence that names the key, the bad
value and what is allowed, and adds the checks a schema cannot express (min <= max, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key, the value and what is allowed."""


def _key(path) -> str:
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _allowed(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    kind = schema.get("type")
    if kind in ("number", "integer"):
        low = schema.get("exclusiveMinimum", schema.get("minimum"))
        high = schema.get("exclusiveMaximum", schema.get("maximum"))
        left = "(" if "exclusiveMinimum" in schema else "["
        right = ")" if "exclusiveMaximum" in schema else "]"
        name = "an integer" if kind == "integer" else "a number"
        if low is not None or high is not None:
            return (
                f"{name} in {left}{'-inf' if low is None else low}, "
                f"{'inf' if high is None else high}{right}"
            )
        return name
    if kind == "array":
        items = schema.get("items", {})
        size = f"{schema.get('minItems', 0)}..{schema.get('maxItems', '')}".rstrip(".")
        return f"a list ({size} items) of {_allowed(items)}" if items else "a list"
    if kind == "object" and "properties" in schema:
        return "keys " + ", ".join(schema["properties"])
    return str(kind)


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        where = f" in '{key}'" if error.absolute_path else ""
        return (
            f"unknown config key(s) {', '.join(map(repr, extra))}{where}; allowed keys: {allowed}"
        )
    reason = "not a known value" if error.validator == "enum" else error.message
    return (
        f"config key '{key}' = {error.instance!r} is invalid ({reason}); "
        f"allowed: {_allowed(error.schema)}"
    )


def check_config(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """All problems of ``config`` (already filled with defaults), one sentence each; [] if valid."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    problems = [_describe(e) for e in errors]
    if problems:
        return problems

    def ordered(section, low, high):
        values = config[section]
        if values[low] > values[high]:
            problems.append(
                f"config key '{section}': {low} = {values[low]} is greater than "
                f"{high} = {values[high]}; allowed: {low} <= {high}"
            )

    ordered("lambdas", "min", "max")
    degrees = config["features"]["degrees"]
    if degrees["min"] > degrees["max"]:
        problems.append(
            f"config key 'features.degrees': min = {degrees['min']} is greater than "
            f"max = {degrees['max']}; allowed: min <= max"
        )
    low, high = config["scenarios"]["domain"]
    if not low < high:
        problems.append(
            f"config key 'scenarios.domain' = {[low, high]} is invalid; "
            "allowed: [low, high] with low < high"
        )
    test_size = config["split"]["test_size"]
    folds = config["split"]["folds"]
    for n in config["scenarios"]["n_samples"]:
        n_train = n - max(1, round(test_size * n))
        if n_train < 2 * folds:
            problems.append(
                f"config key 'scenarios.n_samples' = {n} is too small: with split.test_size = "
                f"{test_size} it leaves {n_train} training rows, fewer than 2 per fold for "
                f"split.folds = {folds}; allowed: n_samples with at least {2 * folds} training rows"
            )
    return problems
