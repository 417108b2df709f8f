"""Phrases shown in notebooks and reports, in Bahasa Indonesia (first) and English.

``t("sample_title", "id")`` returns the phrase; a missing key or language is a programming error (KeyError), so a
report can never silently show an untranslated key.
"""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "toc_title": {"id": "Daftar isi", "en": "Contents"},  # technical report's table of contents
    "banner_synthetic": {
        "id": "DATA SINTETIS UNTUK DEMONSTRASI — bukan data keluarga ProKUS yang sebenarnya. "
        "Angka dalam laporan ini dibuat oleh generator berbenih dengan efek sebenarnya yang diketahui.",
        "en": "SYNTHETIC DEMONSTRATION DATA — not real ProKUS families. "
        "The numbers in this report come from a seeded generator with known true effects.",
    },
    "title_region": {"id": "Evaluasi ProKUS 2020 — {name}", "en": "ProKUS 2020 evaluation — {name}"},
    "title_national": {
        "id": "Evaluasi ProKUS 2020 — Sintesis nasional",
        "en": "ProKUS 2020 evaluation — National synthesis",
    },
    "sample_title": {"id": "Sampel dan atrisi", "en": "Sample and attrition"},
    "baseline_title": {"id": "Kondisi awal (baseline) menurut kelompok", "en": "Baseline by group"},
    "change_title": {"id": "Perubahan sebelum–sesudah keluarga ProKUS", "en": "Before/after change of ProKUS families"},
    "did_title": {
        "id": "Efek program: selisih-dalam-selisih (DiD) terhadap kelompok pembanding",
        "en": "Programme effect: difference-in-differences (DiD) against the comparison group",
    },
    "region_comparison_title": {"id": "Perbandingan antarwilayah", "en": "Comparison across regions"},
    "truth_title": {
        "id": "Pemeriksaan terhadap efek sebenarnya (hanya data sintetis)",
        "en": "Check against the true effects (synthetic data only)",
    },
    "change_caveat": {
        "id": "Perubahan sebelum–sesudah bukan efek program: tahun 2020 juga tahun pandemi COVID-19, sehingga "
        "perubahan ini mencampur dampak program dengan guncangan pandemi dan perubahan lain.",
        "en": "A before/after change is not a programme effect: 2020 was also the COVID-19 year, so the change mixes "
        "the programme with the pandemic shock and everything else that changed.",
    },
    "did_caveat": {
        "id": "DiD mengurangkan perubahan kelompok pembanding (keluarga graduasi PKH di kecamatan yang sama) dari "
        "perubahan keluarga ProKUS, sehingga guncangan bersama seperti COVID-19 terhapus. Asumsinya: tanpa program, "
        "kedua kelompok akan berubah sejajar. Interval 95% menunjukkan rentang nilai yang sejalan dengan data; "
        "bila interval memuat nol, data tidak cukup untuk menyatakan ada efek.",
        "en": "DiD subtracts the change of the comparison group (PKH graduates in the same sub-districts) from the "
        "change of ProKUS families, removing shared shocks such as COVID-19. It assumes both groups would have "
        "changed in parallel without the programme. The 95% interval is the range of values consistent with the "
        "data; when it includes zero the data cannot tell an effect from none.",
    },
    "col_group": {"id": "Kelompok", "en": "Group"},
    "col_enrolled": {"id": "Terdaftar", "en": "Enrolled"},
    "col_villages": {"id": "Desa", "en": "Villages"},
    "col_baseline": {"id": "Baseline", "en": "Baseline"},
    "col_endline": {"id": "Endline", "en": "Endline"},
    "col_both": {"id": "Kedua gelombang", "en": "Both waves"},
    "col_attrition": {"id": "Atrisi", "en": "Attrition"},
    "col_outcome": {"id": "Indikator", "en": "Outcome"},
    "col_mean_prokus": {"id": "Rata-rata ProKUS", "en": "ProKUS mean"},
    "col_mean_comparison": {"id": "Rata-rata pembanding", "en": "Comparison mean"},
    "col_difference": {"id": "Selisih", "en": "Difference"},
    "col_norm_diff": {"id": "Selisih terstandar", "en": "Normalised difference"},
    "col_before": {"id": "Sebelum", "en": "Before"},
    "col_after": {"id": "Sesudah", "en": "After"},
    "col_change": {"id": "Perubahan", "en": "Change"},
    "col_effect": {"id": "Efek (DiD)", "en": "Effect (DiD)"},
    "col_ci": {"id": "Interval 95%", "en": "95% interval"},
    "col_p": {"id": "Nilai p", "en": "p-value"},
    "col_n": {"id": "Keluarga", "en": "Families"},
    "col_clusters": {"id": "Klaster desa", "en": "Village clusters"},
    "col_reading": {"id": "Bacaan", "en": "Reading"},
    "col_region": {"id": "Wilayah", "en": "Region"},
    "col_truth": {"id": "Efek sebenarnya", "en": "True effect"},
    "col_covered": {"id": "Dalam interval?", "en": "Inside interval?"},
    "group_prokus": {"id": "ProKUS", "en": "ProKUS"},
    "group_comparison": {"id": "Pembanding", "en": "Comparison"},
    "reading_up": {"id": "naik (interval di atas nol)", "en": "up (interval above zero)"},
    "reading_down": {"id": "turun (interval di bawah nol)", "en": "down (interval below zero)"},
    "reading_unclear": {"id": "belum jelas (interval memuat nol)", "en": "unclear (interval includes zero)"},
    "yes": {"id": "ya", "en": "yes"},
    "no": {"id": "tidak", "en": "no"},
    "fig_before_after": {
        "id": "Sebelum dan sesudah, rata-rata dan interval 95%",
        "en": "Before and after, means and 95% intervals",
    },
    "fig_effects": {"id": "Efek program (DiD) dan interval 95%", "en": "Programme effect (DiD) with 95% interval"},
    "fig_effects_x": {
        "id": "Efek sebagai % dari rata-rata baseline ProKUS",
        "en": "Effect as % of ProKUS baseline mean",
    },
    "fig_forest": {
        "id": "Efek program per wilayah (DiD, interval 95%)",
        "en": "Programme effect by region (DiD, 95% interval)",
    },
    "source_synthetic": {
        "id": "Sumber: data sintetis demonstrasi (evaluation.synthetic), perhitungan ProKUS Evaluation.",
        "en": "Source: synthetic demonstration data (evaluation.synthetic), ProKUS Evaluation calculations.",
    },
    "source_survey": {
        "id": "Sumber: survei baseline dan endline ProKUS, perhitungan ProKUS Evaluation.",
        "en": "Source: ProKUS baseline and endline surveys, ProKUS Evaluation calculations.",
    },
    "national": {"id": "Nasional", "en": "National"},
    "coverage_sentence": {
        "id": "{covered} dari {total} interval 95% DiD memuat efek sebenarnya ({share}).",
        "en": "{covered} of {total} DiD 95% intervals contain the true effect ({share}).",
    },
}


PHRASES.update(
    {
        "disclosure_note": {
            "id": "{mark} = disembunyikan: sel ini menggambarkan kurang dari {k} keluarga, atau dapat dihitung "
            "kembali dari sel yang disembunyikan (kontrol pengungkapan statistik).",
            "en": "{mark} = suppressed: the cell describes fewer than {k} families, or would let a suppressed cell "
            "be recomputed (statistical disclosure control).",
        },
        "data_quality_title": {"id": "Kualitas data", "en": "Data quality"},
        "data_quality_note": {
            "id": "Peringatan tidak menghentikan analisis; ada {n} peringatan untuk cakupan ini. Nilai yang "
            "dinormalisasi (format angka Indonesia, tanggal Excel, dll.) dihitung per aturan. Daftar lengkap per "
            "baris: validation_problems.csv di samping data mentah.",
            "en": "Warnings do not stop the analysis; there are {n} warnings for this scope. Normalised values "
            "(Indonesian number formats, Excel dates, etc.) are counted per rule. The full list by row: "
            "validation_problems.csv beside the raw data.",
        },
        "col_severity": {"id": "Jenis", "en": "Kind"},
        "col_rule": {"id": "Aturan", "en": "Rule"},
        "col_count": {"id": "Jumlah", "en": "Count"},
        "severity_warning": {"id": "peringatan", "en": "warning"},
        "severity_note": {"id": "dinormalisasi", "en": "normalised"},
        "rule_outlier_regional_median": {
            "id": "nilai rupiah > 20 kali median wilayah dan gelombang",
            "en": "rupiah value > 20 times the median of region and wave",
        },
        "rule_nik_sex_mismatch": {
            "id": "NIK dan jenis kelamin kepala keluarga tidak cocok",
            "en": "NIK and sex of the household head disagree",
        },
        "rule_disbursed_without_date": {
            "id": "BSIMU tersalurkan tanpa tanggal penyaluran",
            "en": "BSIMU disbursed without a disbursement date",
        },
        "rule_answered_not_relevant": {
            "id": "dijawab padahal pertanyaan tidak relevan",
            "en": "answered although the question was not relevant",
        },
    }
)


def rule_text(rule: str, language: str) -> str:
    """Readable text of a data-quality rule: a phrase here, else the English normalisation text, else the name."""
    key = f"rule_{rule}"
    if key in PHRASES:
        return PHRASES[key][language]
    from evaluation.core.quality import KIND_TEXT

    return KIND_TEXT.get(rule, rule)


def t(key: str, language: str, **fields: object) -> str:
    """The phrase ``key`` in ``language`` with ``{fields}`` filled in."""
    text = PHRASES[key][language]
    return text.format(**fields) if fields else text
