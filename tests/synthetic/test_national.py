"""National-scale synthetic data: district codes, layout, truth and config, seeds per district.

Reference: the 5-region generator (:mod:`evaluation.synthetic.demo`, same process) for the truth key shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.intake.districts import is_partitioned
from evaluation.synthetic.demo import OUTCOMES
from evaluation.synthetic.national import district_codes, generate_national
from tests.conftest import NATIONAL_DISTRICTS as DISTRICTS
from tests.conftest import NATIONAL_FAMILIES as FAMILIES


def test_district_codes_are_unique_and_cover_the_provinces() -> None:
    """Reference: 514 = 34 provinces x 15 + 4; codes are <province><nn>, unique."""
    codes = district_codes(514)
    assert len(set(codes)) == 514 and all(len(c) == 4 for c in codes)
    assert len({c[:2] for c in codes}) == 34


def test_layout_truth_and_config(national: Path) -> None:
    """Reference: DESIGN §5 truth keys <scope>.<outcome>.att / .change for every district and national."""
    assert is_partitioned(national)
    truth = json.loads((national / "truth.json").read_text())
    codes = district_codes(DISTRICTS)
    expected = {f"{s}.{o}.{f}" for s in [*codes, "national"] for o in OUTCOMES for f in ("att", "change")}
    assert set(truth) == expected
    assert all(np.isfinite(v) for v in truth.values())
    meta = json.loads((national / "dataset.json").read_text())
    assert meta["families"] == FAMILIES and meta["regions"] == codes
    text = (national / "config.toml").read_text()
    assert text.count("[[regions]]") == DISTRICTS
    for code in codes:
        assert (national / "survey" / f"district={code}" / "part-0.parquet").is_file()


def test_same_seed_same_district_whatever_the_district_count(tmp_path: Path) -> None:
    """Reference: district k draws from default_rng([seed, k]); the first district does not depend on D."""
    a = generate_national(tmp_path / "a", families=400, districts=2, seed=3)
    b = generate_national(tmp_path / "b", families=600, districts=3, seed=3)
    del a, b
    one = pd.read_parquet(tmp_path / "a" / "survey" / "district=1101" / "part-0.parquet")
    two = pd.read_parquet(tmp_path / "b" / "survey" / "district=1101" / "part-0.parquet")
    pd.testing.assert_frame_equal(one, two)
