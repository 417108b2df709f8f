"""The national synthesis of a district-partitioned data set (hundreds of districts, millions of families).

The 5-region synthesis (:class:`evaluation.analysis.evaluation.Evaluation`) fits one regression with a dummy per
region and a
DiD per region; with 514 districts and 10 million families that would be a 20-million-row design matrix with 513
dummies. Here the national notebook reads only the columns it needs from every district partition
(:func:`evaluation.intake.districts.load_national_arrays`) and computes, for every outcome, the pooled before/after
change of ProKUS families and the pooled panel DiD against the comparison families, both clustered by village, with
the O(N) group-sum estimators (:mod:`evaluation.stats.group_sums`). Every district has half ProKUS and half comparison
families, so district shocks hit both groups alike and the pooled DiD needs no district indicators. District
results are in the district reports.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.analysis.display import Banner, Section
from evaluation.core.config import NATIONAL, load_config, with_overrides
from evaluation.core.keys import key
from evaluation.core.paths import REPORTS_DIR, resolve
from evaluation.core.record import ResultsRecorder
from evaluation.intake.districts import load_national_arrays
from evaluation.stats.estimators import did, pre_post
from evaluation.text.formats import format_number
from evaluation.text.national_phrases import NATIONAL_SCALE_TEXT as _TEXT


class NationalScale:
    """National synthesis of one district-partitioned data set for one notebook run."""

    def __init__(self, data_dir: str, config: str | None, language: str | None, output_dir: str | None) -> None:
        self.cfg = with_overrides(load_config(config or None), language=language or None, data_dir=data_dir or None)
        self.lang = self.cfg.run.language
        self.design = self.cfg.design
        self.outcomes = list(self.cfg.analysis.outcomes)
        self.output_dir = resolve(output_dir) if output_dir else REPORTS_DIR / "interactive" / NATIONAL
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.data = load_national_arrays(
            self.cfg.run.data_dir, list(self.cfg.region_codes), self.outcomes, self.design.treated_value
        )
        self.synthetic = bool(self.data.metadata.get("synthetic", False))
        self.recorder = ResultsRecorder()
        self.recorder.add(key(NATIONAL, "meta", "synthetic"), self.synthetic)
        self.recorder.add(key(NATIONAL, "meta", "seed"), self.cfg.run.seed)
        self.recorder.add(key(NATIONAL, "meta", "language"), self.lang)
        self._did: dict[str, object] = {}

    def _t(self, key: str, **kw: object) -> str:
        return _TEXT[self.lang][key].format(**kw)

    def header(self) -> Banner:
        """Title and the synthetic-data banner."""
        return Banner(self._t("banner") if self.synthetic else "", self._t("title", n=len(self.data.districts)))

    def sample(self) -> Section:
        """Families, ProKUS families, villages and districts."""
        keys = {
            "n_families": self.data.n_families,
            "n_prokus": self.data.n_prokus,
            "n_villages": self.data.n_villages,
            "n_districts": len(self.data.districts),
        }
        for k, v in keys.items():
            self.recorder.add(key(NATIONAL, "sample", k), v)
        table = pd.DataFrame({"": list(keys), "n": [format_number(v, self.lang) for v in keys.values()]})
        return Section(self._t("sample"), table)

    def effects(self) -> Section:
        """Pooled pre/post change of ProKUS families and pooled panel DiD, every outcome, CRV1 by village."""
        df = self.data.frame
        prokus = df[df["treated"] == 1]
        d = self.design
        rows = []
        for o in self.outcomes:
            pp = pre_post(prokus, o, "family_id", "wave", "baseline", "endline", cluster="village", alpha=d.alpha)
            dd = did(df, o, "wave", "treated", "baseline", "endline", unit="family_id", cluster="village",
                     alpha=d.alpha)  # fmt: skip
            self._did[o] = dd
            for method, e in (("pre_post", pp), ("did", dd)):
                for name, value in e.to_dict().items():
                    if value is not None and name not in ("outcome", "method"):
                        self.recorder.add(key(NATIONAL, o, method, name), value)
            rows.append(
                {
                    "outcome": o,
                    "change": format_number(pp.estimate, self.lang, 2, signed=True),
                    "did": format_number(dd.estimate, self.lang, 2, signed=True),
                    "did 95% CI": f"[{format_number(dd.ci_low, self.lang, 2)}; "
                    f"{format_number(dd.ci_high, self.lang, 2)}]",
                    "families": format_number(dd.n_units, self.lang),
                    "villages": format_number(dd.n_clusters or 0, self.lang),
                }
            )
        return Section(self._t("effects"), pd.DataFrame(rows), [self._t("caveat")])

    def truth_check(self) -> Section | None:
        """For synthetic data, whether each national DiD 95% interval contains the true ATT."""
        from evaluation.intake.tables import load_truth

        truth = load_truth(self.cfg.run.data_dir)
        if not truth or not self._did:
            return None
        rows, covered = [], 0
        for o, e in self._did.items():
            true = truth.get(key(NATIONAL, o, "att"))
            if true is None:
                continue
            inside = bool(e.ci_low <= true <= e.ci_high)
            covered += inside
            rows.append({"outcome": o, "truth": format_number(true, self.lang, 2), "covered": inside})
        self.recorder.add(key(NATIONAL, "truth_check", "did_intervals"), len(rows))
        self.recorder.add(key(NATIONAL, "truth_check", "did_covered"), covered)
        return Section(self._t("truth"), pd.DataFrame(rows), [self._t("covered", c=covered, t=len(rows))])

    def save(self) -> Path:
        """Write this notebook's results to ``<output_dir>/results.json``."""
        return self.recorder.write(self.output_dir / "results.json")


def open_national_scale(
    data_dir: str = "", config: str = "", language: str = "", output_dir: str = ""
) -> NationalScale:
    """Build the national synthesis from the notebook's papermill parameters."""
    return NationalScale(data_dir, config, language, output_dir)


__all__ = ["NationalScale", "open_national_scale"]
