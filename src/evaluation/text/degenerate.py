"""Why an outcome has no estimate, in the reader's words ("tidak bervariasi", "tidak ada data di survei akhir").

The one place that turns a reason code of :mod:`evaluation.stats.degenerate` (with its wave or arm) into the
catalogue's ``degenerate_cell_*`` / ``degenerate_why_*`` phrases; used by the notebook sections, the national-scale
table and the workbook.
"""

from __future__ import annotations

from evaluation.text.catalogue import t

WAVES = ("baseline", "midline", "endline")
ARMS = ("prokus", "comparison")


def reason_fields(reason: str, lang: str, wave: str | None = None, arm: str | None = None) -> dict[str, str]:
    """The wave or arm of a reason, in words, as the phrase's fields (``{wave}``, ``{arm}``)."""
    fields: dict[str, str] = {}
    if reason == "no_data":
        w = wave or ""
        fields["wave"] = t(f"degenerate_wave_{w}", lang) if w in WAVES else w
    if reason in ("too_few_families", "arm_in_one_cluster"):
        fields["arm"] = t(f"group_{arm}", lang) if arm in ARMS else str(arm or "")
    return fields


def reason_cell(reason: str, lang: str, wave: str | None = None, arm: str | None = None) -> str:
    """A table cell saying why an outcome has no estimate (``degenerate_cell_<reason>``)."""
    return t(f"degenerate_cell_{reason}", lang, **reason_fields(reason, lang, wave, arm))


def reason_clause(reason: str, lang: str, wave: str | None = None, arm: str | None = None) -> str:
    """The same reason as a clause for notes (``degenerate_why_<reason>``)."""
    return t(f"degenerate_why_{reason}", lang, **reason_fields(reason, lang, wave, arm))
