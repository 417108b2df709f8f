"""Safe with the user's files (issue 14, kinds 1 and 6-9), in the style of test_bad_inputs.py.

Each example of the issue is a case here, and each kind has at least one more: every write owns its target (1),
everything is checked before anything is written (6), values are range-checked (7), no traceback (8), inputs larger
than a bound are refused before they are read (9). For each refusal: exit code 2, one paragraph naming the path or
value and what to do, no traceback, and nothing written or changed.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.intake.pseudonymise import ENV_KEY
from evaluation.synthetic.demo import generate
from tests.conftest import write_config

KEY = "safe-files-tests-key-of-thirty-two-characters"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """Six families (three ProKUS, three comparison) in Bantul, two waves, no missing answers."""
    data = generate(families_per_region=3, comparison_per_region=3, seed=11, regions=("3402",), missing_rate=0.0)
    return data.write(tmp_path_factory.mktemp("base") / "raw")


@pytest.fixture
def raw(base, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(ENV_KEY, KEY)
    monkeypatch.setenv("COLUMNS", "160")
    d = tmp_path / "raw"
    shutil.copytree(base, d)
    return d


def _config(tmp_path: Path, raw: Path, **replace: str) -> Path:
    return write_config(tmp_path / "config.toml", raw, tmp_path / "out" / "reports", **replace)


def _refused(capsys, *argv: str) -> str:
    """Run the command line; assert exit code 2 and no traceback; return the message."""
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.strip(), err
    return err


def _rules(raw: Path) -> set[str]:
    """The rules of the errors in the problem list beside the data."""
    problems = pd.read_csv(raw / "validation_problems.csv", dtype=str, keep_default_na=False)
    return set(problems.loc[problems["severity"] == "error", "rule"])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------- kind 1: every write owns its target
def test_demo_data_refuses_a_folder_of_field_exports(raw, tmp_path, capsys):
    field = tmp_path / "data" / "raw" / "field"
    field.mkdir(parents=True)
    for name in ("roster.csv", "programme.csv", "survey.csv"):
        shutil.copy(raw / name, field / name)
    before = _snapshot(field)
    err = _refused(capsys, "demo-data", "--out", str(field), "--families", "10")
    assert "did not make it" in err and "field" in err
    assert _snapshot(field) == before and not (field / "dataset.json").exists()


def test_demo_data_refuses_a_copied_demo_folder_whose_files_were_replaced(raw, tmp_path, capsys):
    """The copied marker does not make real exports replaceable: it lists the files as the generator wrote them."""
    field = tmp_path / "field"
    shutil.copytree(raw, field)  # the demo folder copied, marker included
    df = pd.read_csv(field / "survey.csv", dtype=str, keep_default_na=False)
    df.loc[0, "household_income"] = "1234567"  # a real export put in its place
    df.to_csv(field / "survey.csv", index=False)
    before = _snapshot(field)
    _refused(capsys, "demo-data", "--out", str(field), "--families", "10")
    assert _snapshot(field) == before
    (field / "survey.csv").write_bytes((raw / "survey.csv").read_bytes())
    (field / "notes.txt").write_text("mine")  # an added file of the user's
    _refused(capsys, "demo-data", "--out", str(field), "--families", "10")
    assert (field / "notes.txt").read_text() == "mine"


def test_demo_data_refuses_the_project_data_folder(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("codebook.csv", "config.toml", "targets.toml", "analysis_plan.toml"):
        shutil.copy(Path(__file__).parents[2] / "data" / name, data / name)
    before = _snapshot(data)
    _refused(capsys, "demo-data", "--out", str(data), "--families", "10")
    assert _snapshot(data) == before


def test_demo_data_refuses_an_existing_file(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("my notes\n")
    err = _refused(capsys, "demo-data", "--out", str(target), "--families", "10")
    assert "existing file" in err
    assert target.read_text() == "my notes\n"


def test_demo_data_refuses_a_symbolic_link(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.csv").write_text("a\n")
    (tmp_path / "link").symlink_to(mine)
    _refused(capsys, "demo-data", "--out", str(tmp_path / "link"), "--families", "10")
    assert (mine / "keep.csv").read_text() == "a\n"


def test_demo_data_replaces_its_own_folder_and_fills_an_empty_one(tmp_path, capsys):
    out = tmp_path / "demo"
    out.mkdir()  # empty: nothing to lose
    assert main(["demo-data", "--out", str(out), "--families", "10"]) == 0
    assert (out / ".prokus-owned").read_text().startswith("demo-data")
    assert main(["validate", str(out)]) == 0  # the problem list it adds keeps the folder replaceable
    assert (out / "validation_problems.csv").is_file()
    assert main(["demo-data", "--out", str(out), "--families", "10", "--format", "kobo"]) == 0
    assert (out / "monitoring.csv").is_file() and not (out / "programme.csv").exists()


@pytest.mark.parametrize("run_id", ["../../x", "a/b", "/tmp/x", "latest", "x.partial", ".hidden", "..", "a\\b"])
def test_run_id_must_be_a_plain_name(run_id, raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--run-id", run_id, "--quiet")
    assert "plain name" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "x").exists()


def test_run_never_deletes_a_partial_folder_it_did_not_make(raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw)
    reports = tmp_path / "out" / "reports"
    foreign = reports / "mine.partial"
    foreign.mkdir(parents=True)
    (foreign / "thesis.docx").write_text("years of work")
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--run-id", "mine", "--quiet")
    assert "did not make it" in err
    assert (foreign / "thesis.docx").read_text() == "years of work"


_HOLD = """
import sys, time
from pathlib import Path
from evaluation.run.runlock import run_lock
lock = run_lock(Path(sys.argv[1]), sys.argv[2])
assert lock.try_acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_run_with_the_same_id_is_refused_while_the_first_runs(raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw)
    reports = tmp_path / "out" / "reports"
    reports.mkdir(parents=True)
    first = reports / "same.partial"  # the first run's folder, being written
    first.mkdir()
    (first / ".prokus-owned").write_text("run running\n")
    (first / "kernels.log").write_text("busy\n")
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(reports), "same"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--run-id", "same", "--quiet")
        assert "in use by another prokus-eval process" in err and str(holder.pid) in err
        assert (first / "kernels.log").read_text() == "busy\n"  # the running run's folder is untouched
    finally:
        holder.kill()
        holder.wait()


def test_validate_never_overwrites_a_problem_list_it_did_not_write(raw, tmp_path, capsys):
    mine = raw / "validation_problems.csv"
    mine.write_text("my,own,notes\n1,2,3\n")
    assert main(["validate", str(raw)]) == 0
    out = capsys.readouterr().out
    assert mine.read_text() == "my,own,notes\n1,2,3\n"
    assert "problem_list_not_written" in out or "was not written by prokus-eval" in out
    mine.unlink()
    assert main(["validate", str(raw)]) == 0  # its own list is written, and replaced the next time
    assert mine.read_text().startswith("severity,file,row,column,")
    assert main(["validate", str(raw)]) == 0
    capsys.readouterr()


def test_intake_never_replaces_a_foreign_processed_folder(raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw)
    target = tmp_path / "out" / "processed" / "raw-0123456789"
    target.mkdir(parents=True)
    (target / "analysis.R").write_text("# mine\n")
    # the refusal comes from the atomic writer, whatever folder intake chooses
    from evaluation.core.atomic import NotOwned, replacing_dir

    with pytest.raises(NotOwned), replacing_dir(target, writer="intake", owned_if=("intake.json",)):
        pass
    assert (target / "analysis.R").read_text() == "# mine\n"
    del cfg


# -------------------------------------------------------------- kind 6: check everything before writing anything
def _nothing_written(tmp_path: Path) -> None:
    assert not (tmp_path / "out").exists(), "nothing may be written to processed data or reports"


def test_unknown_region_is_refused_before_anything_is_written(raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "9999", "--quiet")
    assert "9999" in err and "3402" in err
    _nothing_written(tmp_path)


def test_configured_region_without_families_is_refused_before_anything_is_written(raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw)  # five regions configured, the data hold Bantul (3402) only
    err = _refused(capsys, "run", "--config", str(cfg), "--quiet")
    assert "no families in the data" in err and "3217" in err and "--regions 3402" in err
    _nothing_written(tmp_path)


def test_requested_region_without_families_is_refused(raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3210", "--quiet")
    assert "3210" in err and "no families" in err
    _nothing_written(tmp_path)


def _keep_families(d: Path, keep) -> None:
    ros = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
    ids = set(ros.loc[keep(ros), "family_id"])
    for t in ("roster", "programme", "survey"):
        df = pd.read_csv(d / f"{t}.csv", dtype=str, keep_default_na=False)
        df[df["family_id"].isin(ids)].to_csv(d / f"{t}.csv", index=False)


@pytest.mark.parametrize(
    ("case", "keep"),
    [
        ("one_family", lambda r: r.index == r.index[r["group"] == "prokus"][0]),
        ("no_comparison_group", lambda r: r["group"] == "prokus"),
        ("no_prokus_group", lambda r: r["group"] != "prokus"),
    ],
)
def test_data_too_thin_to_estimate_is_refused_before_anything_is_written(case, keep, raw, tmp_path, capsys):
    _keep_families(raw, keep)
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert "KeyError" not in err, err
    if case == "no_prokus_group":  # no programme rows at all: validation refuses the empty monitoring file
        assert "programme.csv" in err
    else:
        assert "too few families" in err and ("comparison group" if case == "no_comparison_group" else "") in err
    _nothing_written(tmp_path)


@pytest.mark.parametrize("columns", ["all", "one"])
def test_blank_outcomes_are_refused_before_anything_is_written(columns, raw, tmp_path, capsys):
    from evaluation.core.config import load_config
    from evaluation.intake.questions import load_questions

    outcomes = load_config().analysis.outcomes
    bank = load_questions()
    df = pd.read_csv(raw / "survey.csv", dtype=str, keep_default_na=False)
    for o in outcomes if columns == "all" else ("savings",):
        # the outcome and the answers it is computed from (issue 12): else intake derives it again
        ind = next((i for i in bank.indicators if i.name == o), None)
        for c in [o, *(ind.tree.names() if ind else ())]:
            if c in df and c != "household_members":
                df[c] = ""
    df.to_csv(raw / "survey.csv", index=False)
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert "KeyError" not in err and ("savings" in err or "validation" in err), err
    _nothing_written(tmp_path)


# ------------------------------------------------------------------------------- kind 7: values range-checked
@pytest.mark.parametrize("jobs", ["0", "-1", "1000"])
def test_jobs_out_of_range_is_refused(jobs, raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--jobs", jobs, "--quiet")
    assert "--jobs" in err and "from 1 to" in err
    _nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("blas_threads", "-4", "blas_threads"),
        ("min_cell_size", "0", "min_cell_size"),
        ("min_cell_size", "1", "min_cell_size"),
        ("jobs", "0", "jobs"),
        ("cell_timeout_seconds", "0", "cell_timeout_seconds"),
        ("seed", "-1", "seed"),
    ],
)
def test_config_values_out_of_range_are_refused_at_load(key, value, shown, raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw, **{key: value})
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert f"[run] {shown} = {value}" in err and ("at least" in err or "from" in err)
    _nothing_written(tmp_path)


def test_small_min_cell_size_warns_that_disclosure_control_is_weakened(tmp_path, capsys):
    from evaluation.core.config import load_config

    cfg = write_config(tmp_path / "config.toml", tmp_path, tmp_path / "reports", min_cell_size="5")
    assert load_config(cfg).run.min_cell_size == 5
    assert "disclosure control is weakened" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--blas-threads", "-3"], ["--blas-threads", "0"], ["--jobs", "0"]])
def test_verify_arguments_out_of_range_are_refused(argv, tmp_path, capsys, monkeypatch):
    from evaluation.run import verify as verify_module

    calls = []
    monkeypatch.setattr(verify_module, "verify", lambda *a, **k: calls.append((a, k)))
    err = _refused(capsys, "verify", str(tmp_path), *argv)
    assert argv[0] in err and not calls


# ------------------------------------------------------------------------------------ kind 8: no traceback
def test_a_stray_quote_longer_than_the_csv_field_limit(raw, tmp_path, capsys):
    df = pd.read_csv(raw / "roster.csv", dtype=str, keep_default_na=False)
    text = df.to_csv(index=False, lineterminator="\n").splitlines()
    text[2] = text[2].replace(",", ',"', 1)  # row 3 opens a quote it never closes
    text += ["x" * 200 + ",y" for _ in range(1000)]  # the rest of the file runs into that field
    (raw / "roster.csv").write_text("\n".join(text) + "\n")
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert "roster.csv" in err and "quote" in err and " 3 " in err, err
    assert _rules(raw) == {"csv_quote"}
    _nothing_written(tmp_path)


def test_two_columns_with_the_same_header(raw, tmp_path, capsys):
    text = (raw / "roster.csv").read_text().splitlines()
    text[0] = text[0].replace("village", "head_age", 1)
    (raw / "roster.csv").write_text("\n".join(text) + "\n")
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert "head_age" in err
    assert _rules(raw) & {"duplicate_header", "duplicate_column"}  # the reader's rule, or the guard's
    _nothing_written(tmp_path)


def test_two_columns_with_the_same_header_in_a_workbook(raw, tmp_path, capsys):
    df = pd.read_csv(raw / "survey.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*df.columns, "savings"])
    for rec in df.itertuples(index=False):
        ws.append([*rec, "1"])
    (raw / "survey.csv").unlink()
    wb.save(raw / "survey.xlsx")
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert "savings" in err or "same header" in err
    assert _rules(raw) & {"duplicate_header", "duplicate_column"}
    _nothing_written(tmp_path)


def _fail_writes_under(monkeypatch, root: Path, no: int) -> None:
    """Every file or folder created below ``root`` fails with ``no`` (root ignores chmod, so tests patch)."""
    real_open, real_mkdir, real_mkstemp = os.open, os.mkdir, __import__("tempfile").mkstemp
    real_mkdtemp = __import__("tempfile").mkdtemp

    def below(p) -> bool:
        return str(os.fspath(p)).startswith(str(root))

    def fake_open(path, flags, *a, **k):
        if below(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(no, os.strerror(no), os.fspath(path))
        return real_open(path, flags, *a, **k)

    def fake_mkdir(path, *a, **k):
        if below(path):
            raise OSError(no, os.strerror(no), os.fspath(path))
        return real_mkdir(path, *a, **k)

    def fake_mkstemp(*a, dir=None, **k):
        if dir is not None and below(dir):
            raise OSError(no, os.strerror(no), os.fspath(dir))
        return real_mkstemp(*a, dir=dir, **k)

    def fake_mkdtemp(*a, dir=None, **k):
        if dir is not None and below(dir):
            raise OSError(no, os.strerror(no), os.fspath(dir))
        return real_mkdtemp(*a, dir=dir, **k)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    monkeypatch.setattr("tempfile.mkstemp", fake_mkstemp)
    monkeypatch.setattr("tempfile.mkdtemp", fake_mkdtemp)


@pytest.mark.parametrize(("no", "words"), [(errno.EROFS, "read-only"), (errno.EACCES, "permission denied")])
def test_read_only_reports_folder(no, words, raw, tmp_path, capsys, monkeypatch):
    cfg = _config(tmp_path, raw)
    _fail_writes_under(monkeypatch, tmp_path / "out" / "reports", no)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert words in err and "reports" in err and "What to do" in err


def test_disk_full_while_writing_processed_data(raw, tmp_path, capsys, monkeypatch):
    cfg = _config(tmp_path, raw)
    _fail_writes_under(monkeypatch, tmp_path / "out" / "processed", errno.ENOSPC)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert "disk is full" in err and "processed" in err and "free space" in err
    assert not any((tmp_path / "out" / "processed").glob("*/roster.csv"))


def test_disk_full_while_writing_demo_data(tmp_path, capsys, monkeypatch):
    _fail_writes_under(monkeypatch, tmp_path / "demo", errno.ENOSPC)
    err = _refused(capsys, "demo-data", "--out", str(tmp_path / "demo" / "x"), "--families", "10")
    assert "disk is full" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions; the patched cases cover it")
def test_read_only_reports_folder_by_permissions(raw, tmp_path, capsys):
    reports = tmp_path / "out" / "reports"
    reports.mkdir(parents=True)
    reports.chmod(0o500)
    try:
        err = _refused(capsys, "run", "--config", str(_config(tmp_path, raw)), "--regions", "3402", "--quiet")
        assert "permission denied" in err
    finally:
        reports.chmod(0o700)


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        "papermill-cell",
    ],
)
def test_disk_full_during_a_notebook_is_reported_as_disk_full(error, tmp_path, monkeypatch):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from evaluation.core.paths import NOTEBOOKS_DIR
    from evaluation.run.runner import REGION_NOTEBOOK, RunError, Task, execute

    def fake(*a, **k):
        if error == "papermill-cell":
            raise PapermillExecutionError(3, 4, "open(...)", "OSError", "[Errno 28] No space left on device", [])
        raise error

    monkeypatch.setattr(papermill, "execute_notebook", fake)
    task = Task("3402", NOTEBOOKS_DIR / REGION_NOTEBOOK, {})
    with pytest.raises(RunError) as info:
        execute(task, tmp_path / "3402", 60)
    assert "disk is full" in str(info.value) and "environment" not in str(info.value)


def test_a_binary_key_file(raw, tmp_path, capsys, monkeypatch):
    key = tmp_path / "key.bin"
    key.write_bytes(bytes(range(256)) * 4)
    monkeypatch.delenv(ENV_KEY)
    monkeypatch.setenv("PROKUS_PSEUDONYM_KEY_FILE", str(key))
    (raw / "dataset.json").write_text('{"synthetic": false}\n')
    cfg = _config(tmp_path, raw)
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert "key" in err.lower() or "UTF-8" in err
    assert not any((tmp_path / "out").rglob("roster.csv")), "no processed data"
    assert not any((tmp_path / "out").rglob("*.partial")) and not any((tmp_path / "out").rglob("results.json"))


def test_instrument_out_an_existing_folder(tmp_path, capsys):
    folder = tmp_path / "forms"
    folder.mkdir()
    err = _refused(capsys, "instrument", "--out", str(folder))
    assert "existing folder" in err and list(folder.iterdir()) == []


def test_instrument_never_replaces_a_file_it_did_not_write(tmp_path, capsys):
    mine = tmp_path / "survey.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["my", "own", "form"])
    wb.save(mine)
    before = mine.read_bytes()
    _refused(capsys, "instrument", "--out", str(mine))
    assert mine.read_bytes() == before
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "form_id.pdf").write_bytes(b"%PDF my own questionnaire")  # no form beside it: not the command's
    _refused(capsys, "instrument", "--out", str(paper / "form.xlsx"))
    assert (paper / "form_id.pdf").read_bytes() == b"%PDF my own questionnaire" and not (paper / "form.xlsx").exists()
    out = tmp_path / "new" / "form.xlsx"
    assert main(["instrument", "--out", str(out)]) == 0  # a new folder: its own, and replaced the next time
    assert main(["instrument", "--out", str(out)]) == 0
    assert (out.parent / "form_monitoring.xlsx").is_file()


def test_cli_subprocess_prints_no_traceback_for_a_refused_write(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    proc = subprocess.run(
        [sys.executable, "-m", "evaluation", "demo-data", "--out", str(target), "--families", "10"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "file.txt" in proc.stderr


# ------------------------------------------------------------------- kind 9: bounds before reading an input
def _zip_bomb(xlsx: Path, unpacked_mb: int) -> None:
    """Rewrite the workbook's shared strings so that they unpack to ``unpacked_mb`` MiB (compressing ~1000x)."""
    with zipfile.ZipFile(xlsx) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    filler = b"<si><t>" + b"a" * 1000 + b"</t></si>"
    n = unpacked_mb * 2**20 // len(filler)
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        b'main" count="%d" uniqueCount="%d">' % (n, n) + filler * n + b"</sst>"
    )
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _survey_as_xlsx(raw: Path) -> Path:
    df = pd.read_csv(raw / "survey.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        ws.append(list(rec))
    (raw / "survey.csv").unlink()
    out = raw / "survey.xlsx"
    wb.save(out)
    return out


def test_xlsx_whose_shared_strings_unpack_to_hundreds_of_megabytes(raw, tmp_path, capsys):
    xlsx = _survey_as_xlsx(raw)
    _zip_bomb(xlsx, 120)
    assert xlsx.stat().st_size < 2 * 2**20
    cfg = _config(tmp_path, raw)
    start = time.perf_counter()
    err = _refused(capsys, "run", "--config", str(cfg), "--regions", "3402", "--quiet")
    assert time.perf_counter() - start < 30
    assert "survey.xlsx" in err and "unpacks to" in err and "xlsx_unpacked" in _rules(raw)
    _nothing_written(tmp_path)


def test_xlsx_larger_than_the_configured_unpacked_bound(raw, tmp_path, capsys):
    xlsx = _survey_as_xlsx(raw)
    _zip_bomb(xlsx, 3)
    cfg = _config(tmp_path, raw, max_unpacked_mb="2", max_compression_ratio="100000")
    err = _refused(capsys, "validate", str(raw), "--config", str(cfg))
    assert "max_unpacked_mb = 2" in err


def test_csv_larger_than_the_configured_bound_is_refused_before_reading(raw, tmp_path, capsys, monkeypatch):
    with (raw / "survey.csv").open("a") as fh:
        fh.write(("," * 20 + "\n") * 60_000)  # about 1.2 MiB of blank rows
    cfg = _config(tmp_path, raw, max_input_mb="1")
    from evaluation.intake import exports

    real = exports.read_csv

    def never_the_large_one(path, report):
        assert path.name != "survey.csv", "the file was read"
        return real(path, report)

    monkeypatch.setattr(exports, "read_csv", never_the_large_one)
    err = _refused(capsys, "validate", str(raw), "--config", str(cfg))
    assert "survey.csv" in err and "max_input_mb = 1" in err
    assert "too_large" in _rules(raw)


def test_input_bounds_are_range_checked(raw, tmp_path, capsys):
    cfg = _config(tmp_path, raw, max_input_mb="0")
    err = _refused(capsys, "validate", str(raw), "--config", str(cfg))
    assert "[run] max_input_mb = 0" in err


def test_the_guard_refuses_a_frame_with_repeated_headers():
    from evaluation.intake import guard
    from evaluation.intake.exports import RawFile
    from evaluation.intake.problems import Report

    report = Report()
    frame = pd.DataFrame([["1", "2", "3"]], columns=["a", "b", "a"], dtype=object)
    assert guard.checked(RawFile(Path("x.csv"), "", frame, [2], 1900, "x.csv"), report) is None
    (problem,) = report.errors
    assert problem.rule == "duplicate_header" and problem.column == "a" and "columns 1, 3" in problem.message
    ok = RawFile(Path("y.csv"), "", frame.iloc[:, :2], [2], 1900, "y.csv")
    assert guard.checked(ok, report) is ok and len(report.errors) == 1
