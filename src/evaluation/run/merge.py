"""The run-level merge: the notebooks' ``results.json`` files become the run's, protected across the whole run.

Each notebook hides the small cells of its own tables. Before the run's ``results.json`` is written and before any
document is rendered from it, :func:`merge_run` merges the notebooks' results and applies disclosure control across
tables and scopes (:func:`evaluation.stats.small_cells.run_suppression`: a share that publishes a count another
table hides; a region's count that the national total minus the other regions would give). Every notebook's own
``results.json`` in the run folder is rewritten to agree, so no published results file shows what the run hides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evaluation.core.config import Config
from evaluation.core.record import merge_results, read_results, write_results
from evaluation.stats.small_cells import monitoring_suppression, run_suppression

RESULTS_NAME = "results.json"


def protect_parts(
    parts: Mapping[str, Mapping[str, Any]], k: int, regions: Sequence[str] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[tuple[str, str, str]]]:
    """Merge per-scope results and protect them across the run.

    Parameters
    ----------
    parts : mapping of str to mapping
        Each scope's results (as its notebook wrote them).
    k : int
        Threshold ``[run] min_cell_size``.
    regions : sequence of str, optional
        The regions whose figures add up to the national ones (the config's regions).

    Returns
    -------
    merged : dict
        The protected run results.
    parts : dict
        Each scope's results, protected the same way: its keys that survive, with their (recounted) values, and
        the ``suppressed`` markers of its rows.
    hidden : list of (scope, table, row)
        Rows hidden by the run-level rule that a notebook had shown.

    Raises
    ------
    ValueError
        When two notebooks recorded one key with different values.
    """
    merged = merge_results(parts.values())
    protected, hidden = run_suppression(merged, k, regions)
    protected, _ = monitoring_suppression(protected, k, regions)  # the monitoring rounds' shares of families
    new_parts = {}
    for scope, part in parts.items():
        own = {name: protected[name] for name in part if name in protected}
        own |= {name: v for name, v in protected.items() if name not in merged and name.split(".", 1)[0] == scope}
        new_parts[scope] = dict(sorted(own.items()))
    return protected, new_parts, hidden


def merge_run(run_dir: Path, scopes: Sequence[str], cfg: Config) -> dict[str, Any]:
    """Read every scope's ``results.json``, protect them across the run, write them back and the run's.

    Parameters
    ----------
    run_dir : pathlib.Path
        The run folder (one sub-folder per scope).
    scopes : sequence of str
        The scopes executed.
    cfg : Config
        The run's configuration (``[run] min_cell_size``, its regions).

    Returns
    -------
    dict
        The run's protected results, as written to ``run_dir/results.json``.
    """
    parts = {s: read_results(run_dir / s / RESULTS_NAME) for s in scopes}
    merged, new_parts, _ = protect_parts(parts, cfg.run.min_cell_size, cfg.region_codes)
    for scope, part in new_parts.items():
        if part != parts[scope]:
            write_results(part, run_dir / scope / RESULTS_NAME)
    write_results(merged, run_dir / RESULTS_NAME)
    return merged
