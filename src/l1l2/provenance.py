"""Checksums of a run's outputs and a record of where they came from.

``results/manifest.tsv`` lists path, sha256 and size of every file the study produces for its
config (data, fits, tables, figures: every output of every rule but the manifest rule), sorted
by path, and nothing else: not itself, not ``provenance.json``, not logs, benchmark timings or the
report, whose bytes change from run to run, and no file of an earlier config. Two runs of the
same config with the same code give byte-identical manifests, so ``diff`` of two manifests is a
complete comparison of two runs.

``source_digest`` fingerprints the library's own source by content, so a rule can carry it as a
parameter: editing a module reruns the rules that import it, while moving or copying a finished
study (or using the workflow from another folder) changes nothing.

``results/provenance.json`` records what produced them: the config as validated (defaults
filled in), the versions of the packages that compute the numbers, the git commit of the workflow
(with ``+dirty`` if the checkout has uncommitted changes, or ``"unknown"`` outside git) and the
platform. ``results/provenance.html`` shows the same record in the Snakemake report.
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path

from .cache import DigestCache, digest_cache

PACKAGES = ("l1l2", "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "snakemake")
MANIFEST_HEADER = ("path", "sha256", "bytes")


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_dir(package: str = "l1l2") -> Path:
    """The directory of an importable package, found through the import system (so ``PYTHONPATH``
    and editable installs count), never through the working directory or a workflow's folder."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{package}: not an importable package")
    return Path(next(iter(spec.submodule_search_locations)))


def source_files(name: str, package: str = "l1l2") -> list[Path]:
    """The files behind ``name`` in ``package``: ``"solvers"`` is ``solvers.py``; a subpackage
    (``"plots"``) is every file under its folder but bytecode caches and hidden files; a name with
    a suffix (``"l1l2.mplstyle"``) is that file. Sorted by path, so the order is deterministic."""
    root = package_dir(package)
    if (root / name).is_dir():
        files = [
            path
            for path in (root / name).rglob("*")
            if path.is_file()
            and path.suffix != ".pyc"
            and not any(part.startswith(".") or part == "__pycache__" for part in path.parts)
        ]
        return sorted(files, key=lambda p: p.relative_to(root).as_posix())
    path = root / name if Path(name).suffix else root / f"{name}.py"
    if not path.is_file():
        raise ValueError(f"{package}: no module, subpackage or file named {name!r} in {root}")
    return [path]


def library_imports(
    path: str | Path, package: str = "l1l2", cache: str | Path | None = None
) -> set[str]:
    """Modules of ``package`` that the Python file ``path`` imports anywhere (also inside
    functions), as names relative to the package: ``"solvers"``; ``"plots"`` for ``plots.style``.

    ``cache``: a file that keeps each source's import statements by the sha256 of its bytes
    (:class:`l1l2.cache.DigestCache`), so that the next process does not parse it again.
    """
    path, root = Path(path), package_dir(package)
    return set(_resolve(path, root, package, _import_statements(path, _imports_cache(cache))))


@functools.lru_cache(maxsize=1024)
def _resolve(path: Path, root: Path, package: str, statements: tuple) -> frozenset[str]:
    # The subpackage the file belongs to (for relative imports); a file outside the package (a
    # workflow script) can only import it absolutely.
    here = path.relative_to(root).parent.parts if path.is_relative_to(root) else ()
    found = set()
    for level, module, names in statements:
        if names is None:  # import a.b.c
            targets = [module.split(".")]
        else:  # from [.]*module import names
            base = [package, *here[: len(here) - level + 1]] if level else []
            prefix = [*base, *(module.split(".") if module else [])]
            targets = [prefix + [name] for name in names]
        for parts in targets:
            if parts[0] != package or len(parts) < 2:
                continue
            first = parts[1]  # the top-level module or subpackage of the library
            if (root / first).is_dir() or (root / f"{first}.py").is_file():
                found.add(first)
    return frozenset(found)


def _import_statements(path: Path, cache: DigestCache | None) -> tuple:
    """The import statements of the Python file ``path`` as ``(level, module, names)``:
    ``import a.b`` is ``(0, "a.b", None)``, ``from ..a import b, c`` is ``(2, "a", ("b", "c"))``."""
    stat = path.stat()
    # Parsed once per process and file version: a workflow hashes the same modules for many rules.
    return _statements_of(path, stat.st_mtime_ns, stat.st_size, stat.st_ino, cache)


@functools.lru_cache(maxsize=1024)
def _statements_of(path: Path, _mtime_ns: int, _size: int, _inode: int, cache) -> tuple:
    data = path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    if cache is not None and (known := _from_json(cache.get(key))) is not None:
        return known
    import ast

    statements = []
    for node in _statements(ast.parse(data, filename=str(path))):
        if isinstance(node, ast.Import):
            statements.extend((0, alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            statements.append((node.level, node.module, names))
    statements = tuple(statements)
    if cache is not None:
        cache.put(key, [[lv, m, None if n is None else list(n)] for lv, m, n in statements])
    return statements


#: Fields of an AST node that hold statements: imports are statements, so only these are walked.
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree):
    """Every statement of a module, at any depth (function, class, if, try, with, match bodies)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for field in _BODIES:
            todo.extend(reversed(getattr(node, field, ())))


#: What the import cache holds: the format of its entries, for the Python version whose syntax
#: tree gave them (new syntax can change the tree).
_IMPORTS_KIND = "l1l2 import statements v1, Python {}.{}".format(*sys.version_info[:2])


def _imports_cache(path: str | Path | None) -> DigestCache | None:
    return digest_cache(path, _IMPORTS_KIND)


def _from_json(entry) -> tuple | None:
    """Import statements as :func:`_import_statements` gives them, from a cache entry; ``None``
    if the entry does not have that shape."""
    try:
        statements = tuple(
            (level, module, None if names is None else tuple(names))
            for level, module, names in entry
        )
    except (TypeError, ValueError):
        return None
    for level, module, names in statements:
        if type(level) is not int or level < 0 or not isinstance(module, str | None):
            return None
        if names is None and (level or module is None):
            return None
        if names is not None and not all(isinstance(name, str) for name in names):
            return None
    return statements


def library_sources(
    *names: str, package: str = "l1l2", cache: str | Path | None = None
) -> list[Path]:
    """The files of ``names`` (see :func:`source_files`) and of every library module they import,
    transitively: what a script that imports ``names`` runs of the library. ``cache``: see
    :func:`library_imports`."""
    root = package_dir(package)
    imports = _imports_cache(cache)
    todo, seen, files = list(names), set(), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for path in source_files(name, package):
            files.add(path)
            if path.suffix == ".py":
                statements = _import_statements(path, imports)
                todo.extend(_resolve(path, root, package, statements) - seen)
    if imports is not None:
        imports.save()
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def source_digest(*names: str, package: str = "l1l2", cache: str | Path | None = None) -> str:
    """sha256 over the content of the library sources ``names`` and the library modules they
    import (see :func:`library_sources`).

    Each file enters as its path relative to the package and its bytes, in sorted order, so the
    digest changes when a file's content changes, a file is added to or removed from a subpackage,
    or a file is renamed, and stays the same when files are touched, moved or copied together with
    the package (their folder is not part of it). The order and repetition of ``names`` do not
    matter. ``cache`` (a file, see :func:`library_imports`) only saves parsing: the digest is the
    same with or without it, and with a cache file that is missing, stale or corrupt.
    """
    root = package_dir(package)
    digest = hashlib.sha256()
    for path in library_sources(*names, package=package, cache=cache):
        data = path.read_bytes()
        relative = path.relative_to(root).as_posix().encode()
        digest.update(b"%d:%s%d:" % (len(relative), relative, len(data)))
        digest.update(data)
    return digest.hexdigest()


def output_regex(pattern: str, values: Mapping[str, Sequence[str]] | None = None) -> str:
    """A regular expression for the files a Snakemake output ``pattern`` stands for.

    A wildcard ``{name}`` (or ``{name,constraint}``) listed in ``values`` matches exactly one of
    those values; any other wildcard matches one path component. A directory output also matches
    the files inside it.
    """
    values = values or {}
    parts = re.split(r"\{([^{}]+)\}", pattern)
    regex = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex.append(re.escape(part))
            continue
        name = part.split(",", 1)[0].strip()
        if name in values:
            regex.append("(?:" + "|".join(re.escape(str(v)) for v in values[name]) + ")")
        else:
            regex.append("[^/]+")
    return "".join(regex) + "(?:/.+)?"


def find_outputs(patterns: Iterable[str], values: Mapping[str, Sequence[str]] | None = None):
    """Existing files (relative to the working directory) that match an output pattern.

    Only the directories the patterns start in are searched, and only files matching a pattern
    with this config's wildcard values are returned: logs, benchmark timings, the report, stray
    files and outputs of an earlier config (another scenario, a dropped model) are left out.
    """
    patterns = list(patterns)
    regexes = [re.compile(output_regex(p, values)) for p in patterns]
    roots = sorted({Path(p).parts[0] for p in patterns if "{" not in Path(p).parts[0]})
    found = []
    for root in map(Path, roots):
        candidates = [root] if root.is_file() else root.rglob("*")
        for path in candidates:
            name = path.as_posix()
            if path.is_file() and any(r.fullmatch(name) for r in regexes):
                found.append(path)
    return sorted(found, key=lambda p: p.as_posix())


def manifest_rows(paths: Iterable[str | Path]) -> list[tuple[str, str, int]]:
    """(path, sha256, bytes) of every file in ``paths``, sorted by path."""
    files = sorted({Path(p) for p in paths}, key=lambda p: p.as_posix())
    return [(p.as_posix(), sha256(p), p.stat().st_size) for p in files]


def write_manifest(paths: Iterable[str | Path], target: str | Path) -> None:
    """Write the manifest of ``paths`` to ``target`` as tab-separated ``path sha256 bytes``."""
    rows = manifest_rows(paths)
    target = Path(target)
    if any(Path(name) == target for name, _, _ in rows):
        raise ValueError(f"{target}: a manifest cannot list itself")
    with open(target, "w", newline="\n") as out:
        out.write("\t".join(MANIFEST_HEADER) + "\n")
        for name, digest, size in rows:
            out.write(f"{name}\t{digest}\t{size}\n")


def read_manifest(path: str | Path) -> dict[str, tuple[str, int]]:
    """``{path: (sha256, bytes)}`` from a manifest written by :func:`write_manifest`."""
    with open(path) as handle:
        header = tuple(handle.readline().rstrip("\n").split("\t"))
        if header != MANIFEST_HEADER:
            raise ValueError(f"{path}: not a manifest (header {header})")
        rows = {}
        for line in handle:
            name, digest, size = line.rstrip("\n").split("\t")
            rows[name] = (digest, int(size))
    return rows


def git_commit(directory: str | Path) -> str:
    """The commit of the workflow's checkout, with ``+dirty`` if it has changes, or "unknown"."""

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _plain(value):
    """``value`` with every mapping a dict and every sequence a list (JSON-ready, no aliases)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def provenance(config: Mapping, workflow_dir: str | Path) -> dict:
    """The validated config, package versions, the git commit and the platform of a run."""
    return {
        "config": _plain(config),
        "packages": package_versions(),
        "git_commit": git_commit(workflow_dir),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "executable": sys.executable,
    }


def write_provenance(record: Mapping, path: str | Path) -> None:
    with open(path, "w", newline="\n") as out:
        json.dump(record, out, indent=2, sort_keys=True)
        out.write("\n")


def provenance_html(record: Mapping) -> str:
    """A small self-contained HTML page of a provenance record, for the Snakemake report."""

    def row(key, value):
        key, value = html.escape(str(key)), html.escape(str(value))
        return f"<tr><th>{key}</th><td><code>{value}</code></td></tr>"

    run = [
        row(k, record[k])
        for k in ("git_commit", "python", "platform", "machine", "executable")
        if k in record
    ]
    packages = [row(k, v) for k, v in sorted(record.get("packages", {}).items())]
    config = html.escape(json.dumps(record.get("config", {}), indent=2, sort_keys=True))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8"><title>l1l2 provenance</title>',
            "<style>body{font-family:sans-serif;margin:1em}th{text-align:left;padding-right:1em}"
            "pre{background:#f6f6f6;padding:.5em}</style></head><body>",
            "<h1>Provenance of this run</h1>",
            "<h2>Code and platform</h2>",
            "<table>",
            *run,
            "</table>",
            "<h2>Package versions</h2>",
            "<table>",
            *packages,
            "</table>",
            "<h2>Configuration (as validated, defaults filled in)</h2>",
            f"<pre>{config}</pre>",
            "<p>Checksums of every output: <code>results/manifest.tsv</code>.</p>",
            "</body></html>",
            "",
        ]
    )
