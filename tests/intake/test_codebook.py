"""The codebook is the single source of truth; the synthetic data must obey it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.core.config import load_config
from evaluation.core.errors import UserError
from evaluation.intake.codebook import load_codebook


def test_codebook_structure():
    cb = load_codebook()
    assert set(cb.personal) == {"nik", "head_name", "phone", "address"}
    assert set(load_config().analysis.outcomes) <= set(cb.outcomes)
    for v in cb.variables:
        assert v.label_id and v.label_en, f"{v.name} needs labels in both languages"
    assert [c.code for c in cb["region_code"].categories] == ["3217", "3210", "3322", "3402", "31"]
    assert cb["household_income"].is_money and not cb["fies_score"].is_money
    assert cb["fies_score"].label_with_unit("id") == "Skor kerawanan pangan (FIES) (skor 0-8)"


def _check_table(df: pd.DataFrame, table: str) -> None:
    cb = load_codebook()
    expected = [v.name for v in cb.table(table) if not v.personal]
    if table != "roster":  # family_id is defined once, in the roster, and keys the other tables
        expected = ["family_id", *expected]
    assert list(df.columns) == expected
    for v in cb.table(table):
        if v.name not in df:
            continue
        col = df[v.name]
        if v.type == "multiple":  # space-separated codes, as ODK writes a select_multiple
            assert {c for x in col.dropna() for c in str(x).split()} <= {c.code for c in v.categories}, v.name
        elif v.categories:
            assert set(col.dropna()) <= {c.code for c in v.categories}, v.name
        if v.type in ("integer", "number", "binary") and v.min:
            x = pd.to_numeric(col, errors="raise").dropna().to_numpy(dtype=float)
            assert x.min() >= float(v.min) and x.max() <= float(v.max), v.name
        if v.type in ("integer", "binary"):
            x = pd.to_numeric(col).dropna().to_numpy(dtype=float)
            assert np.all(x == np.round(x)), v.name
        if v.required and v.type != "date":
            assert col.notna().all(), v.name


def test_synthetic_tables_follow_the_codebook(demo):
    _check_table(demo.roster, "roster")
    _check_table(demo.programme, "programme")
    _check_table(demo.survey, "survey")


def test_malformed_codebook_is_a_clear_error(tmp_path):
    from evaluation.intake.codebook import _load

    p = tmp_path / "cb.csv"
    text = load_codebook().path and open(load_codebook().path, encoding="utf-8").read()
    p.write_text(text.replace("household_size,roster,integer", "household_size,roster,integr"), encoding="utf-8")
    with pytest.raises(UserError, match=r"row 11, column 'type'.*integr"):
        _load(str(p))
