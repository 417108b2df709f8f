"""Notebook sections of the rigorous-inference analyses, mixed into :class:`evaluation.analysis.evaluation.Evaluation`.

Each method computes with a pure statistics module (balance, bootstrap, indices, multiple, attrition,
heterogeneity, dose, designs, power, costbenefit), records every number it shows in the notebook's recorder and
returns a displayable :class:`~evaluation.analysis.evaluation.Section` (or a :class:`Sections` group). The analysis plan
(``data/analysis_plan.toml``) says which outcomes, families, subgroups and corrections were pre-specified; every
table says whether a row was pre-specified or is exploratory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evaluation.analysis.display import Section
from evaluation.core.config import NATIONAL, REGION_COLUMN
from evaluation.core.plan import AnalysisPlan, load_plan
from evaluation.intake.tables import load_truth
from evaluation.stats import (
    attrition,
    balance,
    bootstrap,
    costbenefit,
    designs,
    dose,
    heterogeneity,
    indices,
    multiple,
    small_cells,
)
from evaluation.stats import power as power_mod
from evaluation.stats.disclosure import MARK
from evaluation.stats.effects import difference_in_differences
from evaluation.text.formats import format_number, format_percent, format_rupiah
from evaluation.text.inference_phrases import PHRASES

__all__ = ["PHRASES", "InferenceSections", "Sections"]  # PHRASES re-exported from text.inference_phrases

def _t(key: str, language: str, **fields: object) -> str:
    text = PHRASES[key][language]
    return text.format(**fields) if fields else text


def degrades(topic: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a section fail soft on data too thin to estimate it (a small or unbalanced sample).

    ``ValueError`` (rank-deficient design, empty group, too few clusters) and ``LinAlgError`` become a section that
    says why, and ``<scope>.<topic>.status = "not estimable: ..."`` in results.json; any other error (a bug) still
    stops the notebook.
    """

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except (ValueError, np.linalg.LinAlgError) as exc:
                reason = str(exc).split("\n")[0]
                self.recorder.add(f"{self.scope}.{topic}.status", f"not estimable: {reason}")
                note = _t("not_estimable", self.lang, reason=reason)
                return self._section(_t("not_estimable_title", self.lang, topic=topic.replace("_", " ")), None, [note])

        return run

    return wrap


@dataclass
class Sections:
    """Several sections displayed one after the other."""

    parts: list[Any] = field(default_factory=list)

    def _repr_html_(self) -> str:
        return "\n".join(p._repr_html_() for p in self.parts if p is not None)

    def __repr__(self) -> str:
        return "\n\n".join(repr(p) for p in self.parts if p is not None)


class InferenceSections:
    """Mixin: the issue-4 sections of the region and national notebooks (needs the ``Evaluation`` attributes)."""

    # ------------------------------------------------------------------------------------------- plumbing
    @property
    def plan(self) -> AnalysisPlan:
        """The analysis plan (loaded once; :meth:`analysis_plan` may point it at another file)."""
        if getattr(self, "_plan", None) is None:
            self._plan = load_plan(None)
            self._plan.check_outcomes(self.outcomes)
        return self._plan

    def _x(self, key: str, **fields: object) -> str:
        return _t(key, self.lang, **fields)

    def _section(self, title: str, table: pd.DataFrame | None = None, notes: list[str] | None = None) -> Section:
        return Section(title, table, notes or [], level=2)

    def _olabel(self, outcome: str) -> str:
        if outcome in PHRASES:
            return self._x(outcome) + " (SD)"
        return self.label(outcome)

    def _val(self, outcome: str, x: float, signed: bool = False) -> str:
        if not np.isfinite(x):
            return "–"
        if outcome.startswith("index_"):
            return format_number(x, self.lang, 2, signed=signed)
        return self._fmt(outcome, x, signed=signed)

    def _interval(self, outcome: str, lo: float, hi: float) -> str:
        return f"[{self._val(outcome, lo)}; {self._val(outcome, hi)}]"

    def _small_note(self, hidden: bool) -> list[str]:
        """The disclosure footnote (``[c]``: fewer than k families) when a table hides a cell."""
        return [self.t("disclosure_note").format(mark=MARK, k=self.k)] if hidden else []

    def _role(self, outcome: str) -> str:
        return self._x(f"role_{self.plan.status(outcome)}")

    def _seed(self) -> int:
        return int(self.cfg.run.seed)

    def _n_clusters(self) -> int:
        return int(self.panel[self.design.cluster].nunique())

    def _few(self) -> bool:
        return self._n_clusters() < self.plan.inference.few_clusters

    def _index_panel(self) -> pd.DataFrame:
        if getattr(self, "_ipanel", None) is None:
            self._ipanel, self._index_weights = indices.add_indices(
                self.panel, self.plan.families, self.plan.negative, self.design
            )
        return self._ipanel

    def _did_all(self) -> dict[str, Any]:
        """DiD estimates of outcomes and indices (the outcomes' are the ones :meth:`did` recorded)."""
        if getattr(self, "_did_cache", None) is None:
            fe = REGION_COLUMN if self.scope == NATIONAL else None
            eff = difference_in_differences(
                self._index_panel(), self.scope, list(self.plan.families), self.design, fixed_effects=fe
            )
            self.recorder.update(eff.keys(self.scope))
            base = getattr(self, "_did", None) or difference_in_differences(
                self.panel, self.scope, self.outcomes, self.design, fixed_effects=fe
            )
            self.recorder.update(base.keys(self.scope))
            self._did_cache = {**base.estimates, **eff.estimates}
        return self._did_cache

    # ------------------------------------------------------------------------------------------- sections
    def analysis_plan(self, path: str = "") -> Section:
        """Load the analysis plan (``path`` or ``data/analysis_plan.toml``) and show what it pre-specifies."""
        self._plan = load_plan(path or None)
        self._plan.check_outcomes(self.outcomes)
        p = self._plan
        self.recorder.add(f"{self.scope}.plan.registered", p.registered or "unknown")
        self.recorder.add(f"{self.scope}.plan.n_primary", len(p.primary))
        rows = [
            (self._x("role_primary"), ", ".join(self.label(o) for o in p.primary)),
            (self._x("role_secondary"), ", ".join(self.label(o) for o in p.secondary)),
            *[
                (self._x("role_index"), f"{self._x(f)}: " + ", ".join(self.label(o) for o in m))
                for f, m in p.families.items()
            ],
            (self._x("role_subgroups"), ", ".join(p.subgroups)),
            (self._x("role_doses"), ", ".join(p.doses)),
            (self._x("role_corrections"), ", ".join(p.corrections)),
        ]
        table = pd.DataFrame(rows, columns=[self._x("col_role"), self._x("col_items")])
        note = self._x("plan_note", path=p.path, date=p.registered)
        return self._section(self._x("plan_title"), table, [note])

    @degrades("balance_table")
    def balance_table(self) -> Section:
        """Baseline balance (iebaltab style) with the joint test; national: pooled with region fixed effects."""
        table, keys = balance.balance_table(
            self.panel, self.scope, self.design, self.plan.balance, self.outcomes, self.plan.primary,
            fixed_effects=REGION_COLUMN if self.scope == NATIONAL else None,
        )
        cats = small_cells.balance_categories(self.panel, tuple(self.plan.balance), table)
        mask, keys = small_cells.balance_suppression(table, self.scope, keys, self.k, cats)
        self.recorder.update(keys)
        j = table.attrs["joint"]
        is_outcome = table["variable"].isin(self.outcomes)
        out = pd.DataFrame(
            {
                self._x("col_variable"): [
                    self.label(v) if o else v for v, o in zip(table["variable"], is_outcome, strict=True)
                ],
                "N ProKUS": [format_number(x, self.lang) for x in table["n_prokus"]],
                self.t("col_mean_prokus"): [format_number(x, self.lang, 2) for x in table["mean_prokus"]],
                self._x("col_sd_prokus"): [format_number(x, self.lang, 2) for x in table["sd_prokus"]],
                "N " + self.t("group_comparison"): [format_number(x, self.lang) for x in table["n_comparison"]],
                self.t("col_mean_comparison"): [format_number(x, self.lang, 2) for x in table["mean_comparison"]],
                self._x("col_sd_comparison"): [format_number(x, self.lang, 2) for x in table["sd_comparison"]],
                "Δ": [format_number(x, self.lang, 2, signed=True) for x in table["difference"]],
                "Δ/SD": [format_number(x, self.lang, 2, signed=True) for x in table["normalised_difference"]],
                "p": [self._p(x) if np.isfinite(x) else "–" for x in table["p_value"]],
            }
        )
        shown = dict(zip(out.columns[1:], mask.columns, strict=True))
        for col, src in shown.items():
            out[col] = out[col].where(~mask[src].to_numpy(), MARK)
        note = self._x(
            "balance_note",
            fe=self._x("fe_note") if self.scope == NATIONAL else "",
            f=format_number(j["f_stat"], self.lang, 2),
            p=self._p(j["p_value"]),
            q=j["df_num"],
            df=j["df_den"],
            n=format_number(j["n_obs"], self.lang),
        )
        return self._section(self._x("balance_title"), out, [note, *self._small_note(bool(mask.to_numpy().any()))])

    @degrades("few_clusters")
    def few_clusters(self) -> Section:
        """WCR p-values and intervals of every DiD effect when the scope has fewer clusters than the plan's limit."""
        g, k = self._n_clusters(), self.plan.inference.few_clusters
        self.recorder.add(f"{self.scope}.inference.n_clusters", g)
        self.recorder.add(f"{self.scope}.inference.wild_bootstrap", g < k)
        if g >= k:
            return self._section(self._x("wcr_title"), None, [self._x("wcr_not_needed", g=g, k=k)])
        did = self._did_all()
        names = [*self.outcomes, *self.plan.families]
        table, keys = bootstrap.wcr_did(
            self._index_panel(),
            self.scope,
            names,
            self.design,
            n_boot=self.plan.inference.bootstrap_draws,
            seed=self._seed(),
            fixed_effects=REGION_COLUMN if self.scope == NATIONAL else None,
        )
        self.recorder.update(keys)
        self._wcr = table
        rows = []
        for o in names:
            r = table[(table["outcome"] == o) & (table["weights"] == "rademacher")]
            w = table[(table["outcome"] == o) & (table["weights"] == "webb")]
            if r.empty or o not in did:
                continue
            r, w = r.iloc[0], w.iloc[0]
            rows.append(
                {
                    self.t("col_outcome"): self._olabel(o),
                    self._x("col_role"): self._role(o),
                    self.t("col_effect"): self._val(o, did[o].estimate, signed=True),
                    self._x("col_p_crv"): self._p(did[o].p_value),
                    self._x("col_p_wcr"): self._p(r["p_value"]),
                    self._x("col_ci_wcr"): self._interval(o, r["ci_low"], r["ci_high"]),
                    self._x("col_p_webb"): self._p(w["p_value"]),
                    self._x("col_ci_webb"): self._interval(o, w["ci_low"], w["ci_high"]),
                }
            )
        b = self.plan.inference.bootstrap_draws
        return self._section(self._x("wcr_title"), pd.DataFrame(rows), [self._x("wcr_note", g=g, k=k, b=b)])

    def t(self, key: str) -> str:
        """A phrase of :mod:`evaluation.text.catalogue` in the notebook's language."""
        from evaluation.text.catalogue import t

        return t(key, self.lang)

    @degrades("summary_indices")
    def summary_indices(self) -> Section:
        """DiD effects on the pre-specified family indices (Anderson 2008), in SD units."""
        did = self._did_all()
        rows = []
        for name in self.plan.families:
            if name not in did:
                continue
            e = did[name]
            rows.append(
                {
                    self.t("col_outcome"): self._olabel(name),
                    self._x("col_items"): ", ".join(
                        self.codebook[o].label(self.lang) for o in self.plan.families[name]
                    ),
                    self.t("col_effect"): self._val(name, e.estimate, signed=True),
                    self.t("col_ci"): self._interval(name, e.ci_low, e.ci_high),
                    self.t("col_p"): self._p(e.p_value),
                    self.t("col_n"): format_number(e.n_units, self.lang),
                }
            )
        w = "; ".join(
            f"{self._x(f)}: " + ", ".join(f"{o} {format_number(v, self.lang, 2)}" for o, v in ws.items())
            for f, ws in self._index_weights.items()
        )
        for f, ws in self._index_weights.items():
            for o, v in ws.items():
                self.recorder.add(f"{self.scope}.{f}.weights.{o}", v)
        return self._section(self._x("index_title"), pd.DataFrame(rows), [self._x("index_note", weights=w)])

    @degrades("multiple_testing")
    def multiple_testing(self) -> Section:
        """Holm, BH and Romano-Wolf adjusted DiD p-values within primary, secondary and index groups."""
        did = self._did_all()
        groups = {
            "primary": list(self.plan.primary),
            "secondary": list(self.plan.secondary),
            "index": list(self.plan.families),
        }
        pan = self._index_panel()
        rw: dict[str, float] = {}
        for members in groups.values():
            rw.update(
                multiple.romano_wolf_did(
                    pan,
                    self.scope,
                    [m for m in members if m in did],
                    self.design,
                    n_boot=self.plan.inference.romano_wolf_draws,
                    seed=self._seed(),
                    fixed_effects=REGION_COLUMN if self.scope == NATIONAL else None,
                )
            )
        pvals = {o: e.p_value for o, e in did.items()}
        table, keys = multiple.adjusted_table(pvals, groups, rw, self.scope, self.design.alpha)
        self.recorder.update(keys)
        rows = []
        for _, r in table.iterrows():
            o = r["outcome"]
            rows.append(
                {
                    self.t("col_outcome"): self._olabel(o),
                    self._x("col_family"): self._x(f"role_{r['group']}"),
                    self.t("col_p"): self._p(r["p_value"]),
                    self._x("col_p_holm"): self._p(r["holm_p_value"]),
                    self._x("col_p_bh"): self._p(r["fdr_bh_p_value"]),
                    self._x("col_p_rw"): self._p(r["romano_wolf_p_value"]),
                }
            )

        def survivors(col: str) -> str:
            names = [
                self._olabel(o) for o, p in zip(table["outcome"], table[col], strict=True) if p < self.design.alpha
            ]
            return ", ".join(names) if names else self._x("none")

        note = self._x(
            "multiple_note",
            b=self.plan.inference.romano_wolf_draws,
            holm=survivors("holm_p_value"),
            rw=survivors("romano_wolf_p_value"),
            bh=survivors("fdr_bh_p_value"),
        )
        return self._section(self._x("multiple_title"), pd.DataFrame(rows), [note])

    @degrades("attrition_analysis")
    def attrition_analysis(self) -> Sections:
        """Attrition rates, differential and selective attrition tests, Lee bounds and the IPW DiD."""
        rates, keys = attrition.attrition_rates(
            self.panel, self.scope, self.design, ["region_code", "head_sex", "head_age", "business_type"]
        )
        amask, keys = small_cells.attrition_suppression(rates, self.scope, keys, self.k)
        self.recorder.update(keys)
        fe = REGION_COLUMN if self.scope == NATIONAL else None
        dk = attrition.differential_attrition(self.panel, self.scope, self.design, self.plan.balance, fixed_effects=fe)
        self.recorder.update(dk)
        s = self.scope
        note = self._x(
            "attrition_note",
            d=format_percent(dk[f"{s}.attrition.difference.estimate"], self.lang, signed=True),
            p=self._p(dk[f"{s}.attrition.difference.p_value"]),
            ps=self._p(dk[f"{s}.attrition.selective.p_value"]),
        )
        rates_out = pd.DataFrame(
            {
                self._x("col_characteristic"): rates["characteristic"],
                self._x("col_level"): rates["level"],
                self._x("col_rate_prokus"): [
                    MARK if h else format_percent(x, self.lang)
                    for x, h in zip(rates["rate_prokus"], amask["rate_prokus"], strict=True)
                ],
                self._x("col_rate_comparison"): [
                    MARK if h else format_percent(x, self.lang)
                    for x, h in zip(rates["rate_comparison"], amask["rate_comparison"], strict=True)
                ],
            }
        )
        lee, lk = attrition.lee_bounds_did(
            self.panel, s, self.outcomes, self.design, n_boot=self.plan.inference.lee_draws, seed=self._seed()
        )
        self.recorder.update(lk)
        ipw, ik = attrition.ipw_did(
            self.panel, s, self.outcomes, self.design, ("household_size", "head_age", "head_sex"), fixed_effects=fe
        )
        self.recorder.update(ik)
        did = self._did_all()
        ipw = ipw.set_index("outcome")
        rows = []
        for _, r in lee.iterrows():
            o = r["outcome"]
            rows.append(
                {
                    self.t("col_outcome"): self.label(o),
                    self.t("col_effect"): self._val(o, did[o].estimate, signed=True) if o in did else "–",
                    self._x("col_lee"): self._interval(o, r["lower"], r["upper"]),
                    self._x("col_trim"): f"{format_percent(r['trim_share'], self.lang)} ({r['trimmed_group']})",
                    self._x("col_lee_ci"): self._interval(o, r["ci_low"], r["ci_high"]),
                    self._x("col_ipw"): self._val(o, ipw.loc[o, "estimate"], signed=True) if o in ipw.index else "–",
                    self.t("col_ci"): self._interval(o, ipw.loc[o, "ci_low"], ipw.loc[o, "ci_high"])
                    if o in ipw.index
                    else "–",
                }
            )
        return Sections(
            [
                self._section(
                    self._x("attrition_title"), rates_out, [note, *self._small_note(bool(amask.to_numpy().any()))]
                ),
                self._section(
                    "Lee (2009) & IPW", pd.DataFrame(rows), [self._x("lee_note", b=self.plan.inference.lee_draws)]
                ),
            ]
        )

    @degrades("heterogeneity")
    def heterogeneity(self) -> Section:
        """Effects of the primary outcomes by subgroup, interaction tests, Holm over all of them."""
        national = self.scope == NATIONAL
        table, keys = heterogeneity.heterogeneity(
            self.panel, self.scope, self.plan.primary, self.design,
            [sg for sg in self.plan.subgroups if national or sg != REGION_COLUMN],  # within a region: not region
            fixed_effects=REGION_COLUMN if national else None,
        )
        tests = table.attrs["tests"].set_index(["outcome", "subgroup"])
        table, keys = small_cells.heterogeneity_suppression(self.panel, self.scope, self.design, table, keys, self.k)
        self.recorder.update(keys)
        rows = []
        for _, r in table.iterrows():
            o, sg = r["outcome"], r["subgroup"]
            key = (o, sg)
            hide = bool(r["suppressed"])
            rows.append(
                {
                    self.t("col_outcome"): self.label(o),
                    self._x("col_subgroup"): sg,
                    self._x("col_level"): r["level"],
                    self.t("col_effect"): MARK if hide else self._val(o, r["estimate"], signed=True),
                    self.t("col_ci"): MARK if hide else self._interval(o, r["ci_low"], r["ci_high"]),
                    "N": MARK if hide else f"{r['n_prokus']:.0f} / {r['n_comparison']:.0f}",
                    self._x("col_p_inter"): self._p(tests.loc[key, "p_value"]) if key in tests.index else "–",
                    self._x("col_p_inter_holm"): self._p(tests.loc[key, "holm_p_value"]) if key in tests.index else "–",
                }
            )
        notes = [self._x("het_note", n=len(tests)), *self._small_note(bool(table["suppressed"].any()))]
        return self._section(self._x("het_title"), pd.DataFrame(rows), notes)

    @degrades("dose_response")
    def dose_response(self) -> Section:
        """Dose-response among ProKUS families (mentoring sessions, grant), with the not-randomised caveat."""
        table, keys = dose.dose_response(
            self.panel, self.scope, self.plan.primary, self.design, self.plan.doses,
            fixed_effects=REGION_COLUMN if self.scope == NATIONAL else None,
        )
        table, keys = small_cells.dose_suppression(table, self.scope, keys, self.k)
        self.recorder.update(keys)
        table = table[~table["suppressed"]] if not table.empty else table
        rows = [
            {
                self.t("col_outcome"): self.label(r["outcome"]),
                self._x("col_dose"): self.codebook[r["dose"]].label(self.lang)
                + (" (Rp1 juta)" if r["dose"] in dose.GRANT_SCALE else ""),
                self._x("col_mean_dose"): format_number(r["mean_dose"], self.lang, 1),
                self._x("col_coef"): self._val(r["outcome"], r["estimate"], signed=True),
                self.t("col_ci"): self._interval(r["outcome"], r["ci_low"], r["ci_high"]),
                self.t("col_p"): self._p(r["p_value"]),
            }
            for _, r in table.iterrows()
        ]
        hidden = bool(keys.get(f"{self.scope}.disclosure.dose_suppressed"))
        notes = [self._x("dose_note"), *self._small_note(hidden)]
        return self._section(self._x("dose_title"), pd.DataFrame(rows), notes)

    @degrades("ancova_did")
    def ancova_did(self) -> Sections:
        """ANCOVA beside DiD (McKenzie 2012) and, when the data have a midline, the event study."""
        table, keys = designs.ancova_vs_did(
            self.panel, self.scope, self.outcomes, self.design,
            fixed_effects=REGION_COLUMN if self.scope == NATIONAL else None,
        )
        self.recorder.update(keys)
        rows = [
            {
                self.t("col_outcome"): self.label(r["outcome"]),
                self.t("col_effect"): self._val(r["outcome"], r["did"], signed=True),
                self.t("col_ci"): self._interval(r["outcome"], r["did_ci_low"], r["did_ci_high"]),
                self._x("col_ancova"): self._val(r["outcome"], r["ancova"], signed=True),
                self._x("col_ci_ancova"): self._interval(r["outcome"], r["ancova_ci_low"], r["ancova_ci_high"]),
                self._x("col_rho"): format_number(r["autocorrelation"], self.lang, 2),
                self._x("col_se_ratio"): f"{format_number(r['se_ratio'], self.lang, 2)} "
                f"({format_number(r['theory_se_ratio'], self.lang, 2)})",
            }
            for _, r in table.iterrows()
        ]
        waves = [str(w) for w in self.panel[self.design.period].dropna().unique()]
        order = ["midline", self.design.after]
        waves = sorted(waves, key=lambda w: order.index(w) if w in order else -1)
        ev, ek = designs.event_study(
            self.panel, self.scope, self.plan.primary, self.design, waves,
            fixed_effects=REGION_COLUMN if self.scope == NATIONAL else None,
        )
        self.recorder.update(ek)
        if ev.empty:
            event = self._section(self._x("col_wave"), None, [self._x("event_none")])
        else:
            event = self._section(
                "Event study",
                pd.DataFrame(
                    {
                        self.t("col_outcome"): [self.label(o) for o in ev["outcome"]],
                        self._x("col_wave"): ev["wave"],
                        self.t("col_effect"): [
                            self._val(o, x, True) for o, x in zip(ev["outcome"], ev["estimate"], strict=True)
                        ],
                        self.t("col_ci"): [
                            self._interval(o, lo, hi)
                            for o, lo, hi in zip(ev["outcome"], ev["ci_low"], ev["ci_high"], strict=True)
                        ],
                    }
                ),
            )
        return Sections([self._section(self._x("ancova_title"), pd.DataFrame(rows), [self._x("ancova_note")]), event])

    @degrades("power")
    def power(self) -> Section:
        """MDE table for the design at hand (ICC and autocorrelation from the data) and a sentence."""
        pw = self.plan.inference.power
        table, keys = power_mod.power_table(self.panel, self.scope, self.outcomes, self.design, pw)
        self.recorder.update(keys)
        rows = [
            {
                self.t("col_outcome"): self.label(r["outcome"]),
                self._x("col_sd"): self._val(r["outcome"], r["sd"]),
                self._x("col_icc"): format_number(r["icc"], self.lang, 3),
                self._x("col_rho"): format_number(r["autocorrelation"], self.lang, 2),
                self._x("col_mde_endline"): self._val(r["outcome"], r["mde_endline"]),
                self._x("col_mde_did"): self._val(r["outcome"], r["mde_did"]),
                self._x("col_mde_ancova"): self._val(r["outcome"], r["mde_ancova"]),
                self._x("col_mde_sd"): format_number(r["mde_did_sd"], self.lang, 2),
            }
            for _, r in table.iterrows()
        ]
        notes = []
        head = table[table["outcome"] == self.plan.primary[0]]
        if not head.empty:
            h = head.iloc[0]
            notes.append(
                self._x(
                    "power_sentence",
                    nt=format_number(h["n_prokus"], self.lang),
                    nc=format_number(h["n_comparison"], self.lang),
                    g=int(h["n_clusters"]),
                    icc=format_number(h["icc"], self.lang, 3),
                    rho=format_number(h["autocorrelation"], self.lang, 2),
                    outcome=self.codebook[h["outcome"]].label(self.lang).lower(),
                    pw=format_percent(pw, self.lang, 0),
                    did=self._val(h["outcome"], h["mde_did"]),
                    anc=self._val(h["outcome"], h["mde_ancova"]),
                )
            )
        return self._section(self._x("power_title"), pd.DataFrame(rows), notes)

    @degrades("cost_benefit")
    def cost_benefit(self) -> Sections:
        """Cost per family, benefit-cost ratio and IRR with intervals, and a sensitivity table."""
        c = self.plan.cost
        ids = set(self.panel[self.design.unit])
        prog = self.dataset.programme[self.dataset.programme[self.design.unit].isin(ids)]
        cost = costbenefit.cost_per_family(prog, c.tksk_session, c.mentoring_session, c.overhead_per_family)
        s = self.scope
        for k, v in cost.items():
            self.recorder.add(f"{s}.cost_benefit.cost_{k}", v)
        did = self._did_all()
        base = self.panel[(self.panel[self.design.period] == self.design.before) & (self.panel["treated"] == 1)]
        hh = float(base["household_size"].astype(float).mean())
        rows = []
        measures = {"income": ("household_income", 1.0), "consumption": ("consumption_per_capita", hh)}
        for name, (o, scale) in measures.items():
            if o not in did:
                continue
            e = did[o]
            vals = {}
            for tag, gain in (("", e.estimate), ("_ci_low", e.ci_low), ("_ci_high", e.ci_high)):
                vals[f"bcr{tag}"] = costbenefit.bcr(
                    gain * scale, cost["total"], c.horizon_years, c.discount_rate, c.decay
                )
                vals[f"irr{tag}"] = costbenefit.irr(gain * scale, cost["total"], c.horizon_years, c.decay)
            vals["monthly_gain"] = e.estimate * scale
            for k, v in vals.items():
                if np.isfinite(v):
                    self.recorder.add(f"{s}.cost_benefit.{name}_{k}", v)
            rows.append(
                {
                    self._x("col_benefit"): self._x(f"benefit_{name}"),
                    self._x("col_monthly"): format_rupiah(vals["monthly_gain"], self.lang, signed=True),
                    self._x("col_bcr"): format_number(vals["bcr"], self.lang, 2),
                    self._x("col_bcr_ci"): f"[{format_number(vals['bcr_ci_low'], self.lang, 2)}; "
                    f"{format_number(vals['bcr_ci_high'], self.lang, 2)}]",
                    self._x("col_irr"): self._pct(vals["irr"]),
                    self._x("col_irr_ci"): f"[{self._pct(vals['irr_ci_low'])}; {self._pct(vals['irr_ci_high'])}]",
                }
            )
        self.recorder.add(f"{s}.cost_benefit.horizon_years", c.horizon_years)
        self.recorder.add(f"{s}.cost_benefit.discount_rate", c.discount_rate)
        self.recorder.add(f"{s}.cost_benefit.decay", c.decay)
        note = self._x(
            "cba_note",
            cost=format_rupiah(cost["total"], self.lang),
            grant=format_rupiah(cost["grant"], self.lang),
            tksk=format_rupiah(cost["tksk"], self.lang),
            ment=format_rupiah(cost["mentoring"], self.lang),
            over=format_rupiah(cost["overhead"], self.lang),
            h=c.horizon_years,
            r=format_percent(c.discount_rate, self.lang, 0),
            d=format_percent(c.decay, self.lang, 0),
        )
        parts = [self._section(self._x("cba_title"), pd.DataFrame(rows), [note])]
        if "household_income" in did:
            sens = costbenefit.sensitivity(
                did["household_income"].estimate,
                cost["total"],
                c.sensitivity_horizons,
                c.sensitivity_discount_rates,
                c.sensitivity_decays,
            )
            for _, r in sens.iterrows():
                key = (
                    f"{s}.cost_benefit.sensitivity.h{int(r['horizon'])}_r{round(r['discount_rate'] * 100)}"
                    f"_d{round(r['decay'] * 100)}_bcr"
                )
                self.recorder.add(key, float(r["bcr"]))
            parts.append(
                self._section(
                    self._x("sensitivity_title"),
                    pd.DataFrame(
                        {
                            self._x("col_horizon"): sens["horizon"].astype(int),
                            self._x("col_rate"): [format_percent(x, self.lang, 0) for x in sens["discount_rate"]],
                            self._x("col_decay"): [format_percent(x, self.lang, 0) for x in sens["decay"]],
                            self._x("col_bcr"): [format_number(x, self.lang, 2) for x in sens["bcr"]],
                            self._x("col_irr"): [self._pct(x) for x in sens["irr"]],
                        }
                    ),
                )
            )
        return Sections(parts)

    def _pct(self, x: float) -> str:
        return format_percent(x, self.lang, 0) if np.isfinite(x) else "–"

    def truth_intervals(self) -> Section | None:
        """Synthetic data: whether each reported interval of this scope (DiD, WCR, ANCOVA, IPW, Lee) holds the truth."""
        truth = load_truth(self.dataset.data_dir)
        if not truth:
            return None
        res = self.recorder.as_dict()
        s = self.scope
        methods = {
            "did": ("did.ci_low", "did.ci_high"),
            "wcr": ("did.wcr_ci_low", "did.wcr_ci_high"),
            "wcr_webb": ("did.wcr_webb_ci_low", "did.wcr_webb_ci_high"),
            "ancova": ("ancova.ci_low", "ancova.ci_high"),
            "ipw_did": ("ipw_did.ci_low", "ipw_did.ci_high"),
            "lee": ("lee.ci_low", "lee.ci_high"),
        }
        rows = []
        counts: dict[str, list[int]] = {}
        for o in self.outcomes:
            key = f"{s}.{o}.att"
            if key not in truth:
                continue
            for m, (lo_k, hi_k) in methods.items():
                lo, hi = res.get(f"{s}.{o}.{lo_k}"), res.get(f"{s}.{o}.{hi_k}")
                if lo is None or hi is None:
                    continue
                inside = bool(lo <= truth[key] <= hi)
                counts.setdefault(m, [0, 0])
                counts[m][0] += inside
                counts[m][1] += 1
                self.recorder.add(f"{s}.{o}.{m}.truth_inside", inside)
                rows.append(
                    {
                        self.t("col_outcome"): self.label(o),
                        self._x("col_method"): m,
                        self.t("col_truth"): self._val(o, truth[key], signed=True),
                        self.t("col_ci"): self._interval(o, float(lo), float(hi)),
                        self.t("col_covered"): self.t("yes" if inside else "no"),
                    }
                )
        for m, (cov, tot) in counts.items():
            self.recorder.add(f"{s}.truth_intervals.{m}_covered", cov)
            self.recorder.add(f"{s}.truth_intervals.{m}_intervals", tot)
        covered = sum(c for c, _ in counts.values())
        total = sum(n for _, n in counts.values())
        return self._section(
            self._x("truth2_title"), pd.DataFrame(rows), [self._x("truth2_note", covered=covered, total=total)]
        )
