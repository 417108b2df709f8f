"""Disclosure control: the threshold rule at n = k-1, k, k+1, and complementary suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.stats.disclosure import MARK, apply, drop_keys, protect, suppression_mask, total_relations

K = 10


@pytest.mark.parametrize(("n", "suppressed"), [(K - 1, True), (K, False), (K + 1, False), (0, False)])
def test_threshold(n, suppressed):
    counts = pd.DataFrame({"a": [n, 50], "b": [50, 50]})
    mask = suppression_mask(counts, K)
    assert bool(mask.at[0, "a"]) is suppressed
    assert not mask.loc[1].any() and not mask.at[0, "b"]


@pytest.mark.parametrize(("n", "suppressed"), [(K - 1, True), (K, False), (K + 1, False)])
def test_complementary_suppression_with_a_total(n, suppressed):
    """A part below k is hidden with the next smallest part, so total minus the shown parts gives nothing."""
    counts = pd.DataFrame({"count": [n, 30, 40, n + 70]}, index=["a", "b", "c", "total"])
    rel = total_relations(["a", "b", "c"], "total", ["count"])
    mask = suppression_mask(counts, K, rel)
    assert bool(mask.at["a", "count"]) is suppressed
    assert bool(mask.at["b", "count"]) is suppressed  # smallest other part: the complementary cell
    assert not mask.at["c", "count"] and not mask.at["total", "count"]
    if suppressed:  # the hidden cell cannot be recomputed from what is shown
        shown = counts["count"].where(~mask["count"])
        assert np.isnan(shown["a"]) and np.isnan(shown["b"])


def test_relations_cascade_until_stable():
    counts = pd.DataFrame({"x": [5, 20, 25], "y": [30, 40, 70]}, index=["p", "q", "r"])
    rel = [[("p", "x"), ("q", "x"), ("r", "x")], [("q", "x"), ("q", "y")]]
    mask = suppression_mask(counts, K, rel)
    assert mask.at["p", "x"] and mask.at["q", "x"]  # primary, then complementary in column x
    assert mask.at["q", "y"]  # hiding q.x left q.y alone in its relation, so the cascade continues


def test_protect_marks_cells_and_drops_their_keys():
    display = pd.DataFrame({"group": ["ProKUS", "Pembanding"], "n": ["9", "40"]})
    counts = pd.DataFrame({"n": [K - 1, 40]})
    out, mask = protect(display, counts, K)
    assert out.at[0, "n"] == MARK and out.at[1, "n"] == "40" and out.at[0, "group"] == "ProKUS"
    keys = {"s.sample.n_prokus": 9, "s.sample.n_comparison": 40}
    kept = drop_keys(keys, mask, {(0, "n"): ["s.sample.n_prokus"], (1, "n"): ["s.sample.n_comparison"]})
    assert kept == {"s.sample.n_comparison": 40}
    assert apply(display, mask.astype(bool)).equals(out)


def test_k_must_be_positive():
    with pytest.raises(ValueError):
        suppression_mask(pd.DataFrame({"a": [1]}), 0)
