"""The national synthesis of a district-partitioned data set (hundreds of districts, millions of families).

The 5-region synthesis (:class:`evaluation.analysis.evaluation.Evaluation`) fits one regression with a dummy per
region and a DiD per region; with 514 districts and 10 million families that would be a 20-million-row design matrix
with 513 dummies. Here the national notebook reads only the columns it needs from every district partition
(:func:`evaluation.intake.districts.load_national_arrays`) and computes, for every outcome, the pooled before/after
change of ProKUS families and the pooled panel DiD against the comparison families, both clustered by village, with
the O(N) group-sum estimators (:mod:`evaluation.stats.group_sums`). Every district has half ProKUS and half comparison
families, so district shocks hit both groups alike and the pooled DiD needs no district indicators. District
results are in the district reports.

As in :mod:`evaluation.analysis.sections`, each section is a ``compute_*`` function (data in, the keys it records
and what it shows out) and a ``show_*`` function (what was computed in, a display out); :class:`NationalScale`
only runs them in turn and records the keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.analysis.context import Computed
from evaluation.analysis.display import Banner, Section
from evaluation.core.config import NATIONAL, DesignSettings, load_config, with_overrides
from evaluation.core.keys import key
from evaluation.core.paths import REPORTS_DIR, resolve
from evaluation.core.record import ResultsRecorder
from evaluation.intake.districts import NationalArrays, load_national_arrays
from evaluation.intake.tables import load_truth
from evaluation.stats.degenerate import Degeneracy, reason_of
from evaluation.stats.estimators import did, pre_post
from evaluation.stats.results import Estimate
from evaluation.text.degenerate import reason_cell
from evaluation.text.formats import format_number
from evaluation.text.national_phrases import NATIONAL_SCALE_TEXT as _TEXT


def _t(name: str, language: str, **fields: object) -> str:
    return _TEXT[language][name].format(**fields)


def compute_sample(data: NationalArrays) -> Computed:
    """Families, ProKUS families, villages and districts of the partitioned data set.

    Parameters
    ----------
    data : NationalArrays
        The national columns read from every district partition.

    Returns
    -------
    Computed
        Keys ``national.sample.{n_families, n_prokus, n_villages, n_districts}``; shown: ``counts`` (name -> n).
    """
    counts = {
        "n_families": data.n_families,
        "n_prokus": data.n_prokus,
        "n_villages": data.n_villages,
        "n_districts": len(data.districts),
    }
    return Computed({key(NATIONAL, "sample", k): v for k, v in counts.items()}, {"counts": counts})


def show_sample(result: Computed, language: str) -> Section:
    """The sample table (one row per count), numbers in ``language``'s format."""
    counts = result.shown["counts"]
    table = pd.DataFrame({"": list(counts), "n": [format_number(v, language) for v in counts.values()]})
    return Section(_t("sample", language), table)


def compute_effects(data: NationalArrays, outcomes: list[str], design: DesignSettings) -> Computed:
    """Pooled pre/post change of ProKUS families and pooled panel DiD per outcome, CRV1 by village.

    Parameters
    ----------
    data : NationalArrays
        The national columns (``family_id``, ``wave``, ``treated``, ``village`` and the outcomes).
    outcomes : list of str
        Outcomes to estimate, in the config's order.
    design : DesignSettings
        Its ``alpha`` sets the interval level.

    Returns
    -------
    Computed
        Keys ``national.<outcome>.{pre_post,did}.<field>`` (every non-empty :class:`~evaluation.Estimate` field);
        shown: ``estimates`` (outcome -> (pre_post, did) estimates).

    Raises
    ------
    ValueError
        From the estimators, for an error other than a degenerate outcome (an outcome without variation, without
        data in a wave or in one village is recorded as ``national.<outcome>.{pre_post,did}.reason`` and shown
        with its reason in words, :mod:`evaluation.stats.degenerate`).
    """
    df = data.frame
    prokus = df[df["treated"] == 1]
    keys: dict[str, Any] = {}
    estimates: dict[str, tuple[Estimate, Estimate]] = {}
    left_out: dict[str, Degeneracy] = {}
    for o in outcomes:
        try:
            pp = pre_post(prokus, o, "family_id", "wave", "baseline", "endline", cluster="village",
                          alpha=design.alpha)  # fmt: skip
            dd = did(df, o, "wave", "treated", "baseline", "endline", unit="family_id", cluster="village",
                     alpha=design.alpha)  # fmt: skip
        except ValueError as exc:
            # a degenerate outcome (no variation, no data in a wave, one village) is said, the others go on
            reason = reason_of(exc)
            if reason is None:
                raise
            why = Degeneracy(o, reason, getattr(exc, "wave", None), getattr(exc, "arm", None))
            left_out[o] = why
            for method in ("pre_post", "did"):
                keys[key(NATIONAL, o, method, "reason")] = reason
            continue
        estimates[o] = (pp, dd)
        for method, e in (("pre_post", pp), ("did", dd)):
            for name, value in e.to_dict().items():
                if value is not None and name not in ("outcome", "method"):
                    keys[key(NATIONAL, o, method, name)] = value
    return Computed(keys, {"estimates": estimates, "left_out": left_out, "order": list(outcomes)})


def _degenerate_cell(why: Degeneracy, language: str) -> str:
    """The table cell of an outcome without estimate ("tidak bervariasi", "tidak ada data di survei akhir")."""
    return reason_cell(why.reason, language, why.wave, why.arm)


def show_effects(result: Computed, language: str) -> Section:
    """One row per outcome: change, DiD with its 95% interval, families and villages; the COVID-19 caveat."""
    rows = []
    estimates, left_out = result.shown["estimates"], result.shown.get("left_out", {})
    for o in result.shown.get("order", list(estimates)):
        if o in left_out:
            cell = _degenerate_cell(left_out[o], language)
            rows.append({"outcome": o, "change": cell, "did": cell, "did 95% CI": "–", "families": "–",
                         "villages": "–"})  # fmt: skip
            continue
        pp, dd = estimates[o]
        rows.append(
            {
                "outcome": o,
                "change": format_number(pp.estimate, language, 2, signed=True),
                "did": format_number(dd.estimate, language, 2, signed=True),
                "did 95% CI": f"[{format_number(dd.ci_low, language, 2)}; {format_number(dd.ci_high, language, 2)}]",
                "families": format_number(dd.n_units, language),
                "villages": format_number(dd.n_clusters or 0, language),
            }
        )
    return Section(_t("effects", language), pd.DataFrame(rows), [_t("caveat", language)])


def compute_truth_check(truth: Mapping[str, float], effects: Computed | None) -> Computed | None:
    """For synthetic data, whether each national DiD 95% interval contains the true ATT.

    Parameters
    ----------
    truth : Mapping[str, float]
        ``truth.json`` of the data set (``national.<outcome>.att``); empty for survey data.
    effects : Computed or None
        What :func:`compute_effects` returned, or None when the effects section has not run.

    Returns
    -------
    Computed or None
        None without truth or effects. Else keys ``national.truth_check.{did_intervals, did_covered}``; shown:
        ``rows`` (outcome, truth, covered), ``covered``, ``total``.
    """
    if not truth or effects is None:
        return None
    rows, covered = [], 0
    for o, (_, e) in effects.shown["estimates"].items():
        true = truth.get(key(NATIONAL, o, "att"))
        if true is None:
            continue
        inside = bool(e.ci_low <= true <= e.ci_high)
        covered += inside
        rows.append({"outcome": o, "truth": true, "covered": inside})
    keys = {
        key(NATIONAL, "truth_check", "did_intervals"): len(rows),
        key(NATIONAL, "truth_check", "did_covered"): covered,
    }
    return Computed(keys, {"rows": rows, "covered": covered, "total": len(rows)})


def show_truth_check(result: Computed, language: str) -> Section:
    """The truth-check table and the count of covering intervals."""
    rows = [{**r, "truth": format_number(r["truth"], language, 2)} for r in result.shown["rows"]]
    note = _t("covered", language, c=result.shown["covered"], t=result.shown["total"])
    return Section(_t("truth", language), pd.DataFrame(rows), [note])


class NationalScale:
    """National synthesis of one district-partitioned data set for one notebook run.

    Holds the settings, the data, the recorder and the effects once computed (the effects and truth-check sections
    share them, in either order); each method runs one section's compute, records its keys and returns its display.
    """

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
        self.effects_result: Computed | None = None

    def header(self) -> Banner:
        """Title and the synthetic-data banner."""
        banner = _t("banner", self.lang) if self.synthetic else ""
        return Banner(banner, _t("title", self.lang, n=len(self.data.districts)))

    def sample(self) -> Section:
        """Families, ProKUS families, villages and districts."""
        result = compute_sample(self.data)
        self.recorder.update(result.keys)
        return show_sample(result, self.lang)

    def _effects(self) -> Computed:
        # computed once, by whichever section needs it first; a section that uses it records its keys too
        if self.effects_result is None:
            self.effects_result = compute_effects(self.data, self.outcomes, self.design)
        self.recorder.update(self.effects_result.keys)
        return self.effects_result

    def effects(self) -> Section:
        """Pooled pre/post change of ProKUS families and pooled panel DiD, every outcome, CRV1 by village."""
        return show_effects(self._effects(), self.lang)

    def truth_check(self) -> Section | None:
        """For synthetic data, whether each national DiD 95% interval contains the true ATT."""
        truth = load_truth(self.cfg.run.data_dir)
        result = compute_truth_check(truth, self._effects() if truth else None)
        if result is None:
            return None
        self.recorder.update(result.keys)
        return show_truth_check(result, self.lang)

    def save(self) -> Path:
        """Write this notebook's results to ``<output_dir>/results.json``."""
        return self.recorder.write(self.output_dir / "results.json")


def open_national_scale(
    data_dir: str = "", config: str = "", language: str = "", output_dir: str = ""
) -> NationalScale:
    """Build the national synthesis from the notebook's papermill parameters.

    Parameters
    ----------
    data_dir, config, language, output_dir : str
        The notebook's papermill parameters; empty strings fall back to the config file's values.

    Returns
    -------
    NationalScale
        The notebook's coordinator.
    """
    return NationalScale(data_dir, config, language, output_dir)


__all__ = [
    "NationalScale",
    "compute_effects",
    "compute_sample",
    "compute_truth_check",
    "open_national_scale",
    "show_effects",
    "show_sample",
    "show_truth_check",
]
