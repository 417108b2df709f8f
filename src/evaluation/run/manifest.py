"""The run manifest ``reports/<run-id>/manifest.json``: everything needed to re-execute a run and check it.

A manifest records, for one run:

- ``inputs``: the SHA-256 of every input file (each file of the data directory, the codebook and its questions
  layer: questions, choice lists, indicator formulas; the config, the notebooks), so that
  :mod:`evaluation.run.verify` can refuse to compare against changed inputs;
- ``notebooks``: each notebook execution (scope, notebook, its papermill parameters; paths relative to the
  project root, ``output_dir`` as it was during the run, inside ``reports/<run-id>.partial/``);
- ``code``: the git commit and whether the working tree was dirty (with a graceful fallback outside a git
  checkout), and the SHA-256 of every module of the ``evaluation`` package;
- ``software``: the exact versions of Python and of every installed distribution (``importlib.metadata``), the
  platform and the BLAS library numpy was built with;
- ``seeds`` and ``threads``: the analysis seed, the demo data's seed, ``PYTHONHASHSEED``, and the BLAS/OpenMP
  thread count pinned for the run's kernels;
- ``outputs``: the SHA-256 of every output file of the run except the executed notebooks (which always carry
  execution timestamps) and the kernels' log;
- ``notebook_outputs``: for each executed notebook, the SHA-256 of its cell outputs only, normalised
  (:func:`notebook_fingerprint`: no execution counts, metadata or timestamps; the run folder and the project root
  replaced by placeholders), so that ``verify`` compares what a notebook showed, not when it ran.

``created_utc`` is the one place a run date is kept; no report shows it, so that two runs of the same inputs give
byte-identical outputs. The manifest itself is not byte-identical between runs (run id, date, output paths).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from evaluation.core.atomic import write_text
from evaluation.core.config import Config
from evaluation.core.errors import UserError
from evaluation.core.paths import PROJ_ROOT, resolve
from evaluation.intake.questions import codebook_files

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1
# Output files that legitimately differ between two runs of the same inputs, and so are not hashed as outputs:
# executed notebooks carry execution timestamps; the kernels' log carries their start-up chatter.
UNHASHED_OUTPUTS = ("notebook.ipynb", "kernels.log", MANIFEST_NAME)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
ENVIRONMENT_VARIABLES = ("PYTHONHASHSEED", "SOURCE_DATE_EPOCH", "MPLBACKEND")
PATH_PARAMETERS = ("config", "data_dir", "output_dir")
_CHUNK = 1 << 20


class ManifestError(UserError):
    """A run directory has no readable manifest."""


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (FIPS 180-4), read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the project root when it lies inside it (portable across clones), else absolute."""
    p = resolve(path).resolve()
    try:
        return p.relative_to(PROJ_ROOT.resolve()).as_posix()
    except ValueError:
        return str(p)


def _files_under(directory: Path) -> list[Path]:
    """Regular files below ``directory`` (recursively), hidden files and folders left out, sorted."""
    out = []
    for p in directory.rglob("*"):
        rel = p.relative_to(directory)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
            out.append(p)
    return sorted(out)


def input_files(
    cfg: Config, data_dir: str, notebooks: Iterable[Path], raw_dir: str | None = None
) -> list[tuple[str, Path]]:
    """Every input of a run as ``(role, path)``, each file once.

    Raw export files (role ``raw``), the analysis-ready data files the notebooks read (``data``), codebook (with
    the questions layer beside it: questions, choice lists, indicator formulas), config and notebooks.
    """
    items: list[tuple[str, Path]] = []
    raw = resolve(raw_dir) if raw_dir else None
    if raw is not None and raw.is_dir() and raw != resolve(data_dir):
        items += [("raw", p) for p in _files_under(raw)]
    data = resolve(data_dir)
    items += [("data", p) for p in _files_under(data)] if data.is_dir() else []
    items.append(("codebook", resolve(cfg.run.codebook)))
    items += [("codebook", p) for p in codebook_files(cfg.run.codebook)]  # questions and indicator formulas
    items.append(("config", resolve(cfg.path)))
    items += [("notebook", Path(nb)) for nb in dict.fromkeys(notebooks)]
    return items


def hash_inputs(items: Sequence[tuple[str, Path]]) -> list[dict[str, Any]]:
    """SHA-256 and size of each input, in the given order."""
    return [
        {"path": display_path(p), "role": role, "sha256": sha256_file(p), "bytes": p.stat().st_size}
        for role, p in items
    ]


def hash_outputs(run_dir: Path) -> dict[str, str]:
    """SHA-256 of every output file of a run directory (relative POSIX path -> hash), except UNHASHED_OUTPUTS."""
    return {
        p.relative_to(run_dir).as_posix(): sha256_file(p)
        for p in _files_under(run_dir)
        if p.name not in UNHASHED_OUTPUTS
    }


NOTEBOOK_NAME = "notebook.ipynb"
_OUTPUT_FIELDS = ("output_type", "name", "text", "data", "ename", "evalue", "traceback")
_VOLATILE_MIME = ("application/vnd.jupyter.widget-view+json",)  # widget ids are random per execution


def notebook_fingerprint(path: Path, run_dir: Path) -> str:
    """SHA-256 of an executed notebook's cell outputs, normalised; the same outputs give the same hash.

    Kept per code cell, in order: each output's type, stream name, text, MIME data (widget views left out: their ids
    are random), error name, value and traceback. Left out: execution counts, cell and notebook metadata (papermill's
    start and end times, durations), cell sources (the injected parameters name the output folder). The run folder
    (absolute and project-relative) and the project root are replaced by ``<run>`` and ``<project>`` in the
    outputs, so a notebook re-executed into another folder gives the same fingerprint.

    Parameters
    ----------
    path : pathlib.Path
        The executed notebook (``.ipynb``, JSON).
    run_dir : pathlib.Path
        The run folder it was executed into (the parent of its scope's folder).

    Returns
    -------
    str
        Hex SHA-256 of the canonical JSON of the normalised outputs.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        outs = []
        for out in cell.get("outputs", []):
            kept = {k: out[k] for k in _OUTPUT_FIELDS if k in out}
            if "data" in kept:
                kept["data"] = {m: v for m, v in kept["data"].items() if m not in _VOLATILE_MIME}
            outs.append(kept)
        cells.append(outs)
    text = json.dumps(cells, sort_keys=True, ensure_ascii=False)
    run_abs = str(Path(run_dir).resolve())
    for old, new in ((run_abs, "<run>"), (display_path(run_dir), "<run>"), (str(PROJ_ROOT.resolve()), "<project>")):
        if old and old != ".":
            text = text.replace(json.dumps(old)[1:-1], new)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_notebooks(run_dir: Path, executed_in: Path | None = None) -> dict[str, str]:
    """:func:`notebook_fingerprint` of every executed notebook of a run (relative POSIX path -> hash).

    Parameters
    ----------
    run_dir : pathlib.Path
        The run folder.
    executed_in : pathlib.Path, optional
        The folder the notebooks were executed into, when the run has moved since (a finished run is renamed from
        ``<run-id>.partial``; a copy lies elsewhere); default ``run_dir``.

    Returns
    -------
    dict of str to str
        ``<scope>/notebook.ipynb`` -> fingerprint, sorted.
    """
    return {
        p.relative_to(run_dir).as_posix(): notebook_fingerprint(p, executed_in or run_dir)
        for p in _files_under(run_dir)
        if p.name == NOTEBOOK_NAME
    }


def _git(*args: str) -> str:
    proc = subprocess.run(["git", "-C", str(PROJ_ROOT), *args], capture_output=True, text=True, timeout=30, check=True)
    return proc.stdout.rstrip("\n")  # not strip(): porcelain status lines begin with a meaningful space


def git_state() -> dict[str, Any]:
    """Commit, branch and dirtiness of the project's git checkout; ``available: false`` with a reason otherwise.

    Dirty means ``git status --porcelain`` lists anything (modified, staged or untracked files not ignored); the
    first 50 such paths are kept so that a reviewer sees what differed from the commit.
    """
    try:
        top = _git("rev-parse", "--show-toplevel")
        if Path(top).resolve() != PROJ_ROOT.resolve():
            return {"available": False, "reason": f"the project root is not the top of a git checkout ({top})"}
        commit = _git("rev-parse", "HEAD")
        branch = _git("rev-parse", "--abbrev-ref", "HEAD")
        status = _git("status", "--porcelain")
    except FileNotFoundError:
        return {"available": False, "reason": "git is not installed"}
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or "").strip().splitlines()
        return {"available": False, "reason": reason[0] if reason else "not a git checkout"}
    except subprocess.TimeoutExpired:
        return {"available": False, "reason": "git did not answer within 30 s"}
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    return {
        "available": True,
        "commit": commit.strip(),
        "branch": branch.strip(),
        "dirty": bool(changed),
        "changed": changed[:50],
    }


def package_versions() -> dict[str, str]:
    """Name -> version of every installed distribution (``importlib.metadata``), sorted case-insensitively."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in {k.lower() for k in found}:
            found[name] = dist.version
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


def _blas() -> dict[str, Any]:
    import numpy as np

    try:
        deps = np.show_config(mode="dicts").get("Build Dependencies", {})  # type: ignore[union-attr]
    except Exception:  # numpy without the dict mode
        return {}
    blas = deps.get("blas", {})
    return {k: blas[k] for k in ("name", "version", "openblas configuration") if k in blas}


def software() -> dict[str, Any]:
    """Python, platform, BLAS and the exact version of every installed package."""
    return {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "build": " ".join(platform.python_build()),
            "executable": sys.executable,
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
        "blas": _blas(),
        "packages": package_versions(),
    }


def package_sources() -> dict[str, str]:
    """SHA-256 of every module of the ``evaluation`` package in use (path inside the package -> hash)."""
    src = Path(__file__).resolve().parent.parent
    return {p.relative_to(src).as_posix(): sha256_file(p) for p in sorted(src.rglob("*.py"))}


def portable_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Papermill parameters with path-valued ones (PATH_PARAMETERS) made relative to the project root.

    The notebooks resolve relative paths against the project root (:func:`evaluation.core.paths.resolve`), so the
    relative form names the same file and lets another clone of the repository re-execute the run.
    """
    return {
        k: (display_path(v) if k in PATH_PARAMETERS and isinstance(v, str) and v else v) for k, v in parameters.items()
    }


def _data_seed(data_dir: str) -> int | None:
    meta = resolve(data_dir) / "dataset.json"
    if not meta.is_file():
        return None
    try:
        seed = json.loads(meta.read_text(encoding="utf-8")).get("seed")
    except (ValueError, AttributeError):
        return None
    return seed if isinstance(seed, int) else None


def _key_fingerprint(data_dir: str) -> str | None:
    """The pseudonymisation key's fingerprint recorded by intake in the processed data's ``intake.json``."""
    path = resolve(data_dir) / "intake.json"
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("key_fingerprint")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def build_manifest(
    cfg: Config,
    tasks: Sequence[Any],
    data_dir: str,
    run_id: str,
    jobs: int,
    created: dt.datetime | None = None,
    raw_dir: str | None = None,
) -> dict[str, Any]:
    """The manifest of a run about to execute ``tasks`` (objects with ``scope``, ``notebook``, ``parameters``).

    Call it after the kernels' environment is set (so that the recorded thread settings are the ones the kernels
    inherit) and before any notebook runs (so that the hashes are those of the inputs the notebooks read).
    """
    when = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    items = input_files(cfg, data_dir, [t.notebook for t in tasks], raw_dir=raw_dir)
    return {
        "schema": SCHEMA_VERSION,
        "run_id": run_id,
        "created_utc": when.isoformat().replace("+00:00", "Z"),
        "config": display_path(cfg.path),
        "data_dir": display_path(data_dir),
        "raw_dir": display_path(raw_dir) if raw_dir else None,
        "pseudonym_key_fingerprint": _key_fingerprint(data_dir),
        "inputs": hash_inputs(items),
        "notebooks": [
            {
                "scope": t.scope,
                "notebook": display_path(t.notebook),
                "output": t.scope,
                "parameters": portable_parameters(t.parameters),
            }
            for t in tasks
        ],
        "seeds": {
            "analysis": cfg.run.seed,
            "analysis_source": f"{display_path(cfg.path)} [run] seed",
            "data": _data_seed(data_dir),
            "data_source": f"{display_path(data_dir)}/dataset.json seed (prokus-eval demo-data --seed)",
            "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED"),
        },
        "threads": {
            "blas_threads": cfg.run.blas_threads,
            "environment": {v: os.environ.get(v) for v in THREAD_VARIABLES},
            "jobs": jobs,
        },
        "environment": {v: os.environ.get(v) for v in ENVIRONMENT_VARIABLES},
        "verify": {"rel_tolerance": cfg.run.verify_rel_tolerance},
        "code": {"git": git_state(), "package_sha256": package_sources()},
        "software": software(),
        "outputs": {},
        "notebook_outputs": {},
    }


def write_manifest(manifest: Mapping[str, Any], run_dir: Path) -> Path:
    """Add the output hashes of ``run_dir`` and write ``run_dir/manifest.json`` (sorted keys, UTF-8).

    ``outputs``: :func:`hash_outputs`; ``notebook_outputs``: :func:`hash_notebooks` (the executed notebooks by their
    normalised cell outputs).
    """
    data = {**manifest, "outputs": hash_outputs(run_dir), "notebook_outputs": hash_notebooks(run_dir)}
    path = run_dir / MANIFEST_NAME
    return write_text(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """Read ``run_dir/manifest.json``; a clear error when it is missing, unreadable or of another schema."""
    path = run_dir / MANIFEST_NAME
    shown = display_path(path)
    if not path.is_file():
        raise ManifestError(
            "the run has no manifest.json, so it cannot be verified",
            file=shown,
            fix="give the directory of a run made by `prokus-eval run` (e.g. reports/latest), or make a new run",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"manifest.json cannot be read ({exc})", file=shown, fix="make a new run") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        raise ManifestError(
            f"manifest.json is not a schema-{SCHEMA_VERSION} manifest",
            file=shown,
            fix="make a new run with this version of prokus-eval",
        )
    for key in ("inputs", "notebooks", "config"):
        if key not in data:
            raise ManifestError(f"manifest.json lacks '{key}'", file=shown, fix="make a new run")
    return data
