"""Reports people read, rendered from a run's ``results.json`` (never from an estimator).

Per scope (each region and ``national``): a policy brief in Bahasa Indonesia and English as PDF and HTML
(:mod:`~evaluation.reporting.brief`), the same brief as an editable Word file
(:mod:`~evaluation.reporting.docx_brief`), publication tables of the effects and of baseline balance in LaTeX, Word
and HTML (:mod:`~evaluation.reporting.pubtables`) and an Excel workbook of the main tables
(:mod:`~evaluation.reporting.workbook`); the technical report is the executed notebook as offline HTML with a table
of contents (:mod:`~evaluation.reporting.technical`, called by the runner for each notebook). Per run: the landing page
``index.html`` (:mod:`~evaluation.reporting.landing`). :func:`render_run` does the briefs, workbooks and landing
page; the runner calls it once the notebooks have finished.

May import: :mod:`evaluation.text`, :mod:`evaluation.core` and the codebook (:mod:`evaluation.intake.codebook`);
never :mod:`evaluation.stats`, :mod:`evaluation.analysis`, the intake pipeline, synthetic, run or the CLI.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.core.config import NATIONAL, Config

if TYPE_CHECKING:
    from evaluation.reporting.context import RunContext


_CONTEXTS: dict[tuple, RunContext] = {}  # one open run per process (a worker renders many scopes of the same run)


def _context(run_dir: str, cfg: Config, run_id: str | None) -> RunContext:
    """``open_run`` once per process and run: results.json of 514 districts is ~50 MB, read once, not per brief."""
    from evaluation.reporting.context import open_run

    stat = (Path(run_dir) / "results.json").stat()
    key = (str(Path(run_dir).resolve()), run_id, stat.st_mtime_ns, stat.st_size, repr(cfg))
    if key not in _CONTEXTS:
        _CONTEXTS.clear()
        _CONTEXTS[key] = open_run(run_dir, cfg, run_id)
    return _CONTEXTS[key]


def _render_one(run_dir: str, cfg: Config, run_id: str | None, scope: str, lang: str | None) -> str:
    from evaluation.reporting.brief import render_brief
    from evaluation.reporting.pubtables import write_tables
    from evaluation.reporting.workbook import write_workbook

    ctx = _context(run_dir, cfg, run_id)
    if lang is None:
        return str(write_workbook(ctx, scope, cfg.run.language))
    write_tables(ctx, scope, lang)
    return str(render_brief(ctx, scope, lang)["pdf"])


def render_run(
    run_dir: str | Path,
    cfg: Config,
    scopes: Sequence[str] | None = None,
    run_id: str | None = None,
    jobs: int = 1,
) -> Path:
    """Briefs (both languages, PDF + HTML) and workbook of every scope, then the landing page; returns its path.

    With ``jobs > 1`` the briefs are drawn in that many worker processes, forked from a fresh *forkserver* that
    has imported matplotlib and typst once (plain ``fork`` of a process whose typst thread pool has run can
    deadlock); the files written are the same either way.
    """
    from evaluation.reporting.context import LANGUAGES, open_run
    from evaluation.reporting.landing import render_landing

    ctx = open_run(run_dir, cfg, run_id)
    # [run] briefs = "national": districts keep their technical report and workbook, only the nation gets briefs
    every = cfg.run.briefs == "all"
    todo = [
        (scope, lang)
        for scope in (scopes or ctx.scopes())
        for lang in ((*LANGUAGES, None) if every or scope == NATIONAL else (None,))
    ]
    args = [(str(run_dir), cfg, ctx.run_id, scope, lang) for scope, lang in todo]
    if jobs > 1 and len(args) > 1:
        mp = multiprocessing.get_context("forkserver")
        mp.set_forkserver_preload(
            ["evaluation.reporting.brief", "evaluation.reporting.pubtables", "evaluation.reporting.workbook"]
        )
        with ProcessPoolExecutor(max_workers=jobs, mp_context=mp) as pool:
            list(pool.map(_render_one, *zip(*args, strict=True)))
    else:
        for a in args:
            _render_one(*a)
    return render_landing(ctx)
