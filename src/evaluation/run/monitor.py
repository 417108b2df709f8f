"""``prokus-eval monitor --period YYYY-MM``: one monitoring round for every region and the nation.

Checks the period against ``[monitoring] periods`` and the regions against the config before anything is written,
prepares the data as a run does (:func:`evaluation.intake.pipeline.prepare`: validation, cross-round checks of the
round exports, pseudonyms), executes the monitoring notebook (``notebooks/monitoring_round.ipynb``) once per scope
and renders the monitoring briefs (:mod:`evaluation.reporting.monitoring_brief`). The round is written whole into
``reports/monitoring/<period>/`` (replaced only when prokus-eval made it), with ``reports/monitoring/index.html``
listing the rounds written so far. Each scope's pseudonymous ids to follow up are in its ``restricted/`` folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evaluation.core.atomic import replacing_dir
from evaluation.core.config import NATIONAL, load_config, with_overrides
from evaluation.core.errors import UserError
from evaluation.core.monitoring_plan import load_monitoring_plan
from evaluation.core.paths import NOTEBOOKS_DIR, REPORTS_DIR, resolve
from evaluation.core.record import merge_results, read_results, write_results
from evaluation.run.runner import (
    MONITORING,
    MONITORING_NOTEBOOK,
    Task,
    _kernel_environment,
    _kernel_stderr,
    _prepared,
    check_parameters,
    execute,
)

__all__ = ["monitor"]


def monitor(period: str, regions: Sequence[str] | None = None, config: str | None = None,
            data_dir: str | None = None) -> Path:  # fmt: skip
    """Render one monitoring round for the given regions (default all configured) and the nation.

    Parameters
    ----------
    period : str
        ``YYYY-MM``, one of ``[monitoring] periods`` of the targets file.
    regions : sequence of str, optional
        Region codes; every configured region when None.
    config : str, optional
        The config file (default ``data/config.toml``).
    data_dir : str, optional
        The raw data directory (default ``[run] data_dir``); its ``rounds/`` folder holds the round exports.

    Returns
    -------
    pathlib.Path
        ``reports/monitoring/<period>``.

    Raises
    ------
    UserError
        For a period not in the plan, an unknown region, data without round exports, or a round export that breaks
        a rule (file, row, column, rule and what to do); nothing is written then.
    """
    cfg = load_config(config)
    plan = load_monitoring_plan(cfg.run.targets)
    if period not in plan.periods:
        raise UserError(
            f"--period {period} is not a monitoring round of the plan",
            file=plan.path,
            rule=f"the rounds are {', '.join(plan.periods)} ([monitoring] periods)",
            fix="give one of these periods (YYYY-MM), or add the month to [monitoring] periods and its schedule",
        )
    codes = [str(r) for r in regions] if regions else list(cfg.region_codes)
    for code in codes:
        cfg.region(code)
    raw = data_dir or cfg.run.data_dir
    processed = _prepared(raw, cfg)
    if not (resolve(processed) / "rounds.csv").is_file():
        raise UserError(
            "the data have no monitoring rounds",
            file=str(raw),
            fix="put the round exports of the monitoring visit form (monitoring_<YYYY-MM>.csv or .xlsx) in "
            f"{raw}/rounds/ (prokus-eval demo-data writes an example)",
        )
    cfg = with_overrides(cfg, data_dir=processed)
    root = REPORTS_DIR / MONITORING
    scopes = [*codes, NATIONAL]
    _kernel_environment(cfg)  # pinned threads, fixed hash seed, headless figures, as for a run
    with replacing_dir(root / period, writer="monitor") as tmp, _kernel_stderr(tmp / "kernels.log"):
        tasks = []
        for scope in scopes:
            task = Task(
                f"{MONITORING}/{period}/{scope}",
                NOTEBOOKS_DIR / MONITORING_NOTEBOOK,
                {"region": scope, "period": period, "data_dir": processed, "config": cfg.path,
                 "language": cfg.run.language, "output_dir": str(tmp / scope)},
            )  # fmt: skip
            check_parameters(task)
            execute(task, tmp / scope, cfg.run.cell_timeout_seconds)
            tasks.append(task)
        write_results(merge_results(read_results(tmp / s / "results.json") for s in scopes), tmp / "results.json")
        from evaluation.reporting.monitoring_brief import LANGUAGES, render_round_brief

        for scope in scopes:
            for lang in LANGUAGES:
                render_round_brief(tmp / scope, cfg, plan, period, scope, lang)
    from evaluation.reporting.monitoring_brief import render_rounds

    # the index lists every round written so far (its briefs stay as they were rendered)
    done = [f"{MONITORING}/{p.parent.name}/{p.name}" for p in sorted(root.glob("*/*"))
            if (p / "results.json").is_file()]  # fmt: skip
    render_rounds(root, cfg, done, briefs=False)
    return root / period
