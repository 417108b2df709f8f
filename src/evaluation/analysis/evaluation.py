"""What the notebooks call: one object per notebook that computes, records and displays each section.

A notebook stays thin (parameters, a call per section, display). Every number a section shows is put into the
notebook's :class:`~evaluation.core.record.ResultsRecorder` at the same time, and :meth:`Evaluation.save` writes them
to ``<output_dir>/results.json``; the runner merges those files into the run's ``results.json``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from IPython.display import Image

from evaluation.analysis.display import Banner, Section
from evaluation.analysis.inference_sections import InferenceSections
from evaluation.core.config import NATIONAL, REGION_COLUMN, Config, load_config, select_scope, with_overrides
from evaluation.core.paths import REPORTS_DIR, resolve
from evaluation.core.record import ResultsRecorder
from evaluation.core.targets import Targets, load_targets
from evaluation.intake.codebook import Codebook, load_codebook
from evaluation.intake.pipeline import ensure_processed
from evaluation.intake.tables import Dataset, analysis_table, load_dataset, load_truth
from evaluation.stats import disclosure, monitoring, small_cells
from evaluation.stats import effects as analysis
from evaluation.text import figures
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import rule_text, t
from evaluation.text.formats import format_number, format_percent, format_value

_SAMPLE_COLUMNS = ("enrolled", "villages", "baseline", "endline", "both_waves", "attrition")
_SAMPLE_HEADERS = ("col_enrolled", "col_villages", "col_baseline", "col_endline", "col_both", "col_attrition")
_BASELINE_COLUMNS = ("mean_prokus", "mean_comparison", "difference", "normalised_difference")
_BASELINE_HEADERS = ("col_mean_prokus", "col_mean_comparison", "col_difference", "col_norm_diff")


class Evaluation(InferenceSections):
    """The evaluation of one scope (a region code or ``national``) for one notebook run."""

    def __init__(self, scope: str, cfg: Config, codebook: Codebook, dataset: Dataset, output_dir: Path) -> None:
        self.scope = scope
        self.cfg = cfg
        self.codebook = codebook
        self.dataset = dataset
        self.output_dir = output_dir
        self.lang = cfg.run.language
        self.design = cfg.design
        self.outcomes = tuple(cfg.analysis.outcomes)
        self.headline = tuple(cfg.analysis.headline) or self.outcomes[:4]
        self.panel = analysis_table(dataset.roster, dataset.programme, dataset.survey, cfg.design.treated_value)
        if scope != NATIONAL:
            self.panel = select_scope(self.panel, scope)
        self.recorder = ResultsRecorder()
        self.recorder.add(f"{scope}.meta.synthetic", dataset.synthetic)
        self.recorder.add(f"{scope}.meta.seed", cfg.run.seed)
        self.recorder.add(f"{scope}.meta.language", self.lang)
        self._record_period()
        self._targets: Targets | None = None
        self._means: pd.DataFrame | None = None
        self._did: analysis.Effects | None = None
        self._pre_post: analysis.Effects | None = None

    # ----------------------------------------------------------------------------------------------- helpers
    def label(self, outcome: str) -> str:
        """Outcome label with unit, in the notebook's language."""
        return self.codebook[outcome].label_with_unit(self.lang)

    def _unit(self, outcome: str) -> str:
        var = self.codebook[outcome]
        return "share" if var.type == "binary" else var.unit_en

    def _fmt(self, outcome: str, x: float, signed: bool = False) -> str:
        return format_value(x, self.lang, self._unit(outcome), signed=signed)

    def _ci(self, outcome: str, lo: float, hi: float) -> str:
        return f"[{self._fmt(outcome, lo)}; {self._fmt(outcome, hi)}]"

    def _reading(self, lo: float, hi: float) -> str:
        if lo > 0:
            return t("reading_up", self.lang)
        if hi < 0:
            return t("reading_down", self.lang)
        return t("reading_unclear", self.lang)

    def _p(self, p: float) -> str:
        return (
            "< 0,001"
            if (p < 0.001 and self.lang == "id")
            else ("< 0.001" if p < 0.001 else format_number(p, self.lang, 3))
        )

    @property
    def source(self) -> str:
        """Data source line for captions."""
        return t("source_synthetic" if self.dataset.synthetic else "source_survey", self.lang)

    def _figure_path(self, name: str) -> Path:
        return self.output_dir / "figures" / f"{name}.png"

    # ----------------------------------------------------------------------------------------------- sections
    def header(self) -> Banner:
        """Title, and the synthetic-data banner when the data are synthetic."""
        name = self.cfg.scope_name(self.scope) if self.scope != NATIONAL else ""
        title = t("title_national", self.lang) if self.scope == NATIONAL else t("title_region", self.lang, name=name)
        return Banner(text=t("banner_synthetic", self.lang) if self.dataset.synthetic else "", title=title)

    def sample(self) -> Section:
        """Families enrolled and interviewed, and attrition, by group."""
        roster = select_scope(self.dataset.roster, self.scope)
        table, keys = analysis.sample_summary(self.panel, roster, self.scope, self.design)
        mask = self._sample_mask(table)
        self.recorder.update(disclosure.drop_keys(keys, mask, self._sample_keys(table)))
        out = pd.DataFrame(
            {
                t("col_group", self.lang): [
                    t(f"group_{g}", self.lang) if g in ("prokus", "comparison") else g
                    for g in table["group"].map(lambda g: "prokus" if g == self.design.treated_value else g)
                ],
                t("col_enrolled", self.lang): [format_number(x, self.lang) for x in table["enrolled"]],
                t("col_villages", self.lang): [format_number(x, self.lang) for x in table["villages"]],
                t("col_baseline", self.lang): [format_number(x, self.lang) for x in table["baseline"]],
                t("col_endline", self.lang): [format_number(x, self.lang) for x in table["endline"]],
                t("col_both", self.lang): [format_number(x, self.lang) for x in table["both_waves"]],
                t("col_attrition", self.lang): [format_percent(x, self.lang) for x in table["attrition"]],
            }
        )
        out = self._suppress(out, mask, dict(zip(_SAMPLE_COLUMNS, _SAMPLE_HEADERS, strict=True)))
        return Section(t("sample_title", self.lang), out, self._disclosure_notes(mask))

    def baseline(self) -> Section:
        """Baseline means by group and normalised differences."""
        table, keys = analysis.baseline_balance(self.panel, self.scope, self.outcomes, self.design)
        mask = self._baseline_mask(table)
        hidden = {
            (i, c): [f"{self.scope}.{table.at[i, 'outcome']}.baseline.{c}"]
            + ([f"{self.scope}.{table.at[i, 'outcome']}.baseline.sd_{c[5:]}"] if c.startswith("mean_") else [])
            for i in table.index
            for c in mask.columns
        }
        self.recorder.update(disclosure.drop_keys(keys, mask, hidden))
        out = pd.DataFrame(
            {
                t("col_outcome", self.lang): [self.label(o) for o in table["outcome"]],
                t("col_mean_prokus", self.lang): [
                    self._fmt(o, x) for o, x in zip(table["outcome"], table["mean_prokus"], strict=True)
                ],
                t("col_mean_comparison", self.lang): [
                    self._fmt(o, x) for o, x in zip(table["outcome"], table["mean_comparison"], strict=True)
                ],
                t("col_difference", self.lang): [
                    self._fmt(o, x, signed=True) for o, x in zip(table["outcome"], table["difference"], strict=True)
                ],
                t("col_norm_diff", self.lang): [
                    format_number(x, self.lang, 2, signed=True) for x in table["normalised_difference"]
                ],
            }
        )
        headers = dict(zip(_BASELINE_COLUMNS, _BASELINE_HEADERS, strict=True))
        out = self._suppress(out, mask, headers)
        return Section(t("baseline_title", self.lang), out, self._disclosure_notes(mask))

    # ----------------------------------------------------------------------------------------------- disclosure
    @property
    def k(self) -> int:
        """Disclosure threshold: a published cell describes at least k families (``[run] min_cell_size``)."""
        return self.cfg.run.min_cell_size

    def _sample_mask(self, table: pd.DataFrame) -> pd.DataFrame:
        n = pd.DataFrame(index=table.index)
        n["enrolled"] = table["enrolled"]
        n["villages"] = table["enrolled"]  # the village count describes the group's families
        n["baseline"] = table["baseline"]
        n["endline"] = table["endline"]
        n["both_waves"] = table["both_waves"]
        n["attrition"] = table["baseline"]  # a share of the baseline families
        # baseline, both waves and attrition: any two give the third
        rel = disclosure.row_relations(table.index, ["both_waves", "attrition", "baseline"])
        mask = disclosure.suppression_mask(n, self.k, rel)
        self.recorder.add(f"{self.scope}.disclosure.k", self.k)
        self.recorder.add(f"{self.scope}.disclosure.sample_suppressed", int(mask.to_numpy().sum()))
        return mask

    def _sample_keys(self, table: pd.DataFrame) -> dict:
        out = {}
        for i in table.index:
            g = table.at[i, "group"]
            tag = "prokus" if g == self.design.treated_value else g
            base = f"{self.scope}.sample"
            out[(i, "enrolled")] = [f"{base}.n_{tag}_enrolled"] + ([f"{base}.n_families"] if tag == "prokus" else [])
            out[(i, "villages")] = []
            out[(i, "baseline")] = [f"{base}.n_{tag}_baseline"]
            out[(i, "endline")] = [f"{base}.n_{tag}_endline"]
            out[(i, "both_waves")] = [f"{base}.n_{tag}_both_waves"]
            out[(i, "attrition")] = [f"{base}.attrition_{tag}", f"{base}.attrition_difference"]
        return out

    def _baseline_mask(self, table: pd.DataFrame) -> pd.DataFrame:
        cols = list(_BASELINE_COLUMNS)
        if table.empty:
            return pd.DataFrame(columns=cols, dtype=bool)
        n = pd.DataFrame(index=table.index)
        n["mean_prokus"] = table["n_prokus"]
        n["mean_comparison"] = table["n_comparison"]
        n["difference"] = table[["n_prokus", "n_comparison"]].min(axis=1)
        n["normalised_difference"] = n["difference"]
        rel = disclosure.row_relations(table.index, ["mean_prokus", "mean_comparison", "difference"])
        mask = disclosure.suppression_mask(n, self.k, rel)
        self.recorder.add(f"{self.scope}.disclosure.baseline_suppressed", int(mask.to_numpy().sum()))
        return mask

    def _suppress(self, out: pd.DataFrame, mask: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
        shown = mask.rename(columns={c: t(h, self.lang) for c, h in headers.items()})
        shown.index = out.index
        return disclosure.apply(out, shown)

    def _disclosure_notes(self, mask: pd.DataFrame) -> list[str]:
        if not mask.to_numpy().any():
            return []
        return [t("disclosure_note", self.lang, mark=disclosure.MARK, k=self.k)]

    # ----------------------------------------------------------------------------------------------- data quality
    def data_quality(self) -> Section:
        """Warnings and normalisations of the intake (counts per rule; no values), for this scope."""
        path = Path(self.dataset.data_dir)
        if not path.is_absolute():
            path = resolve(path)
        file = path / "data_quality.csv"
        dq = pd.read_csv(file, dtype={"region_code": "string"}) if file.is_file() else pd.DataFrame()
        if not dq.empty and self.scope != NATIONAL:
            dq = dq[dq["region_code"] == self.scope]  # normalisations are counted per column, shown nationally
        rows = []
        if not dq.empty:
            grouped = dq.groupby(["severity", "rule"], sort=True)["count"].sum()
            for (severity, rule), count in grouped.items():
                self.recorder.add(f"{self.scope}.data_quality.{rule}.count", int(count))
                rows.append(
                    {
                        t("col_severity", self.lang): t(f"severity_{severity}", self.lang),
                        t("col_rule", self.lang): rule_text(str(rule), self.lang),
                        t("col_count", self.lang): format_number(int(count), self.lang),
                    }
                )
        n_warn = int(dq.loc[dq["severity"] == "warning", "count"].sum()) if not dq.empty else 0
        self.recorder.add(f"{self.scope}.data_quality.warnings.count", n_warn)
        table = pd.DataFrame(rows) if rows else None
        return Section(t("data_quality_title", self.lang), table, [t("data_quality_note", self.lang, n=n_warn)])

    def _group_means(self) -> pd.DataFrame:
        if self._means is None:
            self._means, keys = analysis.group_means(self.panel, self.scope, self.outcomes, self.design)
            self.recorder.update(keys)
        return self._means

    def before_after(self) -> Section:
        """Before/after change of ProKUS families (paired, clustered by village), with the COVID-19 caveat."""
        means = self._group_means()
        self._pre_post = analysis.before_after(self.panel, self.scope, self.outcomes, self.design)
        self.recorder.update(self._pre_post.keys(self.scope))
        rows = []
        for o, e in self._pre_post.estimates.items():
            m = means[(means["outcome"] == o) & (means["group"] == "prokus")].set_index("wave")["mean"]
            rows.append(
                {
                    t("col_outcome", self.lang): self.label(o),
                    t("col_before", self.lang): self._fmt(o, m.get("before", math.nan)),
                    t("col_after", self.lang): self._fmt(o, m.get("after", math.nan)),
                    t("col_change", self.lang): self._fmt(o, e.estimate, signed=True),
                    t("col_ci", self.lang): self._ci(o, e.ci_low, e.ci_high),
                    t("col_p", self.lang): self._p(e.p_value),
                    t("col_n", self.lang): format_number(e.n_units, self.lang),
                    t("col_reading", self.lang): self._reading(e.ci_low, e.ci_high),
                }
            )
        notes = [t("change_caveat", self.lang)]
        notes += [f"{self.label(o)}: {why}" for o, why in self._pre_post.failures.items()]
        return Section(t("change_title", self.lang), pd.DataFrame(rows), notes)

    def did(self) -> Section:
        """Difference-in-differences against the comparison group, clustered by village."""
        self._did = analysis.difference_in_differences(
            self.panel, self.scope, self.outcomes, self.design,
            fixed_effects=REGION_COLUMN if self.scope == NATIONAL else None,
        )
        self.recorder.update(self._did.keys(self.scope))
        rows = []
        for o, e in self._did.estimates.items():
            rows.append(
                {
                    t("col_outcome", self.lang): self.label(o),
                    t("col_effect", self.lang): self._fmt(o, e.estimate, signed=True),
                    t("col_ci", self.lang): self._ci(o, e.ci_low, e.ci_high),
                    t("col_p", self.lang): self._p(e.p_value),
                    t("col_n", self.lang): format_number(e.n_units, self.lang),
                    t("col_clusters", self.lang): format_number(e.n_clusters or 0, self.lang),
                    t("col_reading", self.lang): self._reading(e.ci_low, e.ci_high),
                }
            )
        notes = [t("did_caveat", self.lang)]
        notes += [f"{self.label(o)}: {why}" for o, why in self._did.failures.items()]
        return Section(t("did_title", self.lang), pd.DataFrame(rows), notes)

    def figure_before_after(self) -> Image:
        """Headline outcomes before and after, both groups, 95% intervals of the means."""
        means = self._group_means()
        fig = figures.before_after_figure(
            means,
            self.headline,
            {o: self.label(o) for o in self.headline},
            {"prokus": t("group_prokus", self.lang), "comparison": t("group_comparison", self.lang)},
            {"before": t("col_before", self.lang), "after": t("col_after", self.lang)},
            t("fig_before_after", self.lang),
            self.source,
        )
        return Image(filename=str(figures.save_png(fig, self._figure_path("before_after"))))

    def figure_effects(self) -> Image:
        """DiD effects of all outcomes as a percentage of the ProKUS baseline mean."""
        if self._did is None:
            self.did()
        assert self._did is not None
        means = self._group_means()
        base = means[(means["group"] == "prokus") & (means["wave"] == "before")].set_index("outcome")["mean"].to_dict()
        fig = figures.effects_figure(
            self._did.table(),
            base,
            {o: self.codebook[o].label(self.lang) for o in self.outcomes},
            t("fig_effects", self.lang),
            t("fig_effects_x", self.lang),
            self.source,
        )
        return Image(filename=str(figures.save_png(fig, self._figure_path("effects"))))

    # ----------------------------------------------------------------------------------------------- monitoring
    def _record_period(self) -> None:
        """First baseline and last endline interview dates (the briefs' period and COVID-19 caveat read them)."""
        if "interview_date" not in self.panel:
            return
        for wave, name, pick in ((self.design.before, "period_start", min), (self.design.after, "period_end", max)):
            dates = self.panel.loc[self.panel[self.design.period] == wave, "interview_date"].dropna()
            if len(dates):
                self.recorder.add(f"{self.scope}.meta.{name}", str(pick(dates)))

    @property
    def targets(self) -> Targets:
        """The scorecard targets and risk rules (``[run] targets`` of the config)."""
        if self._targets is None:
            self._targets = load_targets(self.cfg.run.targets)
        return self._targets

    def _monitoring_inputs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        prog = monitoring.programme_families(
            select_scope(self.dataset.roster, self.scope), self.dataset.programme,
            treated_value=self.design.treated_value,
        )
        return prog, self.panel[self.panel["treated"] == 1]

    def _design_names(self) -> dict[str, str]:
        d = self.design
        return {"unit": d.unit, "period": d.period, "before": d.before, "after": d.after}

    def scorecard(self) -> Section:
        """M&E scorecard (PP 39/2006): input, output and outcome indicators against the targets file."""
        prog, treated = self._monitoring_inputs()
        table, keys = monitoring.scorecard(prog, treated, self.scope, self.targets, **self._design_names())
        table, keys = small_cells.scorecard_suppression(table, self.scope, keys, self.k)
        self.recorder.update(keys)
        lang = self.lang
        out = pd.DataFrame(
            {
                mt.label("col_component", lang): [mt.label(c, lang) for c in table["component"]],
                mt.label("col_indicator", lang): [mt.label(i, lang) for i in table["indicator"]],
                mt.label("col_target", lang): [
                    mt.format_indicator(k, v, lang) for k, v in zip(table["kind"], table["target"], strict=True)
                ],
                mt.label("col_realisation", lang): [
                    mt.format_indicator(k, v, lang) for k, v in zip(table["kind"], table["realisation"], strict=True)
                ],
                mt.label("col_ratio", lang): [mt.format_ratio(r, lang) for r in table["ratio"]],
                mt.label("col_status", lang): [mt.status_text(s, lang) for s in table["status"]],
                t("col_n", lang): [format_number(n, lang) for n in table["n"]],
            }
        )
        hide = table["suppressed"].to_numpy()
        for col in out.columns[3:]:
            out[col] = out[col].where(~hide, disclosure.MARK)
        notes = [mt.label("scorecard_note", lang), *self._disclosure_notes(pd.DataFrame({"x": hide}))]
        return Section(mt.label("scorecard_title", lang), out, notes)

    def risk_flags(self) -> Section:
        """Risk flags (administrative, process, accountability): counts and rates; ids only in a restricted annex.

        The pseudonymous ids of flagged families go to ``<output_dir>/restricted/risk_flags_<scope>.csv`` (for
        programme staff, mode 0600), never into the notebook's output or a public report.
        """
        prog, treated = self._monitoring_inputs()
        summary, flagged, keys = monitoring.risk_flags(
            prog, treated, self.scope, self.targets, unit=self.design.unit, period=self.design.period,
            before=self.design.before,
        )
        summary, keys = small_cells.risk_suppression(summary, self.scope, keys, self.k)
        self.recorder.update(keys)
        self._write_restricted_annex(flagged)
        lang = self.lang
        out = pd.DataFrame(
            {
                mt.label("col_risk_type", lang): [mt.label(x, lang) for x in summary["type"]],
                mt.label("col_flag", lang): [
                    mt.label("flag_any" if f == "any" else f, lang) for f in summary["flag"]
                ],
                mt.label("col_count", lang): [format_number(c, lang) for c in summary["count"]],
                mt.label("col_rate", lang): [format_percent(r, lang) for r in summary["rate"]],
            }
        )
        hide = summary["suppressed"].to_numpy()
        for col in out.columns[2:]:
            out[col] = out[col].where(~hide, disclosure.MARK)
        notes = [mt.label("risk_note", lang), *self._disclosure_notes(pd.DataFrame({"x": hide}))]
        return Section(mt.label("risk_title", lang), out, notes)

    def _write_restricted_annex(self, flagged: pd.DataFrame) -> Path:
        folder = self.output_dir / "restricted"
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        path = folder / f"risk_flags_{self.scope}.csv"
        tmp = folder / f".{path.name}.tmp"
        flagged.to_csv(tmp, index=False, lineterminator="\n")
        tmp.chmod(0o600)
        tmp.replace(path)
        (folder / "README.txt").write_text(
            "TERBATAS / RESTRICTED: for ProKUS programme staff only. Pseudonymous ids of families with a risk flag\n"
            "(rules: data/targets.toml [risk]; definitions: evaluation.stats.monitoring.risk_flags). Do not publish,\n"
            "do not attach to a brief, do not copy into a public report.\n",
            encoding="utf-8",
        )
        return path

    # ----------------------------------------------------------------------------------------------- national
    def _region_effects(self) -> pd.DataFrame:
        rows = []
        full = analysis_table(
            self.dataset.roster, self.dataset.programme, self.dataset.survey, self.design.treated_value
        )
        present = set(full[REGION_COLUMN].unique())
        hidden = 0
        for code in [*(c for c in self.cfg.region_codes if c in present), NATIONAL]:
            part = select_scope(full, code)
            if min(small_cells.arm_sizes(part, self.design)) < self.k:  # a region too small to publish
                hidden += 1
                continue
            eff = (
                self._did
                if code == NATIONAL and self._did is not None
                else analysis.difference_in_differences(
                    part, code, self.outcomes, self.design,
                    fixed_effects=REGION_COLUMN if code == NATIONAL else None,
                )
            )
            self.recorder.update(eff.keys(code))
            for o, e in eff.estimates.items():
                rows.append(
                    {
                        "scope": code,
                        "outcome": o,
                        "estimate": e.estimate,
                        "ci_low": e.ci_low,
                        "ci_high": e.ci_high,
                        "p_value": e.p_value,
                        "n_units": e.n_units,
                    }
                )
        self.recorder.add(f"{self.scope}.disclosure.regions_suppressed", hidden)
        return pd.DataFrame(rows)

    def _scope_label(self, code: str) -> str:
        return t("national", self.lang) if code == NATIONAL else self.cfg.region(code).name

    def region_comparison(self) -> Section:
        """DiD effect of each headline outcome in each region and nationally."""
        eff = self._region_effects()
        rows = []
        for _, r in eff[eff["outcome"].isin(self.headline)].iterrows():
            rows.append(
                {
                    t("col_outcome", self.lang): self.label(r["outcome"]),
                    t("col_region", self.lang): self._scope_label(r["scope"]),
                    t("col_effect", self.lang): self._fmt(r["outcome"], r["estimate"], signed=True),
                    t("col_ci", self.lang): self._ci(r["outcome"], r["ci_low"], r["ci_high"]),
                    t("col_n", self.lang): format_number(r["n_units"], self.lang),
                    t("col_reading", self.lang): self._reading(r["ci_low"], r["ci_high"]),
                }
            )
        return Section(t("region_comparison_title", self.lang), pd.DataFrame(rows))

    def forest_plot(self) -> Image:
        """Forest plot of headline DiD effects by region and nationally."""
        eff = self._region_effects()
        scopes = [*dict.fromkeys(s for s in eff["scope"] if s != NATIONAL), NATIONAL]
        fig = figures.forest_figure(
            eff,
            self.headline,
            {o: self.label(o) for o in self.headline},
            {s: self._scope_label(s) for s in scopes},
            t("fig_forest", self.lang),
            self.source,
        )
        return Image(filename=str(figures.save_png(fig, self._figure_path("forest"))))

    def truth_check(self) -> Section | None:
        """For synthetic data, whether each DiD 95% interval contains the generator's true effect."""
        truth = load_truth(self.dataset.data_dir)
        if not truth:
            return None
        eff = self._region_effects()
        rows = []
        covered = 0
        for _, r in eff.iterrows():
            key = f"{r['scope']}.{r['outcome']}.att"
            if key not in truth:
                continue
            inside = bool(r["ci_low"] <= truth[key] <= r["ci_high"])
            covered += inside
            rows.append(
                {
                    t("col_region", self.lang): self._scope_label(r["scope"]),
                    t("col_outcome", self.lang): self.label(r["outcome"]),
                    t("col_truth", self.lang): self._fmt(r["outcome"], truth[key], signed=True),
                    t("col_effect", self.lang): self._fmt(r["outcome"], r["estimate"], signed=True),
                    t("col_ci", self.lang): self._ci(r["outcome"], r["ci_low"], r["ci_high"]),
                    t("col_covered", self.lang): t("yes" if inside else "no", self.lang),
                }
            )
        total = len(rows)
        self.recorder.add(f"{self.scope}.truth_check.did_intervals", total)
        self.recorder.add(f"{self.scope}.truth_check.did_covered", covered)
        share = format_percent(covered / total, self.lang) if total else "–"
        note = t("coverage_sentence", self.lang, covered=covered, total=total, share=share)
        return Section(t("truth_title", self.lang), pd.DataFrame(rows), [note])

    # ----------------------------------------------------------------------------------------------- output
    def save(self) -> Path:
        """Write this notebook's results to ``<output_dir>/results.json``."""
        return self.recorder.write(self.output_dir / "results.json")


def open_evaluation(
    scope: str,
    data_dir: str | None = None,
    config: str | None = None,
    language: str | None = None,
    output_dir: str | None = None,
) -> Evaluation:
    """Build the :class:`Evaluation` of a notebook from its papermill parameters and the config file.

    Empty parameters fall back to the config (``data_dir``, ``language``); ``output_dir`` defaults to
    ``reports/interactive/<scope>`` so that running a notebook by hand never touches a finished run.
    """
    cfg = with_overrides(load_config(config or None), language=language or None, data_dir=data_dir or None)
    scope = str(scope)
    if scope != NATIONAL:
        cfg.region(scope)  # a clear error for an unknown region
    codebook = load_codebook(cfg.run.codebook)
    from evaluation.intake.districts import is_partitioned, load_district

    if is_partitioned(cfg.run.data_dir):  # national-scale synthetic Parquet: read only this district's partition
        dataset = (
            load_district(cfg.run.data_dir, scope) if scope != NATIONAL else load_dataset(cfg.run.data_dir, codebook)
        )
    else:
        processed = ensure_processed(cfg.run.data_dir, cfg.run.processed_dir, codebook, cfg.design.treated_value)
        dataset = load_dataset(processed, codebook)
    out = resolve(output_dir) if output_dir else REPORTS_DIR / "interactive" / scope
    out.mkdir(parents=True, exist_ok=True)
    return Evaluation(scope, cfg, codebook, dataset, out)
