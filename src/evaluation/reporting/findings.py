"""Key findings, the headline table and recommendations as plain sentences, with guardrails.

Guardrails (issue 5):

* an effect is claimed (verbs "raised/lowered", "menaikkan/menurunkan") only when its 95% interval excludes zero;
  when the interval includes zero the sentence says there is no clear evidence and gives the interval, and
  :func:`check_no_claim` refuses any claiming word in it ("signifikan", "meningkat", "increase", ...);
* when an outcome has only a before/after change (no comparison group) the sentence says it is not a programme
  effect, and the brief carries the design caveat;
* when the data period overlaps 2020 the brief always carries the COVID-19 caveat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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


@dataclass
class Findings:
    """What the brief says in words: findings, the headline table, recommendations."""

    sentences: list[str] = field(default_factory=list)
    headline_rows: list[list[str]] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    has_did: bool = False
    change_only: bool = False


def _range(iv: Interval, o: OutcomeText, lang: str) -> str:
    return t("range", lang, lo=o.fmt(iv.ci_low, False), hi=o.fmt(iv.ci_high, False))


def effect_sentence(iv: Interval, o: OutcomeText, lang: str) -> str:
    """One sentence on a DiD effect; claims a direction only when the 95% interval excludes zero."""
    if iv.includes_zero:
        return check_no_claim(
            t("f_effect_unclear", lang, label=o.label, est=o.fmt(iv.estimate, True), range=_range(iv, o, lang))
        )
    key = "f_effect_up" if iv.ci_low > 0 else "f_effect_down"
    return t(key, lang, label=o.label, abs=o.fmt(abs(iv.estimate), False), range=_range(iv, o, lang))


def change_sentence(iv: Interval, o: OutcomeText, lang: str) -> str:
    """One sentence on a before/after change; never claims an effect, whatever the interval."""
    return check_no_claim(
        t("f_change_only", lang, label=o.label, est=o.fmt(iv.estimate, True), range=_range(iv, o, lang))
    )


def reading(iv: Interval | None, lang: str) -> str:
    """Short reading of an interval for a table cell."""
    if iv is None:
        return t("reading_change_only", lang)
    if iv.includes_zero:
        return t("reading_unclear", lang)
    return t("reading_up" if iv.ci_low > 0 else "reading_down", lang)


def build_findings(
    view: ResultsView,
    scope: str,
    headline: Sequence[str],
    texts: dict[str, OutcomeText],
    lang: str,
    recommend_rate: float,
    grant_late_days: int,
) -> Findings:
    """Sentences, headline rows and recommendations of one scope, from results only."""
    f = Findings()
    sample = view.topic(scope, "sample")
    if "n_families" in sample:
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
        if did is not None:
            f.has_did = True
            f.sentences.append(effect_sentence(did, o, lang))
            f.headline_rows.append(
                [
                    o.label,
                    o.fmt(pre.estimate, True) if pre else "–",
                    o.fmt(did.estimate, True),
                    _range(did, o, lang),
                    reading(did, lang),
                ]
            )
        elif pre is not None:
            f.change_only = True
            f.sentences.append(change_sentence(pre, o, lang))
            f.headline_rows.append([o.label, o.fmt(pre.estimate, True), "–", _range(pre, o, lang), reading(None, lang)])
    f.sentences += parallel_trends_sentences(view, scope, headline, texts, lang)  # issue 16: breakdown values
    if f.change_only:
        f.sentences.append(t("f_design_caveat", lang))
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
    return f
