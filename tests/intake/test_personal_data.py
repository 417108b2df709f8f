"""No personal data reaches data/processed, reports, notebook outputs or logs (issue 3).

Realistic but FAKE personal data (NIKs with valid structure, Indonesian names, +62 phone numbers, addresses) is
added to the roster of a small synthetic data set, which then goes through the whole run as real data would
(intake -> validate -> pseudonymise -> notebooks -> reports); every file produced is scanned for each value.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.intake.pseudonymise import ENV_KEY
from evaluation.synthetic.demo import generate
from tests.conftest import write_config

pytestmark = pytest.mark.slow

FIRST = ("Siti", "Budi", "Sri", "Agus", "Dewi", "Joko", "Wahyu", "Rina", "Yanti", "Eko")
LAST = ("Rahayu", "Santoso", "Wulandari", "Setiawan", "Lestari", "Hidayat", "Purnomo", "Susanti")


def _fake_personal(roster: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(roster)
    niks, names, phones, addresses = [], [], [], []
    for i in range(n):
        female = roster["head_sex"].iloc[i] == "female"
        day = int(rng.integers(1, 29)) + (40 if female else 0)
        region = str(roster["region_code"].iloc[i]).ljust(4, "7")
        niks.append(f"{region}{rng.integers(10, 99)}{day:02d}{rng.integers(1, 13):02d}{rng.integers(60, 99)}{i:04d}")
        names.append(f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} Fakename{i:04d}")
        phones.append(f"+62 812-{rng.integers(1000, 9999)}-{i:04d}")
        addresses.append(f"Jl. Fiktif Nomor {i} RT 0{i % 9 + 1}/RW 02")
    out = roster.copy()
    out.insert(1, "nik", niks)
    out.insert(2, "head_name", names)
    out.insert(3, "phone", phones)
    out.insert(4, "address", addresses)
    return out


def test_fake_personal_data_never_leaves_the_raw_directory(tmp_path, monkeypatch, capsys):
    data = generate(families_per_region=15, comparison_per_region=15, seed=5)
    raw = data.write(tmp_path / "raw" / "field")
    (raw / "dataset.json").unlink()  # real data from here on: a key is required
    (raw / "truth.json").unlink()
    roster = _fake_personal(pd.read_csv(raw / "roster.csv", dtype=str), seed=5)
    roster.to_csv(raw / "roster.csv", index=False)
    secrets = [*roster["nik"], *roster["head_name"], *roster["phone"], *roster["address"]]
    secrets += [s.split(" Fakename")[0] + " Fakename" for s in roster["head_name"][:1]]
    raw_ids = list(roster["family_id"])
    key = "personal-data-test-key-0123456789abcdef"
    monkeypatch.setenv(ENV_KEY, key)
    cfg = write_config(tmp_path / "config.toml", raw, tmp_path / "out" / "reports")
    assert main(["run", "--config", str(cfg), "--regions", "3402", "--jobs", "2", "--quiet"]) == 0
    captured = capsys.readouterr()
    produced = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert any(p.name == "notebook.ipynb" for p in produced) and any(p.name == "kernels.log" for p in produced)
    assert any(p.name == "roster.csv" for p in produced)
    texts = {str(p): p.read_bytes().decode("utf-8", errors="replace") for p in produced}
    texts["<console>"] = captured.out + captured.err
    needles = [*secrets, "Fakename", key]
    for where, text in texts.items():
        found = [s for s in needles if s in text]
        assert not found, f"personal data in {where}: {found[:3]}"
    processed = next(p for p in produced if p.name == "roster.csv").parent
    for table in ("roster", "programme", "survey"):
        df = pd.read_csv(processed / f"{table}.csv", dtype=str)
        assert not set(df.columns) & {"nik", "head_name", "phone", "address"}
        assert not set(df["family_id"]) & set(raw_ids)
    manifest = json.loads((processed / "intake.json").read_text())
    assert manifest["pseudonym_key"] == f"environment variable {ENV_KEY}"


def test_problem_reports_mask_personal_values(tmp_path, monkeypatch):
    from evaluation.intake.pipeline import ValidationFailed, validate

    data = generate(families_per_region=3, comparison_per_region=3, seed=5, regions=("3402",))
    raw = data.write(tmp_path / "raw")
    roster = _fake_personal(pd.read_csv(raw / "roster.csv", dtype=str), seed=5)
    roster.loc[0, "nik"] = "3402993102850001"  # 31 February: a NIK problem whose value must not be printed whole
    roster.to_csv(raw / "roster.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        validate(raw)
    text = str(err.value) + (raw / "validation_problems.csv").read_text()
    assert "3402993102850001" not in text and "3402************" in text
