"""What one monitoring-round notebook runs for one scope and period: compute the keys, then show them.

:func:`open_monitoring_round` opens the processed data (the rounds table ``rounds.csv`` the intake wrote from the
data directory's ``rounds/`` exports, and the roster), selects the scope's ProKUS families and computes, with
:mod:`evaluation.stats.rounds`, the cumulative realisation against the plan to date, the early warnings of the round
and the follow-up of the previous round's warnings. Keys (``<scope>.monitoring.<period>....``, DESIGN §5) go to
``<output_dir>/results.json``; warning counts that describe fewer than ``[run] min_cell_size`` families are
suppressed. The pseudonymous ids to follow up go only to ``<output_dir>/restricted/`` (mode 0700, never linked
from a report).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.analysis.display import Banner, Section, Sections
from evaluation.core.atomic import replacing_file, write_text
from evaluation.core.cellsafe import write_csv
from evaluation.core.config import Config, load_config, with_overrides
from evaluation.core.disclosure import MARK
from evaluation.core.errors import UserError
from evaluation.core.monitoring_plan import SCHEDULE_INDICATORS, WARNING_RULES, MonitoringPlan, load_monitoring_plan
from evaluation.core.paths import REPORTS_DIR, resolve
from evaluation.core.record import ResultsRecorder
from evaluation.intake.codebook import load_codebook
from evaluation.intake.pipeline import ensure_processed
from evaluation.stats import rounds as sr
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import t
from evaluation.text.figures import save_png
from evaluation.text.formats import format_number, format_percent
from evaluation.text.rounds import format_indicator, rule_label

__all__ = ["MonitoringRound", "open_monitoring_round"]

NATIONAL = "national"


@dataclass
class MonitoringRound:
    """One scope's monitoring round: its tables, computed once, and their displays.

    Parameters
    ----------
    scope : str
        A region code or ``national``.
    period : str
        ``YYYY-MM``, one of the plan's periods.
    lang : str
        ``id`` or ``en``.
    plan : MonitoringPlan
        Periods, schedule and warning rules.
    visits : pandas.DataFrame
        The scope's visits (all rounds).
    families : list of str
        The scope's ProKUS families (pseudonymous ids).
    k : int
        Disclosure threshold (families).
    output_dir : pathlib.Path
        Where ``results.json``, the figure and the restricted list go.
    title : str
        The scope's name as shown.
    synthetic : bool
        Whether the data are the synthetic demo (a banner says so).
    """

    scope: str
    period: str
    lang: str
    plan: MonitoringPlan
    visits: pd.DataFrame
    families: list[str]
    k: int
    output_dir: Path
    title: str
    synthetic: bool = False
    recorder: ResultsRecorder = field(default_factory=ResultsRecorder)

    def __post_init__(self) -> None:
        idx = self.plan.periods.index(self.period)
        self.progress_table = sr.progress(self.visits, self.families, self.plan, self.period)
        self.warning_table = sr.warnings(self.visits, self.families, self.plan, self.period)
        self.previous = self.plan.periods[idx - 1] if idx > 0 else None
        self.tracked = None
        if self.previous is not None:
            before = sr.warnings(self.visits, self.families, self.plan, self.previous)
            visited = set(self.visits.loc[self.visits["period"] == self.period, "family_id"])
            self.tracked = sr.follow_up(before, self.warning_table, visited)
        self.recorder.update(sr.round_keys(self.scope, self.period, self.progress_table, self.warning_table,
                                           self.tracked, self.k))  # fmt: skip
        if self.tracked is not None and self.scope == NATIONAL:  # resolution rate per region (public, [c] rule)
            by_region = sr.resolution_rates(self.tracked, "region")
            self.recorder.update(sr.rate_keys(self.scope, self.period, by_region, "region", self.k))
        n_visited = int((self.visits["period"] == self.period).sum())
        self.recorder.add(f"{self.scope}.monitoring.{self.period}.visits.families", len(self.families))
        self.recorder.add(f"{self.scope}.monitoring.{self.period}.data.synthetic", bool(self.synthetic))
        if not 0 < n_visited < self.k:
            self.recorder.add(f"{self.scope}.monitoring.{self.period}.visits.visited", n_visited)
        base = f"{self.scope}.monitoring.{self.period}.quarter"
        for quarter, p in self.quarter_ends().items():  # the triwulan table travels with the round
            prog = sr.progress(self.visits, self.families, self.plan, p)
            for _, r in prog.iterrows():
                for f in ("plan", "realisation"):
                    if pd.notna(r[f]):
                        self.recorder.add(f"{base}.{quarter}.{r['indicator']}.{f}", float(r[f]))
            self.recorder.add(f"{base}.{quarter}.period", p)

    def quarter_ends(self) -> dict[str, str]:
        """Each quarter (triwulan) up to this period and its last period so far (``2020-Q4`` -> ``2020-12``)."""
        ends: dict[str, str] = {}
        for p in self.plan.periods:
            if p <= self.period:
                ends[self.plan.quarter(p)] = p
        return ends

    # ------------------------------------------------------------------------------------------------ shows
    def header(self) -> Banner:
        """Title, and the synthetic-data banner when the data are synthetic."""
        banner = t("banner_synthetic", self.lang) if self.synthetic else ""
        return Banner(text=banner, title=t("mr_title", self.lang, period=self.period, scope=self.title))

    def _count(self, rule: str) -> int | None:
        c = self.recorder.as_dict().get(f"{self.scope}.monitoring.{self.period}.warning.{rule}.count")
        return None if c is None else int(c)

    def actions(self) -> Section:
        """What needs action now: each warning raised this round, largest first, with what to do."""
        lines = []
        counts = [(r, self._count(r)) for r in WARNING_RULES]
        ranked = sorted(counts, key=lambda rc: -(rc[1] if rc[1] is not None else self.k - 0.5))
        for rule, c in ranked:
            what, action = rule_label(rule, self.plan, self.lang), t(f"mr_act_{rule}", self.lang)
            if c is None:
                lines.append(t("mr_action_suppressed", self.lang, k=self.k, what=what, action=action))
            elif c > 0:
                lines.append(t("mr_action_line", self.lang, count=format_number(c, self.lang), what=what,
                               action=action))  # fmt: skip
        if not lines:
            lines = [t("mr_no_action", self.lang)]
        return Section(t("mr_actions", self.lang), None, [*lines, t("mr_restricted_note", self.lang)])

    def _fmt(self, name: str, value: float) -> str:
        return format_indicator(name, value, self.lang)

    def progress(self) -> Section:
        """Cumulative realisation against the plan to date, with the scorecard's status."""
        rows = []
        for _, r in self.progress_table.iterrows():
            rows.append({
                t("mr_col_indicator", self.lang): t(f"mr_ind_{r['indicator']}", self.lang),
                t("mr_col_plan", self.lang): self._fmt(r["indicator"], r["plan"]),
                t("mr_col_realisation", self.lang): self._fmt(r["indicator"], r["realisation"]),
                t("mr_col_ratio", self.lang): mt.format_ratio(r["ratio"], self.lang),
                t("mr_col_status", self.lang): mt.status_text(r["status"], self.lang),
            })  # fmt: skip
        return Section(t("mr_progress", self.lang), pd.DataFrame(rows))

    def warnings(self) -> Section:
        """Count of each warning of the round ([c] when it describes fewer than k families)."""
        rows = []
        for rule in WARNING_RULES:
            c = self._count(rule)
            rows.append({t("mr_col_rule", self.lang): rule_label(rule, self.plan, self.lang),
                         t("mr_col_count", self.lang): MARK if c is None else format_number(c, self.lang)})  # fmt: skip
        return Section(t("mr_warnings", self.lang), pd.DataFrame(rows), [t("mr_suppressed_note", self.lang, k=self.k)])

    def follow_up(self) -> Section:
        """The previous round's warnings: resolved, still open, new, and the resolution rate."""
        if self.tracked is None:
            return Section(t("mr_follow_up", self.lang), None, [t("mr_fu_first", self.lang)])
        keys = self.recorder.as_dict()
        base = f"{self.scope}.monitoring.{self.period}.follow_up"
        rows = []
        for state in sr.FOLLOW_UP:
            c = keys.get(f"{base}.{state}.count")
            shown = MARK if c is None else format_number(int(c), self.lang)
            rows.append({t("mr_col_status", self.lang): t(f"mr_fu_{state}", self.lang),
                         t("mr_col_count", self.lang): shown})
        rate = keys.get(f"{base}.resolution_rate.value")
        regions = [(c, keys.get(f"{base}.by_region.{c}.rate"), keys.get(f"{base}.by_region.{c}.suppressed"))
                   for c in sorted({str(r) for r in self.tracked["region"] if str(r)})]  # fmt: skip
        for code, rate, hidden in regions if self.scope == NATIONAL else []:
            shown = MARK if hidden or rate is None else format_percent(float(rate), self.lang, decimals=0)
            rows.append({t("mr_col_status", self.lang): f"{t('mr_fu_rate_region', self.lang)} {code}",
                         t("mr_col_count", self.lang): shown})  # fmt: skip
        notes = [t("mr_fu_rate", self.lang, rate=MARK if rate is None else format_percent(float(rate), self.lang,
                                                                                          decimals=0))]  # fmt: skip
        return Section(t("mr_follow_up", self.lang), pd.DataFrame(rows), notes)

    def quarterly(self) -> Section:
        """Cumulative realisation at the end of each quarter (triwulan) up to this period."""
        rows = []
        for quarter, p in self.quarter_ends().items():
            prog = sr.progress(self.visits, self.families, self.plan, p).set_index("indicator")
            row = {t("mr_col_quarter", self.lang): f"{quarter} ({p})"}
            for name in prog.index:
                row[t(f"mr_ind_{name}", self.lang)] = (
                    f"{self._fmt(name, prog.at[name, 'realisation'])} / {self._fmt(name, prog.at[name, 'plan'])}"
                )
            rows.append(row)
        return Section(t("mr_quarterly", self.lang), pd.DataFrame(rows), [
            f"{t('mr_col_realisation', self.lang)} / {t('mr_col_plan', self.lang)}"])  # fmt: skip

    def s_curve(self) -> Section:
        """S-curve: cumulative realisation and plan, as % of the final plan, month by month (figure saved)."""
        import matplotlib.pyplot as plt

        upto = [p for p in self.plan.periods if p <= self.period]
        fig, ax = plt.subplots(figsize=(7.0, 3.6))
        for i, name in enumerate(n for n in SCHEDULE_INDICATORS if n in self.plan.schedule):
            final = self.plan.schedule[name][-1] or 1.0
            plan_line = [100 * v / final for v in self.plan.schedule[name]]
            real = [100 * float(sr.progress(self.visits, self.families, self.plan, p)
                                .set_index("indicator").at[name, "realisation"]) / final for p in upto]  # fmt: skip
            color = f"C{i}"
            ax.plot(self.plan.periods, plan_line, linestyle="--", color=color, linewidth=1)
            ax.plot(upto, real, marker="o", color=color, linewidth=1.6, label=t(f"mr_ind_{name}", self.lang))
        ax.set_xlabel(t("mr_axis_period", self.lang))
        ax.set_ylabel(t("mr_axis_share", self.lang))
        ax.set_ylim(0, 110)
        ax.legend(fontsize=7, loc="lower right")
        ax.set_title(t("mr_scurve", self.lang), fontsize=9)
        ax.tick_params(axis="x", labelsize=7, rotation=45)
        path = self.output_dir / "figures" / f"s_curve_{self.scope}_{self.period}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        save_png(fig, path)
        note = f"--- {t('mr_plan_line', self.lang)}, -o- {t('mr_real_line', self.lang)}"
        return Section(t("mr_scurve", self.lang), None, [note, f"figures/{path.name}"])

    def report(self) -> Sections:
        """Every display of the round, actions first."""
        return Sections([self.header(), self.actions(), self.progress(), self.warnings(), self.follow_up(),
                         self.quarterly()])  # fmt: skip

    # ----------------------------------------------------------------------------------------------- writes
    def write_restricted(self) -> Path:
        """Write the pseudonymous ids to follow up to ``<output_dir>/restricted/monitoring_<scope>_<period>.csv``."""
        folder = self.output_dir / "restricted"
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        table = self.warning_table.copy()
        if self.tracked is not None:
            state = self.tracked.set_index(["rule", "unit", "id"])["state"]
            table["state"] = [state.get((r, u, i), "new") for r, u, i in
                              zip(table["rule"], table["unit"], table["id"], strict=True)]  # fmt: skip
        else:
            table["state"] = "new"
        table.insert(0, "period", self.period)
        path = folder / f"monitoring_{self.scope}_{self.period}.csv"
        with replacing_file(path, mode=0o600) as tmp:
            write_csv(table, tmp)
        if self.tracked is not None:  # resolution rate per officer (pseudonymous codes): restricted only
            rates = sr.resolution_rates(self.tracked, "officer").reset_index()
            rates.insert(0, "period", self.period)
            with replacing_file(folder / f"resolution_by_officer_{self.scope}_{self.period}.csv", mode=0o600) as tmp:
                write_csv(rates, tmp)
        write_text(folder / "README.txt", "".join(textwrap.fill(t("restricted_readme", lang), 100) + "\n\n"
                                                  for lang in ("id", "en")))  # fmt: skip
        return path

    def save(self) -> Path:
        """Write the restricted list and ``<output_dir>/results.json``."""
        self.write_restricted()
        return self.recorder.write(self.output_dir / "results.json")


def _scope_title(cfg: Config, scope: str, lang: str) -> str:
    return cfg.scope_name(scope)


def open_monitoring_round(region: str, period: str, data_dir: str | None = None, config: str | None = None,
                          language: str | None = None, output_dir: str | None = None) -> MonitoringRound:  # fmt: skip
    """Build the :class:`MonitoringRound` of a notebook from its papermill parameters and the config file.

    Parameters
    ----------
    region : str
        A configured region code or ``"national"``.
    period : str
        ``YYYY-MM``, one of ``[monitoring] periods`` of the targets file.
    data_dir, config, language, output_dir : str, optional
        As for :func:`evaluation.analysis.evaluation.open_evaluation` (output default
        ``reports/interactive/monitoring/<period>/<region>``).

    Returns
    -------
    MonitoringRound
        The round, computed.

    Raises
    ------
    UserError
        For an unknown region or period, or data without monitoring rounds.
    """
    cfg = with_overrides(load_config(config or None), language=language or None, data_dir=data_dir or None)
    scope = str(region)
    if scope != NATIONAL:
        cfg.region(scope)
    plan = load_monitoring_plan(cfg.run.targets)
    if period not in plan.periods:
        raise UserError(f"period {period} is not a monitoring round of the plan", file=plan.path,
                        rule=f"the rounds are {', '.join(plan.periods)} ([monitoring] periods)",
                        fix="give one of these periods, or add the month to [monitoring] periods")  # fmt: skip
    codebook = load_codebook(cfg.run.codebook)
    processed = ensure_processed(cfg.run.data_dir, cfg.run.processed_dir, codebook, cfg.design.treated_value)
    path = Path(processed) / "rounds.csv"
    if not path.is_file():
        raise UserError("the data have no monitoring rounds", file=str(cfg.run.data_dir),
                        fix="put the round exports of the monitoring visit form in <data dir>/rounds/ "
                            "(prokus-eval demo-data writes an example)")  # fmt: skip
    visits = pd.read_csv(path, dtype={"family_id": str, "officer": str, "region_code": str, "period": str,
                                      "disbursement_date": str}, keep_default_na=False, na_values=[""])  # fmt: skip
    visits["disbursement_date"] = visits["disbursement_date"].fillna("")
    roster = pd.read_csv(Path(processed) / "roster.csv", dtype=str)
    prokus = roster[roster["group"] == cfg.design.treated_value]
    if scope != NATIONAL:
        prokus = prokus[prokus["region_code"] == scope]
        visits = visits[visits["region_code"] == scope]
    import json

    meta_path = Path(processed) / "dataset.json"
    synthetic = meta_path.is_file() and bool(json.loads(meta_path.read_text(encoding="utf-8")).get("synthetic"))
    out = resolve(output_dir) if output_dir else REPORTS_DIR / "interactive" / "monitoring" / period / scope
    out.mkdir(parents=True, exist_ok=True)
    lang = cfg.run.language
    return MonitoringRound(scope=scope, period=period, lang=lang, plan=plan, visits=visits.reset_index(drop=True),
                           families=sorted(prokus["family_id"]), k=cfg.run.min_cell_size, output_dir=out,
                           title=_scope_title(cfg, scope, lang), synthetic=synthetic)  # fmt: skip
