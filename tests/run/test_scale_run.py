"""A district-partitioned run sent to an existing Dask cluster equals a local run.

The cluster is a ``LocalCluster`` started here on 127.0.0.1 (loopback only).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.synthetic.national import district_codes
from tests.conftest import NATIONAL_DISTRICTS as DISTRICTS
from tests.conftest import write_config


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
