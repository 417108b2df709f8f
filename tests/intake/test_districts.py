"""District partitions (intake.districts): column types and the national arrays.

Reference: the per-district tables joined by value with pandas give the same DiD as the code join.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation.estimators import did
from evaluation.intake.districts import load_district, load_national_arrays
from evaluation.synthetic.national import district_codes
from tests.conftest import NATIONAL_DISTRICTS as DISTRICTS
from tests.conftest import NATIONAL_FAMILIES as FAMILIES


def test_district_loader_types_and_national_arrays(national: Path) -> None:
    """Reference: the per-district tables joined by value (pandas merge) give the same DiD as the code join."""
    code = district_codes(DISTRICTS)[0]
    ds = load_district(national, code)
    assert ds.synthetic and ds.survey["family_id"].dtype == "string"
    assert ds.survey["household_income"].dtype == "float64"
    arrays = load_national_arrays(national, district_codes(DISTRICTS), ["household_income"])
    assert arrays.n_families == FAMILIES
    merged = []
    for c in district_codes(DISTRICTS):
        part = load_district(national, c)
        merged.append(part.survey.merge(part.roster, on="family_id"))
    long = pd.concat(merged, ignore_index=True)
    long["treated"] = (long["group"] == "prokus").astype(int)
    ref = did(long, "household_income", "wave", "treated", "baseline", "endline", unit="family_id", cluster="village")
    got = did(arrays.frame, "household_income", "wave", "treated", "baseline", "endline", unit="family_id",
              cluster="village")  # fmt: skip
    assert got.estimate == pytest.approx(ref.estimate, rel=1e-10)
    assert got.se == pytest.approx(ref.se, rel=1e-10)
    assert got.n_clusters == ref.n_clusters
