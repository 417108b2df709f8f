"""The item-level demo: the questions are answered so that the derived indicators are the generator's (issue 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.intake.derive import Item, evaluate
from evaluation.intake.questions import load_questions


def _items(frame: pd.DataFrame, bank) -> dict[str, Item]:
    out = {}
    for q in bank.form("survey"):
        if q.name not in frame or q.type in ("text", "date", "family"):
            continue
        raw = frame[q.name]
        codes = raw.astype(str).str.removesuffix(".0")
        dk = codes.isin(q.dk_codes).to_numpy()
        blank = raw.isna().to_numpy()
        value = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
        value[dk] = np.nan
        out[q.name] = Item(value, blank, dk)
    return out


def test_derived_indicators_equal_the_generators_exactly(demo):
    """Every indicator computed from the answers equals the generator's value, missing where it is missing."""
    bank = load_questions()
    items = _items(demo.items, bank)
    operating = demo.survey["business_operating"].to_numpy(dtype=float, na_value=np.nan)
    for ind in bank.indicators:
        want = demo.survey[ind.name].to_numpy(dtype=float, na_value=np.nan)
        got = evaluate(ind.tree, items)
        asked = ~np.all([items[n].blank for n in ind.tree.names()], axis=0)
        assert np.array_equal(got[asked], want[asked], equal_nan=True), ind.name
        # not asked only where the business did not run (the form skips its questions)
        assert np.all(operating[~asked] == 0), ind.name
        assert asked.mean() > 0.5, ind.name


def test_answers_follow_the_instrument(demo):
    bank = load_questions()
    skip = ("family_id", "wave", "interview_date", "refusal_reason")
    assert list(demo.items.columns) == [q.name for q in bank.form("survey") if q.name not in skip]
    for q in bank.form("survey"):
        if q.name not in demo.items or q.type in ("text", "date", "family"):
            continue
        col = demo.items[q.name].dropna()
        if q.list:
            assert set(col.astype(str)) <= {c.name for c in bank.choices[q.list]}, q.name
        else:
            x = col.to_numpy(dtype=float)
            ok = np.isin(x.astype(int).astype(str), q.dk_codes) | ((x >= float(q.min)) & (x <= float(q.max)))
            assert ok.all(), q.name
    # don't-know / refused answers stand for the generator's missing answers, and only for them
    items = _items(demo.items, bank)
    for ind in bank.indicators:
        dk = np.any([items[n].dk for n in ind.tree.names()], axis=0)
        missing = demo.survey[ind.name].isna().to_numpy()
        if ind.name != "business_profit":  # sales not known, profit stated: a code and a value
            assert np.array_equal(dk & ~missing, np.zeros_like(dk)), ind.name
        assert (dk & missing).sum() >= 0.5 * missing.sum() > 0, ind.name
    baseline = (demo.survey["wave"] == "baseline").to_numpy()
    assert (demo.items.loc[baseline, ["assist_bst", "assist_blt_dd"]].isin(["0", "98", "99"])).all().all()
    assert demo.metadata["seed"] == 20201


def test_same_seed_same_answers(demo):
    from evaluation.synthetic.demo import generate

    again = generate(seed=20201)
    pd.testing.assert_frame_equal(again.items, demo.items)


def test_the_respondent_is_answered(demo):
    """Who answered (review 18): head of household mostly, spouse or another adult member otherwise."""
    from evaluation.synthetic.items import RESPONDENT_SHARES

    cols = list(demo.items.columns)
    assert cols.index("respondent") == cols.index("consent") - 1  # asked before consent, as in the form
    shares = demo.items["respondent"].value_counts(normalize=True)
    assert set(shares.index) == {"1", "2", "3"}
    for code, share in zip(("1", "2", "3"), RESPONDENT_SHARES, strict=True):
        assert abs(shares[code] - share) < 0.03, code
