"""`prokus-eval verify` and determinism (issue 6, items 2 and 3).

Fast tests check the comparison rules on hand-made results. The slow tests make two runs (one region and the
national synthesis) in fresh processes, as `make report` does, and then verify them: a fresh run verifies; one
changed number is named; one changed input byte stops verification naming the file; another BLAS thread count
agrees within the tolerance; and the two runs' outputs are byte-identical.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.core.record import read_results, write_results
from evaluation.run.manifest import hash_outputs, read_manifest, sha256_file
from evaluation.run.verify import (
    MISSING,
    InputChanged,
    VerifyError,
    check_inputs,
    compare_results,
    values_agree,
    verify,
)

TOL = 1e-9  # the default [run] verify_rel_tolerance
TAMPERED_FLOAT = "3402.household_income.did.estimate"
TAMPERED_COUNT = "3402.sample.n_families"


# ------------------------------------------------------------------------------------------------ comparison rules
def test_counts_booleans_and_strings_are_exact():
    assert values_agree(200, 200, TOL) is None
    assert values_agree(200, 201, TOL) == "count differs"
    assert values_agree(True, True, TOL) is None
    assert values_agree(True, False, TOL) == "differs"
    assert values_agree("CRV1", "CRV1", TOL) is None
    assert values_agree("CRV1", "HC1", TOL) == "text differs"
    assert values_agree(True, 1, TOL) == "type changed"  # JSON true is not the count 1
    assert values_agree(3, 3.0, TOL) == "type changed"  # a count that became a float


def test_floats_agree_within_the_relative_tolerance():
    # |a - b| <= tol * max(|a|, |b|): 1e6 vs 1e6 + 5e-4 differ by 5e-10 relative (inside), + 2e-3 by 2e-9 (outside).
    assert values_agree(1e6, 1e6 + 5e-4, TOL) is None
    assert values_agree(1e6, 1e6 + 2e-3, TOL) == "outside tolerance"
    assert values_agree(-0.25, -0.25, 0.0) is None
    assert values_agree(0.0, 1e-300, TOL) == "outside tolerance"  # relative: nothing is close to zero but zero
    assert values_agree(1.0, 1.0 + 1e-12, 0.0) == "outside tolerance"  # tolerance 0 means bit-identical


def test_compare_results_counts_every_key_of_both_sides():
    old = {"a.b.c": 1, "a.b.d": 1.5, "a.b.e": "x", "a.b.gone": 2.0}
    new = {"a.b.c": 1, "a.b.d": 1.5 * (1 + 1e-6), "a.b.e": "x", "a.b.new": True}
    c = compare_results(old, new, TOL)
    assert (c.checked, c.matched) == (5, 2) and not c.ok
    by_key = {m.key: m for m in c.mismatches}
    assert list(by_key) == ["a.b.d", "a.b.gone", "a.b.new"]  # sorted
    assert math.isclose(by_key["a.b.d"].rel_difference, 1e-6 / (1 + 1e-6), rel_tol=1e-6)
    assert by_key["a.b.gone"].new is MISSING and by_key["a.b.new"].old is MISSING
    assert compare_results(old, dict(old), TOL).ok


def test_changed_or_missing_input_is_named(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1\n")
    b.write_text("y\n2\n")
    manifest = {"inputs": [{"path": str(p), "role": "data", "sha256": sha256_file(p)} for p in (a, b)]}
    assert check_inputs(manifest) == 2
    b.write_text("y\n3\n")
    with pytest.raises(InputChanged, match=r"b\.csv \(data; SHA-256 recorded") as err:
        check_inputs(manifest)
    assert "a.csv" not in str(err.value)
    b.unlink()
    with pytest.raises(InputChanged, match=r"b\.csv \(data; missing\)"):
        check_inputs(manifest)


def test_cli_on_a_missing_or_manifestless_run_is_a_user_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "evaluation", "verify", str(tmp_path / "nowhere")], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    write_results({"a.b.c": 1}, tmp_path / "results.json")
    proc = subprocess.run([sys.executable, "-m", "evaluation", "verify", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2 and "no manifest.json" in proc.stderr and "Traceback" not in proc.stderr
    with pytest.raises(VerifyError, match="unfinished run"):
        partial = tmp_path / "r.partial"
        partial.mkdir()
        verify(partial)


# ------------------------------------------------------------------------------------------------ end to end
def _tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_fresh_runs_give_byte_identical_outputs(fresh_runs):
    first, second, _ = fresh_runs
    out1, out2 = hash_outputs(first), hash_outputs(second)
    assert out1 == out2
    for scope in ("3402", "national"):
        assert {f"{scope}/results.json", f"{scope}/report.html", f"{scope}/figures/before_after.png"} <= set(out1)
    assert "national/figures/forest.png" in out1 and "3402/figures/effects.png" in out1 and "results.json" in out1
    assert read_manifest(first)["outputs"] == out1  # the manifest records these hashes


@pytest.mark.slow
def test_manifest_of_a_run(fresh_runs):
    first, _, data = fresh_runs
    m = read_manifest(first)
    assert {Path(i["path"]).name for i in m["inputs"] if i["role"] == "data"} >= {"survey.csv", "roster.csv"}
    assert m["threads"]["blas_threads"] == 1
    assert m["threads"]["environment"] == dict.fromkeys(
        ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"), "1"
    )
    assert m["environment"]["PYTHONHASHSEED"] == "0" and m["environment"]["SOURCE_DATE_EPOCH"] == "0"
    assert [n["scope"] for n in m["notebooks"]] == ["3402", "national"]
    # notebooks read the validated, pseudonymised tables; the raw exports they came from are hashed too
    assert {Path(i["path"]).name for i in m["inputs"] if i["role"] == "raw"} >= {"survey.csv", "roster.csv"}
    processed = Path(m["notebooks"][0]["parameters"]["data_dir"])
    # keyed by the raw folder's name, its content and the key's fingerprint (issue 14): never shared between data sets
    assert re.fullmatch(re.escape(data.name) + r"-[0-9a-f]{12}", processed.name) and processed != data.resolve()
    assert m["raw_dir"] == str(data.resolve())


@pytest.mark.slow
def test_verify_passes_on_a_fresh_run_and_leaves_it_untouched(fresh_runs):
    first, _, _ = fresh_runs
    before = _tree(first)
    proc = subprocess.run([sys.executable, "-m", "evaluation", "verify", str(first)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    n = len(read_results(first / "results.json"))
    assert "VERIFIED" in proc.stdout and f"results.json{n:>11}{n:>9}{0:>12}" in proc.stdout
    assert "checked" in proc.stdout and "mismatched" in proc.stdout
    assert _tree(first) == before  # verification never writes into the run


@pytest.mark.slow
def test_changed_numbers_make_verify_fail_naming_the_keys(fresh_runs, tmp_path):
    first, _, _ = fresh_runs
    tampered = tmp_path / "tampered"
    shutil.copytree(first, tampered)
    results = read_results(tampered / "results.json")
    old_float, old_count = results[TAMPERED_FLOAT], results[TAMPERED_COUNT]
    results[TAMPERED_FLOAT] = old_float * (1 + 1e-6)
    results[TAMPERED_COUNT] = old_count + 1
    write_results(results, tampered / "results.json")
    proc = subprocess.run([sys.executable, "-m", "evaluation", "verify", str(tampered)], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "NOT VERIFIED: 2 of" in out
    float_line = next(line for line in out.splitlines() if TAMPERED_FLOAT in line)
    assert repr(old_float * (1 + 1e-6)) in float_line and repr(old_float) in float_line
    count_line = next(line for line in out.splitlines() if TAMPERED_COUNT in line)
    assert f"{old_count + 1}" in count_line and f"{old_count}" in count_line and "count differs" in count_line
    assert "modified after the run" in out


@pytest.mark.slow
@pytest.mark.parametrize("which", ["survey.csv", "config.toml"])
def test_one_changed_input_byte_stops_verify_naming_the_file(fresh_runs, which):
    first, _, data = fresh_runs
    target = data / which if which != "config.toml" else data.parent / "config.toml"
    original = target.read_bytes()
    i = len(original) // 2
    changed = original[:i] + bytes([original[i] ^ 1]) + original[i + 1 :]
    try:
        target.write_bytes(changed)
        proc = subprocess.run(
            [sys.executable, "-m", "evaluation", "verify", str(first)], capture_output=True, text=True
        )
    finally:
        target.write_bytes(original)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert which in proc.stderr and "changed since the run" in proc.stderr and "stopped" in proc.stderr
    assert proc.stdout == ""  # nothing was re-executed or compared


@pytest.mark.slow
def test_another_blas_thread_count_agrees_within_the_tolerance(fresh_runs):
    first, _, _ = fresh_runs
    report = verify(first, blas_threads=2)
    assert report.blas_threads == 2
    assert report.ok, report.render()
    assert report.comparison.checked == len(json.loads((first / "results.json").read_text()))


# ------------------------------------------------------------------------------------------------ issue 14, kind 3
def _crafted_run(tmp_path: Path, **change) -> Path:
    """A run folder whose manifest.json passes every check; ``change`` replaces top-level fields."""
    from evaluation.core.paths import PROJ_ROOT

    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "roster.csv").write_text("family_id\nP1\n")
    notebook = "notebooks/region_evaluation.ipynb"
    inputs = [
        {"path": str(data / "roster.csv"), "role": "data", "sha256": sha256_file(data / "roster.csv"), "bytes": 13},
        {"path": "data/config.toml", "role": "config", "sha256": sha256_file(PROJ_ROOT / "data/config.toml")},
        {"path": notebook, "role": "notebook", "sha256": sha256_file(PROJ_ROOT / notebook)},
    ]
    params = {"config": "data/config.toml", "data_dir": str(data), "language": "id", "region": "3402",
              "output_dir": "reports/x.partial/3402"}  # fmt: skip
    manifest = {
        "schema": 1, "run_id": "x", "config": "data/config.toml", "data_dir": str(data), "inputs": inputs,
        "notebooks": [{"scope": "3402", "notebook": notebook, "output": "3402", "parameters": params}],
        "threads": {"blas_threads": 1, "jobs": 1}, "outputs": {},
    }  # fmt: skip
    manifest.update(change)
    run = tmp_path / "run"
    run.mkdir(exist_ok=True)
    write_results({"3402.sample.n_families": 1}, run / "results.json")
    (run / "manifest.json").write_text(json.dumps(manifest))
    return run


def _evil_notebook(path: Path, marker: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("config = data_dir = language = region = output_dir = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _verify_cli(run: Path, capsys) -> tuple[int, str]:
    from evaluation.cli import main

    code = main(["verify", str(run)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_verify_refuses_a_notebook_outside_the_project_before_running_it(tmp_path, capsys):
    """Issue example: verify executed whatever notebook the manifest named (an outside notebook wrote a file)."""
    marker = tmp_path / "ran.txt"
    evil = _evil_notebook(tmp_path / "evil.ipynb", marker)
    run = _crafted_run(tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    for path in (str(evil), f"../../../../../../../..{evil}", "notebooks/../../" + evil.name):
        manifest["inputs"].append({"path": path, "role": "notebook", "sha256": sha256_file(evil)})
        manifest["notebooks"][0]["notebook"] = path
        (run / "manifest.json").write_text(json.dumps(manifest))
        code, out = _verify_cli(run, capsys)
        assert code == 2 and "Traceback" not in out, out
        assert "not a relative path inside the project" in out and "Nothing was executed" in out
        assert not marker.exists()


def test_verify_refuses_an_output_path_outside_its_temporary_folder(tmp_path, capsys):
    """Issue example: results and the restricted risk list landed outside verify's temporary folder."""
    run = _crafted_run(tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    for output in ("../../../../escaped", str(tmp_path / "escaped"), "..", "3402/../../x"):
        manifest["notebooks"][0]["output"] = output
        (run / "manifest.json").write_text(json.dumps(manifest))
        code, out = _verify_cli(run, capsys)
        assert code == 2 and "leaves the run folder" in out and "Traceback" not in out, (output, out)
    assert not (tmp_path / "escaped").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inputs": "all of them"}, "inputs"),
        ({"notebooks": [{"notebook": "notebooks/region_evaluation.ipynb"}]}, "notebooks/0"),
        ({"threads": {"jobs": "many"}}, "threads/jobs"),
        ({"threads": {"jobs": 0}}, "threads/jobs"),
        ({"schema": 2}, "schema"),
        ({"config": 7}, "config"),
        ({"notebooks": []}, "notebooks"),
    ],
)
def test_a_malformed_manifest_is_a_clear_error_never_a_traceback(tmp_path, capsys, change, field):
    """Issue example: a malformed manifest gave a traceback."""
    run = _crafted_run(tmp_path, **change)
    code, out = _verify_cli(run, capsys)
    assert code == 2 and "Traceback" not in out, out
    assert "manifest.json" in out and (f"field {field}" in out or "schema" in out), out


def test_verify_runs_only_hashed_notebooks_config_and_data(tmp_path, capsys):
    run = _crafted_run(tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["notebooks"][0]["notebook"] = "notebooks/national_synthesis.ipynb"  # inside, but never hashed
    (run / "manifest.json").write_text(json.dumps(manifest))
    code, out = _verify_cli(run, capsys)
    assert code == 2 and "not among the hashed inputs" in out
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["notebooks"][0]["notebook"] = "notebooks/region_evaluation.ipynb"
    manifest["notebooks"][0]["parameters"]["config"] = str(tmp_path / "other.toml")
    (run / "manifest.json").write_text(json.dumps(manifest))
    code, out = _verify_cli(run, capsys)
    assert code == 2 and "config" in out and "not among the hashed inputs" in out
    manifest["notebooks"][0]["parameters"]["config"] = "data/config.toml"
    manifest["notebooks"][0]["parameters"]["data_dir"] = str(tmp_path)
    (run / "manifest.json").write_text(json.dumps(manifest))
    code, out = _verify_cli(run, capsys)
    assert code == 2 and "not the manifest's data_dir" in out


def test_a_symlinked_notebook_leaving_the_project_is_refused(tmp_path, monkeypatch):
    from evaluation.run import manifest_check

    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    outside = _evil_notebook(tmp_path / "evil.ipynb", tmp_path / "ran.txt")
    (project / "notebooks" / "n.ipynb").symlink_to(outside)
    monkeypatch.setattr(manifest_check, "PROJ_ROOT", project)
    manifest = json.loads((_crafted_run(tmp_path) / "manifest.json").read_text())
    manifest["notebooks"][0]["notebook"] = "notebooks/n.ipynb"
    manifest["inputs"].append({"path": "notebooks/n.ipynb", "role": "notebook", "sha256": sha256_file(outside)})
    with pytest.raises(manifest_check.ManifestInvalid, match="not a relative path inside the project"):
        manifest_check.check_manifest(manifest, "manifest.json", tmp_path / "out")


def test_the_manifest_records_the_key_fingerprint_of_the_processed_data(tmp_path):
    from evaluation.run.manifest import _key_fingerprint

    (tmp_path / "intake.json").write_text(json.dumps({"key_fingerprint": "0123456789abcdef"}))
    assert _key_fingerprint(str(tmp_path)) == "0123456789abcdef"
    assert _key_fingerprint(str(tmp_path / "nowhere")) is None  # partitioned national data: no intake, no key


@pytest.mark.slow
def test_a_real_manifest_passes_and_records_the_key_fingerprint(fresh_runs):
    from evaluation.core.paths import resolve
    from evaluation.run.manifest_check import check_manifest

    first, _, _ = fresh_runs
    manifest = read_manifest(first)
    check_manifest(manifest, "manifest.json", first)
    intake = json.loads((resolve(manifest["data_dir"]) / "intake.json").read_text())
    assert manifest["pseudonym_key_fingerprint"] == intake["key_fingerprint"]
    assert len(manifest["pseudonym_key_fingerprint"]) == 16


@pytest.mark.parametrize(
    "where", ["notebooks/evil.ipynb", "reports/r1/evil.ipynb", "notebooks/sub/region_evaluation.ipynb"]
)
def test_verify_runs_only_the_projects_own_notebooks_whatever_hash_is_supplied(tmp_path, monkeypatch, where):
    """A notebook shipped inside the project and listed in the manifest with its own SHA-256 is refused.

    In the run folder or beside the project's notebooks: a hash the manifest supplies proves nothing.
    """
    from evaluation.run import manifest_check

    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    evil = project / where
    evil.parent.mkdir(parents=True, exist_ok=True)
    _evil_notebook(evil, tmp_path / "ran.txt")
    monkeypatch.setattr(manifest_check, "PROJ_ROOT", project)
    monkeypatch.setattr(manifest_check, "NOTEBOOKS_DIR", project / "notebooks")
    manifest = json.loads((_crafted_run(tmp_path) / "manifest.json").read_text())
    manifest["notebooks"][0]["notebook"] = where
    manifest["inputs"].append({"path": where, "role": "notebook", "sha256": sha256_file(evil)})
    with pytest.raises(manifest_check.ManifestInvalid, match="not one of the project's notebooks"):
        manifest_check.check_manifest(manifest, "manifest.json", tmp_path / "out")
    assert not (tmp_path / "ran.txt").exists()
