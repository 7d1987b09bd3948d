"""Small JSON files of values computed from content, keyed by a digest of that content.

A workflow start repeats work whose result is fully decided by some bytes it reads: which modules
a library module imports (its syntax tree), whether a configuration passes the JSON schema. A
:class:`DigestCache` keeps such results between processes, keyed by a sha256 of everything the
result depends on, so a key can only ever meet its own result.

Safe to lose and to share: a missing, unreadable, corrupt or foreign file (another ``kind``, such
as another format version or Python version) reads as empty; the file is replaced atomically (a
temporary file in the same folder, then ``os.replace``), so concurrent processes never read a
half-written file, the last writer wins and the others' new entries are computed again next
time; writing is best effort (a folder that cannot be written only costs the recomputation). A
cache holds at most :attr:`DigestCache.MAX_ENTRIES` entries, the most recently added.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


class DigestCache:
    """JSON values by key in the file ``path``; ``kind`` names what they are and how they are
    encoded: a file written for another kind is ignored (and replaced on the next save)."""

    MAX_ENTRIES = 512

    def __init__(self, path: str | Path, kind: str):
        self.path = Path(path)
        self.kind = kind
        self._entries = self._load()
        self._dirty = False

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if (
            not isinstance(data, dict)
            or data.get("kind") != self.kind
            or not isinstance(data.get("entries"), dict)
        ):
            return {}
        return data["entries"]

    def get(self, key: str) -> Any:
        """The value stored for ``key`` (as JSON gives it back), else ``None``. Callers check its
        shape: the file may have been edited."""
        return self._entries.get(key)

    def put(self, key: str, value: Any) -> None:
        self._entries.pop(key, None)
        self._entries[key] = value
        self._dirty = True

    def save(self) -> None:
        """Write the file if entries were added since it was read or written (best effort)."""
        if not self._dirty:
            return
        entries = dict(list(self._entries.items())[-self.MAX_ENTRIES :])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump({"kind": self.kind, "entries": entries}, out, separators=(",", ":"))
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            return
        self._dirty = False


#: One DigestCache per file and process: read once, then kept in memory.
_OPEN: dict[tuple[str, str], DigestCache] = {}


def digest_cache(path: str | Path | None, kind: str) -> DigestCache | None:
    """The process's :class:`DigestCache` for the file ``path`` (``None`` for ``None``)."""
    if path is None:
        return None
    key = (os.path.abspath(path), kind)
    if key not in _OPEN:
        _OPEN[key] = DigestCache(key[0], kind)
    return _OPEN[key]
