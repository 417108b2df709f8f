"""``prokus-eval verify RUN_DIR``: re-execute a run from its manifest and compare ``results.json`` number by number.

0. ``manifest.json`` is validated against a JSON schema, and every notebook and output path it names must be
   relative, inside the project (notebooks, listed with their SHA-256 among the inputs) or the run folder (outputs)
   (:mod:`evaluation.run.manifest_check`): verify executes only what it hashed.
1. Every input recorded in ``manifest.json`` (data files, codebook, config, notebooks) is hashed again; a missing
   or changed file is named and verification stops (:class:`InputChanged`), because other inputs cannot be
   expected to reproduce the recorded numbers.
2. Every notebook of the manifest is re-executed with its recorded parameters by the runner's own
   :func:`evaluation.run.runner.execute`, into a temporary directory (``output_dir`` is the only parameter replaced);
   the run being verified is only read, never written.
3. The re-executed ``results.json`` is compared with the run's, key by key (:func:`compare_results`): booleans,
   integers (counts) and strings must be equal; floats must agree within the relative tolerance
   ``[run] verify_rel_tolerance`` of the config (default 1e-9), i.e.
   ``|old - new| <= tol * max(|old|, |new|)`` (``math.isclose`` with ``abs_tol = 0``). A key present on one side
   only, or whose type changed (say a count that became a float), is a mismatch.

4. Every published file is checked against the manifest (:func:`check_published`): the briefs, workbooks,
   figures, landing page, technical reports, instrument files, per-notebook results, everything ``outputs`` lists,
   by SHA-256; the executed notebooks by their normalised cell outputs (``notebook_outputs``,
   :func:`evaluation.run.manifest.notebook_fingerprint`: not by timestamps or metadata). A file edited after the
   run, a listed file that is missing, and a file the manifest does not list (an unexpected file in a published
   run carries the run's name without its guarantee, e.g. a forged ``brief_fr.html``) are each named.
5. The re-executed run's files are compared with the manifest the same way: with the same inputs, software and
   thread count every document is byte-identical, so a difference means the run does not reproduce.

The verdict is VERIFIED (exit 0) only when results.json reproduces (3) and no file differs (4, 5); otherwise NOT
VERIFIED (exit 1), naming each key and each file. Hidden files (the runner's ``.prokus-owned`` marker), the
manifest itself and the kernels' log are not published outputs and are not compared.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.core.config import load_config, with_overrides
from evaluation.core.errors import UserError
from evaluation.core.paths import resolve
from evaluation.core.record import read_results
from evaluation.run.manifest import (
    MANIFEST_NAME,
    display_path,
    git_state,
    hash_notebooks,
    hash_outputs,
    package_sources,
    read_manifest,
    sha256_file,
)
from evaluation.run.manifest_check import check_manifest
from evaluation.run.merge import merge_run

MISSING = "(missing)"
_SHORT_HASH = 12


class InputChanged(UserError):
    """An input of the run is missing or its SHA-256 differs from the manifest's."""


class VerifyError(UserError):
    """The run cannot be re-executed (no such directory, a notebook failed)."""


@dataclass(frozen=True)
class Mismatch:
    """One key whose recorded and re-executed values disagree."""

    key: str
    old: Any
    new: Any
    reason: str

    @property
    def rel_difference(self) -> float | None:
        """``|old - new| / max(|old|, |new|)`` for two floats, else None."""
        if _is_float(self.old) and _is_float(self.new):
            scale = max(abs(self.old), abs(self.new))
            return abs(self.old - self.new) / scale if scale else 0.0
        return None


@dataclass(frozen=True)
class Comparison:
    """Key-by-key comparison of two results mappings."""

    checked: int
    matched: int
    mismatches: tuple[Mismatch, ...]
    rel_tolerance: float

    @property
    def ok(self) -> bool:
        """True when every key matched."""
        return not self.mismatches and self.matched == self.checked


def _is_float(x: Any) -> bool:
    return isinstance(x, float)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def values_agree(old: Any, new: Any, rel_tolerance: float) -> str | None:
    """None when ``old`` and ``new`` agree, else the reason they do not.

    Booleans, integers and strings are compared exactly, floats with ``math.isclose(old, new,
    rel_tol=rel_tolerance, abs_tol=0)``; values of different JSON types never agree.
    """
    if isinstance(old, bool) or isinstance(new, bool):
        if not (isinstance(old, bool) and isinstance(new, bool)):
            return "type changed"
        return None if old is new else "differs"
    if _is_int(old) and _is_int(new):
        return None if old == new else "count differs"
    if isinstance(old, str) and isinstance(new, str):
        return None if old == new else "text differs"
    if _is_float(old) and _is_float(new):
        if math.isclose(old, new, rel_tol=rel_tolerance, abs_tol=0.0):
            return None
        return "outside tolerance"
    return "type changed"


def compare_results(old: Mapping[str, Any], new: Mapping[str, Any], rel_tolerance: float) -> Comparison:
    """Compare recorded (``old``) and re-executed (``new``) results over the union of their keys (sorted)."""
    mismatches = []
    keys = sorted(set(old) | set(new))
    for key in keys:
        if key not in new:
            mismatches.append(Mismatch(key, old[key], MISSING, "missing in re-execution"))
        elif key not in old:
            mismatches.append(Mismatch(key, MISSING, new[key], "not in the recorded results"))
        else:
            why = values_agree(old[key], new[key], rel_tolerance)
            if why:
                mismatches.append(Mismatch(key, old[key], new[key], why))
    return Comparison(
        checked=len(keys),
        matched=len(keys) - len(mismatches),
        mismatches=tuple(mismatches),
        rel_tolerance=rel_tolerance,
    )


def check_inputs(manifest: Mapping[str, Any]) -> int:
    """Hash every input recorded in the manifest again; raise :class:`InputChanged` naming each changed file."""
    changed, names = [], []
    for item in manifest["inputs"]:
        path = resolve(item["path"])
        if not path.is_file():
            changed.append(f"{item['path']} ({item['role']}; missing)")
            names.append(item["path"])
            continue
        now = sha256_file(path)
        if now != item["sha256"]:
            changed.append(
                f"{item['path']} ({item['role']}; SHA-256 recorded {item['sha256'][:_SHORT_HASH]}…, "
                f"now {now[:_SHORT_HASH]}…)"
            )
            names.append(item["path"])
    if changed:
        raise InputChanged(
            f"{len(changed)} input file(s) changed since the run: {'; '.join(changed)}. "
            "Verification stopped before re-executing anything: other inputs cannot reproduce the recorded numbers",
            file=names[0],
            rule="verify re-executes a run only from the exact inputs its manifest.json lists with their SHA-256",
            fix="restore the recorded file(s), or make a new run with `prokus-eval run` if the change is intended",
        )
    return len(manifest["inputs"])


@dataclass(frozen=True)
class FileDifference:
    """A published file that differs from the manifest: ``edited``, ``missing``, ``unexpected``, ``not reproduced``."""

    path: str
    reason: str


_REASONS = {
    "edited": "differs from the manifest (changed after the run)",
    "missing": "listed in the manifest but missing",
    "unexpected": "not listed in the manifest",
    "not reproduced": "the re-executed file differs from the manifest",
}


def executed_in(manifest: Mapping[str, Any]) -> Path | None:
    """The folder the run's notebooks were executed into (the parent of a recorded ``output_dir``), if recorded."""
    for nb in manifest.get("notebooks", []):
        out = nb.get("parameters", {}).get("output_dir")
        if isinstance(out, str) and out:
            return resolve(out).parent
    return None


def recorded_files(manifest: Mapping[str, Any]) -> dict[str, str] | None:
    """Every published file the manifest records with its hash; None when it records none (a run too old)."""
    outputs = manifest.get("outputs")
    if not outputs:
        return None
    return {**outputs, **manifest.get("notebook_outputs", {})}


ROOT_UNHASHED = frozenset({".prokus-owned", "kernels.log", "manifest.json"})  # a run's own files at its root


def stray_files(run_dir: Path) -> dict[str, str]:
    """Files a run never writes, in places the output hashes leave out (each is reported as not listed).

    Hidden files or folders, and a ``kernels.log`` or ``manifest.json`` below the run's root: only the root's own
    are a run's.

    Parameters
    ----------
    run_dir : pathlib.Path
        The run folder.

    Returns
    -------
    dict of str to str
        Relative POSIX path -> ``"unlisted"``.
    """
    out = {}
    for p in sorted(run_dir.rglob("*")):
        rel = p.relative_to(run_dir)
        if not p.is_file() or (len(rel.parts) == 1 and rel.name in ROOT_UNHASHED):
            continue
        if any(part.startswith(".") for part in rel.parts) or rel.name in ("kernels.log", "manifest.json"):
            out[rel.as_posix()] = "unlisted"
    return out


def published_files(manifest: Mapping[str, Any], run_dir: Path, executed: Path | None = None) -> dict[str, str]:
    """The hashes of the files in ``run_dir`` as the manifest records them (notebooks by their normalised outputs)."""
    files = hash_outputs(run_dir)
    if "notebook_outputs" in manifest:
        files |= hash_notebooks(run_dir, executed or executed_in(manifest) or run_dir)
        files |= stray_files(run_dir)
    return files


def compare_files(recorded: Mapping[str, str], found: Mapping[str, str], changed: str) -> list[FileDifference]:
    """Files of ``found`` that differ from ``recorded`` (reason ``changed``), are missing, or are not recorded."""
    out = []
    for path in sorted(set(recorded) | set(found)):
        if path not in found:
            out.append(FileDifference(path, "missing"))
        elif path not in recorded:
            out.append(FileDifference(path, "unexpected"))
        elif recorded[path] != found[path]:
            out.append(FileDifference(path, changed))
    return out


def check_published(manifest: Mapping[str, Any], run_dir: Path) -> tuple[int, list[FileDifference]]:
    """Compare every file of a run with the hashes its manifest recorded.

    Parameters
    ----------
    manifest : mapping
        The run's manifest.
    run_dir : pathlib.Path
        The run folder.

    Returns
    -------
    checked : int
        Files compared (recorded or found).
    differences : list of FileDifference
        Each file edited after the run, missing, or not in the manifest, sorted by path.
    """
    recorded = recorded_files(manifest) or {}
    found = published_files(manifest, run_dir)
    return len(set(recorded) | set(found)), compare_files(recorded, found, "edited")


@dataclass
class VerifyReport:
    """What :func:`verify` found; :meth:`render` gives the table the command prints."""

    run_dir: Path
    inputs_checked: int
    notebooks: int
    seconds: float
    blas_threads: int
    comparison: Comparison
    outputs_total: int = 0
    outputs_differing: tuple[FileDifference, ...] = ()
    notes: list[str] = field(default_factory=list)
    kept: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every number of results.json reproduced and every published file is as the manifest says."""
        return self.comparison.ok and not self.outputs_differing

    def render(self, max_rows: int = 50) -> str:
        """The verification table: inputs, re-execution, checked / matched / mismatched, each mismatch."""
        c = self.comparison
        lines = [
            f"Verification of {display_path(self.run_dir)}",
            f"  inputs       {self.inputs_checked} files unchanged (SHA-256 as in {MANIFEST_NAME})",
            f"  re-executed  {self.notebooks} notebooks into a temporary directory, BLAS threads "
            f"{self.blas_threads}, {self.seconds:.1f} s",
            "",
            f"  {'':<14}{'checked':>9}{'matched':>9}{'mismatched':>12}",
            f"  {'results.json':<14}{c.checked:>9}{c.matched:>9}{len(c.mismatches):>12}",
            f"  (floats: relative tolerance {c.rel_tolerance:g}; counts, booleans and strings: exact)",
        ]
        if c.mismatches:
            rows = [(m.key, _show(m.old), _show(m.new), _rel(m)) for m in c.mismatches[:max_rows]]
            widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(_HEADER)]
            lines += ["", "  Mismatches:", "  " + "  ".join(h.ljust(w) for h, w in zip(_HEADER, widths, strict=True))]
            lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
            if len(c.mismatches) > max_rows:
                lines.append(f"  ... and {len(c.mismatches) - max_rows} more")
        bad = {d.path for d in self.outputs_differing}
        lines += [
            "",
            f"  published files (briefs, workbooks, figures, landing page, technical reports, instrument, notebooks "
            f"by their outputs): {self.outputs_total - len(bad)} of {self.outputs_total} as in {MANIFEST_NAME}",
        ]
        if self.outputs_differing:
            lines.append("  Files that differ:")
            lines += [f"    {d.path}: {_REASONS[d.reason]}" for d in self.outputs_differing[:max_rows]]
            if len(self.outputs_differing) > max_rows:
                lines.append(f"    ... and {len(self.outputs_differing) - max_rows} more")
        lines += [f"  note: {n}" for n in self.notes]
        if self.kept:
            lines.append(f"  re-executed run kept in {self.kept}")
        lines.append("")
        if self.ok:
            lines.append(
                f"VERIFIED: all {c.checked} values of results.json reproduce and all {self.outputs_total} published "
                "files are as the manifest records them."
            )
        else:
            parts = []
            if c.mismatches or c.matched != c.checked:
                parts.append(f"{len(c.mismatches)} of {c.checked} values of results.json do not reproduce")
            if bad:
                parts.append(f"{len(bad)} published file(s) differ from the manifest: {', '.join(sorted(bad))}")
            lines.append(f"NOT VERIFIED: {'; '.join(parts)} (listed above).")
        return "\n".join(lines)


_HEADER = ("key", "recorded", "re-executed", "rel. difference")


def _show(v: Any) -> str:
    if v is MISSING:
        return MISSING
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v)  # strings quoted, floats with every digit (repr round-trips)


def _rel(m: Mismatch) -> str:
    r = m.rel_difference
    return f"{r:.3g}" if r is not None else m.reason


def _run_dir(path: str | Path) -> Path:
    p = resolve(path)
    if not p.exists():
        raise VerifyError(
            "the run directory does not exist",
            file=str(path),
            fix="give a run directory such as reports/latest (make one with `make report`)",
        )
    p = p.resolve()
    if p.name.endswith(".partial"):
        raise VerifyError(
            "this is an unfinished run (.partial), not a run", file=str(path), fix="verify a finished run"
        )
    if not (p / "results.json").is_file():
        raise VerifyError("the run has no results.json", file=display_path(p), fix="verify a finished run")
    return p


def _notes(manifest: Mapping[str, Any], run_dir: Path) -> list[str]:
    notes = []
    recorded = manifest.get("outputs", {}).get("results.json")
    if recorded and recorded != sha256_file(run_dir / "results.json"):
        notes.append("the run's results.json was modified after the run (its SHA-256 differs from the manifest's)")
    if not manifest.get("outputs"):
        notes.append("the manifest records no output hashes: the files were compared with their re-execution only")
    elif "notebook_outputs" not in manifest:
        notes.append("the manifest predates notebook fingerprints: the executed notebooks were not compared")
    code = manifest.get("code", {})
    old_git, now_git = code.get("git", {}), git_state()
    if old_git.get("available") and now_git.get("available") and old_git.get("commit") != now_git.get("commit"):
        notes.append(f"git commit was {old_git['commit'][:10]} at the run, is {now_git['commit'][:10]} now")
    old_src = code.get("package_sha256", {})
    now_src = package_sources()
    changed = sorted(k for k in set(old_src) | set(now_src) if old_src.get(k) != now_src.get(k))
    if old_src and changed:
        notes.append(f"the evaluation package differs from the run's in {', '.join(changed)}")
    return notes


def reexecute(
    manifest: Mapping[str, Any],
    out_root: Path,
    jobs: int | None = None,
    blas_threads: int | None = None,
    progress: bool = False,
) -> tuple[dict[str, Any], int]:
    """Re-execute every notebook of ``manifest`` into ``out_root``; return the merged results and BLAS threads.

    The reports (briefs, workbooks, landing page) are rendered as the run rendered them, so they are compared too.
    """
    from tqdm import tqdm

    from evaluation.run.manifest import write_manifest
    from evaluation.run.runner import (
        Task,
        _kernel_environment,
        _kernel_stderr,
        check_parameters,
        execute,
        render_reports,
        write_instrument_files,
    )

    check_manifest(manifest, MANIFEST_NAME, out_root)  # never execute or write what the manifest does not hash
    cfg = load_config(manifest["config"])
    threads = blas_threads if blas_threads is not None else manifest.get("threads", {}).get("blas_threads")
    if threads is not None:
        cfg = with_overrides(cfg, blas_threads=int(threads))
    tasks = [
        Task(nb["scope"], resolve(nb["notebook"]), {**nb["parameters"], "output_dir": str(out_root / nb["output"])})
        for nb in manifest["notebooks"]
    ]
    for task in tasks:
        check_parameters(task)
    _kernel_environment(cfg)
    n_jobs = max(1, jobs or int(manifest.get("threads", {}).get("jobs", cfg.run.jobs)))
    out_root.mkdir(parents=True, exist_ok=True)
    with _kernel_stderr(out_root / "kernels.log") as console, ThreadPoolExecutor(max_workers=n_jobs) as pool:
        bar = tqdm(total=len(tasks), desc="re-executing", unit="nb", disable=not progress, file=console)
        futures = {pool.submit(execute, t, out_root / t.scope, cfg.run.cell_timeout_seconds): t for t in tasks}
        try:
            for f in as_completed(futures):
                f.result()
                bar.update(1)
                bar.set_postfix_str(futures[f].scope)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        finally:
            bar.close()
    merged = merge_run(out_root, [t.scope for t in tasks], cfg)  # as the run merged and protected them
    write_manifest(manifest, out_root)  # the briefs' report date is the recorded run's created_utc
    write_instrument_files(out_root / "instrument", cfg)  # as the run did: forms and printable questionnaires
    render_reports(out_root, cfg, [t.scope for t in tasks], str(manifest["run_id"]), n_jobs)
    return merged, cfg.run.blas_threads


def verify(
    run_dir: str | Path,
    jobs: int | None = None,
    blas_threads: int | None = None,
    keep: bool = False,
    progress: bool = False,
) -> VerifyReport:
    """Check a run's inputs, re-execute its notebooks into a temporary directory and compare ``results.json``.

    Raises :class:`InputChanged` (naming the file) when an input differs from the manifest, and
    :class:`VerifyError` when the run cannot be re-executed. ``blas_threads`` overrides the recorded thread count
    (to check that another count agrees within the tolerance); ``keep`` leaves the re-executed run on disk.
    """
    run = _run_dir(run_dir)
    manifest = read_manifest(run)
    check_manifest(manifest, display_path(run / MANIFEST_NAME), run)  # schema and paths, before anything runs
    n_inputs = check_inputs(manifest)
    recorded = read_results(run / "results.json")
    tmp = Path(tempfile.mkdtemp(prefix=f"prokus-verify-{run.name}-"))
    start = time.perf_counter()
    try:
        new, threads = reexecute(manifest, tmp / run.name, jobs=jobs, blas_threads=blas_threads, progress=progress)
    except UserError as exc:
        raise VerifyError(
            f"re-execution failed: {exc.message} The re-executed notebooks are kept in {tmp}",
            file=exc.file,
            fix=exc.fix,
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - start
    rel_tol = float(load_config(manifest["config"]).run.verify_rel_tolerance)  # the config's hash was checked
    comparison = compare_results(recorded, new, rel_tol)
    total, published = check_published(manifest, run)
    recorded_out = recorded_files(manifest)
    if recorded_out is None:  # a manifest without output hashes: compare the run with its re-execution
        recorded_out = published_files(manifest, run)
    again = published_files(manifest, tmp / run.name, tmp / run.name)
    reproduced = compare_files(recorded_out, again, "not reproduced")
    seen = {d.path for d in published}
    differing = tuple(sorted([*published, *(d for d in reproduced if d.path not in seen)], key=lambda d: d.path))
    report = VerifyReport(
        run_dir=run,
        inputs_checked=n_inputs,
        notebooks=len(manifest["notebooks"]),
        seconds=seconds,
        blas_threads=threads,
        comparison=comparison,
        outputs_total=total,
        outputs_differing=differing,
        notes=_notes(manifest, run),
        kept=tmp if keep else None,
    )
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return report
