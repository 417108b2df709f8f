"""Phrases of the district-scale national synthesis (:mod:`evaluation.analysis.national_scale`), id and en."""

from __future__ import annotations

NATIONAL_SCALE_TEXT = {
    "id": {
        "title": "ProKUS 2020 — sintesis nasional ({n} kabupaten/kota)",
        "banner": "DATA SINTETIS — demonstrasi, bukan data ProKUS sebenarnya",
        "sample": "Sampel",
        "effects": "Perubahan sebelum/sesudah dan selisih-dalam-selisih (DiD), seluruh keluarga",
        "caveat": "Perubahan sebelum/sesudah bukan dampak program: 2020 adalah tahun COVID-19. DiD membandingkan "
        "dengan keluarga pembanding; galat baku diklaster per desa.",
        "truth": "Pemeriksaan kebenaran (data sintetis)",
        "covered": "{c} dari {t} interval 95% DiD memuat efek sebenarnya.",
    },
    "en": {
        "title": "ProKUS 2020 — national synthesis ({n} districts)",
        "banner": "SYNTHETIC DATA — demonstration, not real ProKUS data",
        "sample": "Sample",
        "effects": "Before/after change and difference-in-differences (DiD), all families",
        "caveat": "A before/after change is not a programme effect: 2020 was the COVID-19 year. The DiD compares "
        "with the comparison families; standard errors clustered by village.",
        "truth": "Truth check (synthetic data)",
        "covered": "{c} of {t} DiD 95% intervals contain the true effect.",
    },
}
