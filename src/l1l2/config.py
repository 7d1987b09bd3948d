"""Reading and validation of the study configuration with one clear line per problem.

The JSON schema (``workflow/schemas/config.schema.yaml``) holds types, bounds, defaults and the
list of allowed keys; this module turns a violation into a sentence that names the key, the bad
value and what is allowed, and adds the checks a schema cannot express (min <= max, finite
numbers, distinct scenario names, the size budget of :mod:`l1l2.budget`).

Config files and ``--config`` values are read by :func:`load_yaml`, stricter than YAML itself:
a duplicate key, an explicit tag (``!!python/...``, ``!!float``, ...) or a syntax error is refused
with the file and line. Run ``python -m l1l2.config FILE...`` to check files without Snakemake.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .budget import budget_problems
from .cache import digest_cache
from .data import scenarios_from_config

if TYPE_CHECKING:
    import jsonschema


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key, the value and what is allowed."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader that remembers explicit tags, so that they can be refused by line."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        node = super().compose_node(parent, index)
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and not isinstance(event, yaml.AliasEvent):
            self.explicit_tags.append((tag, event.start_mark))
        return node


# Numbers as YAML 1.2 and JSON write them: 1e-5 is a number (YAML 1.1 reads it as a string).
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def _line(mark) -> str:
    return f"line {mark.line + 1}"


def _check_nodes(node, source: str, seen: set[int]) -> None:
    """Refuse duplicate keys in every mapping of a composed YAML document (aliases once)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, Any] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                if key.value in first:
                    raise ConfigError(
                        f"{source}, {_line(key.start_mark)}: duplicate key {key.value!r} "
                        f"(first at {_line(first[key.value])}); each key may appear once"
                    )
                first[key.value] = key.start_mark
            _check_nodes(key, source, seen)
            _check_nodes(value, source, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_nodes(item, source, seen)


#: More values than this after expanding YAML aliases is refused (an alias bomb).
MAX_VALUES = 100_000


def _expanded_size(node, memo: dict[int, int]) -> int:
    """Number of values of ``node`` with every alias expanded (memoized: linear time)."""
    if id(node) not in memo:
        memo[id(node)] = 0  # a recursive alias counts once
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        memo[id(node)] = 1 + sum(_expanded_size(child, memo) for child in children)
    return memo[id(node)]


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML (or JSON) ``text`` strictly; errors are one line naming ``source`` and the line.

    Refused: syntax errors, duplicate keys (YAML would keep the last silently), explicit tags
    (``!!python/object/apply:...``: l1l2 configs are plain data), more than one document, and
    aliases that expand to more than :data:`MAX_VALUES` values.
    """
    loader = _StrictLoader(text)
    loader.explicit_tags = []
    try:
        node = loader.get_single_node()
        for tag, mark in loader.explicit_tags:
            tag = tag.replace("tag:yaml.org,2002:", "!!")
            raise ConfigError(
                f"{source}, {_line(mark)}: YAML tag {tag!r} is not allowed; "
                "config values are plain numbers, strings, lists and mappings"
            )
        if node is None:
            return None
        _check_nodes(node, source, set())
        if _expanded_size(node, {}) > MAX_VALUES:
            raise ConfigError(
                f"{source}: more than {MAX_VALUES} values once YAML aliases are expanded; "
                "a config is a few dozen values"
            )
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", {_line(mark)}" if mark is not None else ""
        reason = " ".join(filter(None, [exc.context, exc.problem]))
        raise ConfigError(f"{source}{where}: not valid YAML ({reason})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({exc})") from None
    finally:
        loader.dispose()


_NOT_JSON = object()


def _load_json(text: str, source: str) -> Any:
    """``text`` as JSON (as Snakemake tries first: JSON may be indented with tabs, which YAML
    refuses), duplicate keys refused; ``_NOT_JSON`` if it is not JSON."""

    def pairs(items):
        keys = [key for key, _ in items]
        for key in keys:
            if keys.count(key) > 1:
                raise ConfigError(f"{source}: duplicate key {key!r}; each key may appear once")
        return dict(items)

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError:
        return _NOT_JSON


def load_config_file(path) -> dict:
    """A config file as a mapping: JSON, else YAML read with :func:`load_yaml`."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read ({exc})") from None
    data = _load_json(text, f"config file {path}")
    if data is _NOT_JSON:
        data = load_yaml(text, f"config file {path}")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"config file {path}: the top level must be a mapping of keys, "
            f"not a {type(data).__name__}"
        )
    if "__use_yte__" in data:
        raise ConfigError(
            f"config file {path} uses YTE templating ('__use_yte__'), which Snakemake "
            "evaluates as Python code; l1l2 configs must be plain YAML"
        )
    return data


def configfile_problem(paths: Sequence) -> str | None:
    """The first problem of the ``--configfile`` files ``paths`` (one line), else ``None``.

    Snakemake reads these files before any workflow code, and reports a missing one with a
    Python traceback and a bad one as "not valid JSON or YAML" without file or line; it also
    evaluates a YTE template as Python. The workflow's profiles (``profiles/*/config.yaml``) call
    this while Snakemake parses its command line, which comes first (docs/promises.md, section 7).
    """
    for path in paths:
        try:
            load_config_file(path)
        except ConfigError as exc:
            return str(exc)
    return None


def parse_config_args(entries: Sequence[str]) -> dict:
    """``--config key=value ...`` with each value read as YAML (``split={"folds": 4}``)."""
    config: dict = {}
    for entry in entries or ():
        key, sep, text = str(entry).partition("=")
        if not sep:
            raise ConfigError(f"--config {entry}: expected key=value")
        value = load_yaml(text, f"--config {key}") if text.strip() else None
        merge_config(config, {key: value})
    return config


def merge_config(base: dict, overlay: Mapping) -> dict:
    """Merge ``overlay`` into ``base`` as Snakemake does: mappings key by key, the rest replaced."""
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            merge_config(base[key], value)
        else:
            base[key] = value
    return base


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
    if error.validator == "enum":
        reason = "not a known value"
    elif error.validator in ("maxItems", "minItems"):
        reason = f"{len(error.instance)} items"
    else:
        reason = error.message
    value = repr(error.instance)
    if len(value) > 80:  # a long list: its start is enough to find it
        value = value[:60] + f"... ({len(error.instance)} items)"
    return f"config key '{key}' = {value} is invalid ({reason}); allowed: {_allowed(error.schema)}"


def _nonfinite(value, path=()) -> list[str]:
    """Keys whose value is NaN or ±inf (JSON-schema bounds let NaN through)."""
    if isinstance(value, float) and not math.isfinite(value):
        return [
            f"config key '{_key(path)}' = {value!r} is invalid (not a finite number); "
            "allowed: finite numbers only"
        ]
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    return [line for k, v in items for line in _nonfinite(v, (*path, k))]


@functools.cache
def _validator():
    """The schema's validator class (jsonschema is imported here, when a config is validated)."""
    import jsonschema

    # An integer is an int (10.0 or 1e1 would reach range() and numpy as floats).
    return jsonschema.validators.extend(
        jsonschema.Draft202012Validator,
        type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
            "integer", lambda _, v: isinstance(v, int) and not isinstance(v, bool)
        ),
    )


#: What the valid-config cache of :func:`check_config` holds.
_VALID_KIND = "l1l2 configs that passed every check v1"


def _schema_key(config: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    """sha256 of all that decides the schema check: the config and the schema (their ``repr``,
    which tells apart every type YAML gives: 1, 1.0, True, '1', dates), this module's source (the
    validator's rules) and jsonschema's version."""
    from importlib import metadata

    digest = hashlib.sha256()
    for part in (repr(config), repr(schema), metadata.version("jsonschema")):
        digest.update(b"%d:%s" % (len(part.encode()), part.encode()))
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def schema_problems(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """The JSON-schema violations of ``config``, one sentence each, in key order."""
    validator = _validator()(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    return [_describe(e) for e in errors]


def _name_collisions(config: Mapping[str, Any]) -> list[str]:
    scenarios = scenarios_from_config(
        config["scenarios"]["functions"],
        config["scenarios"]["noise_sd"],
        config["scenarios"]["n_samples"],
    )
    first: dict[str, Any] = {}
    problems = []
    for s in scenarios:
        if s.name in first and first[s.name] != s:
            problems.append(
                f"config key 'scenarios.noise_sd': values {first[s.name].noise_sd!r} and "
                f"{s.noise_sd!r} give the same scenario name {s.name!r}; use distinct values"
            )
        first.setdefault(s.name, s)
    return problems


def check_config(
    config: Mapping[str, Any], schema: Mapping[str, Any], cache: str | Path | None = None
) -> list[str]:
    """All problems of ``config`` (already filled with defaults), one sentence each; [] if valid.

    Checks, in order (a later check runs only when the earlier ones pass): numbers finite; the
    schema (:func:`schema_problems`); relations between keys; distinct scenario names; the size
    budget (:func:`l1l2.budget.budget_problems`).

    ``cache``: a file (:class:`l1l2.cache.DigestCache`) recording the configs that passed every
    check, by :func:`_schema_key`; for a config recorded there the schema check is skipped (the
    others run), which spares a workflow start importing jsonschema (0.05-0.15 CPU-s,
    ``benchmarks/rerun.py``). A config with a problem is never recorded, and nothing is written
    for it.
    """
    problems = _nonfinite(config)
    if problems:
        return problems
    store = digest_cache(cache, _VALID_KIND)
    key = _schema_key(config, schema) if store is not None else ""
    if store is None or store.get(key) is not True:
        problems = schema_problems(config, schema)
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
    problems = problems or _name_collisions(config) or budget_problems(config)
    if store is not None and not problems:
        store.put(key, True)
        store.save()
    return problems


def fill_defaults(config: dict, schema: Mapping[str, Any]) -> dict:
    """Fill the schema's defaults into ``config`` as Snakemake's ``validate(set_default=True)``."""
    for key, sub in schema.get("properties", {}).items():
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        if isinstance(config.get(key), dict):
            fill_defaults(config[key], sub)
    return config


def read_config(
    files: Sequence[str],
    config_args: Sequence[str],
    schema: Mapping[str, Any],
    cache: str | Path | None = None,
) -> tuple[dict, list[str]]:
    """The study configuration as the workflow sees it, and its problems (one line each).

    ``files`` are merged in order (``config/config.yaml``, then every ``--configfile``), then the
    ``--config key=value`` entries, the schema's defaults are filled in and :func:`check_config`
    runs (with ``cache``). A file or value that cannot be read raises :class:`ConfigError`.
    """
    config: dict = {}
    for path in dict.fromkeys(map(str, files)):
        merge_config(config, load_config_file(path))
    merge_config(config, parse_config_args(config_args))
    fill_defaults(config, schema)
    return config, check_config(config, schema, cache)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m l1l2.config FILE... [--config key=value ...]``: check a config, one line each.

    The files are merged in order (pass ``config/config.yaml`` first to check an override file as
    Snakemake sees it); a valid config prints its size estimates (:mod:`l1l2.budget`).
    """
    from .budget import estimate

    args = list(sys.argv[1:] if argv is None else argv)
    cut = args.index("--config") if "--config" in args else len(args)
    schema_path = Path(__file__).resolve().parents[2] / "workflow/schemas/config.schema.yaml"
    try:
        schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
        config, problems = read_config(args[:cut], args[cut + 1 :], schema)
    except (ConfigError, OSError) as exc:
        problems = [str(exc)]
    for line in problems:
        print(f"l1l2 config error: {line}", file=sys.stderr)
    if problems:
        return 1
    for key, value in estimate(config).items():
        print(f"{key}\t{value:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
