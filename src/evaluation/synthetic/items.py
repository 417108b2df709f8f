"""Answers to the survey's questions, drawn consistently with the generator's indicators (issue 12).

The generator (:mod:`evaluation.synthetic.demo`) draws every family's indicators (income, FIES score, ...) as
before; this module then answers the questions of ``data/questions.csv`` from a separate random stream
(``default_rng([seed, 2])``), so that the indicators intake derives from the answers
(:mod:`evaluation.intake.derive`, formulas of ``data/indicators.toml``) equal the generator's exactly, and the
indicator draws, truth and estimates are those of the indicator-level demo.

How each module is answered (``L`` the indicator's complete value, ``O`` the observed one, missing at random in 2 %
of answers; a missing ``O`` becomes one don't-know / refused answer among the indicator's questions):

* business: running = ``O(business_operating)`` (98 when missing); sales = ``O(revenue)``; costs split the
  difference ``L(revenue) - L(profit)`` into stock and other costs; the stated profit is asked (and answered
  ``O(profit)``) only when sales or a cost is not known;
* hours: ``L(hours)`` split between the business (50-90 % when it runs) and other work;
* income: the business's net income ``L(profit)`` plus ``L(income) - L(profit)`` split between wages, transfers
  and other income (whole thousands of rupiah);
* consumption: the household's monthly total ``L(consumption) x household size``; food over 7 days a multiple of
  Rp7.000 (so that x 30/7 is exact), 45-70 % of the total, split over six food groups; the rest over four
  non-food groups;
* savings: split between accounts and cash; assets: an ownership set with the weighted count ``L(asset_index)``
  (on the list's 0.5 grid), drawn among all such sets with the items' prevalence; FIES: the ``L`` least severe
  items (with noise) answered yes; WHO-5: five scores 0-5 summing to ``L / 4``; social assistance: at least one
  programme when ``L = 1`` (BST and BLT Dana Desa only at endline: both began in April 2020); the respondent
  (head of household 70 %, spouse 25 %, another adult member 5 %) is drawn after everything else, so adding it
  changed no other answer.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = ["ASSET_WEIGHTS", "RESPONDENT_SHARES", "answer_questions"]

ASSET_WEIGHTS = {
    "asset_motorcycle": (1.5, 0.70),
    "asset_refrigerator": (1.5, 0.45),
    "asset_machine": (1.5, 0.20),
    "asset_tv": (1.0, 0.80),
    "asset_smartphone": (1.0, 0.80),
    "asset_cart": (1.0, 0.30),
    "asset_livestock": (1.0, 0.15),
    "asset_bicycle": (0.5, 0.40),
    "asset_rice_cooker": (0.5, 0.60),
    "asset_gas_stove": (0.5, 0.85),
}  # question -> (weight of data/indicators.toml, prevalence used to draw plausible sets)
FOOD = ("food_cereals", "food_protein", "food_vegetables", "food_other", "food_prepared", "food_tobacco")
NONFOOD = ("nonfood_housing", "nonfood_goods", "nonfood_health_education", "nonfood_other")
ASSIST = ("assist_pkh", "assist_bpnt", "assist_bst", "assist_blt_dd")
DK, REFUSED = -98, -99
RESPONDENT_SHARES = (0.70, 0.25, 0.05)  # who answers: head of household, spouse, another adult member


def _split(rng: np.random.Generator, total: np.ndarray, alpha: list[float]) -> np.ndarray:
    """Split whole-thousand totals into len(alpha) whole-thousand parts (Dirichlet shares, last takes the rest)."""
    shares = rng.dirichlet(alpha, total.size)
    parts = np.floor(total[:, None] * shares[:, :-1] / 1000.0) * 1000.0
    return np.column_stack([parts, total - parts.sum(axis=1)])


def _dk(rng: np.random.Generator, n: int, select: bool = False) -> np.ndarray:
    codes = (98, 99) if select else (DK, REFUSED)
    return np.where(rng.random(n) < 0.7, codes[0], codes[1])


def answer_questions(latent: pd.DataFrame, observed: pd.DataFrame, household_size: np.ndarray,
                     seed: int) -> pd.DataFrame:  # fmt: skip
    """Answer every survey question for each interview, consistently with the indicators.

    Parameters
    ----------
    latent : pandas.DataFrame
        The complete indicators of each interview (before answers went missing), codebook names.
    observed : pandas.DataFrame
        The survey table as the generator writes it (same rows; ``family_id``, ``wave`` and the indicators, with
        missing answers).
    household_size : numpy.ndarray
        Household size of each interview's family.
    seed : int
        The generator's seed; the answers come from ``default_rng([seed, 2])``.

    Returns
    -------
    pandas.DataFrame
        One row per interview, one column per question of the survey form (after ``interview_date``): codes as
        strings for choices, numbers (float, NaN when not asked) for amounts and counts.
    """
    rng = np.random.default_rng([seed, 2])
    n = len(observed)
    L = {c: latent[c].to_numpy(dtype=float) for c in latent.columns if c not in ("family_id", "wave")}
    O = {c: observed[c].to_numpy(dtype=float, na_value=np.nan) for c in L}  # noqa: E741
    miss = {c: np.isnan(O[c]) for c in O}
    out: dict[str, np.ndarray] = {}
    region = observed["family_id"].astype(str).str.slice(1).str.split("-").str[0].to_numpy()
    codes = {r: i + 1 for i, r in enumerate(sorted(set(region)))}
    ri = np.array([codes[r] for r in region])
    out["enumerator_code"] = np.array([f"E{r}{k:02d}" for r, k in zip(ri, rng.integers(1, 7, n), strict=True)])
    out["supervisor_code"] = np.array([f"S{r:02d}" for r in ri])
    out["consent"] = np.full(n, "1", dtype=object)
    out["household_members"] = household_size.astype(float)

    # business
    op = O["business_operating"]
    asked = op != 0  # running, or not known: the business questions are asked
    out["business_running"] = np.where(miss["business_operating"], "98", np.where(op == 1, "1", "0")).astype(object)
    hours = L["hours_worked"]
    share = np.where(L["business_operating"] == 1, rng.uniform(0.5, 0.9, n), 0.0)
    b_hours = np.minimum(hours, np.round(hours * share))
    other_hours = hours - b_hours
    days = np.where(b_hours > 0, np.clip(np.ceil(b_hours / 8.0) + rng.integers(0, 2, n), 1, 7), 0.0)
    out["business_days"] = np.where(asked, days, np.nan)
    out["business_hours"] = np.where(asked, b_hours, np.nan)
    other_hours = np.where(miss["hours_worked"], _dk(rng, n), other_hours)
    rev, prof = L["business_revenue"], L["business_profit"]
    costs = _split(rng, rev - prof, [3.0, 1.5])
    sales = np.where(miss["business_revenue"], _dk(rng, n), rev)
    stock = np.where(miss["business_profit"], _dk(rng, n), costs[:, 0])
    other_cost = costs[:, 1]
    stated_asked = miss["business_revenue"] | miss["business_profit"]
    stated = np.where(miss["business_profit"], _dk(rng, n), O["business_profit"])
    out["business_sales"] = np.where(asked, sales, np.nan)
    out["business_cost_stock"] = np.where(asked, stock, np.nan)
    out["business_cost_other"] = np.where(asked, other_cost, np.nan)
    out["business_profit_stated"] = np.where(asked & stated_asked, stated, np.nan)
    out["other_work_hours"] = other_hours

    # income
    income_business = np.where(asked, prof, 0.0)
    rest = L["household_income"] - income_business
    if np.any(rest < 0):
        raise AssertionError("income below business profit")  # cannot happen: income = other + profit, rounded
    sources = _split(rng, rest, [3.0, 1.0, 1.0])
    out["income_business"] = np.where(asked, prof, np.nan)
    out["income_wages"] = np.where(miss["household_income"], _dk(rng, n), sources[:, 0])
    out["income_transfers"] = sources[:, 1]
    out["income_other"] = sources[:, 2]

    # consumption (per person and month -> household, 7-day food x 30/7 + monthly non-food)
    total = L["consumption_per_capita"] * household_size
    weeks = np.floor(total * rng.uniform(0.45, 0.70, n) / 30_000.0)
    food = _split(rng, 7_000.0 * weeks, [4.0, 3.0, 2.0, 2.0, 1.5, 1.0])
    nonfood = _split(rng, total - 30_000.0 * weeks, [3.0, 3.0, 1.0, 2.0])
    food[:, 0] = np.where(miss["consumption_per_capita"], _dk(rng, n), food[:, 0])
    for j, name in enumerate(FOOD):
        out[name] = food[:, j]
    for j, name in enumerate(NONFOOD):
        out[name] = nonfood[:, j]

    # savings
    sav = _split(rng, L["savings"], [2.0, 1.0])
    out["savings_account"] = np.where(miss["savings"], _dk(rng, n), sav[:, 0])
    out["savings_cash"] = sav[:, 1]

    # assets: an ownership set whose weighted count is the index
    names = list(ASSET_WEIGHTS)
    w = np.array([ASSET_WEIGHTS[k][0] for k in names])
    p = np.array([ASSET_WEIGHTS[k][1] for k in names])
    sets = np.array(list(itertools.product((0, 1), repeat=len(names))), dtype=float)
    sums = sets @ w
    prob = np.prod(np.where(sets == 1, p, 1 - p), axis=1)
    owned = np.zeros((n, len(names)))
    target = L["asset_index"]
    for t in np.unique(target):
        rows = np.flatnonzero(target == t)
        cand = np.flatnonzero(np.isclose(sums, t))
        if cand.size == 0:
            raise AssertionError(f"asset index {t} is not a weighted count of the list")
        pick = rng.choice(cand, size=rows.size, p=prob[cand] / prob[cand].sum())
        owned[rows] = sets[pick]
    assets = owned.astype(int).astype(str).astype(object)
    gone = np.flatnonzero(miss["asset_index"])
    assets[gone, rng.integers(0, len(names), gone.size)] = _dk(rng, gone.size, select=True).astype(str)
    for j, name in enumerate(names):
        out[name] = assets[:, j]

    # social assistance (BST and BLT Dana Desa began in April 2020: none at the February 2020 baseline)
    endline = (observed["wave"] == "endline").to_numpy()
    prev = np.array([0.45, 0.65, 0.5, 0.3])
    draws = rng.random((n, 4)) < prev
    draws[:, 2:] &= endline[:, None]
    first = np.where(endline, rng.integers(0, 4, n), rng.integers(0, 2, n))
    draws[np.arange(n), first] |= True
    got = (L["receives_social_assistance"] == 1)[:, None] & draws
    sa = got.astype(int).astype(str).astype(object)
    gone = np.flatnonzero(miss["receives_social_assistance"])
    sa[gone] = "0"
    sa[gone, rng.integers(0, 4, gone.size)] = _dk(rng, gone.size, select=True).astype(str)
    for j, name in enumerate(ASSIST):
        out[name] = sa[:, j]

    # FIES: the L least severe items (severity order with noise) answered yes
    k = L["fies_score"].astype(int)
    order = np.argsort(np.arange(8)[None, :] + rng.normal(0.0, 1.5, (n, 8)), axis=1)
    yes = np.zeros((n, 8), dtype=bool)
    for j in range(8):
        yes[np.arange(n), order[:, j]] = j < k
    fies = yes.astype(int).astype(str).astype(object)
    gone = np.flatnonzero(miss["fies_score"])
    fies[gone, rng.integers(0, 8, gone.size)] = _dk(rng, gone.size, select=True).astype(str)
    for j in range(8):
        out[f"fies_{j + 1}"] = fies[:, j]

    # WHO-5: five scores 0-5 summing to the score / 4
    s = (L["wellbeing_score"] / 4).astype(int)
    who = np.repeat((s // 5)[:, None], 5, axis=1)
    extra = s % 5
    rank = np.argsort(rng.random((n, 5)), axis=1)
    who += (rank < extra[:, None]).astype(int)
    for _ in range(3):  # move a point between two items where both stay within 0-5
        a, b = rng.integers(0, 5, n), rng.integers(0, 5, n)
        ok = (who[np.arange(n), a] > 0) & (who[np.arange(n), b] < 5) & (a != b)
        who[np.arange(n)[ok], a[ok]] -= 1
        who[np.arange(n)[ok], b[ok]] += 1
    who5 = who.astype(str).astype(object)
    gone = np.flatnonzero(miss["wellbeing_score"])
    who5[gone, rng.integers(0, 5, gone.size)] = _dk(rng, gone.size, select=True).astype(str)
    for j in range(5):
        out[f"who5_{j + 1}"] = who5[:, j]

    # respondent (drawn last, so every draw above is unchanged): the head of household mostly, else the spouse
    respondent = rng.choice(np.array(["1", "2", "3"], dtype=object), size=n, p=list(RESPONDENT_SHARES))
    order = list(out)
    order.insert(order.index("consent"), "respondent")  # the form asks it before consent
    out["respondent"] = respondent
    return pd.DataFrame({c: out[c] for c in order})
