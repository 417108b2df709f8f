"""``verify`` executes only what it hashed: the manifest's schema and the paths it may name.

A ``manifest.json`` is input like any other: copied, edited or crafted, it must not make ``verify`` run a notebook
it did not hash or write outside its temporary folder. Before anything is hashed again or executed,
:func:`check_manifest`

1. validates the manifest against :data:`MANIFEST_SCHEMA` (JSON Schema draft 2020-12, ``jsonschema``): the fields
   ``verify`` reads, with their types; a malformed manifest is a clear error naming the field, never a traceback;
2. checks every notebook path: relative to the project root, without ``..``, not absolute, inside the project once
   symbolic links are followed, and listed with its SHA-256 among the ``inputs`` (role ``notebook``);
3. checks every output path: a relative path without ``..`` that stays inside the re-execution folder;
4. checks that the config a notebook is given is the config the manifest lists (and hashes) as an input, and that
   its data folder is the manifest's, whose files are hashed inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from evaluation.core.errors import UserError
from evaluation.core.paths import NOTEBOOKS_DIR, PROJ_ROOT

_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_TEXT = {"type": "string", "minLength": 1}
_PARAM = {"type": ["string", "number", "boolean", "null"]}

MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["schema", "run_id", "config", "data_dir", "inputs", "notebooks"],
    "properties": {
        "schema": {"const": 1},
        "run_id": _TEXT,
        "config": _TEXT,
        "data_dir": _TEXT,
        "raw_dir": {"type": ["string", "null"]},
        "pseudonym_key_fingerprint": {"type": ["string", "null"]},
        "inputs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["path", "role", "sha256"],
                "properties": {
                    "path": _TEXT,
                    "role": {"enum": ["raw", "data", "codebook", "config", "notebook"]},
                    "sha256": _SHA256,
                    "bytes": {"type": "integer", "minimum": 0},
                },
            },
        },
        "notebooks": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["scope", "notebook", "output", "parameters"],
                "properties": {
                    "scope": _TEXT,
                    "notebook": _TEXT,
                    "output": _TEXT,
                    "parameters": {"type": "object", "additionalProperties": _PARAM},
                },
            },
        },
        "threads": {
            "type": "object",
            "properties": {
                "blas_threads": {"type": ["integer", "null"], "minimum": 1},
                "jobs": {"type": "integer", "minimum": 1},
            },
        },
        "outputs": {"type": "object", "additionalProperties": _SHA256},
        "notebook_outputs": {"type": "object", "additionalProperties": _SHA256},
        "verify": {"type": "object"},
        "code": {"type": "object"},
        "seeds": {"type": "object"},
    },
}


class ManifestInvalid(UserError):
    """The manifest is malformed or names a path ``verify`` may not use."""


def _fail(shown: str, what: str, fix: str = "verify a run made by `prokus-eval run`, or make a new run") -> None:
    raise ManifestInvalid(
        f"manifest.json cannot be trusted: {what}. Nothing was executed",
        file=shown,
        rule="verify re-executes only notebooks inside the project that the manifest lists with their SHA-256, and "
        "writes only inside its temporary folder",
        fix=fix,
    )


def _where(path: Any) -> str:
    return "/".join(str(p) for p in path) or "(top level)"


def validate_schema(manifest: Any, shown: str) -> None:
    """Validate a manifest against :data:`MANIFEST_SCHEMA`.

    Parameters
    ----------
    manifest : Any
        The parsed ``manifest.json``.
    shown : str
        The manifest file as messages show it.

    Raises
    ------
    ManifestInvalid
        Naming the first field (in document order) that breaks the schema.
    """
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(MANIFEST_SCHEMA).iter_errors(manifest), key=lambda e: list(map(str, e.path)))
    if errors:
        e = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        _fail(shown, f"field {_where(e.path)}: {e.message[:200]}{more}")


def _plain_relative(text: str) -> bool:
    if "\\" in text or "\0" in text or PureWindowsPath(text).drive:
        return False
    p = PurePosixPath(text)
    return bool(text) and not p.is_absolute() and ".." not in p.parts and text not in (".", "")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


# The only notebooks verify ever executes: the project's own (a manifest can name a notebook and supply its hash,
# so a hash alone proves nothing about what the notebook does).
PROJECT_NOTEBOOKS = frozenset(
    {"region_evaluation.ipynb", "national_synthesis.ipynb", "national_scale.ipynb", "monitoring_round.ipynb"}
)


def _project_notebook(path: str) -> bool:
    """True when ``path`` (relative to the project) is one of :data:`PROJECT_NOTEBOOKS` in ``notebooks/``."""
    try:
        target = (PROJ_ROOT / path).resolve()
    except (OSError, RuntimeError):
        return False
    return target.parent == NOTEBOOKS_DIR.resolve() and target.name in PROJECT_NOTEBOOKS


def check_paths(manifest: Mapping[str, Any], shown: str, out_root: Path) -> None:
    """Refuse notebook, output, config and data paths that ``verify`` may not use.

    Parameters
    ----------
    manifest : mapping
        A manifest that passed :func:`validate_schema`.
    shown : str
        The manifest file as messages show it.
    out_root : pathlib.Path
        The folder the re-execution writes into (outputs must stay inside it).

    Raises
    ------
    ManifestInvalid
        For a notebook path that is absolute, holds ``..``, leaves the project (symbolic links followed), is not
        one of the project's own notebooks (:data:`PROJECT_NOTEBOOKS` in ``notebooks/``) or is not a hashed
        notebook input; an output path that leaves ``out_root``; a config or data folder the manifest
        does not hash.
    """
    inputs = manifest["inputs"]
    hashed = {(item["role"], item["path"]) for item in inputs}
    for nb in manifest["notebooks"]:
        path, scope = nb["notebook"], nb["scope"]
        if not _plain_relative(path) or not _inside(PROJ_ROOT / path, PROJ_ROOT):
            _fail(shown, f"the notebook of scope {scope!r} ({path!r}) is not a relative path inside the project")
        if not _project_notebook(path):
            _fail(shown, f"the notebook of scope {scope!r} ({path!r}) is not one of the project's notebooks "
                  f"(notebooks/{', notebooks/'.join(sorted(PROJECT_NOTEBOOKS))}); verify runs only those")
        if ("notebook", path) not in hashed:
            _fail(shown, f"the notebook of scope {scope!r} ({path!r}) is not among the hashed inputs")
        output = nb["output"]
        if not _plain_relative(output) or not _inside(out_root / output, out_root):
            _fail(shown, f"the output of scope {scope!r} ({output!r}) leaves the run folder")
        params = nb["parameters"]
        config = params.get("config")
        if config is not None and ("config", config) not in hashed:
            _fail(shown, f"the config of scope {scope!r} ({config!r}) is not among the hashed inputs")
        data = params.get("data_dir")
        if data is not None and data != manifest["data_dir"]:
            _fail(shown, f"the data folder of scope {scope!r} ({data!r}) is not the manifest's data_dir")
    if ("config", manifest["config"]) not in hashed:
        _fail(shown, f"the config {manifest['config']!r} is not among the hashed inputs")
    data_dir = manifest["data_dir"].rstrip("/") + "/"
    if not any(item["role"] == "data" and item["path"].startswith(data_dir) for item in inputs):
        _fail(shown, f"no file of the data folder {manifest['data_dir']!r} is among the hashed inputs")


def check_manifest(manifest: Any, shown: str, out_root: Path) -> None:
    """Validate a manifest's schema, then its paths (the module docstring).

    Parameters
    ----------
    manifest : Any
        The parsed ``manifest.json``.
    shown : str
        The manifest file as messages show it.
    out_root : pathlib.Path
        The folder the re-execution writes into.

    Raises
    ------
    ManifestInvalid
        For the first problem found.
    """
    validate_schema(manifest, shown)
    check_paths(manifest, shown, out_root)
