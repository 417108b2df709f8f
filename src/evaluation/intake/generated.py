"""What the generator records about a data set it has just written, so that intake can prove it synthetic.

:func:`record_generated` is the one call the synthetic generators (:mod:`evaluation.synthetic.demo`,
:mod:`evaluation.synthetic.kobo`) make after writing every file. It reads the folder back through intake
(:func:`evaluation.intake.pipeline.read_intake`), so the identifiers are recorded exactly as intake will parse
them, whatever the export format, and then records the files' hashes. The rule that uses both is described in
:mod:`evaluation.intake.provenance`.
"""

from __future__ import annotations

import json
from pathlib import Path

from evaluation.intake.codebook import Codebook, load_codebook
from evaluation.intake.pipeline import read_intake
from evaluation.intake.provenance import (
    IDENTITIES_COLUMNS,
    IDENTITIES_COUNT,
    IDENTITIES_FIELD,
    METADATA,
    identity_columns,
    identity_digest,
    record_file_hashes,
)

__all__ = ["record_generated"]


def record_generated(folder: Path, codebook: Codebook | None = None) -> dict[str, str]:
    """Record a freshly generated data set's identifiers' digest and file hashes in its ``dataset.json``.

    Call it once, last, after the generator has written every file (``dataset.json`` included). Writes
    ``identities_sha256``, ``identities_count`` and ``identities_columns`` (the roster's identifiers as intake
    parses them, :func:`evaluation.intake.provenance.identity_digest`), then ``files_sha256``
    (:func:`evaluation.intake.provenance.record_file_hashes`).

    Parameters
    ----------
    folder : pathlib.Path
        The folder just written (the generator's temporary folder).
    codebook : Codebook, optional
        The codebook that names the identifier columns; the project's when None.

    Returns
    -------
    dict of str to str
        Relative path -> SHA-256 (hex) of every file except ``dataset.json``.

    Raises
    ------
    FileNotFoundError
        When ``folder`` has no ``dataset.json``.
    """
    cb = codebook or load_codebook()
    columns = identity_columns(cb)
    digest, count = identity_digest(read_intake(folder, cb).tables["roster"], columns)
    meta_path = folder / METADATA
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update({IDENTITIES_FIELD: digest, IDENTITIES_COUNT: count, IDENTITIES_COLUMNS: list(columns)})
    meta_path.write_text(json.dumps(meta, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return record_file_hashes(folder)
