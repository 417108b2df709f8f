"""Phrases of the rigorous-inference sections, in Bahasa Indonesia and English.

The sections: plan, balance, few clusters, indices, multiple testing, attrition, heterogeneity, dose-response,
designs, power, cost-benefit. Used by :mod:`evaluation.analysis.inference_sections`; a missing key or language is
a KeyError, never a silently untranslated label.
"""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "not_estimable_title": {"id": "{topic}: tidak dapat dihitung", "en": "{topic}: not estimable"},
    "not_estimable": {
        "id": "Data wilayah ini terlalu sedikit atau tidak seimbang untuk bagian ini ({reason}). Bagian lain tetap "
        "berlaku.",
        "en": "The data of this scope are too thin or unbalanced for this section ({reason}). The other sections "
        "stand.",
    },
    "plan_title": {"id": "Rencana analisis (pra-spesifikasi)", "en": "Pre-specified analysis plan"},
    "plan_note": {
        "id": "Rencana ini ({path}, ditetapkan {date}) menyatakan indikator utama dan sekunder, keluarga indikator "
        "untuk indeks, subkelompok dan koreksi uji berganda sebelum data dilihat. Hasil lain dalam laporan ini "
        "bersifat eksploratif.",
        "en": "This plan ({path}, fixed {date}) declares the primary and secondary outcomes, the outcome families "
        "of the indices, the subgroups and the multiple-testing corrections before the data were seen. Every other "
        "result in this report is exploratory.",
    },
    "col_role": {"id": "Peran", "en": "Role"},
    "col_items": {"id": "Isi", "en": "Contents"},
    "role_primary": {"id": "utama (pra-spesifikasi)", "en": "primary (pre-specified)"},
    "role_secondary": {"id": "sekunder (pra-spesifikasi)", "en": "secondary (pre-specified)"},
    "role_index": {"id": "indeks (pra-spesifikasi)", "en": "index (pre-specified)"},
    "role_exploratory": {"id": "eksploratif", "en": "exploratory"},
    "role_subgroups": {"id": "subkelompok", "en": "subgroups"},
    "role_doses": {"id": "dosis", "en": "doses"},
    "role_corrections": {"id": "koreksi uji berganda", "en": "multiple-testing corrections"},
    "balance_title": {
        "id": "Keseimbangan baseline (gaya iebaltab)",
        "en": "Baseline balance (iebaltab style)",
    },
    "balance_note": {
        "id": "Nilai p dari regresi variabel pada kelompok dengan galat baku klaster desa{fe}. Uji gabungan: "
        "kelompok diregresikan pada semua kovariat dan indikator utama, F = {f}, p = {p} (df {q}, {df}; {n} "
        "keluarga lengkap). Selisih terstandar di atas 0,25 menandakan perbedaan awal yang berarti.",
        "en": "p-values from regressing each variable on the group indicator with village-clustered errors{fe}. "
        "Joint test: group regressed on all covariates and primary outcomes, F = {f}, p = {p} (df {q}, {df}; "
        "{n} complete families). Normalised differences above 0.25 signal a meaningful baseline gap.",
    },
    "fe_note": {"id": " dan efek tetap wilayah", "en": " and region fixed effects"},
    "col_variable": {"id": "Variabel", "en": "Variable"},
    "col_sd_prokus": {"id": "SD ProKUS", "en": "ProKUS SD"},
    "col_sd_comparison": {"id": "SD pembanding", "en": "Comparison SD"},
    "wcr_title": {
        "id": "Inferensi dengan sedikit klaster: wild cluster bootstrap (WCR)",
        "en": "Inference with few clusters: wild cluster bootstrap (WCR)",
    },
    "wcr_note": {
        "id": "Dengan {g} klaster desa (kurang dari {k}), uji t klaster dapat terlalu sering menolak. Nilai p dan "
        "interval di sini dari wild cluster bootstrap terbatas (WCR, Cameron-Gelbach-Miller 2008; Roodman dkk. "
        "2019), {b} tarikan berbenih, bobot Rademacher dan Webb; interval dari inversi uji.",
        "en": "With {g} village clusters (fewer than {k}), clustered t tests can over-reject. The p-values and "
        "intervals here come from the restricted wild cluster bootstrap (WCR; Cameron, Gelbach and Miller 2008; "
        "Roodman et al. 2019), {b} seeded draws, Rademacher and Webb weights; intervals by test inversion.",
    },
    "wcr_not_needed": {
        "id": "Dengan {g} klaster desa (setidaknya {k}), galat baku klaster (CRV1) dapat diandalkan; bootstrap "
        "tidak diperlukan.",
        "en": "With {g} village clusters (at least {k}) clustered (CRV1) standard errors are reliable; no "
        "bootstrap is needed.",
    },
    "col_p_crv": {"id": "p (CRV1)", "en": "p (CRV1)"},
    "col_p_wcr": {"id": "p WCR Rademacher", "en": "p WCR Rademacher"},
    "col_ci_wcr": {"id": "Interval 95% WCR Rademacher", "en": "95% interval WCR Rademacher"},
    "col_p_webb": {"id": "p WCR Webb", "en": "p WCR Webb"},
    "col_ci_webb": {"id": "Interval 95% WCR Webb", "en": "95% interval WCR Webb"},
    "index_title": {"id": "Indeks ringkasan per keluarga indikator", "en": "Summary indices by outcome family"},
    "index_note": {
        "id": "Indeks Anderson (2008): rata-rata tertimbang invers-kovarians dari indikator yang distandarkan "
        "dengan rata-rata dan SD pembanding di baseline (arah dibalik untuk indikator yang lebih tinggi berarti "
        "lebih buruk). Efek dalam satuan SD. Bobot: {weights}.",
        "en": "Anderson (2008) index: inverse-covariance weighted mean of the outcomes standardised by the "
        "comparison group's baseline mean and SD (sign flipped where higher is worse). Effects in SD units. "
        "Weights: {weights}.",
    },
    "multiple_title": {"id": "Uji berganda", "en": "Multiple testing"},
    "multiple_note": {
        "id": "Nilai p DiD disesuaikan dalam tiap kelompok pra-spesifikasi (utama, sekunder, indeks): Holm "
        "(FWER), Benjamini-Hochberg (FDR) dan Romano-Wolf step-down ({b} tarikan bootstrap). Lolos pada 5% "
        "setelah Holm: {holm}. Setelah Romano-Wolf: {rw}. Setelah BH: {bh}.",
        "en": "DiD p-values adjusted within each pre-specified group (primary, secondary, indices): Holm (FWER), "
        "Benjamini-Hochberg (FDR) and the Romano-Wolf step-down ({b} bootstrap draws). Survive at 5% after Holm: "
        "{holm}. After Romano-Wolf: {rw}. After BH: {bh}.",
    },
    "none": {"id": "tidak ada", "en": "none"},
    "col_family": {"id": "Kelompok uji", "en": "Test group"},
    "col_p_holm": {"id": "p Holm", "en": "p Holm"},
    "col_p_bh": {"id": "p BH", "en": "p BH"},
    "col_p_rw": {"id": "p Romano-Wolf", "en": "p Romano-Wolf"},
    "attrition_title": {
        "id": "Atrisi: tingkat, selisih, batas Lee, IPW",
        "en": "Attrition: rates, differential, Lee bounds, IPW",
    },
    "attrition_note": {
        "id": "Selisih atrisi ProKUS - pembanding: {d} (p = {p}). Uji atrisi selektif (interaksi kelompok x "
        "karakteristik baseline): p = {ps}.",
        "en": "Attrition difference ProKUS - comparison: {d} (p = {p}). Selective attrition test (group x "
        "baseline characteristic interactions): p = {ps}.",
    },
    "lee_note": {
        "id": "Batas Lee (2009) untuk efek DiD: kelompok yang lebih banyak teramati dipangkas sebesar porsi "
        "selisih tingkat keteramatannya. Interval Imbens-Manski 95% dari galat baku bootstrap klaster ({b} "
        "tarikan). IPW: DiD berbobot 1/peluang teramati (logit per kelompok), sebagai uji ketahanan.",
        "en": "Lee (2009) bounds on the DiD effect: the better-observed group is trimmed by the difference in "
        "observation rates. 95% Imbens-Manski intervals from cluster-bootstrap SEs ({b} draws). IPW: DiD weighted "
        "by 1/probability of being observed (logit by group), as a robustness check.",
    },
    "col_characteristic": {"id": "Karakteristik", "en": "Characteristic"},
    "col_level": {"id": "Nilai", "en": "Level"},
    "col_rate_prokus": {"id": "Atrisi ProKUS", "en": "ProKUS attrition"},
    "col_rate_comparison": {"id": "Atrisi pembanding", "en": "Comparison attrition"},
    "col_lee": {"id": "Batas Lee [bawah; atas]", "en": "Lee bounds [lower; upper]"},
    "col_lee_ci": {"id": "Interval 95% Imbens-Manski", "en": "95% Imbens-Manski interval"},
    "col_trim": {"id": "Porsi dipangkas", "en": "Trimmed share"},
    "col_ipw": {"id": "Efek IPW", "en": "IPW effect"},
    "het_title": {"id": "Heterogenitas efek", "en": "Heterogeneous effects"},
    "het_note": {
        "id": "Efek DiD per subkelompok untuk indikator utama, dengan uji interaksi (F, klaster desa). Ada {n} uji "
        "interaksi: beberapa nilai p kecil wajar muncul secara kebetulan, maka nilai p Holm atas semua uji juga "
        "ditampilkan. Subkelompok di luar rencana bersifat eksploratif.",
        "en": "DiD effects by subgroup for the primary outcomes, with interaction tests (F, village clusters). "
        "There are {n} interaction tests: some small p-values are expected by chance, so Holm p-values over "
        "all of them are shown too. Subgroups outside the plan are exploratory.",
    },
    "col_subgroup": {"id": "Subkelompok", "en": "Subgroup"},
    "col_p_inter": {"id": "p interaksi", "en": "Interaction p"},
    "col_p_inter_holm": {"id": "p interaksi (Holm)", "en": "Interaction p (Holm)"},
    "dose_title": {"id": "Hubungan dosis-respons (keluarga ProKUS)", "en": "Dose-response (ProKUS families)"},
    "dose_note": {
        "id": "Koefisien: perubahan indikator per satu sesi tambahan (TKSK, mentoring bisnis) atau per Rp1 juta "
        "hibah, antar keluarga ProKUS, galat baku klaster desa. Dosis TIDAK diacak: keluarga yang hadir lebih "
        "sering dapat berbeda dengan cara lain, jadi ini asosiasi, bukan efek kausal.",
        "en": "Coefficients: change in the outcome per extra session (TKSK, business mentoring) or per Rp1 million "
        "of grant, across ProKUS families, village-clustered errors. Dose is NOT randomised: families who attend "
        "more may differ in other ways, so these are associations, not causal effects.",
    },
    "col_dose": {"id": "Dosis", "en": "Dose"},
    "col_mean_dose": {"id": "Rata-rata dosis", "en": "Mean dose"},
    "col_coef": {"id": "Koefisien", "en": "Coefficient"},
    "ancova_title": {"id": "ANCOVA dan DiD", "en": "ANCOVA and DiD"},
    "ancova_note": {
        "id": "ANCOVA (endline pada kelompok dan nilai baseline) lebih presisi daripada DiD bila korelasi "
        "baseline-endline rendah: rasio galat baku teoretis sqrt((1+rho)/2) (McKenzie 2012). Keduanya "
        "ditampilkan; bila berbeda jauh, asumsi tren sejajar (DiD) atau penyesuaian baseline (ANCOVA) dipertanyakan.",
        "en": "ANCOVA (endline on group and the baseline value) is more precise than DiD when the baseline-endline "
        "correlation is low: theoretical SE ratio sqrt((1+rho)/2) (McKenzie 2012). Both are shown; if they differ "
        "much, either parallel trends (DiD) or the baseline adjustment (ANCOVA) is in doubt.",
    },
    "event_none": {
        "id": "Studi peristiwa: data hanya memiliki baseline dan endline (tanpa midline), jadi tidak ada lintasan "
        "efek antar-gelombang untuk ditampilkan.",
        "en": "Event study: the data have only baseline and endline (no midline), so there is no path of the "
        "effect across waves to show.",
    },
    "col_ancova": {"id": "Efek ANCOVA", "en": "ANCOVA effect"},
    "col_ci_ancova": {"id": "Interval 95% ANCOVA", "en": "95% interval ANCOVA"},
    "col_rho": {"id": "Korelasi baseline-endline", "en": "Baseline-endline correlation"},
    "col_se_ratio": {"id": "Rasio SE (ANCOVA/DiD)", "en": "SE ratio (ANCOVA/DiD)"},
    "col_wave": {"id": "Gelombang", "en": "Wave"},
    "power_title": {"id": "Kuasa uji dan efek minimum terdeteksi", "en": "Power and minimum detectable effect"},
    "power_sentence": {
        "id": "Dengan {nt} keluarga ProKUS dan {nc} pembanding di {g} desa, ICC {icc} dan korelasi "
        "baseline-endline {rho}, efek terkecil pada {outcome} yang terdeteksi dengan kuasa {pw} pada taraf 5% "
        "adalah {did} (DiD) atau {anc} (ANCOVA).",
        "en": "With {nt} ProKUS and {nc} comparison families in {g} villages, an ICC of {icc} and a "
        "baseline-endline correlation of {rho}, the smallest effect on {outcome} detectable with {pw} power at "
        "the 5% level is {did} (DiD) or {anc} (ANCOVA).",
    },
    "col_sd": {"id": "SD baseline", "en": "Baseline SD"},
    "col_icc": {"id": "ICC desa", "en": "Village ICC"},
    "col_mde_endline": {"id": "MDE endline", "en": "MDE endline"},
    "col_mde_did": {"id": "MDE DiD", "en": "MDE DiD"},
    "col_mde_ancova": {"id": "MDE ANCOVA", "en": "MDE ANCOVA"},
    "col_mde_sd": {"id": "MDE DiD (SD)", "en": "MDE DiD (SD)"},
    "cba_title": {"id": "Biaya-manfaat", "en": "Cost-benefit"},
    "cba_note": {
        "id": "Biaya per keluarga {cost} (hibah {grant}, TKSK {tksk}, mentoring {ment}, overhead {over}; biaya "
        "satuan dari rencana analisis). Manfaat: efek DiD bulanan selama {h} tahun, diskonto {r}, peluruhan {d} "
        "per tahun. Interval dari interval 95% efek. Asumsi tahun dan peluruhan tidak diuji oleh data: lihat "
        "tabel sensitivitas.",
        "en": "Cost per family {cost} (grant {grant}, TKSK {tksk}, mentoring {ment}, overhead {over}; unit costs "
        "from the analysis plan). Benefits: the monthly DiD effect for {h} years, discount rate {r}, decay {d} a "
        "year. Intervals from the effect's 95% interval. Horizon and decay are assumptions the data do not test: "
        "see the sensitivity table.",
    },
    "col_benefit": {"id": "Manfaat dari", "en": "Benefit measure"},
    "col_monthly": {"id": "Efek bulanan per keluarga", "en": "Monthly effect per family"},
    "col_bcr": {"id": "Rasio manfaat-biaya", "en": "Benefit-cost ratio"},
    "col_bcr_ci": {"id": "Interval 95% rasio", "en": "95% interval of ratio"},
    "col_irr": {"id": "IRR", "en": "IRR"},
    "col_irr_ci": {"id": "Interval 95% IRR", "en": "95% interval of IRR"},
    "col_horizon": {"id": "Tahun", "en": "Years"},
    "col_rate": {"id": "Diskonto", "en": "Discount rate"},
    "col_decay": {"id": "Peluruhan", "en": "Decay"},
    "benefit_income": {"id": "pendapatan rumah tangga", "en": "household income"},
    "benefit_consumption": {"id": "konsumsi (per kapita x anggota)", "en": "consumption (per capita x members)"},
    "sensitivity_title": {"id": "Sensitivitas rasio manfaat-biaya (pendapatan)", "en": "BCR sensitivity (income)"},
    "truth2_title": {
        "id": "Efek sebenarnya dalam interval yang dilaporkan (hanya data sintetis)",
        "en": "True effects inside the reported intervals (synthetic data only)",
    },
    "truth2_note": {
        "id": "{covered} dari {total} interval memuat efek sebenarnya (ATT sampel dari truth.json).",
        "en": "{covered} of {total} intervals contain the true effect (sample ATT from truth.json).",
    },
    "col_method": {"id": "Metode", "en": "Method"},
    "index_income": {"id": "Indeks pendapatan & aset", "en": "Income and assets index"},
    "index_business": {"id": "Indeks usaha", "en": "Business index"},
    "index_wellbeing": {"id": "Indeks kesejahteraan", "en": "Well-being index"},
}
