"""Labels and number formats of the monitoring indicators (scorecard, risk flags) in Bahasa Indonesia and English.

Shared by the notebooks' scorecard and risk sections and by the briefs, so that both name an indicator and show its
value the same way. A missing key or language is a KeyError, never a silently untranslated label.
"""

from __future__ import annotations

import math

from evaluation.text.formats import MISSING, format_number, format_percent

LABELS: dict[str, dict[str, str]] = {
    # PP 39/2006 components
    "input": {"id": "Masukan (input)", "en": "Input"},
    "output": {"id": "Keluaran (output)", "en": "Output"},
    "outcome": {"id": "Hasil (outcome)", "en": "Outcome"},
    # indicators
    "bsimu_amount": {"id": "BSIMU tersalurkan dari rencana (nilai)", "en": "BSIMU disbursed of plan (amount)"},
    "bsimu_families": {"id": "Keluarga penerima BSIMU", "en": "Families that received BSIMU"},
    "bsimu_on_time": {"id": "BSIMU tepat waktu", "en": "BSIMU paid on time"},
    "tksk_sessions": {
        "id": "Sesi pendampingan sosial TKSK per keluarga",
        "en": "TKSK social mentoring sessions per family",
    },
    "business_mentoring_sessions": {
        "id": "Sesi mentoring bisnis per keluarga",
        "en": "Business mentoring sessions per family",
    },
    "business_operating": {"id": "Usaha masih berjalan (endline)", "en": "Business still operating (endline)"},
    "business_started": {
        "id": "Usaha baru dimulai (tanpa usaha di baseline)",
        "en": "Business started (none at baseline)",
    },
    "income_change": {"id": "Perubahan pendapatan rumah tangga", "en": "Change in household income"},
    "consumption_change": {"id": "Perubahan pengeluaran per kapita", "en": "Change in consumption per capita"},
    "fies_change": {"id": "Perubahan skor kerawanan pangan (FIES)", "en": "Change in food insecurity score (FIES)"},
    "above_poverty_line": {"id": "Di atas garis kemiskinan wilayah", "en": "Above the regional poverty line"},
    "return_to_assistance": {"id": "Kembali menerima bantuan sosial", "en": "Back on social assistance"},
    # statuses
    "on_track": {"id": "sesuai target", "en": "on track"},
    "needs_attention": {"id": "perlu perhatian", "en": "needs attention"},
    "off_track": {"id": "tidak sesuai target", "en": "off track"},
    "no_data": {"id": "tidak ada data", "en": "no data"},
    # risk types and flags
    "administrative": {"id": "Administrasi", "en": "Administrative"},
    "process": {"id": "Proses", "en": "Process"},
    "accountability": {"id": "Akuntabilitas", "en": "Accountability"},
    "any": {"id": "Semua jenis", "en": "All types"},
    "documents_inconsistent": {
        "id": "Dokumen tidak lengkap atau tidak konsisten",
        "en": "Documents missing or inconsistent",
    },
    "eligibility_doubt": {"id": "Kelayakan diragukan", "en": "Eligibility in doubt"},
    "grant_not_disbursed": {"id": "BSIMU tidak tersalurkan", "en": "BSIMU not disbursed"},
    "grant_late": {"id": "BSIMU terlambat", "en": "BSIMU paid late"},
    "mentoring_below_plan": {"id": "Pendampingan di bawah rencana", "en": "Mentoring below plan"},
    "grant_report_missing": {"id": "LPJ penggunaan dana belum ada", "en": "Grant-use report (LPJ) missing"},
    "grant_amount_unexplained": {
        "id": "Nilai BSIMU berbeda tanpa penjelasan",
        "en": "Grant amount differs without explanation",
    },
    "flag_any": {"id": "Keluarga dengan setidaknya satu tanda", "en": "Families with at least one flag"},
    # section titles and columns
    "scorecard_title": {
        "id": "Kartu kinerja M&E (PP 39/2006): realisasi terhadap target",
        "en": "M&E scorecard (PP 39/2006): realisation against target",
    },
    "scorecard_note": {
        "id": "Indikator hasil (outcome) adalah realisasi sebelum–sesudah keluarga ProKUS, bukan efek program: "
        "tahun 2020 juga tahun pandemi COVID-19. Efek program ada pada tabel DiD.",
        "en": "Outcome indicators are the before/after realisation of ProKUS families, not programme effects: "
        "2020 was also the COVID-19 year. The programme effect is in the DiD table.",
    },
    "risk_title": {"id": "Tanda risiko pelaksanaan", "en": "Implementation risk flags"},
    "risk_note": {
        "id": "Daftar ID keluarga (pseudonim) yang ditandai hanya ada di lampiran terbatas untuk petugas program, "
        "tidak dalam laporan publik.",
        "en": "The list of flagged (pseudonymous) family ids is only in a restricted annex for programme staff, "
        "never in a public report.",
    },
    "col_component": {"id": "Komponen", "en": "Component"},
    "col_indicator": {"id": "Indikator", "en": "Indicator"},
    "col_target": {"id": "Target", "en": "Target"},
    "col_realisation": {"id": "Realisasi", "en": "Realisation"},
    "col_ratio": {"id": "Rasio", "en": "Ratio"},
    "col_status": {"id": "Status", "en": "Status"},
    "col_risk_type": {"id": "Jenis risiko", "en": "Risk type"},
    "col_flag": {"id": "Tanda", "en": "Flag"},
    "col_count": {"id": "Jumlah keluarga", "en": "Families"},
    "col_rate": {"id": "Persentase", "en": "Rate"},
    "unit_sessions": {"id": "sesi", "en": "sessions"},
    "unit_points": {"id": "poin", "en": "points"},
}

# Status symbols: the status never rests on colour alone (readable in greyscale and by colour-blind readers).
SYMBOLS = {"on_track": "✔", "needs_attention": "▲", "off_track": "✖", "no_data": "–"}
# Colour-blind-safe palette (Okabe and Ito 2008): bluish green, orange, vermilion; grey for no data.
COLOURS = {"on_track": "#009E73", "needs_attention": "#E69F00", "off_track": "#D55E00", "no_data": "#999999"}


def label(key: str, language: str) -> str:
    """The label ``key`` in ``language``."""
    return LABELS[key][language]


def status_text(status: str, language: str) -> str:
    """Symbol and word of a status, e.g. ``✔ sesuai target``."""
    return f"{SYMBOLS[status]} {label(status, language)}"


def format_indicator(kind: str, value: float | None, language: str) -> str:
    """An indicator value in its unit: shares as %, sessions with one decimal, changes signed."""
    if value is None or not math.isfinite(value):
        return MISSING
    if kind == "share":
        return format_percent(value, language, 1)
    if kind == "sessions":
        return f"{format_number(value, language, 1)} {label('unit_sessions', language)}"
    if kind == "relative_change":
        return format_percent(value, language, 1, signed=True)
    if kind == "points":
        return f"{format_number(value, language, 2, signed=True)} {label('unit_points', language)}"
    raise KeyError(kind)


def format_ratio(value: float | None, language: str) -> str:
    """Ratio realisation / target as a percentage."""
    return format_percent(value, language, 0)
