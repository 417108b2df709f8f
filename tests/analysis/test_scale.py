"""National scale: district-partitioned synthetic data, its loader, and runs on an existing Dask cluster.

References: the 5-region generator (:mod:`evaluation.synthetic.demo`, same process) for the truth key shape; the CSV
loader's column types; a serial local run for the results of a run sent to a ``LocalCluster`` started here on
127.0.0.1 (loopback only).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.estimators import did
from evaluation.intake.districts import is_partitioned, load_district, load_national_arrays
from evaluation.synthetic.demo import OUTCOMES
from evaluation.synthetic.national import district_codes, generate_national
from tests.conftest import write_config

FAMILIES, DISTRICTS = 2_000, 5


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("national") / "data"
    generate_national(out, families=FAMILIES, districts=DISTRICTS, seed=7, config_data_dir=str(out))
    return out


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


@pytest.mark.slow
def test_run_on_an_existing_dask_cluster_equals_a_local_run(national: Path, tmp_path: Path) -> None:
    """Reference: a run on the local default cluster; the run sent to a LocalCluster on 127.0.0.1 must match."""
    from dask.distributed import LocalCluster

    from evaluation.run.runner import run

    cfg = write_config(tmp_path / "config.toml", national, tmp_path / "reports")
    text = (national / "config.toml").read_text()
    regions = text[text.index("[[regions]]") :]
    base = cfg.read_text()
    cfg.write_text(base[: base.index("[[regions]]")] + regions)
    local = run(config=str(cfg), jobs=1, run_id="local", progress=False, regions=district_codes(DISTRICTS)[:2])
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster:  # fmt: skip
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        remote = run(config=str(cfg), run_id="remote", progress=False, scheduler=cluster.scheduler_address,
                     regions=district_codes(DISTRICTS)[:2])  # fmt: skip
    assert (local / "results.json").read_bytes() == (remote / "results.json").read_bytes()
    keys = json.loads((remote / "results.json").read_text())
    assert "national.household_income.did.estimate" in keys
    assert f"{district_codes(DISTRICTS)[0]}.household_income.did.estimate" in keys


def test_national_scale_sections_give_the_same_keys_in_any_order(national: Path, tmp_path: Path) -> None:
    """compute/show split of analysis.national_scale: the truth check does not depend on the effects having run."""
    from evaluation.notebook import open_national_scale

    def run(order: tuple[str, ...]) -> dict:
        ev = open_national_scale(str(national), str(national / "config.toml"), "en", str(tmp_path / "-".join(order)))
        shown = [getattr(ev, name)() for name in order]
        assert all(s is not None for s in shown)
        return ev.recorder.as_dict()

    forward = run(("sample", "effects", "truth_check"))
    backward = run(("truth_check", "effects", "sample"))
    assert forward == backward
    assert forward["national.truth_check.did_intervals"] == len(OUTCOMES)
    assert 0 <= forward["national.truth_check.did_covered"] <= len(OUTCOMES)
    assert "national.household_income.did.ci_low" in forward
