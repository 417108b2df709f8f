"""Key findings, the headline table and recommendations as plain sentences, with guardrails.

Guardrails (issues 5 and 15):

* every DiD finding is worded by its evidence grade (:func:`evaluation.core.evidence.grade`: interval, the analysis
  plan's multiple-testing corrections, the attrition bounds, pre-specification). An effect is claimed (verbs
  "raised/lowered", "menaikkan/menurunkan") only for the grade ``strong``; a ``suggestive`` finding gives the
  estimate and says why it is not yet evidence (e.g. it does not survive the Holm correction), a ``none`` finding
  says there is no evidence, and :func:`check_no_claim` refuses any claiming word in either
  ("signifikan", "meningkat", "increase", ...);
* when an outcome has only a before/after change (no comparison group) the sentence says it is not a programme
  effect, and the brief carries the design caveat;
* when the data period overlaps 2020 the brief always carries the COVID-19 caveat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from evaluation.core.evidence import Evidence, grade
from evaluation.core.keys import key
from evaluation.core.plan import AnalysisPlan
from evaluation.reporting.pretrends_sentences import parallel_trends_sentences
from evaluation.reporting.view import Interval, ResultsView
from evaluation.text.catalogue import t
from evaluation.text.formats import format_number, format_percent
from evaluation.text.monitoring import label as mlabel

CLAIM_WORDS = (
    "signifikan",
    "significant",
    "meningkat",
    "menaikkan",
    "menurun",
    "naik",
    "turun",
    "increase",
    "decrease",
    "raised",
    "lowered",
    "improved",
    "membaik",
)
_CLAIM_RE = re.compile(r"\b(" + "|".join(CLAIM_WORDS) + r")\w*", re.IGNORECASE)
RISK_ORDER = (
    "documents_inconsistent",
    "eligibility_doubt",
    "grant_not_disbursed",
    "grant_late",
    "mentoring_below_plan",
    "grant_report_missing",
    "grant_amount_unexplained",
)


class GuardrailError(AssertionError):
    """A sentence claims an effect that its interval does not support."""


def check_no_claim(sentence: str) -> str:
    """Return ``sentence``; raise :class:`GuardrailError` when it holds a claiming word."""
    hit = _CLAIM_RE.search(sentence)
    if hit:
        raise GuardrailError(f"claiming word {hit.group(0)!r} in a sentence whose interval includes zero: {sentence}")
    return sentence


@dataclass(frozen=True)
class OutcomeText:
    """How one outcome is named and its values formatted in one language."""

    label: str
    fmt: Callable[[float, bool], str]  # (value, signed) -> text
    good: str = "up"  # direction of good from the codebook: "up" (higher is better) or "down"


@dataclass
class Findings:
    """What the brief says in words: findings, the headline table, recommendations."""

    sentences: list[str] = field(default_factory=list)
    # per sentence: {"key": results key, "evidence": grade} of a finding on an outcome, else None (same order)
    tags: list[dict[str, str] | None] = field(default_factory=list)
    headline_rows: list[list[str]] = field(default_factory=list)
    headline_tags: list[dict[str, str]] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    has_did: bool = False
    change_only: bool = False


def _range(iv: Interval, o: OutcomeText, lang: str) -> str:
    return t("range", lang, lo=o.fmt(iv.ci_low, False), hi=o.fmt(iv.ci_high, False))


def good_text(good: str, lang: str) -> str:
    """The direction of good of an outcome in words ("↑ higher is better")."""
    return t(f"ev_good_{good}", lang)


def evidence_text(ev: Evidence, lang: str) -> str:
    """The grade in plain words, with its reasons for a ``suggestive`` grade (a table cell, a landing-page cell)."""
    text = t(f"ev_{ev.grade}", lang)
    if ev.reasons:
        text += ": " + "; ".join(t(f"ev_reason_{r}", lang) for r in ev.reasons)
    return text


def effect_sentence(iv: Interval, o: OutcomeText, lang: str, ev: Evidence | None = None) -> str:
    """One sentence on a DiD effect, worded by its evidence grade; claims a direction only when ``strong``.

    ``ev`` None (no grade computed) is read as the interval alone: ``none`` when it includes zero, else
    ``suggestive`` (never an effect without the plan's checks).
    """
    if ev is None:
        ev = Evidence("none") if iv.includes_zero else Evidence("suggestive", ("correction_missing",))
    rng = _range(iv, o, lang)
    if ev.grade == "strong":
        mid = "ev_f_strong_up" if iv.ci_low > 0 else "ev_f_strong_down"
        return t(mid, lang, label=o.label, abs=o.fmt(abs(iv.estimate), False), range=rng, good=good_text(o.good, lang))
    if ev.grade == "suggestive":
        reasons = "; ".join(t(f"ev_reason_{r}", lang) for r in ev.reasons)
        return check_no_claim(
            t(
                "ev_f_suggestive",
                lang,
                label=o.label,
                est=o.fmt(iv.estimate, True),
                range=rng,
                reasons=reasons,
                good=good_text(o.good, lang),
            )
        )
    return check_no_claim(
        t("ev_f_none", lang, label=o.label, est=o.fmt(iv.estimate, True), range=rng, good=good_text(o.good, lang))
    )


def change_sentence(iv: Interval, o: OutcomeText, lang: str) -> str:
    """One sentence on a before/after change; never claims an effect, whatever the interval."""
    return check_no_claim(
        t("f_change_only", lang, label=o.label, est=o.fmt(iv.estimate, True), range=_range(iv, o, lang))
    )


def reading(iv: Interval | None, lang: str, ev: Evidence | None = None) -> str:
    """Short reading of a finding for a table cell.

    Its evidence grade in words when ``ev`` is given (the reasons are in the finding's sentence), else the
    interval's reading.
    """
    if ev is not None:
        return t(f"ev_{ev.grade}", lang)
    if iv is None:
        return t("reading_change_only", lang)
    if iv.includes_zero:
        return t("reading_unclear", lang)
    return t("reading_up" if iv.ci_low > 0 else "reading_down", lang)


def balance_sentence(view: ResultsView, scope: str, lang: str, alpha: float = 0.05) -> str:
    """One sentence on baseline imbalance: the joint balance test's p-value and what it means ("" without a test)."""
    p = view.get(key(scope, "balance", "joint", "p_value"))
    if not isinstance(p, (int, float)) or p != p:
        return ""
    mid = "ev_balance_imbalanced" if p < alpha else "ev_balance_ok"
    return t(mid, lang, p=format_number(float(p), lang, 3))


def attrition_sentence(
    view: ResultsView, scope: str, outcomes: Sequence[str], texts: dict[str, OutcomeText], lang: str
) -> str:
    """One sentence on attrition robustness: headline outcomes whose Lee bounds exclude zero, and those that do not."""
    robust, fragile = [], []
    for o in outcomes:
        lo, hi = view.get(key(scope, o, "lee", "ci_low")), view.get(key(scope, o, "lee", "ci_high"))
        if not isinstance(lo, (int, float)) or not isinstance(hi, (int, float)) or lo != lo or hi != hi:
            continue
        (fragile if lo <= 0 <= hi else robust).append(texts[o].label)
    if not robust and not fragile:
        return ""
    none = t("ev_none_listed", lang)
    return check_no_claim(t("ev_attrition", lang, robust=", ".join(robust) or none, fragile=", ".join(fragile) or none))


def build_findings(
    view: ResultsView,
    scope: str,
    headline: Sequence[str],
    texts: dict[str, OutcomeText],
    lang: str,
    recommend_rate: float,
    grant_late_days: int,
    plan: AnalysisPlan | None = None,
) -> Findings:
    """Sentences, headline rows and recommendations of one scope, from results only.

    With ``plan`` every DiD finding is graded by :func:`evaluation.core.evidence.grade` and worded by its grade;
    ``tags`` and ``headline_tags`` carry the results key and grade of each finding (the HTML brief's ``data-key``
    and ``data-evidence``).
    """
    f = Findings()
    sample = view.topic(scope, "sample")
    if "n_families" in sample:
        f.tags.append(None)
        f.sentences.append(
            t(
                "f_sample",
                lang,
                n=format_number(sample["n_families"], lang),
                villages=format_number(sample.get("n_villages"), lang),
                both=format_number(sample.get("n_prokus_both_waves"), lang),
                attrition=format_percent(sample.get("attrition_prokus"), lang),
            )
        )
    for outcome in headline:
        o = texts[outcome]
        did = view.interval(scope, outcome, "did")
        pre = view.interval(scope, outcome, "pre_post")
        ev = grade(view.data, scope, outcome, plan) if plan is not None else None
        if did is not None:
            f.has_did = True
            tag = {"key": key(scope, outcome, "did", "estimate"), "evidence": ev.grade if ev else ""}
            f.sentences.append(effect_sentence(did, o, lang, ev))
            f.tags.append(tag)
            f.headline_rows.append(
                [
                    o.label,
                    good_text(o.good, lang),
                    o.fmt(pre.estimate, True) if pre else "–",
                    o.fmt(did.estimate, True),
                    _range(did, o, lang),
                    reading(did, lang, ev),
                ]
            )
            f.headline_tags.append(tag)
        elif pre is not None:
            f.change_only = True
            tag = {"key": key(scope, outcome, "pre_post", "estimate"), "evidence": ev.grade if ev else "before_after"}
            f.sentences.append(change_sentence(pre, o, lang))
            f.tags.append(tag)
            f.headline_rows.append(
                [
                    o.label,
                    good_text(o.good, lang),
                    o.fmt(pre.estimate, True),
                    "–",
                    _range(pre, o, lang),
                    reading(None, lang, ev),
                ]
            )
            f.headline_tags.append(tag)
    f.sentences += parallel_trends_sentences(view, scope, headline, texts, lang)  # issue 16: breakdown values
    if f.change_only:
        f.sentences.append(t("f_design_caveat", lang))
    f.tags += [None] * (len(f.sentences) - len(f.tags))
    balance = balance_sentence(view, scope, lang)
    if balance:
        f.sentences.append(balance)
    if f.has_did:
        attrition = attrition_sentence(view, scope, headline, texts, lang)
        if attrition:
            f.sentences.append(attrition)
    if view.covers_2020(scope):
        f.sentences.append(t("f_covid_did" if f.has_did else "f_covid_only", lang))
    summary = view.topic(scope, "scorecard", "summary")
    if summary:
        total = sum(int(v) for v in summary.values())
        f.sentences.append(
            t(
                "f_scorecard",
                lang,
                on=summary.get("on_track", 0),
                total=total,
                attention=summary.get("needs_attention", 0),
                off=summary.get("off_track", 0),
            )
        )
    risk = view.nested(scope, "risk")
    if "any" in risk and not risk["any"].get("suppressed"):  # suppressed: fewer than k families, say nothing
        n_any = risk["any"].get("count", 0)
        counts = {k: risk[k]["count"] for k in RISK_ORDER if "count" in risk.get(k, {})}
        if n_any > 0 and counts and max(counts.values()) > 0:
            top = max(counts, key=lambda k: (counts[k], -RISK_ORDER.index(k)))
            f.sentences.append(
                t(
                    "f_risk",
                    lang,
                    count=format_number(n_any, lang),
                    rate=format_percent(risk["any"]["rate"], lang),
                    top=mlabel(top, lang),
                    top_count=format_number(counts[top], lang),
                )
            )
        elif n_any > 0:  # every flag behind "any" is suppressed (< k families): no "most common"
            f.sentences.append(
                t("f_risk_only", lang, count=format_number(n_any, lang), rate=format_percent(risk["any"]["rate"], lang))
            )
        else:
            f.sentences.append(t("f_risk_none", lang))
    for name in RISK_ORDER:
        r = risk.get(name)
        if r and r.get("rate", 0) > recommend_rate and r.get("count", 0) > 0:
            f.recommendations.append(t(f"r_{name}", lang, count=format_number(r["count"], lang), days=grant_late_days))
    card = view.nested(scope, "scorecard")
    off = [mlabel(k, lang) for k, v in card.items() if k != "summary" and v.get("status") == "off_track"]
    if off:
        f.recommendations.append(t("r_off_track", lang, items="; ".join(off)))
    if not f.recommendations:
        f.recommendations.append(t("r_none", lang, rate=format_percent(recommend_rate, lang)))
    f.tags += [None] * (len(f.sentences) - len(f.tags))
    return f
