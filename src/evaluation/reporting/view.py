"""Read access to a run's ``results.json`` by scope, outcome, method and field (DESIGN §5 key shape).

The reports read numbers only through this view, so a brief, a workbook and the landing page read the same
numbers the same way, and none of them computes a statistic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evaluation.core.keys import is_key, key, prefix, split

ESTIMATE_FIELDS = ("estimate", "se", "ci_low", "ci_high", "p_value", "n_obs", "n_units", "n_clusters")


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval (one method, one outcome, one scope)."""

    estimate: float
    ci_low: float
    ci_high: float
    n_units: int | None = None
    n_clusters: int | None = None
    p_value: float | None = None

    @property
    def includes_zero(self) -> bool:
        """True when the interval contains zero (the data cannot tell an effect from none)."""
        return self.ci_low <= 0 <= self.ci_high


class ResultsView:
    """The flat results mapping, read by scope."""

    def __init__(self, results: Mapping[str, Any]) -> None:
        self.data = dict(results)
        # Keys by scope (first dotted part), in the same order: a scope's lookups scan only its own keys, so a
        # run of hundreds of districts costs each brief the same as a run of five regions.
        self._by_scope: dict[str, dict[str, Any]] = {}
        for k, v in self.data.items():
            self._by_scope.setdefault(k.split(".", 1)[0], {})[k] = v

    def _scope_items(self, scope: str) -> dict[str, Any]:
        return self._by_scope.get(scope.split(".", 1)[0], {})

    def get(self, key: str, default: Any = None) -> Any:
        """One value, or ``default``."""
        return self.data.get(key, default)

    def scopes(self) -> list[str]:
        """Scopes present (anything with a ``<scope>.meta.synthetic`` key), in key order."""
        return sorted({split(k)[0] for k in self.data if k.endswith(".meta.synthetic")})

    def interval(self, scope: str, outcome: str, method: str) -> Interval | None:
        """The estimate of ``method`` for ``outcome`` in ``scope``, or None when it was not (or could not be) run."""
        try:
            est, lo, hi = (float(self.data[key(scope, outcome, method, f)]) for f in ("estimate", "ci_low", "ci_high"))
        except KeyError:
            return None
        n_units = self.data.get(key(scope, outcome, method, "n_units"))
        n_clusters = self.data.get(key(scope, outcome, method, "n_clusters"))
        p_value = self.data.get(key(scope, outcome, method, "p_value"))
        return Interval(est, lo, hi, n_units, n_clusters, p_value)

    def topic(self, scope: str, *parts: str) -> dict[str, Any]:
        """All ``<scope>.<part>....<rest>`` keys as ``{rest: value}``.

        ``topic(scope, "sample")``, ``topic(scope, outcome, "did")``; a dotted part (``"scorecard.summary"``) is
        taken as its parts.
        """
        pre = prefix(scope, *(q for part in parts for q in part.split(".")))
        return {k[len(pre) :]: v for k, v in self._scope_items(scope).items() if k.startswith(pre)}

    def nested(self, scope: str, topic: str) -> dict[str, dict[str, Any]]:
        """``<scope>.<topic>.<name>.<field>`` keys as ``{name: {field: value}}``."""
        out: dict[str, dict[str, Any]] = {}
        for rest, v in self.topic(scope, topic).items():
            if "." in rest:
                name, fld = rest.rsplit(".", 1)
                out.setdefault(name, {})[fld] = v
        return out

    def outcomes(self, scope: str, method: str) -> list[str]:
        """Outcomes with an estimate of ``method`` in ``scope``."""
        found = []
        for k in self._scope_items(scope):
            parts = split(k) if is_key(k) else ()
            if parts and parts[0] == scope and len(parts) > 3 and parts[-2:] == (method, "estimate"):
                found.append(".".join(parts[1:-2]))
        return sorted(found)

    def synthetic(self, scope: str) -> bool:
        """True when the scope's numbers come from synthetic data (the reports then carry a banner)."""
        return bool(self.data.get(key(scope, "meta", "synthetic"), False))

    def period(self, scope: str) -> tuple[dt.date | None, dt.date | None]:
        """First baseline and last endline interview dates, when recorded."""
        out = []
        for name in ("period_start", "period_end"):
            v = self.data.get(key(scope, "meta", name))
            out.append(dt.date.fromisoformat(v) if isinstance(v, str) else None)
        return out[0], out[1]

    def covers_2020(self, scope: str) -> bool:
        """True when the data period overlaps 2020, the COVID-19 year (unknown period: True, the careful side)."""
        start, end = self.period(scope)
        if start is None or end is None:
            return True
        return start.year <= 2020 <= end.year
