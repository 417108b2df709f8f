"""`verify` verifies the documents (issue 15, fault 2): every published file is checked against the manifest.

A brief edited after the run (``+Rp267.160`` -> ``+Rp967.160``) made `verify` say VERIFIED with a quiet
"differing" line. Now any published file that differs from the manifest (brief, workbook, figure, landing page,
technical report, instrument, per-notebook results), is missing, or is not listed in it makes the verdict NOT
VERIFIED (exit 1), naming each file; the executed notebooks are compared by their normalised cell outputs, not by
timestamps or metadata.

Fast tests: the notebook fingerprint on hand-made notebooks; the file comparison on a copy of a real run (no
re-execution). Slow test: the command on a copy with one edited brief exits 1 naming the file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.run.manifest import hash_notebooks, notebook_fingerprint, read_manifest
from evaluation.run.verify import FileDifference, VerifyReport, check_published, compare_files, compare_results


# ------------------------------------------------------------------------------------------ notebook fingerprints
def _notebook(path: Path, outputs: list[list[dict]], **meta: object) -> Path:
    cells = [
        {"cell_type": "code", "execution_count": i + 1, "metadata": {"papermill": meta}, "source": "x", "outputs": o}
        for i, o in enumerate(outputs)
    ]
    cells.insert(1, {"cell_type": "markdown", "metadata": {}, "source": "text"})
    nb = {"cells": cells, "metadata": {"papermill": meta}, "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def _display(html: str, count: int = 1) -> dict:
    return {"output_type": "execute_result", "execution_count": count, "metadata": {}, "data": {"text/html": html}}


def test_timestamps_counts_and_metadata_do_not_change_the_fingerprint(tmp_path):
    run = tmp_path / "run"
    a = _notebook(run / "a.ipynb", [[_stream("n = 200\n")], [_display("<b>1</b>", 3)]], start_time="2026-11-30T10:00")
    b = _notebook(run / "b.ipynb", [[_stream("n = 200\n")], [_display("<b>1</b>", 9)]], start_time="2026-12-01T11:11")
    assert notebook_fingerprint(a, run) == notebook_fingerprint(b, run)


def test_a_changed_output_changes_the_fingerprint(tmp_path):
    run = tmp_path / "run"
    a = _notebook(run / "a.ipynb", [[_stream("effect +Rp267.160\n")]])
    b = _notebook(run / "b.ipynb", [[_stream("effect +Rp967.160\n")]])
    c = _notebook(run / "c.ipynb", [[_stream("effect +Rp267.160\n")], []])  # one more (empty) code cell
    assert len({notebook_fingerprint(p, run) for p in (a, b, c)}) == 3


def test_the_run_folder_in_an_output_is_normalised(tmp_path):
    """A notebook printing its output folder gives the same fingerprint when re-executed elsewhere."""
    first, second = tmp_path / "reports" / "r1.partial", tmp_path / "verify" / "r1"
    a = _notebook(first / "3402" / "notebook.ipynb", [[_stream(f"saved to {first / '3402'}/figures\n")]])
    b = _notebook(second / "3402" / "notebook.ipynb", [[_stream(f"saved to {second / '3402'}/figures\n")]])
    assert notebook_fingerprint(a, first) == notebook_fingerprint(b, second)
    assert notebook_fingerprint(a, first) != notebook_fingerprint(a, second)  # the path is what was compared
    # a finished run is renamed (and a copy lies elsewhere): it is compared as executed, in its recorded folder
    assert hash_notebooks(first, first) == {"3402/notebook.ipynb": notebook_fingerprint(a, first)}


# ------------------------------------------------------------------------------------------------ file comparison
def test_compare_files_names_edited_missing_and_unexpected_files():
    recorded = {"a/brief_id.html": "1", "a/figures/x.png": "2", "results.json": "3"}
    found = {"a/brief_id.html": "9", "results.json": "3", "a/brief_fr.html": "4"}
    assert compare_files(recorded, found, "edited") == [
        FileDifference("a/brief_fr.html", "unexpected"),
        FileDifference("a/brief_id.html", "edited"),
        FileDifference("a/figures/x.png", "missing"),
    ]
    assert compare_files(recorded, dict(recorded), "edited") == []


def test_a_differing_file_alone_makes_the_verdict_not_verified():
    c = compare_results({"a.b.c": 1}, {"a.b.c": 1}, 1e-9)
    clean = VerifyReport(Path("r"), 1, 1, 0.0, 1, c, outputs_total=3)
    assert clean.ok and "VERIFIED: all 1 values" in clean.render()
    report = VerifyReport(
        Path("r"), 1, 1, 0.0, 1, c, outputs_total=3, outputs_differing=(FileDifference("3402/brief_id.html", "edited"),)
    )
    assert not report.ok
    text = report.render()
    assert "3402/brief_id.html: differs from the manifest (changed after the run)" in text
    assert re.search(r"NOT VERIFIED: 1 published file\(s\) differ from the manifest: 3402/brief_id\.html", text)
    assert "values of results.json do not reproduce" not in text  # every number did reproduce


# ----------------------------------------------------------------------------------- a copy of a real run (slow)
def _copy(run: Path, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    shutil.copytree(run, out)
    return out


def _edit_brief(run: Path) -> Path:
    brief = run / "3402" / "brief_id.html"
    text = brief.read_text(encoding="utf-8")
    amounts = re.findall(r"\+Rp(\d)", text)
    assert amounts, "the brief shows no +Rp amount to edit"
    first = amounts[0]
    brief.write_text(text.replace(f"+Rp{first}", f"+Rp{(int(first) + 7) % 10}", 1), encoding="utf-8")
    return brief


@pytest.mark.slow
def test_an_untouched_run_has_every_file_as_recorded_including_notebooks(fresh_runs):
    first, _, _ = fresh_runs
    manifest = read_manifest(first)
    assert {"3402/notebook.ipynb", "national/notebook.ipynb"} <= set(manifest["notebook_outputs"])
    assert {"3402/brief_id.html", "3402/tables_3402_id.xlsx", "index.html"} <= set(manifest["outputs"])
    checked, differences = check_published(manifest, first)
    assert differences == [] and checked == len(manifest["outputs"]) + len(manifest["notebook_outputs"])


@pytest.mark.slow
def test_every_kind_of_change_to_a_published_file_is_named(fresh_runs, tmp_path):
    first, _, _ = fresh_runs
    run = _copy(first, tmp_path, "changed")
    _edit_brief(run)
    workbook = run / "3402" / "tables_3402_id.xlsx"
    workbook.write_bytes(workbook.read_bytes() + b"\0")  # one byte appended
    (run / "national" / "figures" / "forest.png").unlink()
    (run / "3402" / "brief_fr.html").write_text("<p>+Rp967.160</p>", encoding="utf-8")  # not the run's
    (run / "national" / ".hidden.html").write_text("<script>alert(1)</script>", encoding="utf-8")  # hidden: named
    (run / "3402" / "kernels.log").write_text("not the run's log", encoding="utf-8")  # only the root's is the run's
    nb = json.loads((run / "national" / "notebook.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and c["outputs"])
    cell["execution_count"] = 999  # metadata only: not a change
    (run / "national" / "notebook.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    _, differences = check_published(read_manifest(run), run)
    assert differences == [
        FileDifference("3402/brief_fr.html", "unexpected"),
        FileDifference("3402/brief_id.html", "edited"),
        FileDifference("3402/kernels.log", "unexpected"),
        FileDifference("3402/tables_3402_id.xlsx", "edited"),
        FileDifference("national/.hidden.html", "unexpected"),
        FileDifference("national/figures/forest.png", "missing"),
    ]
    out = cell["outputs"][0]
    out.setdefault("text", "")
    out["text"] = "".join(out["text"]) + " edited"  # an output edited: a change
    (run / "national" / "notebook.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    _, differences = check_published(read_manifest(run), run)
    assert FileDifference("national/notebook.ipynb", "edited") in differences


@pytest.mark.slow
def test_verify_on_a_copy_with_one_edited_brief_exits_1_naming_the_file(fresh_runs, tmp_path):
    first, _, _ = fresh_runs
    run = _copy(first, tmp_path, "edited")
    _edit_brief(run)
    proc = subprocess.run([sys.executable, "-m", "evaluation", "verify", str(run)], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    assert "    3402/brief_id.html: differs from the manifest (changed after the run)" in lines
    verdict = lines[-1]
    assert verdict.startswith("NOT VERIFIED: 1 published file(s) differ from the manifest: 3402/brief_id.html")
    assert "results.json do not reproduce" not in verdict  # the numbers did reproduce; the document did not
