"""Where a data set comes from: proven synthetic data, the content digest of raw inputs, the processed folder name.

Synthetic is proven, never declared, and proven by who the people are. What the pseudonymisation key protects is
the identity of the families, so the public demo key is safe exactly when every identifier in the data is one the
generator made. The generator (:mod:`evaluation.synthetic`) records in ``dataset.json``
(:func:`evaluation.intake.generated.record_generated`):

* ``files_sha256``: the SHA-256 of every file it wrote (:func:`record_file_hashes`);
* ``identities_sha256``, ``identities_count``, ``identities_columns``: a digest of the roster's identifiers
  (``family_id`` and every roster column the codebook marks personal: NIK, name, phone, address) as intake parses
  them (:func:`identity_digest`), and their number.

Intake proves (:func:`synthetic_proof`): files unchanged (every hash matches, no file missing or added) is the
generator's data set exactly; otherwise, once validation has parsed the tables, the identifiers' digest must equal
the recorded one (every family of the other tables is in the roster: validation refuses any other). Data proven
either way may use the public demo key and are labelled "synthetic" in the reports, so that a demo copy with one
export quirk (an Excel re-save, a don't-know code, a label export) is still the demo. ``truth.json`` (the true
effects) travels with them only while ``truth.json`` itself is the generator's. A ``dataset.json`` left in a folder
of real exports (the natural result of copying the demo folder and replacing its files) proves nothing: the
identifiers are not the generator's, and a secret key is required. A set key always wins.

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

import pandas as pd

from evaluation.core.atomic import MARKER
from evaluation.core.errors import UserError
from evaluation.intake.codebook import Codebook, load_codebook

__all__ = [
    "FILES_FIELD",
    "IDENTITIES_FIELD",
    "IGNORED",
    "METADATA",
    "Proof",
    "check_same_key",
    "content_digest",
    "identity_columns",
    "identity_digest",
    "input_files",
    "processed_name",
    "record_file_hashes",
    "synthetic_proof",
]

METADATA = "dataset.json"
FILES_FIELD = "files_sha256"
IDENTITIES_FIELD = "identities_sha256"
IDENTITIES_COUNT = "identities_count"
IDENTITIES_COLUMNS = "identities_columns"
ROSTER = "roster"
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


def identity_columns(codebook: Codebook) -> tuple[str, ...]:
    """Name the identifier columns whose values prove who the families are.

    Parameters
    ----------
    codebook : Codebook
        The codebook.

    Returns
    -------
    tuple of str
        ``family_id``, then every roster variable the codebook marks personal, in codebook order.
    """
    return ("family_id", *(v.name for v in codebook.table(ROSTER) if v.personal and v.name != "family_id"))


def identity_digest(roster: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> tuple[str, int]:
    """Digest the identifiers of a parsed roster: SHA-256 over its sorted canonical rows.

    Each row is the list of its values in ``columns`` as strings, stripped of surrounding white space (missing
    values and absent columns as ``""``); the rows are sorted and written one per line as JSON, after a line naming
    the columns. The digest depends on the identifiers only: not on the file format, the row order or any other
    column.

    Parameters
    ----------
    roster : pandas.DataFrame
        The roster as intake parsed it (:func:`evaluation.intake.pipeline.read_intake`).
    columns : sequence of str
        The identifier columns (:func:`identity_columns`).

    Returns
    -------
    tuple of (str, int)
        The SHA-256 (hex) and the number of rows.
    """
    values = []
    for c in columns:
        if c in roster:
            col = roster[c]
            values.append(["" if pd.isna(x) else str(x).strip() for x in col])
        else:
            values.append([""] * len(roster))
    rows = sorted(json.dumps(list(r), ensure_ascii=False) for r in zip(*values, strict=True)) if values else []
    h = hashlib.sha256(json.dumps(list(columns)).encode() + b"\n")
    for r in rows:
        h.update(r.encode("utf-8") + b"\n")
    return h.hexdigest(), len(roster)


def record_file_hashes(folder: Path) -> dict[str, str]:
    """Record the SHA-256 of every file of a freshly generated data set in its ``dataset.json``.

    Call it once, after the generator has written every file (the CSVs, workbooks, ``truth.json`` and
    ``dataset.json`` itself): :func:`evaluation.intake.generated.record_generated` does, after recording the
    identifiers' digest.

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
    """Whether a folder holds the generator's synthetic data: its files unchanged, or at least its identifiers.

    Parameters
    ----------
    synthetic : bool
        True when ``dataset.json`` says synthetic and either every file hash matches the generator's record or
        (once the roster is parsed) the identifiers' digest matches it.
    declared : bool
        True when ``dataset.json`` says ``"synthetic": true`` (proven or not).
    reason : str, optional
        Why the data are not proven synthetic (empty when they are, or when nothing was declared). Never holds an
        identifier: only file names, column names and counts.
    changed : tuple of str, optional
        The files changed since generation, not written by the generator, or missing (relative paths); empty
        when the files are exactly the generator's.
    """

    synthetic: bool
    declared: bool
    reason: str = ""
    changed: tuple[str, ...] = ()

    @property
    def unchanged(self) -> bool:
        """True when the data are proven synthetic and every file is exactly as the generator wrote it."""
        return self.synthetic and not self.changed


def _file_changes(folder: Path, recorded: dict) -> tuple[tuple[str, ...], str]:
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
    return tuple(sorted({*changed, *extra, *missing})), "; ".join(parts)


def _identity_proof(meta: dict, roster: pd.DataFrame, codebook: Codebook) -> str:
    """Check the roster's identifiers against the generator's record; return why they differ ("" when equal)."""
    recorded = meta.get(IDENTITIES_FIELD)
    if not isinstance(recorded, str) or not recorded:
        return "it records no digest of the generator's identifiers (an older demo: run prokus-eval demo-data again)"
    columns = identity_columns(codebook)
    if meta.get(IDENTITIES_COLUMNS) != list(columns):
        return (
            f"the generator's record covers the identifier columns {meta.get(IDENTITIES_COLUMNS)}, the codebook "
            f"marks {list(columns)}"
        )
    digest, count = identity_digest(roster, columns)
    if digest == recorded:
        return ""
    want = meta.get(IDENTITIES_COUNT)
    if want != count:
        counts = f"the roster holds {count} families, the generator made {want}"
    else:
        counts = f"the roster holds {count} families, as many as the generator made, but their identifiers differ"
    return f"the roster's identifiers ({', '.join(columns)}) are not all the generator's: {counts}"


def synthetic_proof(folder: Path, roster: pd.DataFrame | None = None, codebook: Codebook | None = None) -> Proof:
    """Check that a folder holds the generator's synthetic data: files unchanged, or the generator's identifiers.

    Parameters
    ----------
    folder : pathlib.Path
        The raw data folder.
    roster : pandas.DataFrame, optional
        The roster as intake parsed it (``Intake.tables["roster"]`` of a validated intake, so every family of the
        other tables is in it). When None, only the file hashes are checked.
    codebook : Codebook, optional
        The codebook that names the identifier columns (:func:`identity_columns`); the project's when None.

    Returns
    -------
    Proof
        ``synthetic`` is True when ``dataset.json`` declares synthetic data and either the folder holds exactly the
        files the generator recorded (``files_sha256``, :func:`record_file_hashes`), or ``roster`` is given and
        its identifiers' digest (:func:`identity_digest`) equals the recorded ``identities_sha256``.
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
    changed, files = _file_changes(folder, recorded)
    if not changed:
        return Proof(True, True)
    if roster is None:
        return Proof(False, True, f"{METADATA} says synthetic, but files are {files}", changed)
    why = _identity_proof(meta, roster, codebook or load_codebook())
    if not why:
        return Proof(True, True, "", changed)
    return Proof(False, True, f"{METADATA} says synthetic, but {why}; files are {files}", changed)


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
