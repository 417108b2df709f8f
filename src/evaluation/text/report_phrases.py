"""Phrases of the briefs, the landing page and the workbooks, in Bahasa Indonesia (first) and English.

``p("findings", "id")`` returns the phrase; a missing key or language is a KeyError, never an untranslated key.
Sentences that state a result are built in :mod:`evaluation.reporting.findings`, which applies the guardrails.
"""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "brief_kind": {"id": "Ringkasan Kebijakan", "en": "Policy Brief"},
    "brief_title": {"id": "Evaluasi ProKUS 2020 — {name}", "en": "ProKUS 2020 evaluation — {name}"},
    "national": {"id": "Nasional (lima wilayah)", "en": "National (five regions)"},
    "issuer": {
        "id": "Kementerian Sosial RI — Program Kewirausahaan Sosial (ProKUS)",
        "en": "Ministry of Social Affairs, Indonesia — Social Entrepreneurship Programme (ProKUS)",
    },
    "date_line": {"id": "Tanggal laporan: {date}", "en": "Report date: {date}"},
    "period_line": {"id": "Periode data: {start} sampai {end}", "en": "Data period: {start} to {end}"},
    "h_findings": {"id": "Temuan utama", "en": "Key findings"},
    "h_effects": {"id": "Efek program pada indikator utama", "en": "Programme effect on the headline indicators"},
    "h_scorecard": {"id": "Kartu kinerja M&E (PP 39/2006)", "en": "M&E scorecard (PP 39/2006)"},
    "h_charts": {"id": "Grafik", "en": "Charts"},
    "h_risk": {"id": "Tanda risiko pelaksanaan", "en": "Implementation risk flags"},
    "h_recommendations": {"id": "Rekomendasi", "en": "Recommendations"},
    "h_methods": {"id": "Metode", "en": "Methods"},
    "h_source": {"id": "Sumber data", "en": "Data source"},
    "col_outcome": {"id": "Indikator", "en": "Outcome"},
    "col_effect": {"id": "Efek (DiD)", "en": "Effect (DiD)"},
    "col_change": {"id": "Perubahan sebelum–sesudah", "en": "Before/after change"},
    "col_ci": {"id": "Interval 95%", "en": "95% interval"},
    "col_reading": {"id": "Bacaan", "en": "Reading"},
    "reading_up": {"id": "naik (interval di atas nol)", "en": "up (interval above zero)"},
    "reading_down": {"id": "turun (interval di bawah nol)", "en": "down (interval below zero)"},
    "reading_unclear": {"id": "belum jelas (interval memuat nol)", "en": "unclear (interval includes zero)"},
    "reading_change_only": {"id": "hanya sebelum–sesudah (bukan efek)", "en": "before/after only (not an effect)"},
    "range": {"id": "{lo} sampai {hi}", "en": "{lo} to {hi}"},
    # findings (see findings.py for the guardrails)
    "f_sample": {
        "id": "Evaluasi ini mencakup {n} keluarga ProKUS di {villages} desa/kelurahan; {both} keluarga ProKUS "
        "diwawancarai pada baseline dan endline (atrisi {attrition}).",
        "en": "The evaluation covers {n} ProKUS families in {villages} villages; {both} ProKUS families were "
        "interviewed at baseline and endline (attrition {attrition}).",
    },
    "f_effect_up": {
        "id": "{label}: program menaikkan rata-rata sebesar {abs} dibanding kelompok pembanding "
        "(interval 95%: {range}).",
        "en": "{label}: the programme raised the average by {abs} relative to the comparison group "
        "(95% interval: {range}).",
    },
    "f_effect_down": {
        "id": "{label}: program menurunkan rata-rata sebesar {abs} dibanding kelompok pembanding "
        "(interval 95%: {range}).",
        "en": "{label}: the programme lowered the average by {abs} relative to the comparison group "
        "(95% interval: {range}).",
    },
    "f_effect_unclear": {
        "id": "{label}: belum ada bukti efek program; perkiraan {est}, tetapi interval 95% ({range}) memuat nol.",
        "en": "{label}: no clear evidence of a programme effect; the estimate is {est}, but the 95% interval "
        "({range}) includes zero.",
    },
    "f_change_only": {
        "id": "{label}: perubahan sebelum–sesudah keluarga ProKUS {est} (interval 95%: {range}); ini bukan efek "
        "program.",
        "en": "{label}: before/after change of ProKUS families {est} (95% interval: {range}); this is not a "
        "programme effect.",
    },
    "f_design_caveat": {
        "id": "Untuk sebagian indikator hanya perbandingan sebelum–sesudah yang tersedia, tanpa kelompok "
        "pembanding: perubahan itu tidak dapat dipisahkan dari hal lain yang berubah pada periode yang sama.",
        "en": "For some indicators only a before/after comparison is available, with no comparison group: such a "
        "change cannot be separated from everything else that changed over the same period.",
    },
    "f_covid_did": {
        "id": "Tahun 2020 adalah tahun pandemi COVID-19: perubahan sebelum–sesudah mencampur program dengan "
        "guncangan pandemi, sehingga efek program diukur terhadap kelompok pembanding (DiD).",
        "en": "2020 was the COVID-19 year: a before/after change mixes the programme with the pandemic shock, so "
        "the programme effect is measured against the comparison group (DiD).",
    },
    "f_covid_only": {
        "id": "Tahun 2020 adalah tahun pandemi COVID-19: tanpa kelompok pembanding, efek program tidak dapat "
        "dipisahkan dari guncangan pandemi.",
        "en": "2020 was the COVID-19 year: without a comparison group, the programme cannot be separated from "
        "the pandemic shock.",
    },
    "f_scorecard": {
        "id": "Kartu kinerja: {on} dari {total} indikator sesuai target, {attention} perlu perhatian, {off} tidak "
        "sesuai target.",
        "en": "Scorecard: {on} of {total} indicators on track, {attention} need attention, {off} off track.",
    },
    "f_risk": {
        "id": "{count} keluarga ({rate}) memiliki setidaknya satu tanda risiko; terbanyak: {top} ({top_count} "
        "keluarga).",
        "en": "{count} families ({rate}) carry at least one risk flag; most common: {top} ({top_count} families).",
    },
    "f_risk_only": {
        "id": "{count} keluarga ({rate}) memiliki setidaknya satu tanda risiko.",
        "en": "{count} families ({rate}) carry at least one risk flag.",
    },
    "f_risk_none": {
        "id": "Tidak ada keluarga dengan tanda risiko.",
        "en": "No family carries a risk flag.",
    },
    # recommendations tied to the flags
    "r_documents_inconsistent": {
        "id": "Lengkapi dan cocokkan dokumen penyaluran (nilai, tanggal, LPJ) untuk {count} keluarga sebelum audit.",
        "en": "Complete and reconcile the disbursement records (amount, date, LPJ) of {count} families before "
        "the audit.",
    },
    "r_eligibility_doubt": {
        "id": "Verifikasi ulang kelayakan {count} keluarga yang pengeluaran per kapitanya jauh di atas garis "
        "kemiskinan wilayah.",
        "en": "Re-verify the eligibility of {count} families whose consumption per capita is far above the "
        "regional poverty line.",
    },
    "r_grant_not_disbursed": {
        "id": "Selesaikan penyaluran BSIMU kepada {count} keluarga yang belum menerima, atau catat alasannya.",
        "en": "Complete the BSIMU payment to {count} families still without it, or record why not.",
    },
    "r_grant_late": {
        "id": "Percepat penyaluran: {count} keluarga menerima BSIMU lebih dari {days} hari setelah jadwal; "
        "tinjau alur bank penyalur.",
        "en": "Speed up payment: {count} families received BSIMU more than {days} days after schedule; review the "
        "paying bank's process.",
    },
    "r_mentoring_below_plan": {
        "id": "Jadwalkan sesi pendampingan susulan bagi {count} keluarga yang hadir kurang dari rencana.",
        "en": "Schedule make-up mentoring sessions for {count} families who attended less than planned.",
    },
    "r_grant_report_missing": {
        "id": "Tagih LPJ penggunaan dana dari {count} keluarga dan dampingi penyusunannya melalui TKSK.",
        "en": "Collect the grant-use report (LPJ) from {count} families, with TKSK help to prepare it.",
    },
    "r_grant_amount_unexplained": {
        "id": "Telusuri {count} selisih nilai BSIMU terhadap rencana dan dokumentasikan alasannya.",
        "en": "Trace {count} differences between the BSIMU paid and planned, and document the reasons.",
    },
    "r_off_track": {
        "id": "Bahas indikator yang tidak sesuai target ({items}) bersama dinas sosial; untuk indikator hasil, "
        "baca efek DiD sebelum menyimpulkan.",
        "en": "Review the off-track indicators ({items}) with the social affairs office; for outcome indicators, "
        "read the DiD effect before concluding.",
    },
    "r_none": {
        "id": "Tidak ada tanda risiko di atas {rate}; lanjutkan pemantauan rutin.",
        "en": "No risk flag above {rate}; continue routine monitoring.",
    },
    # methods box
    "m_design_did": {
        "id": "Desain: keluarga ProKUS dibandingkan dengan keluarga graduasi PKH non-ProKUS di kecamatan yang "
        "sama, pada baseline dan endline. Efek program = selisih-dalam-selisih (DiD) panel: perubahan keluarga "
        "ProKUS dikurangi perubahan kelompok pembanding. Asumsi: tanpa program kedua kelompok berubah sejajar.",
        "en": "Design: ProKUS families are compared with PKH graduates not enrolled in ProKUS in the same "
        "sub-districts, at baseline and endline. Programme effect = panel difference-in-differences (DiD): the "
        "change of ProKUS families minus the change of the comparison group. Assumption: without the programme "
        "both groups would have changed in parallel.",
    },
    "m_design_pre_post": {
        "id": "Desain: perubahan sebelum–sesudah keluarga ProKUS (tanpa kelompok pembanding).",
        "en": "Design: before/after change of ProKUS families (no comparison group).",
    },
    "m_inference": {
        "id": "Galat baku diklaster per desa (CRV1, {clusters} klaster); interval 95% dengan distribusi t. "
        "Bila interval memuat nol, data tidak cukup untuk menyatakan ada efek.",
        "en": "Standard errors clustered by village (CRV1, {clusters} clusters); 95% intervals from the t "
        "distribution. When an interval includes zero the data cannot tell an effect from none.",
    },
    "m_scorecard": {
        "id": "Kartu kinerja (PP 39/2006): realisasi dibagi target (data/targets.toml); sesuai target bila rasio "
        "≥ {on}, perlu perhatian bila ≥ {attention}, selain itu tidak sesuai target (dicerminkan untuk indikator "
        '"paling banyak"). Indikator hasil adalah realisasi sebelum–sesudah, bukan efek program.',
        "en": "Scorecard (PP 39/2006): realisation divided by target (data/targets.toml); on track when the "
        'ratio is ≥ {on}, needs attention when ≥ {attention}, otherwise off track (mirrored for "at most" '
        "indicators). Outcome indicators are before/after realisations, not programme effects.",
    },
    "m_risk": {
        "id": "Tanda risiko: aturan di data/targets.toml [risk] (mis. BSIMU terlambat = lebih dari {days} hari "
        "setelah {date}). Daftar ID keluarga yang ditandai hanya ada di lampiran terbatas untuk petugas program.",
        "en": "Risk flags: rules in data/targets.toml [risk] (e.g. BSIMU late = more than {days} days after "
        "{date}). The list of flagged family ids is only in a restricted annex for programme staff.",
    },
    "source_line": {
        "id": "{source} Semua angka dari results.json (SHA-256 {run_id}…); kode: paket evaluation (ProKUS Evaluation).",
        "en": "{source} Every number comes from results.json (SHA-256 {run_id}…); code: the evaluation package "
        "(ProKUS Evaluation).",
    },
    # charts
    "c_before_after": {
        "id": "Rata-rata sebelum dan sesudah, dengan interval 95%",
        "en": "Means before and after, with 95% intervals",
    },
    "c_before_after_caption": {
        "id": "Grafik 1. Rata-rata indikator utama pada baseline dan endline, keluarga ProKUS (garis utuh, "
        "lingkaran) dan pembanding (garis putus, persegi); garis vertikal = interval 95% rata-rata.",
        "en": "Chart 1. Means of the headline indicators at baseline and endline, ProKUS families (solid line, "
        "circles) and comparison (dashed line, squares); vertical bars = 95% intervals of the means.",
    },
    "c_subgroup": {
        "id": "Efek program per wilayah (DiD, interval 95%)",
        "en": "Programme effect by region (DiD, 95% interval)",
    },
    "c_subgroup_caption": {
        "id": "Grafik 2. Efek program (DiD) per wilayah dan nasional; penanda hitam = laporan ini, belah ketupat = "
        "nasional; garis = interval 95%.",
        "en": "Chart 2. Programme effect (DiD) by region and nationally; black marker = this brief's scope, "
        "diamond = national; lines = 95% intervals.",
    },
    "c_subgroup_province": {
        "id": "Efek program di kabupaten/kota {province} (DiD, interval 95%)",
        "en": "Programme effect in the districts of {province} (DiD, 95% interval)",
    },
    "c_subgroup_province_caption": {
        "id": "Grafik 2. Efek program (DiD) di kabupaten/kota {province} dan nasional; penanda hitam = laporan ini, "
        "belah ketupat = nasional; garis = interval 95%. Estimasi semua kabupaten/kota ada di halaman utama.",
        "en": "Chart 2. Programme effect (DiD) in the districts of {province} and nationally; black marker = this "
        "brief's district, diamond = national; lines = 95% intervals. Every district's estimate is on the landing "
        "page.",
    },
    "c_scorecard": {"id": "Kartu kinerja: realisasi sebagai % target", "en": "Scorecard: realisation as % of target"},
    "c_scorecard_x": {"id": "Realisasi / target (%)", "en": "Realisation / target (%)"},
    "c_scorecard_caption": {
        "id": "Grafik 4. Rasio realisasi terhadap target per indikator; simbol dan arsiran menunjukkan status "
        "(✔ sesuai, ▲ perlu perhatian, ✖ tidak sesuai); garis putus = 100% target.",
        "en": "Chart 4. Ratio of realisation to target per indicator; symbol and hatching show the status "
        "(✔ on track, ▲ needs attention, ✖ off track); dashed line = 100% of target.",
    },
    "c_household": {
        "id": "Efek program menurut kelompok keluarga (DiD, interval 95%)",
        "en": "Programme effect by family group (DiD, 95% interval)",
    },
    "c_household_caption": {
        "id": "Grafik 3. Efek program (DiD) menurut jenis kelamin kepala keluarga, jenis usaha dan tersepertiga "
        "pendapatan awal; garis = interval 95%. Perbedaan antarkelompok bersifat eksploratif: dengan banyak "
        "perbandingan, sebagian perbedaan muncul karena kebetulan (lihat uji interaksi di laporan teknis).",
        "en": "Chart 3. Programme effect (DiD) by sex of the household head, business type and baseline income "
        "tercile; lines = 95% intervals. Differences between groups are exploratory: with many comparisons some "
        "differences appear by chance (see the interaction tests in the technical report).",
    },
    "c_household_hidden": {
        "id": " {mark} Tidak ditampilkan: {groups}, karena kurang dari {k} keluarga atau dapat dihitung kembali "
        "(kontrol pengungkapan statistik).",
        "en": " {mark} Not shown: {groups}, describing fewer than {k} families or allowing one to be recomputed "
        "(statistical disclosure control).",
    },
    "c_household_levels": {"id": "{n} kelompok {group}", "en": "{n} {group} group(s)"},
    "g_head_sex": {"id": "Kepala keluarga", "en": "Household head"},
    "g_business_type": {"id": "Jenis usaha", "en": "Business type"},
    "g_income_tercile": {"id": "Pendapatan awal", "en": "Baseline income"},
    "T1": {"id": "sepertiga terbawah", "en": "lowest third"},
    "T2": {"id": "sepertiga tengah", "en": "middle third"},
    "T3": {"id": "sepertiga teratas", "en": "top third"},
    "before": {"id": "Sebelum", "en": "Before"},
    "after": {"id": "Sesudah", "en": "After"},
    "prokus": {"id": "ProKUS", "en": "ProKUS"},
    "comparison": {"id": "Pembanding", "en": "Comparison"},
    # landing page
    "landing_title": {
        "id": "Evaluasi ProKUS 2020 — hasil (results.json {run_id}…)",
        "en": "ProKUS 2020 evaluation — results (results.json {run_id}…)",
    },
    "landing_intro": {
        "id": "Ringkasan kebijakan (PDF dan HTML, Bahasa Indonesia dan English), laporan teknis, buku kerja Excel "
        "dan notebook untuk setiap wilayah dan sintesis nasional. Semua angka berasal dari results.json.",
        "en": "Policy briefs (PDF and HTML, Bahasa Indonesia and English), technical reports, Excel workbooks and "
        "notebooks for every region and the national synthesis. Every number comes from results.json.",
    },
    "col_region": {"id": "Wilayah", "en": "Region"},
    "col_n": {"id": "Keluarga ProKUS", "en": "ProKUS families"},
    "col_headline": {"id": "Efek pada {label} (DiD)", "en": "Effect on {label} (DiD)"},
    "col_scorecard": {"id": "Kartu kinerja", "en": "Scorecard"},
    "col_files": {"id": "Berkas", "en": "Files"},
    "l_brief": {"id": "Ringkasan", "en": "Brief"},
    "l_technical": {"id": "Laporan teknis", "en": "Technical report"},
    "l_workbook": {"id": "Buku kerja (XLSX)", "en": "Workbook (XLSX)"},
    "l_notebook": {"id": "Notebook", "en": "Notebook"},
    "l_run_files": {"id": "Berkas proses", "en": "Run files"},
    "l_results": {"id": "results.json (semua angka)", "en": "results.json (every number)"},
    "l_manifest": {
        "id": "manifest.json (hash, versi, parameter)",
        "en": "manifest.json (hashes, versions, parameters)",
    },
    "l_restricted": {
        "id": "Lampiran terbatas tanda risiko (ID keluarga) tidak ditautkan di sini: hanya untuk petugas program.",
        "en": "The restricted risk-flag annexes (family ids) are not linked here: programme staff only.",
    },
    # workbook
    "s_notes": {"id": "Catatan", "en": "Notes"},
    "s_sample": {"id": "Sampel", "en": "Sample"},
    "s_baseline": {"id": "Baseline", "en": "Baseline"},
    "s_pre_post": {"id": "Sebelum-sesudah", "en": "Before-after"},
    "s_did": {"id": "Efek DiD", "en": "DiD effects"},
    "s_scorecard": {"id": "Kartu kinerja", "en": "Scorecard"},
    "s_risk": {"id": "Tanda risiko", "en": "Risk flags"},
}


def p(key: str, language: str, **fields: object) -> str:
    """The phrase ``key`` in ``language`` with ``{fields}`` filled in."""
    text = PHRASES[key][language]
    return text.format(**fields) if fields else text
