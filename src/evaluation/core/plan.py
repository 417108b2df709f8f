"""The pre-analysis plan (``data/analysis_plan.toml``): outcomes, families, subgroups, tests and cost assumptions.

A pre-analysis plan fixes, before the results are seen, which outcomes are primary, how outcomes are grouped into
summary indices, which subgroups are examined and which multiple-testing corrections are applied (Casey,
Glennerster and Miguel 2012, QJE 127(4); Olken 2015, JEP 29(3)). The notebooks read it through
:func:`load_plan`, and every table says whether a result was pre-specified or is exploratory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.core.config import _build, read_toml
from evaluation.core.errors import UserError
from evaluation.core.paths import DATA_DIR

__all__ = ["DEFAULT_PLAN", "AnalysisPlan", "CostSettings", "InferenceSettings", "load_plan"]

DEFAULT_PLAN: Path = DATA_DIR / "analysis_plan.toml"
CORRECTIONS = ("holm", "fdr_bh", "romano_wolf")


@dataclass(frozen=True)
class InferenceSettings:
    """Bootstrap sizes and thresholds."""

    few_clusters: int = 30
    bootstrap_draws: int = 9999
    romano_wolf_draws: int = 2999
    lee_draws: int = 199
    power: float = 0.8


@dataclass(frozen=True)
class CostSettings:
    """Unit costs (Rp) and the benefit horizon of the cost-benefit analysis."""

    tksk_session: float = 150_000.0
    mentoring_session: float = 250_000.0
    overhead_per_family: float = 500_000.0
    horizon_years: int = 5
    discount_rate: float = 0.10
    decay: float = 0.0
    sensitivity_horizons: tuple[int, ...] = (1, 3, 5, 10)
    sensitivity_discount_rates: tuple[float, ...] = (0.05, 0.10, 0.15)
    sensitivity_decays: tuple[float, ...] = (0.0, 0.25)


@dataclass(frozen=True)
class AnalysisPlan:
    """The whole plan; ``path`` is the file it came from."""

    path: str
    title: str
    registered: str
    primary: tuple[str, ...]
    secondary: tuple[str, ...]
    negative: tuple[str, ...]
    subgroups: tuple[str, ...]
    balance: tuple[str, ...]
    doses: tuple[str, ...]
    corrections: tuple[str, ...]
    families: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inference: InferenceSettings = field(default_factory=InferenceSettings)
    cost: CostSettings = field(default_factory=CostSettings)
    estimator: str = "did"  # the primary estimator: the claims, corrections and bootstrap rest on it
    checks: tuple[str, ...] = ("drdid", "ancova")  # estimators shown beside it as robustness checks

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Primary then secondary outcomes."""
        return (*self.primary, *self.secondary)

    def status(self, outcome: str) -> str:
        """``primary``, ``secondary``, ``index`` (a pre-specified family index) or ``exploratory``."""
        if outcome in self.primary:
            return "primary"
        if outcome in self.secondary:
            return "secondary"
        if outcome in self.families:
            return "index"
        return "exploratory"

    def prespecified(self, outcome: str) -> bool:
        """Whether the plan declared this outcome (or index) before the data were seen."""
        return self.status(outcome) != "exploratory"

    def check_outcomes(self, known: Sequence[str]) -> None:
        """Raise a :class:`UserError` if the plan names an outcome not in ``known``."""
        names = [*self.outcomes, *(o for fam in self.families.values() for o in fam), *self.negative]
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise UserError(
                f"the analysis plan names unknown outcome(s) {', '.join(unknown)}",
                file=self.path,
                rule="outcomes must be listed in [analysis] outcomes of the config",
                fix="correct the names or add the outcomes to the config",
            )


def _strings(raw: dict[str, Any], key: str, where: str, path: str, required: bool = True) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(f"[{where}] {key} must be a list of names", file=path, fix='write e.g. ["a", "b"]')
    return tuple(value)


def load_plan(path: str | Path | None = None) -> AnalysisPlan:
    """Read and check the analysis plan (default ``data/analysis_plan.toml``)."""
    raw, shown = read_toml(
        path, DEFAULT_PLAN, "analysis plan", {"plan", "families", "inference", "cost"},
        "create it from data/analysis_plan.toml",
    )
    plan = raw.get("plan", {})
    keys = {"title", "registered", "primary", "secondary", "negative", "subgroups", "balance", "doses", "corrections"}
    keys |= {"estimator", "checks"}
    extra = sorted(set(plan) - keys)
    if extra:
        raise UserError(f"unknown key(s) {', '.join(extra)} in [plan]", file=shown, fix="remove or correct them")
    primary = _strings(plan, "primary", "plan", shown)
    if not primary:
        raise UserError("[plan] primary is empty", file=shown, fix="declare at least one primary outcome")
    corrections = _strings(plan, "corrections", "plan", shown, required=False) or CORRECTIONS
    bad = sorted(set(corrections) - set(CORRECTIONS))
    if bad:
        raise UserError(
            f"[plan] corrections names unknown method(s) {', '.join(bad)}",
            file=shown,
            rule=f"corrections are {', '.join(CORRECTIONS)}",
            fix="correct the names",
        )
    estimator = plan.get("estimator", "did")
    if estimator != "did":
        raise UserError(
            f"[plan] estimator is {estimator!r}, but the reports' claims, corrections and wild bootstrap are computed "
            "for the difference-in-differences",
            file=shown,
            rule='estimator = "did"; the doubly robust DiD and ANCOVA are robustness checks (checks = [...])',
            fix='write estimator = "did"',
        )
    checks = _strings(plan, "checks", "plan", shown, required=False) if "checks" in plan else ("drdid", "ancova")
    bad = sorted(set(checks) - {"drdid", "ancova"})
    if bad:
        raise UserError(
            f"[plan] checks names unknown estimator(s) {', '.join(bad)}",
            file=shown,
            rule="checks are drdid, ancova",
            fix="correct the names",
        )
    families = {}
    for name, members in raw.get("families", {}).items():
        if not name.startswith("index_"):
            raise UserError(f"family {name!r} must be named index_<topic>", file=shown, fix=f"rename to index_{name}")
        families[name] = _strings({name: members}, name, "families", shown)
    return AnalysisPlan(
        path=shown,
        title=str(plan.get("title", "")),
        registered=str(plan.get("registered", "")),
        primary=primary,
        secondary=_strings(plan, "secondary", "plan", shown, required=False),
        negative=_strings(plan, "negative", "plan", shown, required=False),
        subgroups=_strings(plan, "subgroups", "plan", shown, required=False),
        balance=_strings(plan, "balance", "plan", shown, required=False),
        doses=_strings(plan, "doses", "plan", shown, required=False),
        corrections=corrections,
        families=families,
        inference=_build(InferenceSettings, raw.get("inference", {}), "inference", shown),
        cost=_build(CostSettings, raw.get("cost", {}), "cost", shown),
        estimator=estimator,
        checks=checks,
    )
