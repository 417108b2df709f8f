"""The workbook's status cell of an estimate (reporting.workbook._status): a degenerate outcome in words."""

from __future__ import annotations

import pytest

from evaluation.reporting.workbook import _status


@pytest.mark.parametrize(
    ("estimate", "lang", "expected"),
    [
        ({"status": "ok"}, "en", "ok"),
        ({"status": "x did not vary", "reason": "no_variation"}, "id", "tidak bervariasi"),
        ({"status": "x did not vary", "reason": "no_variation"}, "en", "did not vary"),
        ({"status": "no family", "reason": "no_data", "reason_wave": "endline"}, "id",
         "tidak ada data di survei akhir (endline)"),
    ],
)  # fmt: skip
def test_a_degenerate_estimate_shows_its_reason_in_the_readers_language(estimate, lang, expected):
    assert _status(estimate, lang) == expected
