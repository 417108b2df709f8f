"""Flat, sorted, NaN-free results files (DESIGN §5).

Every number a notebook shows is also put into a :class:`ResultsRecorder` under a dotted key
``<scope>.<outcome>.<method>.<field>`` (or ``<scope>.<topic>.<name>``), and written as ``results.json``: one flat
JSON object, keys sorted, values numbers, strings or booleans, never NaN. The same inputs give the same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.core.atomic import write_text
from evaluation.core.keys import KEY_RE, key

Value = bool | int | float | str


def _clean(key: str, value: Any) -> Value:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"results key {key!r}: value {v} is not finite; record a status string instead")
        return 0.0 if v == 0 else v  # no negative zero
    if isinstance(value, str):
        return value
    raise TypeError(f"results key {key!r}: value {value!r} of type {type(value).__name__} is not a number/str/bool")


class ResultsRecorder:
    """Collects dotted keys for one notebook (one scope) and writes them as JSON."""

    def __init__(self) -> None:
        self._data: dict[str, Value] = {}

    def add(self, key: str, value: Any) -> None:
        """Record one value; recording the same key twice with a different value is an error."""
        if not KEY_RE.match(key):
            raise ValueError(f"results key {key!r} is not of the form scope.topic.name[.field]")
        v = _clean(key, value)
        if key in self._data and self._data[key] != v:
            raise ValueError(f"results key {key!r} recorded twice with different values ({self._data[key]!r}, {v!r})")
        self._data[key] = v

    def update(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Record several values."""
        pairs = items.items() if isinstance(items, Mapping) else items
        for k, v in pairs:
            self.add(k, v)

    def add_estimate(self, scope: str, estimate: Any, method: str | None = None) -> None:
        """Record every field of an :class:`~evaluation.stats.results.Estimate` (fields that are None are skipped)."""
        d = estimate.to_dict()
        m = method or d["method"]
        for name, value in d.items():
            if value is None or name in ("outcome", "method"):
                continue
            if isinstance(value, float) and not math.isfinite(value):
                continue
            self.add(key(scope, d["outcome"], m, name), value)

    def as_dict(self) -> dict[str, Value]:
        """A sorted copy of what was recorded."""
        return dict(sorted(self._data.items()))

    def __len__(self) -> int:
        return len(self._data)

    def write(self, path: str | Path) -> Path:
        """Write atomically as sorted JSON."""
        return write_results(self._data, path)


def dumps_results(data: Mapping[str, Any]) -> str:
    """Canonical text of a results mapping: sorted keys, one key per line, no NaN."""
    clean = {k: _clean(k, v) for k, v in data.items()}
    return json.dumps(clean, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_results(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename (never half-written)."""
    return write_text(path, dumps_results(data))


def read_results(path: str | Path) -> dict[str, Value]:
    """Read a results file."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def merge_results(parts: Iterable[Mapping[str, Any]]) -> dict[str, Value]:
    """Merge per-notebook results; the same key with two different values is an error."""
    out: dict[str, Value] = {}
    for part in parts:
        for k, v in part.items():
            if k in out and out[k] != v:
                raise ValueError(f"results key {k!r} differs between notebooks ({out[k]!r} vs {v!r})")
            out[k] = v
    return dict(sorted(out.items()))
