"""National-scale synthetic data: millions of families in hundreds of districts, Parquet partitioned by district.

The same data-generating process as :mod:`evaluation.synthetic.demo` (its module docstring states every equation;
:func:`evaluation.synthetic.demo._outcomes` and :func:`evaluation.synthetic.demo._new_draws` are reused as they are),
scaled
from 5 regions to ``D`` districts (kabupaten/kota; 514 in Indonesia) and generated **one district at a time**, so
memory is bounded by the largest district whatever the national total. What differs:

* districts: ``D`` synthetic codes ``<province><nn>`` over Indonesia's 34 province codes (e.g. ``3201``), each
  with its own draw of the :class:`~evaluation.synthetic.demo.RegionParams` (revenue and income levels, COVID-19 shock
  between -0.30 and -0.08 log points, effect multiplier between 0.6 and 1.3, attendance probabilities);
* sizes: ``N`` families in total (ProKUS and comparison, half each), spread evenly over the districts, in about
  ``N / 125`` villages (80,000 for 10 million families) grouped in sub-districts of 10 villages;
* seeds: district ``k`` draws from ``np.random.default_rng([seed, k])``, so a district's data do not depend on
  how many districts are generated or in which order.

Layout written to ``out_dir`` (replaced whole, never half-written)::

    roster/district=<code>/part-0.parquet       one row per family
    programme/district=<code>/part-0.parquet    one row per ProKUS family
    survey/district=<code>/part-0.parquet       one row per family per wave, ordered family by family
    truth.json      <district>.<outcome>.att / .change and national.<outcome>.att / .change (DESIGN §5)
    dataset.json    seed, sizes, layout "parquet-by-district"
    config.toml     the project's config with data_dir pointing here and one [[regions]] entry per district

Ids, villages and other text columns are dictionary-encoded; a district's survey ``family_id`` uses the same
dictionary (same order) as its roster, so a reader can join the two by codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.atomic import replacing_dir
from evaluation.core.keys import key
from evaluation.synthetic.demo import (
    HOUSEHOLD_DRAWS,
    OUTCOMES,
    PLANNED_BUSINESS_MENTORING,
    PLANNED_GRANT,
    PLANNED_TKSK,
    _dates,
    _households,
    _new_draws,
    _outcomes,
)

GENERATOR_VERSION = "1"
LAYOUT = "parquet-by-district"
PROVINCES = (
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "51",
    "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82", "91", "94",
)  # fmt: skip
FAMILIES_PER_VILLAGE = 125
VILLAGES_PER_SUBDISTRICT = 10
NATIONAL = "national"
TABLES = ("roster", "programme", "survey")

__all__ = ["district_codes", "generate_national"]


@dataclass(frozen=True)
class _District:
    code: str
    index: int
    n_treated: int
    n_comparison: int


def district_codes(n: int) -> list[str]:
    """``n`` district codes ``<province><nn>``, spread round-robin over the 34 province codes, sorted."""
    if not 1 <= n <= len(PROVINCES) * 99:
        raise ValueError(f"the number of districts must be between 1 and {len(PROVINCES) * 99}, got {n}")
    counts = [n // len(PROVINCES) + (i < n % len(PROVINCES)) for i in range(len(PROVINCES))]
    return sorted(f"{p}{k:02d}" for p, c in zip(PROVINCES, counts, strict=True) for k in range(1, c + 1))


def _cat(values: np.ndarray, categories: list[str] | pd.Index | None = None) -> pd.Categorical:
    return pd.Categorical(values, categories=categories)


def _district(d: _District, seed: int, missing_rate: float) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    """Tables of one district and, per outcome, the sums the truth needs (ATT and change over ProKUS families)."""
    rng = np.random.default_rng([seed, d.index])
    n_t, n_c = d.n_treated, d.n_comparison
    n = n_t + n_c
    treated = np.r_[np.ones(n_t, dtype=int), np.zeros(n_c, dtype=int)]
    # District parameters (RegionParams drawn, not tabulated).
    rev_median = float(np.round(2_100_000 * np.exp(rng.normal(0, 0.3)), -3))
    oth_median = float(np.round(rev_median * rng.uniform(0.45, 0.6), -3))
    covid_shock = float(rng.uniform(-0.30, -0.08))
    effect = float(rng.uniform(0.6, 1.3))
    tksk_p, mentor_p = float(rng.uniform(0.7, 0.92)), float(rng.uniform(0.65, 0.88))

    n_vill = max(2, round(n / FAMILIES_PER_VILLAGE))
    vill = rng.integers(0, n_vill, n)
    sub_no = vill // VILLAGES_PER_SUBDISTRICT + 1
    vil_no = vill % VILLAGES_PER_SUBDISTRICT + 1
    sub_names = np.asarray([f"{d.code}.{s:02d}" for s in range(1, n_vill // VILLAGES_PER_SUBDISTRICT + 2)])
    subdistrict = sub_names[sub_no - 1]
    per = VILLAGES_PER_SUBDISTRICT
    village_names = np.asarray([f"{d.code}.{v // per + 1:02d}.{v % per + 1:03d}" for v in range(n_vill)])
    del vil_no
    v_level = rng.normal(0.0, 0.25, n_vill)[vill]
    w_shock = rng.normal(0.0, 0.15, n_vill)[vill]
    serial = rng.permutation(n) + 1
    width = max(4, len(str(n)))
    family_id = np.asarray([f"F{d.code}-{s:0{width}d}" for s in serial])

    h = _households(rng, n)
    hh_size, head_sex, head_age, education, business = (h[k] for k in HOUSEHOLD_DRAWS)
    a, margin, has_other = h["a"], h["margin"], h["has_other"]
    tksk = rng.binomial(PLANNED_TKSK, tksk_p, n) * treated
    mentoring = rng.binomial(PLANNED_BUSINESS_MENTORING, mentor_p, n) * treated
    disbursed_ok = rng.random(n) >= 0.03
    dose = 0.5 * tksk / PLANNED_TKSK + 0.5 * mentoring / PLANNED_BUSINESS_MENTORING
    g_potential = effect * (0.4 + 0.6 * dose) * np.where(disbursed_ok, 1.0, 0.3)

    rev = np.full(n, rev_median)
    oth = np.full(n, oth_median)
    base_draws = _new_draws(rng, n, None)
    windfall_base = np.where(rng.random(n) < 0.003, np.exp(rng.normal(np.log(15e6), 0.5, n)), 0.0)
    y0 = _outcomes(
        a=a, v=v_level, shock=np.zeros(n), covid=np.zeros(n), g=np.zeros(n), margin=margin, has_other=has_other,
        hh_size=hh_size, rev_median=rev, oth_median=oth, windfall=windfall_base, asset_before=None,
        selected=treated, d=base_draws,
    )  # fmt: skip
    end_draws = _new_draws(rng, n, base_draws)
    windfall_end = np.where(rng.random(n) < 0.005, np.exp(rng.normal(np.log(20e6), 0.5, n)), 0.0)
    common = dict(
        a=a, v=v_level, shock=covid_shock + w_shock, covid=np.ones(n), margin=margin, has_other=has_other,
        hh_size=hh_size, rev_median=rev, oth_median=oth, windfall=windfall_end, asset_before=y0["asset_index"],
        selected=treated, d=end_draws,
    )  # fmt: skip
    y1_untreated = _outcomes(g=np.zeros(n), **common)
    y1_treated = _outcomes(g=g_potential, **common)
    is_t = treated == 1
    sums = {
        o: np.array(
            [np.sum((y1_treated[o] - y1_untreated[o])[is_t]), np.sum((y1_treated[o] - y0[o])[is_t])], dtype=float
        )
        for o in OUTCOMES
    }

    p_attr = np.where(is_t, 0.05, 0.09) + np.where(head_age < 35, 0.04, 0.0)
    stays = rng.random(n) >= p_attr
    base_dates = _dates(rng, "2020-02-03", 40, n)
    end_dates = _dates(rng, "2021-02-01", 43, n)

    # Rows ordered by family id; the survey family by family, baseline then endline (the estimators' pair layout).
    order = np.argsort(family_id, kind="stable")
    ids = family_id[order]
    rows_per_family = 1 + stays[order]
    fam_rows = np.repeat(np.arange(n), rows_per_family)
    first = np.r_[0, np.cumsum(rows_per_family)[:-1]]
    is_end = np.ones(fam_rows.size, dtype=bool)
    is_end[first] = False
    src = order[fam_rows]
    survey: dict[str, object] = {
        "family_id": pd.Categorical.from_codes(fam_rows, categories=ids),
        "wave": pd.Categorical.from_codes(is_end.astype(np.int8), categories=["baseline", "endline"]),
        "interview_date": _cat(np.where(is_end, end_dates[src], base_dates[src])),
    }
    observed_end = {o: np.where(is_t, y1_treated[o], y1_untreated[o]) for o in OUTCOMES}
    for o in OUTCOMES:
        x = np.where(is_end, observed_end[o][src], y0[o][src]).astype(float)
        x[rng.random(x.size) < missing_rate] = np.nan
        survey[o] = x  # float64 with NaN for missing, the types the CSV reader gives
    roster = pd.DataFrame(
        {
            "family_id": pd.Categorical.from_codes(np.arange(n), categories=ids),
            "region_code": _cat(np.full(n, d.code)),
            "subdistrict": _cat(subdistrict[order]),
            "village": pd.Categorical.from_codes(vill[order], categories=village_names),
            "group": _cat(np.where(is_t, "prokus", "comparison")[order], ["prokus", "comparison"]),
            "household_size": hh_size[order],
            "head_sex": _cat(head_sex[order]),
            "head_age": head_age[order],
            "head_education": _cat(education[order].astype(str)),
            "business_type": _cat(business[order].astype(str)),
        }
    )
    late = rng.random(n) < 0.08
    delay = np.where(late, rng.integers(90, 150, n), rng.integers(0, 60, n))
    disb_date = (np.datetime64("2020-08-03") + delay.astype("timedelta64[D]")).astype(str)
    lpj = (rng.random(n) < 0.85) & disbursed_ok
    t_sorted = is_t[order]
    prog_ids = np.flatnonzero(t_sorted)
    programme = pd.DataFrame(
        {
            "family_id": pd.Categorical.from_codes(prog_ids, categories=ids),
            "bsimu_planned": np.full(prog_ids.size, PLANNED_GRANT),
            "bsimu_disbursed": np.where(disbursed_ok, PLANNED_GRANT, 0)[order][prog_ids],
            "disbursement_date": np.where(disbursed_ok, disb_date, "")[order][prog_ids],
            "tksk_sessions": tksk[order][prog_ids],
            "business_mentoring_sessions": mentoring[order][prog_ids],
            "grant_report_submitted": lpj.astype(int)[order][prog_ids],
        }
    )
    return {"roster": roster, "programme": programme, "survey": pd.DataFrame(survey)}, sums


def _dumps(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _config_text(data_dir: str, codes: list[str], base_config: str | None) -> str:
    """The project's config with ``data_dir`` replaced and the districts as ``[[regions]]``."""
    from evaluation.core.config import load_config

    cfg = load_config(base_config)
    lines = ["# Written by `prokus-eval demo-data --districts`: the national synthetic data set beside this file.", ""]
    lines.append("[run]")
    run = {**cfg.run.__dict__, "data_dir": data_dir}
    for name, value in run.items():
        lines.append(f"{name} = {json.dumps(value)}")
    lines += ["", "[design]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in cfg.design.__dict__.items()]
    lines += ["", "[analysis]"]
    lines += [f"{k} = {json.dumps(list(v))}" for k, v in cfg.analysis.__dict__.items()]
    for code in codes:
        lines += ["", "[[regions]]", f'code = "{code}"', f'name = "Kabupaten/Kota {code} (sintetis)"']
        lines.append(f'province = "Provinsi {code[:2]}"')
    return "\n".join(lines) + "\n"


def generate_national(
    out_dir: str | Path,
    families: int = 10_000_000,
    districts: int = 514,
    seed: int = 20201,
    missing_rate: float = 0.02,
    config_data_dir: str | None = None,
    base_config: str | None = None,
    progress: bool = False,
) -> dict[str, object]:
    """Generate and write the national data set district by district; return its ``dataset.json`` content.

    Parameters
    ----------
    out_dir
        Output directory (replaced whole once every district is written).
    families
        Families in total, ProKUS and comparison (half each), at least 4 per district.
    districts
        Number of districts (514: every kabupaten and kota of Indonesia).
    seed
        Seed of the district generators (``default_rng([seed, k])``).
    missing_rate
        Share of survey answers left missing at random.
    config_data_dir
        ``data_dir`` written into the generated ``config.toml`` (default: ``out_dir`` as given).
    base_config
        Config whose ``[run]``, ``[design]`` and ``[analysis]`` are copied (default ``data/config.toml``).
    progress
        Show a progress bar (tqdm) on standard error.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if families < 4 * districts:
        raise ValueError(f"need at least 4 families per district: {families} families for {districts} districts")
    codes = district_codes(districts)
    out = Path(out_dir)
    truth_sums = {o: np.zeros(2) for o in OUTCOMES}
    n_treated_total = 0
    with replacing_dir(out, writer="demo-data") as tmp:
        from tqdm import tqdm

        for k, code in enumerate(tqdm(codes, desc="districts", unit="district", disable=not progress)):
            n_d = families // districts + (k < families % districts)
            d = _District(code, k, n_d - n_d // 2, n_d // 2)
            tables, sums = _district(d, seed, missing_rate)
            for name in TABLES:
                part = tmp / name / f"district={code}"
                part.mkdir(parents=True)
                table = pa.Table.from_pandas(tables[name], preserve_index=False)
                pq.write_table(table, part / "part-0.parquet", compression="zstd")
            truth: dict[str, float] = {}
            for o in OUTCOMES:
                truth[key(code, o, "att")] = float(sums[o][0] / d.n_treated)
                truth[key(code, o, "change")] = float(sums[o][1] / d.n_treated)
                truth_sums[o] += sums[o]
            n_treated_total += d.n_treated
            with (tmp / ".truth.jsonl").open("a", encoding="utf-8") as f:
                f.write(json.dumps(truth) + "\n")
        truth_all: dict[str, float] = {}
        for line in (tmp / ".truth.jsonl").read_text(encoding="utf-8").splitlines():
            truth_all.update(json.loads(line))
        (tmp / ".truth.jsonl").unlink()
        for o in OUTCOMES:
            truth_all[key(NATIONAL, o, "att")] = float(truth_sums[o][0] / n_treated_total)
            truth_all[key(NATIONAL, o, "change")] = float(truth_sums[o][1] / n_treated_total)
        (tmp / "truth.json").write_text(_dumps(truth_all), encoding="utf-8")
        metadata: dict[str, object] = {
            "synthetic": True,
            "generator": "evaluation.synthetic.national",
            "generator_version": GENERATOR_VERSION,
            "layout": LAYOUT,
            "seed": int(seed),
            "families": int(families),
            "prokus_families": int(n_treated_total),
            "districts": int(districts),
            "regions": codes,
            "missing_rate": float(missing_rate),
            "note": "Synthetic demonstration data; no real ProKUS family is in it.",
        }
        (tmp / "dataset.json").write_text(_dumps(metadata), encoding="utf-8")
        cfg_dir = config_data_dir if config_data_dir is not None else str(out_dir)
        (tmp / "config.toml").write_text(_config_text(cfg_dir, codes, base_config), encoding="utf-8")
    return metadata
