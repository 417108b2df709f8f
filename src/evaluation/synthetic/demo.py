"""Seeded synthetic ProKUS data with a known truth (DESIGN §7).

No ProKUS microdata is public, so the demo evaluation runs on data from this generator. It writes, beside the
data, the true effects it built in (``truth.json``), so that tests and readers can check that the estimators
recover them.

Data-generating process
-----------------------
For each region ``r`` (five, :data:`REGION_PARAMS`) the generator draws ``n_t`` ProKUS families and ``n_c``
comparison families (PKH graduates not enrolled) spread over 4 sub-districts x 5 villages; both groups live in the
same villages. With ``a_i ~ N(0, 0.45^2)`` a family's latent business ability and ``v_v ~ N(0, 0.25^2)`` a
village level effect. ProKUS families were selected with somewhat better well-being (+3 WHO-5 points) and assets
(+0.3): the groups differ in levels of outcomes whose dynamics are additive, so parallel trends hold by
construction. (Selecting on ability would not do: revenue and income take multiplicative shocks, so groups with
different levels would not move in parallel in rupiah. A real evaluation has to argue this; here it is built in.)

* baseline (February 2020): a business operates with probability ``logistic(0.4 + 0.8 a_i + 0.3 v_v)``;
  monthly revenue is log-normal, ``R_r exp(a_i + v_v + e_i)``, ``e_i ~ N(0, 0.55^2)``, and zero when no business
  operates (the zeros of failed businesses); profit is a family-specific margin (18-35 %) of revenue; 85 % of
  families have other income ``O_r exp(0.5 a_i + 0.5 v_v + o_i)``; household income is other income plus profit;
  consumption, savings, an asset index, hours worked, the FIES food insecurity score (0-8), the WHO-5 well-being
  score (0-100) and receipt of social assistance follow from income and ability (see the code of
  :func:`_outcomes` for each equation);
* endline (February 2021): every family, ProKUS or not, takes the COVID-19 shock of its region
  ``c_r`` (log points of revenue and other income, Jakarta and Bantul hit hardest), a village shock
  ``w_v ~ N(0, 0.15^2)`` shared by both groups of a village (the reason standard errors are clustered by village),
  and persistent idiosyncratic shocks (``e_i1 = 0.6 e_i0 + 0.8 N(0, 0.55^2)``). Both potential endline outcomes
  ``Y(0)`` and ``Y(1)`` are computed for every family from the same random draws;
* programme effect: ``g_i = m_r (0.4 + 0.6 dose_i) (1 if the grant was disbursed else 0.3)`` with ``m_r`` the
  region's effect multiplier and ``dose_i = 0.5 tksk_i / 12 + 0.5 business_mentoring_i / 8`` the share of planned
  mentoring attended: effects differ by region and outcome and grow with mentoring dose. It raises the log-odds of
  operating by ``1.0 g_i``, log revenue by ``0.22 g_i``, savings, assets, hours and well-being, and lowers
  the log-odds of receiving social assistance again; income, consumption and food insecurity move through income;
* genuine outliers: 0.5 % of families have a one-off windfall (median Rp20 juta) in endline income in both
  potential outcomes (true extreme values, so they widen intervals without biasing them);
* observed data: ProKUS families show ``Y(1)``, comparison families ``Y(0)``. Money is rounded to Rp1.000.
  Attrition at endline is differential: 5 % of ProKUS and 9 % of comparison families, 4 points more where the
  head is under 35 (age does not enter any trend, so DiD stays unbiased). 2 % of answers are missing at random.
  The asset index lies on the 0.5 grid of the asset list's weighted counts;
* questions (issue 12): every interview's answers to the survey questions (``items``) are drawn afterwards from a
  separate stream by :func:`evaluation.synthetic.items.answer_questions`, so that the indicators derived from them
  (``data/indicators.toml``) are exactly the ones above; ``survey.csv`` holds the answers and the indicators, as
  an export of the form does.

* pre-programme and midline waves (``pre_waves=True``, ``prokus-eval demo-data --pre-waves``; off by default, and
  then not one draw of the data above changes): a **2019 wave** (February 2019, ``pre2019``: PKH administrative
  records or recall questions) and a **midline** (November 2020). Every draw of these two waves comes from a stream of
  its own, ``default_rng([seed, 2])``. In 2019 no programme and no pandemic: outcomes follow the baseline equations
  with a log shock ``-0.05 + w19_v`` (``w19_v ~ N(0, 0.15^2)``, a village shock of 2019; incomes grew about 5 % to
  2020) and idiosyncratic shocks persistent with the baseline ones (``e_19 = rho e_0 + sqrt(1 - rho^2) z``). At
  midline the pandemic has struck (log shock ``0.8 (c_r + w_v)``, ``covid = 1``) and the programme has half its
  endline effect (``g_i / 2``: grants were paid from August 2020, mentoring was under way). Both potential outcomes
  are computed from common draws, as at endline. Parallel trends hold between 2019 and 2020 by construction (the
  groups differ in levels only). 2019 is known for every family; midline attrition is half the endline rates, drawn
  independently. ``truth.json`` gains ``<scope>.<outcome>.att_midline`` (mean ``Y(1) - Y(0)`` at midline over all
  ProKUS families of the scope) and ``dataset.json`` ``"pre_waves": true``;

Truth (``truth.json``, DESIGN §5)
--------------------------------
``<scope>.<outcome>.att`` is the mean of ``Y(1) - Y(0)`` over all ProKUS families of the scope (the sample ATT,
attriters included), and ``<scope>.<outcome>.change`` the mean of ``Y(1)_endline - Y_baseline`` over them
(pandemic shock included). ``scope`` is a region code or ``national``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.atomic import replacing_dir
from evaluation.core.keys import key
from evaluation.intake.generated import record_generated
from evaluation.synthetic.items import answer_questions

GENERATOR_VERSION = "1"
PLANNED_GRANT = 3_500_000
PLANNED_TKSK = 12
PLANNED_BUSINESS_MENTORING = 8
ASSET_STEP = 0.5  # the asset index is a weighted count of 10 assets with weights 1.5, 1 and 0.5 (indicators.toml)
SUBDISTRICTS_PER_REGION = 4
VILLAGES_PER_SUBDISTRICT = 5

OUTCOMES = (
    "household_income",
    "business_revenue",
    "business_profit",
    "consumption_per_capita",
    "savings",
    "asset_index",
    "business_operating",
    "hours_worked",
    "fies_score",
    "wellbeing_score",
    "receives_social_assistance",
)
MONEY = ("household_income", "business_revenue", "business_profit", "consumption_per_capita", "savings")
PRE_WAVE = "pre2019"  # the 2019 pre-programme wave (``pre_waves=True``)
MIDLINE = "midline"
WAVE_ORDER = (PRE_WAVE, "baseline", MIDLINE, "endline")  # time order of every wave the generator can write


@dataclass(frozen=True)
class RegionParams:
    """Levels, shock and effect size of one region."""

    revenue_median: float  # Rp/month of an operating business at baseline (a_i = 0)
    other_income_median: float  # Rp/month
    covid_shock: float  # log points, endline vs baseline, both groups
    effect: float  # programme effect multiplier m_r
    tksk_attendance: float  # probability of attending each planned TKSK session
    mentoring_attendance: float  # probability of attending each planned business mentoring session


REGION_PARAMS: dict[str, RegionParams] = {
    "3217": RegionParams(2_300_000, 1_200_000, -0.15, 1.00, 0.85, 0.80),
    "3210": RegionParams(1_900_000, 1_000_000, -0.10, 0.70, 0.80, 0.70),
    "3322": RegionParams(2_100_000, 1_150_000, -0.12, 0.90, 0.90, 0.85),
    "3402": RegionParams(2_000_000, 1_100_000, -0.20, 1.10, 0.90, 0.80),
    "31": RegionParams(4_200_000, 2_300_000, -0.30, 1.20, 0.75, 0.75),
}
NATIONAL = "national"


@dataclass
class SyntheticData:
    """Generated tables (codebook names), the truth and a description of the draw."""

    roster: pd.DataFrame
    programme: pd.DataFrame
    survey: pd.DataFrame
    truth: dict[str, float]
    metadata: dict[str, object] = field(default_factory=dict)
    items: pd.DataFrame | None = None  # answers to the survey's questions, row by row with ``survey``
    rounds: bool = False  # also write the monitoring rounds (``rounds/``, :mod:`evaluation.synthetic.rounds`);
    # ``prokus-eval demo-data`` sets it, so that ``make report`` renders every round (a run adds one notebook per
    # round and scope only when the data hold rounds)

    def survey_export(self) -> pd.DataFrame:
        """The survey as the instrument exports it.

        Identity, the answers to every question, then the indicators the form computes (``calculate``); the
        survey table itself when there are no answers.
        """
        if self.items is None:
            return self.survey
        ident = ["family_id", "wave", "interview_date"]
        rest = [c for c in self.survey.columns if c not in ident]
        return pd.concat([self.survey[ident], self.items, self.survey[rest]], axis=1)

    @property
    def panel(self) -> pd.DataFrame:
        """Long analysis table (one row per family per wave), as :func:`~evaluation.intake.tables.analysis_table`."""
        from evaluation.intake.tables import analysis_table

        return analysis_table(self.roster, self.programme, self.survey)

    def write(self, out_dir: str | Path) -> Path:
        """Write CSVs, ``truth.json`` and ``dataset.json`` into ``out_dir`` (replaced whole, never half-written)."""
        out = Path(out_dir)
        with replacing_dir(out, writer="demo-data") as tmp:
            self.roster.to_csv(tmp / "roster.csv", index=False, lineterminator="\n")
            self.programme.to_csv(tmp / "programme.csv", index=False, lineterminator="\n")
            self.survey_export().to_csv(tmp / "survey.csv", index=False, lineterminator="\n")
            (tmp / "truth.json").write_text(_dumps(self.truth), encoding="utf-8")
            (tmp / "dataset.json").write_text(_dumps(self.metadata), encoding="utf-8")
            if self.rounds:  # monthly monitoring rounds with planted problems (issue 17), in their own folder
                from evaluation.synthetic.rounds import ROUNDS_DIR, generate_rounds, write_rounds

                write_rounds(generate_rounds(self), tmp / ROUNDS_DIR)
            record_generated(tmp)  # last: proves the data synthetic by their identifiers and files
        return out


def _dumps(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _round_money(x: np.ndarray) -> np.ndarray:
    return np.round(x / 1000.0) * 1000.0


@dataclass
class _Draws:
    """Random draws shared by both potential outcomes (common random numbers)."""

    u_op: np.ndarray
    e_rev: np.ndarray
    e_oth: np.ndarray
    e_cons: np.ndarray
    u_sav: np.ndarray
    e_sav: np.ndarray
    e_asset: np.ndarray
    e_hours_b: np.ndarray
    e_hours_o: np.ndarray
    e_fies: np.ndarray
    e_wb: np.ndarray
    u_sa: np.ndarray


def _new_draws(rng: np.random.Generator, n: int, prev: _Draws | None) -> _Draws:
    def persist(old: np.ndarray | None, sd: float, rho: float) -> np.ndarray:
        z = rng.normal(0.0, sd, n)
        return z if old is None else rho * old + np.sqrt(1 - rho**2) * z

    return _Draws(
        u_op=rng.random(n),
        e_rev=persist(None if prev is None else prev.e_rev, 0.55, 0.6),
        e_oth=persist(None if prev is None else prev.e_oth, 0.50, 0.6),
        e_cons=persist(None if prev is None else prev.e_cons, 0.15, 0.5),
        u_sav=rng.random(n),
        e_sav=persist(None if prev is None else prev.e_sav, 0.8, 0.5),
        e_asset=rng.normal(0.0, 1.0 if prev is None else 0.5, n),
        e_hours_b=persist(None if prev is None else prev.e_hours_b, 8.0, 0.5),
        e_hours_o=persist(None if prev is None else prev.e_hours_o, 8.0, 0.5),
        e_fies=persist(None if prev is None else prev.e_fies, 1.2, 0.5),
        e_wb=persist(None if prev is None else prev.e_wb, 12.0, 0.5),
        u_sa=rng.random(n),
    )


def _outcomes(
    *,
    a: np.ndarray,
    v: np.ndarray,
    shock: np.ndarray,
    covid: np.ndarray,
    g: np.ndarray,
    margin: np.ndarray,
    has_other: np.ndarray,
    hh_size: np.ndarray,
    rev_median: np.ndarray,
    oth_median: np.ndarray,
    windfall: np.ndarray,
    asset_before: np.ndarray | None,
    selected: np.ndarray,
    d: _Draws,
    asset_step: float = 0.01,
) -> dict[str, np.ndarray]:
    """All outcomes of one wave given latent traits, shocks and the programme dose ``g`` (0 for Y(0)).

    ``shock`` is the log shock to revenue and other income (0 at baseline, ``c_r + w_v`` at endline) and
    ``covid`` is 1 at endline, 0 at baseline. The asset index is rounded to ``asset_step`` (the demo uses
    :data:`ASSET_STEP`, the grid of the asset list's weighted counts; the national generator 0.01).
    """
    operating = (d.u_op < _logistic(0.4 + 0.8 * a + 0.3 * v + 2.0 * shock + 1.0 * g)).astype(float)
    revenue = operating * rev_median * np.exp(a + v + shock + d.e_rev + 0.22 * g)
    profit = margin * revenue
    other = has_other * oth_median * np.exp(0.5 * a + 0.5 * v + shock + d.e_oth)
    income = _round_money(other + profit + windfall)
    revenue = _round_money(revenue)
    profit = _round_money(profit)
    consumption = _round_money((300_000 + 0.6 * income) * np.exp(d.e_cons) / hh_size)
    has_sav = d.u_sav < _logistic(-0.5 + a + 0.4 * g)
    savings = _round_money(has_sav * np.exp(np.log(0.8 * income + 100_000) + d.e_sav))
    if asset_before is None:
        asset = np.clip(3.5 + 0.3 * selected + 1.2 * a + 0.5 * v + d.e_asset, 0, 10)
    else:
        asset = np.clip(asset_before + 0.1 + 0.5 * g + d.e_asset, 0, 10)
    asset = np.round(asset / asset_step) * asset_step
    hours = np.clip(operating * (25 + 3 * g + d.e_hours_b) + has_other * (15 + d.e_hours_o), 0, 84)
    hours = np.round(hours)
    ref = rev_median * 0.25 + oth_median
    fies = np.clip(np.round(3.0 - 1.3 * np.log((income + 50_000) / ref) + 0.8 * covid + d.e_fies), 0, 8)
    wb = np.clip(4 * np.round((52 + 3 * selected + 8 * a - 3 * covid + 4 * g + d.e_wb) / 4), 0, 100)
    social = (d.u_sa < _logistic(-1.4 - 0.8 * a + 0.8 * covid - 0.5 * g)).astype(float)
    return {
        "household_income": income,
        "business_revenue": revenue,
        "business_profit": profit,
        "consumption_per_capita": consumption,
        "savings": savings,
        "asset_index": asset,
        "business_operating": operating,
        "hours_worked": hours,
        "fies_score": fies,
        "wellbeing_score": wb,
        "receives_social_assistance": social,
    }


def _choice(rng: np.random.Generator, options: list[str], p: list[float], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=np.asarray(p) / np.sum(p))]


HOUSEHOLD_DRAWS = ("hh_size", "head_sex", "head_age", "education", "business")


def _households(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Household and business characteristics of ``n`` families, and their latent ability and margin.

    Shared by the demo and the national generator; the draws come in this fixed order (same seed, same data).
    """
    return {
        "hh_size": np.clip(1 + rng.poisson(2.6, n), 1, 12),
        "head_sex": np.where(rng.random(n) < 0.32, "female", "male"),
        "head_age": np.clip(np.round(rng.normal(44, 10, n)), 20, 75).astype(int),
        "education": _choice(rng, ["none", "primary", "junior", "senior", "tertiary"], [6, 38, 28, 24, 4], n),
        "business": _choice(
            rng, ["food", "retail", "agriculture", "livestock", "services", "crafts"], [30, 28, 12, 10, 14, 6], n
        ),
        "a": rng.normal(0.0, 0.45, n),
        "margin": rng.uniform(0.18, 0.35, n),
        "has_other": (rng.random(n) < 0.85).astype(float),
    }


def _dates(rng: np.random.Generator, start: str, days: int, n: int) -> np.ndarray:
    base = np.datetime64(start)
    return (base + rng.integers(0, days, n).astype("timedelta64[D]")).astype(str)


GRANT_USES = ("equipment", "stock", "premises", "transport", "other")


def _grant_use(rng: np.random.Generator, received: np.ndarray, lpj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Use of the grant (1-3 of :data:`GRANT_USES`, space-separated as ODK writes a select_multiple) and receipts.

    Families that received the grant name each use with probabilities 0.6, 0.7, 0.2, 0.15, 0.05 (at least one);
    receipts are kept by 90 % of families that submitted the grant-use report (LPJ) and 40 % of the others.
    """
    n = received.size
    picks = rng.random((n, len(GRANT_USES))) < np.array([0.6, 0.7, 0.2, 0.15, 0.05])
    picks[~picks.any(axis=1), 1] = True
    uses = np.asarray([" ".join(u for u, p in zip(GRANT_USES, row, strict=True) if p) for row in picks], dtype=object)
    receipts = (rng.random(n) < np.where(lpj, 0.9, 0.4)) & received
    return np.where(received, uses, ""), receipts.astype(int)


def generate(
    families_per_region: int = 200,
    comparison_per_region: int = 200,
    seed: int = 20201,
    regions: tuple[str, ...] | None = None,
    missing_rate: float = 0.02,
    pre_waves: bool = False,
) -> SyntheticData:
    """Draw one synthetic ProKUS evaluation data set (see the module docstring for the process).

    Parameters
    ----------
    families_per_region, comparison_per_region
        ProKUS and comparison families in each region (defaults: 200 and 200, so 1,000 ProKUS families).
    seed
        Seed of ``np.random.default_rng``; the same seed gives identical tables and truth.
    regions
        Region codes to generate (default: all five).
    missing_rate
        Share of survey answers left missing at random.
    pre_waves
        Also write a 2019 pre-programme wave and a midline (see the module docstring); default ``False`` leaves the
        data of a given seed byte-identical to those of earlier versions.
    """
    if families_per_region < 2 or comparison_per_region < 2:
        raise ValueError("need at least 2 ProKUS and 2 comparison families per region")
    codes = tuple(regions) if regions else tuple(REGION_PARAMS)
    rng = np.random.default_rng(seed)
    n_r = families_per_region + comparison_per_region
    n = n_r * len(codes)
    region = np.repeat(np.asarray(codes, dtype=object), n_r)
    treated = np.tile(np.r_[np.ones(families_per_region), np.zeros(comparison_per_region)], len(codes)).astype(int)
    params = [REGION_PARAMS[c] for c in codes]
    rix = np.repeat(np.arange(len(codes)), n_r)

    def per_region(attr: str) -> np.ndarray:
        return np.asarray([getattr(p, attr) for p in params])[rix]

    n_vill = SUBDISTRICTS_PER_REGION * VILLAGES_PER_SUBDISTRICT
    vill_local = rng.integers(0, n_vill, n)
    vill_global = rix * n_vill + vill_local
    sub_no = vill_local // VILLAGES_PER_SUBDISTRICT + 1
    vil_no = vill_local % VILLAGES_PER_SUBDISTRICT + 1
    subdistrict = np.asarray([f"{r}.{s:02d}" for r, s in zip(region, sub_no, strict=True)], dtype=object)
    village = np.asarray([f"{s}.{v:03d}" for s, v in zip(subdistrict, vil_no, strict=True)], dtype=object)
    v_level = rng.normal(0.0, 0.25, len(codes) * n_vill)[vill_global]
    w_shock = rng.normal(0.0, 0.15, len(codes) * n_vill)[vill_global]

    # Family id: F<region>-<serial>, serials permuted within region so the id says nothing about the group.
    serial = np.concatenate([rng.permutation(n_r) + 1 for _ in codes])
    family_id = np.asarray([f"F{r}-{s:04d}" for r, s in zip(region, serial, strict=True)], dtype=object)

    h = _households(rng, n)
    hh_size, head_sex, head_age, education, business = (h[k] for k in HOUSEHOLD_DRAWS)
    a, margin, has_other = h["a"], h["margin"], h["has_other"]
    rev_median = per_region("revenue_median")
    oth_median = per_region("other_income_median")
    covid_shock = per_region("covid_shock")

    # Programme inputs (ProKUS families only).
    tksk = rng.binomial(PLANNED_TKSK, per_region("tksk_attendance")) * treated
    mentoring = rng.binomial(PLANNED_BUSINESS_MENTORING, per_region("mentoring_attendance")) * treated
    disbursed_ok = rng.random(n) >= 0.03
    dose = 0.5 * tksk / PLANNED_TKSK + 0.5 * mentoring / PLANNED_BUSINESS_MENTORING
    g_potential = per_region("effect") * (0.4 + 0.6 * dose) * np.where(disbursed_ok, 1.0, 0.3)

    base_draws = _new_draws(rng, n, None)
    windfall_base = np.where(rng.random(n) < 0.003, np.exp(rng.normal(np.log(15e6), 0.5, n)), 0.0)
    y0 = _outcomes(
        a=a,
        v=v_level,
        shock=np.zeros(n),
        covid=np.zeros(n),
        g=np.zeros(n),
        margin=margin,
        has_other=has_other,
        hh_size=hh_size,
        rev_median=rev_median,
        oth_median=oth_median,
        windfall=windfall_base,
        asset_before=None,
        selected=treated,
        asset_step=ASSET_STEP,
        d=base_draws,
    )
    end_draws = _new_draws(rng, n, base_draws)
    windfall_end = np.where(rng.random(n) < 0.005, np.exp(rng.normal(np.log(20e6), 0.5, n)), 0.0)
    common = dict(
        a=a,
        v=v_level,
        shock=covid_shock + w_shock,
        covid=np.ones(n),
        margin=margin,
        has_other=has_other,
        hh_size=hh_size,
        rev_median=rev_median,
        oth_median=oth_median,
        windfall=windfall_end,
        asset_before=y0["asset_index"],
        selected=treated,
        asset_step=ASSET_STEP,
        d=end_draws,
    )
    y1_untreated = _outcomes(g=np.zeros(n), **common)
    y1_treated = _outcomes(g=g_potential, **common)

    # Truth: sample ATT and mean change over all ProKUS families of each scope.
    truth: dict[str, float] = {}
    is_t = treated == 1
    scopes = [(c, is_t & (region == c)) for c in codes] + [(NATIONAL, is_t)]
    for scope, mask in scopes:
        for o in OUTCOMES:
            truth[key(scope, o, "att")] = float(np.mean(y1_treated[o][mask] - y1_untreated[o][mask]))
            truth[key(scope, o, "change")] = float(np.mean(y1_treated[o][mask] - y0[o][mask]))

    # Attrition and missing answers.
    p_attr = np.where(is_t, 0.05, 0.09) + np.where(head_age < 35, 0.04, 0.0)
    stays = rng.random(n) >= p_attr
    observed_end = {o: np.where(is_t, y1_treated[o], y1_untreated[o]) for o in OUTCOMES}

    base_dates = _dates(rng, "2020-02-03", 40, n)
    end_dates = _dates(rng, "2021-02-01", 43, n)
    waves: list[tuple[str, dict[str, np.ndarray], np.ndarray, np.ndarray, np.random.Generator]] = [
        ("baseline", y0, base_dates, np.ones(n, dtype=bool), rng),
        ("endline", observed_end, end_dates, stays, rng),
    ]
    if pre_waves:
        extra, extra_truth = _pre_and_midline(
            np.random.default_rng([seed, 2]),
            base_draws=base_draws,
            common=common,
            g=g_potential,
            codes=codes,
            region=region,
            is_t=is_t,
            p_attr=p_attr,
            vill_global=vill_global,
        )
        waves += extra
        truth.update(extra_truth)
    frames = []
    for wave, values, dates, keep, wave_rng in waves:
        cols: dict[str, object] = {"family_id": family_id[keep], "wave": wave, "interview_date": dates[keep]}
        for o in OUTCOMES:
            x = values[o][keep].astype(float)
            cols[f"_complete_{o}"] = x.copy()  # before answers go missing: the questions are answered from it
            x[wave_rng.random(x.size) < missing_rate] = np.nan
            cols[o] = x
        frames.append(pd.DataFrame(cols))
    survey = pd.concat(frames, ignore_index=True)
    for o in OUTCOMES:
        if o not in ("asset_index",):
            survey[o] = survey[o].astype("Int64")
    survey = survey.sort_values(["family_id", "wave"], kind="mergesort").reset_index(drop=True)
    complete = [f"_complete_{o}" for o in OUTCOMES]
    latent = survey[["family_id", "wave", *complete]].rename(columns=lambda c: c.removeprefix("_complete_"))
    survey = survey.drop(columns=complete)
    size_of = dict(zip(family_id, hh_size, strict=True))
    items = answer_questions(latent, survey, survey["family_id"].map(size_of).to_numpy(), seed)

    roster = (
        pd.DataFrame(
            {
                "family_id": family_id,
                "region_code": region,
                "subdistrict": subdistrict,
                "village": village,
                "group": np.where(is_t, "prokus", "comparison"),
                "household_size": hh_size,
                "head_sex": head_sex,
                "head_age": head_age,
                "head_education": education,
                "business_type": business,
            }
        )
        .sort_values("family_id", kind="mergesort")
        .reset_index(drop=True)
    )

    late = rng.random(n) < 0.08
    delay = np.where(late, rng.integers(90, 150, n), rng.integers(0, 60, n))
    disb_date = (np.datetime64("2020-08-03") + delay.astype("timedelta64[D]")).astype(str)
    lpj = (rng.random(n) < 0.85) & disbursed_ok
    # Monitoring-checklist answers drawn from their own stream, so adding them left every other draw unchanged.
    grant_use, receipts = _grant_use(np.random.default_rng([seed, 1]), disbursed_ok, lpj)
    prog = (
        pd.DataFrame(
            {
                "family_id": family_id,
                "bsimu_planned": PLANNED_GRANT,
                "grant_received": disbursed_ok.astype(int),
                "bsimu_disbursed": np.where(disbursed_ok, PLANNED_GRANT, 0),
                "disbursement_date": np.where(disbursed_ok, disb_date, ""),
                "grant_use": grant_use,
                "tksk_sessions": tksk,
                "business_mentoring_sessions": mentoring,
                "grant_report_submitted": lpj.astype(int),
                "receipts_kept": receipts,
            }
        )[is_t]
        .sort_values("family_id", kind="mergesort")
        .reset_index(drop=True)
    )

    metadata: dict[str, object] = {
        "synthetic": True,
        "generator": "evaluation.synthetic",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "families_per_region": int(families_per_region),
        "comparison_per_region": int(comparison_per_region),
        "regions": list(codes),
        "missing_rate": float(missing_rate),
        "note": "Synthetic demonstration data; no real ProKUS family is in it.",
    }
    if pre_waves:
        metadata["pre_waves"] = True
    return SyntheticData(roster=roster, programme=prog, survey=survey, truth=truth, metadata=metadata, items=items)


def _pre_and_midline(
    rng: np.random.Generator,
    *,
    base_draws: _Draws,
    common: dict,
    g: np.ndarray,
    codes: tuple[str, ...],
    region: np.ndarray,
    is_t: np.ndarray,
    p_attr: np.ndarray,
    vill_global: np.ndarray,
) -> tuple[list, dict[str, float]]:
    """The 2019 wave and the midline (module docstring), every draw from ``rng``; and the midline truth.

    ``common`` holds the endline's arguments of :func:`_outcomes` (latent traits, medians, baseline assets); the
    2019 and midline waves replace the shock, the pandemic indicator, the draws and the windfall.
    """
    n = is_t.size
    n_vill = int(vill_global.max()) + 1
    w19 = rng.normal(0.0, 0.15, n_vill)[vill_global]
    pre_draws = _new_draws(rng, n, base_draws)
    pre = dict(common)
    pre.update(shock=-0.05 + w19, covid=np.zeros(n), windfall=np.zeros(n), asset_before=None, d=pre_draws)
    y19 = _outcomes(g=np.zeros(n), **pre)
    mid_draws = _new_draws(rng, n, base_draws)
    mid = dict(common)
    mid.update(shock=0.8 * common["shock"], windfall=np.zeros(n), d=mid_draws)
    m0 = _outcomes(g=np.zeros(n), **mid)
    m1 = _outcomes(g=0.5 * g, **mid)
    truth: dict[str, float] = {}
    for scope, mask in [(c, is_t & (region == c)) for c in codes] + [(NATIONAL, is_t)]:
        for o in OUTCOMES:
            truth[key(scope, o, "att_midline")] = float(np.mean(m1[o][mask] - m0[o][mask]))
    stays_mid = rng.random(n) >= p_attr / 2
    observed_mid = {o: np.where(is_t, m1[o], m0[o]) for o in OUTCOMES}
    pre_dates = _dates(rng, "2019-02-04", 40, n)
    mid_dates = _dates(rng, "2020-11-02", 40, n)
    return [
        (PRE_WAVE, y19, pre_dates, np.ones(n, dtype=bool), rng),
        (MIDLINE, observed_mid, mid_dates, stays_mid, rng),
    ], truth
