r"""Doubly robust DiD by simulation: one model wrong, the estimate still unbiased and its 95% interval still right.

The designs of Sant'Anna & Zhao (2020, *J. Econometrics* 219(1), section 4), with Kang & Schafer's (2007)
transformations: :math:`X \sim N(0, I_4)`, :math:`Z` the standardised :math:`\tilde Z = (e^{X_1/2},
10 + X_2/(1+e^{X_1}), (0.6 + X_1X_3/25)^3, (20 + X_2 + X_4)^2)`, the analyst always uses :math:`Z`;

* outcome regression :math:`f_{reg}(W) = 210 + 27.4 W_1 + 13.7 (W_2 + W_3 + W_4)`,
* propensity score :math:`p(W) = \Lambda(0.75(-W_1 + 0.5 W_2 - 0.25 W_3 - 0.1 W_4))`, :math:`D = 1\{p \ge U\}`,
* :math:`Y_0 = f_{reg} + \nu + \varepsilon_0`, :math:`Y_1 = 2 f_{reg} + \nu + \varepsilon_1`,
  :math:`\nu \sim N(D f_{reg}, 1)`: the true effect on the treated is 0, and the groups differ in level and in
  trend (through :math:`f_{reg}`), so the plain DiD is biased.

DGP 2: the outcome model uses :math:`Z` (right), the score uses :math:`X` (the analyst's logit in :math:`Z` is
wrong). DGP 3: the outcome model uses :math:`X` (the analyst's linear regression in :math:`Z` is wrong), the score
uses :math:`Z` (right). 300 replications of n = 1000 each (fixed seed, about 2 s per design).

Tolerances for 300 replications: the bias is within 4 Monte Carlo standard errors of 0; the coverage of the 95%
interval is within [0.91, 0.985] (its Monte Carlo SE is 1.3 points). Results (seed 20201): DGP 2 bias -0.009
(MC SE 0.006; SD of the estimates 0.10; plain DiD bias -9.96), coverage 0.937; DGP 3 bias 0.010 (MC SE 0.059;
SD 1.01; plain DiD bias -12.86), coverage 0.953.
"""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.stats.drdid import drdid_panel, influence_se
from evaluation.stats.inference import t_critical

REPLICATIONS = 300
N = 1000


def _kang_schafer(x: np.ndarray) -> np.ndarray:
    return np.column_stack(
        [
            np.exp(0.5 * x[:, 0]),
            10 + x[:, 1] / (1 + np.exp(x[:, 0])),
            (0.6 + x[:, 0] * x[:, 2] / 25) ** 3,
            (20 + x[:, 1] + x[:, 3]) ** 2,
        ]
    )


# population mean and SD of the transformations (Monte Carlo with 10^6 draws, fixed seed)
_BIG = _kang_schafer(np.random.default_rng(0).normal(size=(1_000_000, 4)))
_MU, _SD = _BIG.mean(axis=0), _BIG.std(axis=0)
del _BIG


def _draw(rng: np.random.Generator, dgp: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = rng.normal(size=(N, 4))
    z = (_kang_schafer(x) - _MU) / _SD
    reg = z if dgp == 2 else x  # DGP 2: outcome model right; DGP 3: wrong
    ps = x if dgp == 2 else z  # DGP 2: propensity model wrong; DGP 3: right
    f_reg = 210 + 27.4 * reg[:, 0] + 13.7 * reg[:, 1:].sum(axis=1)
    index = 0.75 * (-ps[:, 0] + 0.5 * ps[:, 1] - 0.25 * ps[:, 2] - 0.1 * ps[:, 3])
    d = (rng.random(N) <= 1 / (1 + np.exp(-index))).astype(float)
    nu = rng.normal(d * f_reg, 1.0)
    y0 = f_reg + nu + rng.normal(size=N)
    y1 = 2 * f_reg + nu + rng.normal(size=N)
    return y1 - y0, d, z


@pytest.mark.parametrize("dgp", [2, 3], ids=["propensity_model_wrong", "outcome_model_wrong"])
def test_unbiased_with_nominal_coverage_when_one_model_is_wrong(dgp: int):
    rng = np.random.default_rng(20201)
    estimates, covered, plain = [], 0, []
    crit = t_critical(N - 1)
    for _ in range(REPLICATIONS):
        dy, d, z = _draw(rng, dgp)
        fit = drdid_panel(dy, d, z)
        se, _ = influence_se(fit.influence)
        estimates.append(fit.att)
        covered += abs(fit.att - 0.0) <= crit * se
        plain.append(dy[d == 1].mean() - dy[d == 0].mean())
    est = np.asarray(estimates)
    bias, mc_se = est.mean(), est.std(ddof=1) / np.sqrt(REPLICATIONS)
    coverage = covered / REPLICATIONS
    plain_bias = float(np.mean(plain))
    assert abs(plain_bias) > 5  # the design has teeth: without covariates the DiD is far off
    assert abs(bias) < 4 * mc_se
    assert 0.91 <= coverage <= 0.985, coverage


def test_clustered_standard_error_covers_with_twenty_villages():
    """The village-clustered SE covers the truth with 20 villages (as in a ProKUS region).

    Families in 20 villages with a village shock in the change: the influence-function SE clustered by village with
    a t(G-1) reference covers the true effect 1.0 in about 95% of 300 draws of 400 families (seed 7: bias -0.0003,
    MC SE 0.008, coverage 0.933); tolerance as above.
    """
    rng = np.random.default_rng(7)
    n, villages, reps = 400, 20, 300
    estimates, covered = [], 0
    for _ in range(reps):
        g = rng.integers(0, villages, n)
        shock = rng.normal(0, 1, villages)[g]
        x1 = rng.normal(size=n) + 0.5 * shock
        x2 = rng.binomial(1, 0.4, n)
        d = (rng.random(n) < 1 / (1 + np.exp(-(0.5 * x1 - 0.5 * x2)))).astype(float)
        dy = 1 + x1 + x2 + shock + rng.normal(size=n) + 1.0 * d
        fit = drdid_panel(dy, d, np.column_stack([x1, x2]))
        se, n_clusters = influence_se(fit.influence, g)
        estimates.append(fit.att)
        covered += abs(fit.att - 1.0) <= t_critical(n_clusters - 1) * se
    est = np.asarray(estimates)
    assert abs(est.mean() - 1.0) < 4 * est.std(ddof=1) / np.sqrt(reps)
    assert 0.91 <= covered / reps <= 0.985, covered / reps
