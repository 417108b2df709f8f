"""What every renderer of a run needs: the results view, the config, the codebook, the targets, the run's date."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from evaluation.core.config import NATIONAL, Config
from evaluation.core.evidence import Evidence, grade
from evaluation.core.plan import AnalysisPlan, load_plan
from evaluation.core.record import read_results
from evaluation.core.targets import Targets, load_targets
from evaluation.intake.codebook import Codebook, load_codebook
from evaluation.reporting.findings import OutcomeText
from evaluation.reporting.view import ResultsView
from evaluation.text.catalogue import t
from evaluation.text.formats import format_number, format_percent, format_rupiah

LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class RunContext:
    """A run directory's results plus the configuration that labels them."""

    run_dir: Path
    run_id: str
    run_date: dt.date
    view: ResultsView
    cfg: Config
    codebook: Codebook
    targets: Targets
    plan: AnalysisPlan

    def evidence(self, scope: str, outcome: str) -> Evidence:
        """The evidence grade of ``outcome`` in ``scope`` (:func:`evaluation.core.evidence.grade`, the one rule)."""
        return grade(self.view.data, scope, outcome, self.plan)

    def good(self, outcome: str) -> str:
        """Direction of good of an outcome from the codebook (``up`` or ``down``); the plan's negatives else."""
        var = self.codebook[outcome] if outcome in self.codebook else None
        if var is not None and var.good_direction:
            return var.good_direction
        return "down" if outcome in self.plan.negative else "up"

    @property
    def results_id(self) -> str:
        """First 12 hex digits of the SHA-256 of ``results.json``.

        It ties a brief to its numbers and gives the same bytes for the same results (a run id or clock time would
        make identical reports differ).
        """
        import hashlib

        return hashlib.sha256((self.run_dir / "results.json").read_bytes()).hexdigest()[:12]

    @property
    def headline(self) -> tuple[str, ...]:
        """Headline outcomes (config), else the first four outcomes."""
        return tuple(self.cfg.analysis.headline) or tuple(self.cfg.analysis.outcomes[:4])

    def scopes(self) -> list[str]:
        """Scopes of the run in config order, national last."""
        present = set(self.view.scopes())
        return [*(c for c in self.cfg.region_codes if c in present), *([NATIONAL] if NATIONAL in present else [])]

    def scope_label(self, scope: str, lang: str) -> str:
        """Region name, or 'Nasional'/'National'."""
        return t("national", lang) if scope == NATIONAL else self.cfg.region(scope).name

    def outcome_text(self, outcome: str, lang: str) -> OutcomeText:
        """Label and difference format of an outcome (money in rupiah, 0/1 outcomes in percentage points)."""
        var = self.codebook[outcome]
        if var.type == "binary":
            unit = t("unit_percentage_points", lang)

            def fmt(x: float, signed: bool) -> str:
                return f"{format_number(100 * x, lang, 1, signed=signed)} {unit}"

            return OutcomeText(var.label(lang), fmt, self.good(outcome))
        if var.is_money:
            return OutcomeText(
                var.label_with_unit(lang), lambda x, signed: format_rupiah(x, lang, signed=signed), self.good(outcome)
            )
        return OutcomeText(
            var.label_with_unit(lang), lambda x, signed: format_number(x, lang, 2, signed=signed), self.good(outcome)
        )

    def axis_unit(self, outcome: str, lang: str) -> str:
        """Axis label of an outcome's level."""
        var = self.codebook[outcome]
        if var.type == "binary":
            return t("unit_share_of_families", lang)
        return var.unit(lang)

    def effect_unit(self, outcome: str, lang: str) -> tuple[float, str]:
        """Scale and axis label of an outcome's effects (0/1 outcomes in percentage points)."""
        var = self.codebook[outcome]
        if var.type == "binary":
            return 100.0, t("unit_percentage_points", lang)
        return 1.0, var.unit(lang)

    def source(self, scope: str, lang: str) -> str:
        """Source line for captions."""
        return t("source_synthetic" if self.view.synthetic(scope) else "source_survey", lang)

    def source_line(self, scope: str, lang: str) -> str:
        """Longer source statement for the brief's data-source box."""
        return t("source_line", lang, source=self.source(scope, lang), run_id=self.results_id)

    def landing_file(self, lang: str) -> str:
        """The landing page in ``lang``: ``index.html`` in the run's language, else ``index_<lang>.html``."""
        return "index.html" if lang == self.cfg.run.language else f"index_{lang}.html"

    def percent(self, x: float, lang: str) -> str:
        """A share as a percentage without decimals."""
        return format_percent(x, lang, 0)


def _run_date(run_dir: Path, run_id: str) -> dt.date:
    """The report date: the manifest's ``created_utc`` (the one documented run date), else the run id's date."""
    manifest = run_dir / "manifest.json"
    if manifest.is_file():
        try:
            created = json.loads(manifest.read_text(encoding="utf-8")).get("created_utc", "")
            return dt.date.fromisoformat(str(created)[:10])
        except ValueError:
            pass
    m = re.match(r"^(\d{4})(\d{2})(\d{2})", run_id)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    return dt.date.today()


def open_run(run_dir: str | Path, cfg: Config, run_id: str | None = None) -> RunContext:
    """Read ``<run_dir>/results.json`` and the labels; ``run_id`` defaults to the directory name."""
    d = Path(run_dir)
    rid = run_id or d.resolve().name.removesuffix(".partial")
    return RunContext(
        run_dir=d,
        run_id=rid,
        run_date=_run_date(d, rid),
        view=ResultsView(read_results(d / "results.json")),
        cfg=cfg,
        codebook=load_codebook(cfg.run.codebook),
        targets=load_targets(cfg.run.targets),
        plan=load_plan(None),
    )
