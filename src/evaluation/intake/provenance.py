"""Where a data set comes from: proven synthetic data, the content digest of raw inputs, the processed folder name.

Synthetic is proven, never declared. The generator (:mod:`evaluation.synthetic`) records the SHA-256 of every file
it wrote in ``dataset.json`` (``files_sha256``, :func:`record_file_hashes`); intake computes them again
(:func:`synthetic_proof`). Only an exact match (no file changed, missing or added) lets intake use the public demo
key and lets the reports say "synthetic": a ``dataset.json`` left in a folder of real exports (the natural result of
copying the demo folder and replacing its files) proves nothing.

Processed data are keyed by content (:func:`processed_name`): ``<raw folder name>-<12 hex digits>``, the digits
being SHA-256 over the sorted (relative path, file SHA-256) pairs of the raw inputs and the pseudonymisation key's
fingerprint. Two data sets in folders of the same name, or one data set under two keys, never share a processed
folder, so the processed data an earlier run hashed are never overwritten and that run keeps verifying.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from evaluation.core.atomic import MARKER
from evaluation.core.errors import UserError

__all__ = [
    "FILES_FIELD",
    "IGNORED",
    "METADATA",
    "Proof",
    "check_same_key",
    "content_digest",
    "input_files",
    "processed_name",
    "record_file_hashes",
    "synthetic_proof",
]

METADATA = "dataset.json"
FILES_FIELD = "files_sha256"
# Written into the raw folder by intake itself (the problem list), or by the package's folder writers (the ownership
# marker, evaluation.core.atomic.MARKER, which lists the files it wrote), so never part of the data set's content.
IGNORED = frozenset({"validation_problems.csv", MARKER})
DIGEST_HEX = 12
INTAKE_MANIFEST = "intake.json"
_CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def input_files(folder: Path) -> dict[str, Path]:
    """List the files of a raw data folder that belong to the data set.

    Parameters
    ----------
    folder : pathlib.Path
        The raw data folder.

    Returns
    -------
    dict of str to pathlib.Path
        Relative POSIX path -> file, sorted, for every regular file below ``folder`` (recursively) except
        :data:`IGNORED` at the top level.
    """
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel not in IGNORED:
            out[rel] = p
    return out


def record_file_hashes(folder: Path) -> dict[str, str]:
    """Record the SHA-256 of every file of a freshly generated data set in its ``dataset.json``.

    Call it once, after the generator has written every file (the CSVs, workbooks, ``truth.json`` and
    ``dataset.json`` itself).

    Parameters
    ----------
    folder : pathlib.Path
        The folder just written (the generator's temporary folder).

    Returns
    -------
    dict of str to str
        Relative path -> SHA-256 (hex) of every file except ``dataset.json``.

    Raises
    ------
    FileNotFoundError
        When ``folder`` has no ``dataset.json``.
    """
    meta_path = folder / METADATA
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    hashes = {rel: _sha256(p) for rel, p in input_files(folder).items() if rel != METADATA}
    meta[FILES_FIELD] = hashes
    meta_path.write_text(json.dumps(meta, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return hashes


@dataclass(frozen=True)
class Proof:
    """Whether a folder holds the generator's synthetic data, unchanged.

    Parameters
    ----------
    synthetic : bool
        True only when ``dataset.json`` says synthetic and every file hash matches the generator's record.
    declared : bool
        True when ``dataset.json`` says ``"synthetic": true`` (proven or not).
    reason : str
        Why the data are not proven synthetic (empty when they are, or when nothing was declared).
    """

    synthetic: bool
    declared: bool
    reason: str = ""


def synthetic_proof(folder: Path) -> Proof:
    """Check that a folder holds synthetic data exactly as the generator wrote them.

    Parameters
    ----------
    folder : pathlib.Path
        The raw data folder.

    Returns
    -------
    Proof
        ``synthetic`` is True only when ``dataset.json`` declares synthetic data, records the SHA-256 of every
        file (:func:`record_file_hashes`), and the folder holds exactly those files with those hashes.
    """
    meta_path = folder / METADATA
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Proof(False, False)
    if not isinstance(meta, dict) or meta.get("synthetic") is not True:
        return Proof(False, False)
    recorded = meta.get(FILES_FIELD)
    if not isinstance(recorded, dict) or not recorded:
        return Proof(False, True, f"{METADATA} says synthetic but records no file hashes of the generator")
    present = {rel: p for rel, p in input_files(folder).items() if rel != METADATA}
    extra = sorted(set(present) - set(recorded))
    missing = sorted(set(recorded) - set(present))
    changed = sorted(rel for rel in set(present) & set(recorded) if _sha256(present[rel]) != recorded[rel])
    parts = []
    if changed:
        parts.append(f"changed since it was generated: {', '.join(changed[:5])}")
    if extra:
        parts.append(f"not written by the generator: {', '.join(extra[:5])}")
    if missing:
        parts.append(f"missing: {', '.join(missing[:5])}")
    if parts:
        return Proof(False, True, f"{METADATA} says synthetic, but files are " + "; ".join(parts))
    return Proof(True, True)


def content_digest(folder: Path) -> str:
    """SHA-256 of a raw data folder's content: its sorted (relative path, file SHA-256) pairs.

    Parameters
    ----------
    folder : pathlib.Path
        The raw data folder.

    Returns
    -------
    str
        64 hex digits; equal for two folders with the same files (names and bytes), wherever they are.
    """
    h = hashlib.sha256()
    for rel, p in input_files(folder).items():
        h.update(f"{rel}\0{_sha256(p)}\n".encode())
    return h.hexdigest()


def processed_name(folder: Path, fingerprint: str, digest: str | None = None) -> str:
    """Name the processed folder of a raw data folder: ``<folder name>-<12 hex digits>``.

    Parameters
    ----------
    folder : pathlib.Path
        The raw data folder.
    fingerprint : str
        The pseudonymisation key's fingerprint (:attr:`evaluation.intake.pseudonymise.Key.fingerprint`).
    digest : str, optional
        The folder's :func:`content_digest` (computed when None).

    Returns
    -------
    str
        The folder name, followed by the first 12 hex digits of SHA-256(content digest, fingerprint).
    """
    content = digest or content_digest(folder)
    tag = hashlib.sha256(f"{content}\0{fingerprint}".encode()).hexdigest()[:DIGEST_HEX]
    return f"{folder.name}-{tag}"


def check_same_key(processed_root: Path, source: str, digest: str, fingerprint: str, demo: bool) -> None:
    """Refuse a key that differs from the one an earlier intake of the same data used.

    Pseudonyms made with two keys do not match: families would be counted twice across waves and earlier runs
    could no longer be compared. An earlier intake counts when it read the same content (same
    :func:`content_digest`) or the same raw folder, with a secret (not the demo) key on both sides.

    Parameters
    ----------
    processed_root : pathlib.Path
        The root of processed data (``data/processed``).
    source : str
        The raw folder as intake records it (``intake.json`` ``source``).
    digest : str
        The raw folder's :func:`content_digest`.
    fingerprint : str
        The fingerprint of the key about to be used.
    demo : bool
        True when that key is the public demo key.

    Raises
    ------
    UserError
        When an earlier processed folder of the same data records another key fingerprint.
    """
    if not processed_root.is_dir():
        return
    for manifest in sorted(processed_root.glob(f"*/{INTAKE_MANIFEST}")):
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(old, dict) or not old.get("key_fingerprint"):
            continue
        old_fp = str(old["key_fingerprint"])
        if old_fp == fingerprint:
            continue
        if demo or old.get("demo_key", False):  # the public demo key protects nothing: nothing to keep apart
            continue
        same_content = old.get("content_sha256") == digest
        same_folder = old.get("source") == source
        if same_content or same_folder:
            what = "the same raw files" if same_content else "the same raw folder"
            raise UserError(
                f"the pseudonymisation key has changed: {what} were processed before with a key of fingerprint "
                f"{old_fp}, the key set now has fingerprint {fingerprint}. Pseudonyms made with two keys do not "
                "match, so waves and earlier runs could no longer be joined; nothing was written",
                file=source,
                rule="one data set is pseudonymised with one key for every wave and run (the fingerprint is a keyed "
                "hash of a fixed label, never the key)",
                fix=f"set the key used before (fingerprint {old_fp}); if the key was changed on purpose, move the "
                f"earlier processed folder {manifest.parent.name} out of {processed_root} (keep it: earlier runs "
                "verify against it) and run again",
            )
