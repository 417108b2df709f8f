"""Execute the notebooks with papermill, render them to HTML and assemble one run directory.

A run is built in ``reports/<run-id>.partial/`` and renamed to ``reports/<run-id>/`` only when every notebook
succeeded, so a failure never leaves a half-written run where a finished one is expected, and earlier runs are
never touched. ``reports/latest`` (a symlink) then points at the new run. The runner holds no statistics: it
checks parameters, starts kernels, renders and merges the per-notebook ``results.json`` files.

Before anything is written (issue 14): arguments and config are range-checked, the run id is a plain name
(:func:`evaluation.run.runlock.check_run_id`), the regions and the data each scope needs are checked
(:mod:`evaluation.run.preflight`). Only then are the processed data written, the run id locked
(:class:`evaluation.run.runlock.RunLock`) and the partial folder (re)made; a partial folder is removed only when the
runner made it (its marker), and a killed run's leftovers are removed by the next run
(:func:`~evaluation.run.runlock.clean_leftovers`).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import nbformat

from evaluation.core.atomic import NotOwned, describe_os_error, owned_by
from evaluation.core.config import NATIONAL, Config, check_range, load_config, max_jobs
from evaluation.core.errors import UserError
from evaluation.core.paths import NOTEBOOKS_DIR, PROJ_ROOT, resolve
from evaluation.run.manifest import build_manifest, display_path, write_manifest
from evaluation.run.merge import merge_run
from evaluation.run.runlock import check_run_id, clean_leftovers, kernel_tempdir, mark_partial, run_lock

REGION_NOTEBOOK = "region_evaluation.ipynb"
NATIONAL_NOTEBOOK = "national_synthesis.ipynb"
NATIONAL_SCALE_NOTEBOOK = "national_scale.ipynb"
MONITORING_NOTEBOOK = "monitoring_round.ipynb"  # issue 17: one round of one scope; task scope monitoring/<period>/<s>
MONITORING = "monitoring"
REGION_PARAMETERS = ("region", "data_dir", "config", "language", "output_dir")
NATIONAL_PARAMETERS = ("data_dir", "config", "language", "output_dir")
KERNEL = "python3"


class RunError(UserError):
    """A notebook failed, or the run could not be set up."""


@dataclass(frozen=True)
class Task:
    """One notebook execution."""

    scope: str
    notebook: Path
    parameters: dict[str, str]

    @property
    def label(self) -> str:
        """Readable name for messages."""
        return f"{self.scope} ({self.notebook.name})"


def _relative(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(PROJ_ROOT))
    except ValueError:
        return str(p.resolve())


def declared_parameters(notebook: Path) -> tuple[str, ...]:
    """Names assigned in the notebook's cell tagged ``parameters``; an error when there is no such cell."""
    import papermill

    nb = nbformat.read(notebook, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells if c.cell_type == "code"):
        raise RunError(
            "the notebook has no cell tagged 'parameters'",
            file=_relative(notebook),
            rule="every notebook declares its papermill parameters in one code cell tagged 'parameters'",
            fix="tag the parameter cell (JupyterLab: property inspector, Cell Tags)",
        )
    return tuple(papermill.inspect_notebook(str(notebook)))


def check_parameters(task: Task) -> None:
    """Refuse unknown or missing parameters (papermill would only warn)."""
    declared = set(declared_parameters(task.notebook))
    given = set(task.parameters)
    unknown, missing = sorted(given - declared), sorted(declared - given)
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown parameter(s) {', '.join(unknown)}")
        if missing:
            parts.append(f"parameter(s) {', '.join(missing)} not supplied")
        raise RunError(
            "; ".join(parts) + f" for {task.label}",
            file=_relative(task.notebook),
            rule=f"the parameters cell declares exactly {', '.join(sorted(declared))}",
            fix="keep the notebook's parameters cell and the runner in step",
        )


_KERNEL_ENV = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "PYTHONHASHSEED",
    "MPLBACKEND", "SOURCE_DATE_EPOCH", "PROKUS_ROOT", "PYDEVD_DISABLE_FILE_VALIDATION", "PYTHONPATH",
)  # fmt: skip  # sent to every worker, local or remote, before its kernels start


def _kernel_environment(cfg: Config) -> None:
    """Environment inherited by every kernel: pinned BLAS threads, fixed hash seed, headless matplotlib."""
    threads = str(cfg.run.blas_threads)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ[var] = threads
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    os.environ["PROKUS_ROOT"] = str(PROJ_ROOT)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def render_html(executed: Path, out_html: Path) -> Path:
    """Render an executed notebook to HTML with code hidden, a table of contents and nothing loaded from the web."""
    from evaluation.reporting.technical import render_technical_report

    return render_technical_report(executed, out_html)


def execute(task: Task, out_dir: Path, timeout: int, warm: bool = False) -> Path:
    """Run one notebook into ``out_dir`` (executed notebook, HTML, figures, results.json).

    ``warm``: run it on this thread's reused kernel (:mod:`evaluation.run.warm_kernels`), reset for it, instead of
    starting a new kernel.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / "notebook.ipynb"
    engine: dict[str, object] = {}
    if warm:
        from evaluation.run import warm_kernels

        try:
            engine = {"engine_name": warm_kernels.ENGINE, "km": warm_kernels.warm_kernel(KERNEL, str(PROJ_ROOT)).km}
        except Exception as exc:
            raise RunError(
                f"no kernel could be started for {task.scope}: {type(exc).__name__}: {exc}",
                file=_relative(task.notebook),
                fix='check that the environment was set up with `make venv`; or set [run] kernels = "fresh"',
            ) from None
    try:
        papermill.execute_notebook(
            str(task.notebook),
            str(executed),
            parameters=task.parameters,
            kernel_name=KERNEL,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            cwd=str(PROJ_ROOT),
            execution_timeout=timeout,
            **engine,
        )
    except PapermillExecutionError as exc:
        disk = _disk_errno(f"{exc.ename}: {exc.evalue}")
        if disk is not None:
            raise _disk_error(disk, out_dir, task) from None
        raise RunError(
            f"notebook {task.notebook.name} failed for {task.scope} in cell {exc.exec_count}: "
            f"{exc.ename}: {str(exc.evalue).strip()}",
            file=_relative(executed),
            fix="open the executed notebook named here to see the failing cell; correct the input or the code",
        ) from None
    except Exception as exc:  # dead kernel, timeout, kernel not found
        if warm:  # the kernel may be dead or still busy: never reuse it
            from evaluation.run import warm_kernels

            warm_kernels.discard()
        disk = _disk_errno(exc)
        if disk is not None:
            raise _disk_error(disk, out_dir, task) from None
        raise RunError(
            f"notebook {task.notebook.name} could not run for {task.scope}: {type(exc).__name__}: {exc}",
            file=_relative(task.notebook),
            fix="check that the environment was set up with `make venv` and that the kernel 'python3' exists",
        ) from None
    if not (out_dir / "results.json").is_file():
        raise RunError(
            f"notebook {task.notebook.name} for {task.scope} finished without writing results.json",
            file=_relative(task.notebook),
            fix="keep the final `ev.save()` cell in the notebook",
        )
    render_html(executed, out_dir / "report.html")
    return out_dir


_DISK_TEXT = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "Read-only file system": errno.EROFS,
}


def _disk_errno(exc: BaseException | str) -> int | None:
    """The errno of a full or read-only disk behind ``exc`` (its chain, or its text from a kernel), else None."""
    if isinstance(exc, str):
        return next((no for text, no in _DISK_TEXT.items() if text in exc), None)
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            return e.errno
        found = _disk_errno(str(e))
        if found is not None:
            return found
        e = e.__cause__ or e.__context__
    return None


def _disk_error(no: int, out_dir: Path, task: Task) -> RunError:
    """A notebook stopped because the disk is full or read-only: say so (not 'check the environment')."""
    base = describe_os_error(OSError(no, os.strerror(no)), _relative(out_dir), "writing")
    return RunError(f"notebook {task.notebook.name} for {task.scope}: {base.message}", file=base.file, fix=base.fix)


@contextmanager
def _kernel_stderr(log_path: Path) -> Iterator[IO[str]]:
    """Send file descriptor 2 (inherited by the kernels, whose start-up chatter lands there) to ``log_path``.

    Yields a text stream on the original standard error for the progress bar.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with log_path.open("ab") as log:
        os.dup2(log.fileno(), 2)
        console = os.fdopen(os.dup(saved), "w", buffering=1)
        try:
            yield console
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            console.close()


def _new_run_id(reports: Path) -> str:
    base = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_id, i = base, 1
    while any((reports / name).exists() for name in (run_id, f"{run_id}.partial", f".{run_id}.lock")):
        i += 1
        run_id = f"{base}-{i}"
    return run_id


def plan(cfg: Config, regions: Sequence[str] | None, data_dir: str | None, out_root: Path) -> list[Task]:
    """Tasks for the selected regions (default all configured) and the national synthesis."""
    codes = [str(r) for r in regions] if regions else list(cfg.region_codes)
    for code in codes:
        cfg.region(code)
    data = data_dir or cfg.run.data_dir
    common = {"data_dir": data, "config": display_path(cfg.path), "language": cfg.run.language}  # no machine path
    tasks = [
        Task(
            code, NOTEBOOKS_DIR / REGION_NOTEBOOK, {"region": code, **common, "output_dir": _relative(out_root / code)}
        )
        for code in codes
    ]
    from evaluation.intake.districts import is_partitioned

    # District-partitioned (national-scale) data: the national synthesis reads compact arrays of every district.
    national = NATIONAL_SCALE_NOTEBOOK if is_partitioned(data) else NATIONAL_NOTEBOOK
    tasks.append(Task(NATIONAL, NOTEBOOKS_DIR / national, {**common, "output_dir": _relative(out_root / NATIONAL)}))
    tasks += _monitoring_tasks(cfg, [*codes, NATIONAL], data, common, out_root)
    return tasks


def _monitoring_tasks(cfg: Config, scopes: list[str], data: str, common: dict, out_root: Path) -> list[Task]:
    """One monitoring-round notebook per period and scope when the processed data hold rounds (issue 17)."""
    if not (resolve(data) / "rounds.csv").is_file():
        return []
    from evaluation.core.monitoring_plan import load_monitoring_plan

    periods = load_monitoring_plan(cfg.run.targets).periods
    return [
        Task(f"{MONITORING}/{p}/{s}", NOTEBOOKS_DIR / MONITORING_NOTEBOOK,
             {"region": s, "period": p, **common, "output_dir": _relative(out_root / MONITORING / p / s)})
        for p in periods
        for s in scopes
    ]  # fmt: skip


def render_reports(run_dir: Path, cfg: Config, scopes: Sequence[str], run_id: str, jobs: int) -> Path:
    """Briefs, workbooks and the landing page of a finished set of notebooks (:mod:`evaluation.reporting`)."""
    from evaluation.reporting import render_run

    rounds = [s for s in scopes if s.startswith(f"{MONITORING}/")]  # monitoring rounds have their own brief
    scopes = [s for s in scopes if s not in rounds]
    try:
        if rounds:
            from evaluation.reporting.monitoring_brief import render_rounds

            render_rounds(run_dir / MONITORING, cfg, rounds)
        return render_run(run_dir, cfg, scopes, run_id=run_id, jobs=jobs)
    except UserError:
        raise
    except Exception as exc:
        raise RunError(
            f"rendering the briefs failed: {type(exc).__name__}: {exc}. The unfinished run stays in "
            f"{_relative(run_dir)} for inspection; it is not a run.",
            fix="run `prokus-eval run` again; if it fails the same way, report it with this message",
        ) from exc


def _failed(partial: Path, exc: BaseException) -> None:
    """Mark a partial run folder as failed (kept for inspection); an interrupted one stays 'running' (cleaned)."""
    if isinstance(exc, KeyboardInterrupt):
        return
    try:
        mark_partial(partial, "failed")
    except OSError:  # a full or read-only disk: the folder then counts as killed and the next run cleans it
        pass
def write_instrument_files(out: Path, cfg: Config) -> list[Path]:
    """The run's XLSForms (from its codebook) and their printable questionnaires (PDF, Word; id and en) in ``out``.

    ``prokus_household_survey.xlsx`` (the household survey) and ``prokus_monitoring_visit.xlsx`` (the field
    officers' visit form), each with ``_{id,en}.pdf`` and ``.docx`` beside it.

    The XLSX files are normalised (no save time in them), so two runs write the same bytes and ``verify`` can
    compare them like every other output.
    """
    from evaluation.core.atomic import write_bytes
    from evaluation.intake.codebook import load_codebook
    from evaluation.intake.instrument import write_instrument
    from evaluation.reporting.questionnaire import fixed_zip, render_questionnaire

    survey, monitoring = write_instrument(out / "prokus_household_survey.xlsx", load_codebook(cfg.run.codebook))
    # the field officers' form under its own name (write_instrument puts it beside the survey as <stem>_monitoring)
    visit = monitoring.with_name("prokus_monitoring_visit.xlsx")
    os.replace(monitoring, visit)
    forms = [survey, visit]
    for form in forms:
        write_bytes(form, fixed_zip(Path(form).read_bytes()))
    return [*forms, *(p for form in forms for p in render_questionnaire(form, out))]


def _update_latest(reports: Path, run_id: str) -> None:
    link = reports / "latest"
    tmp = reports / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_id)
    os.replace(tmp, link)


def run(
    config: str | None = None,
    regions: Sequence[str] | None = None,
    jobs: int | None = None,
    data_dir: str | None = None,
    run_id: str | None = None,
    progress: bool = True,
    scheduler: str | None = None,
    kernels: str | None = None,
) -> Path:
    """Execute every notebook of a run and return the finished run directory.

    Notebooks run on a local Dask cluster of ``jobs`` workers, or on the existing Dask cluster at ``scheduler``
    (``tcp://host:port``); see :mod:`evaluation.run.executor`. ``kernels`` (``"warm"`` or ``"fresh"``) overrides
    ``[run] kernels``: one reused kernel per worker (:mod:`evaluation.run.warm_kernels`) or a new one per notebook.
    """
    from evaluation.intake.districts import check_partitioned, is_partitioned
    from evaluation.intake.guard import configure as configure_input_limits
    from evaluation.intake.pipeline import validate
    from evaluation.run.preflight import check_data, check_regions

    cfg = load_config(config)
    # Check everything before writing anything: arguments, regions, data (issue 14).
    n_jobs = check_jobs(jobs if jobs is not None else cfg.run.jobs, None if jobs is not None else cfg.path)
    rid = check_run_id(run_id) if run_id is not None else None
    codes = check_regions(cfg, regions)
    configure_input_limits(cfg.run)
    raw_dir = data_dir or cfg.run.data_dir
    partitioned = is_partitioned(raw_dir)
    if partitioned:  # national-scale synthetic Parquet by district: no personal data, no intake step
        check_partitioned(raw_dir, regions or cfg.region_codes)
    else:  # validate (writes only the problem list), then check what every scope needs, before data/processed
        intake = validate(raw_dir, treated_value=cfg.design.treated_value)
        check_data(cfg, codes, intake.tables, explicit=bool(regions))
        del intake
    # Processed data (content-keyed, written whole; the key is checked here) before the reports folder is touched.
    data_dir = raw_dir if partitioned else _prepared(raw_dir, cfg)
    reports = resolve(cfg.run.reports_dir)
    try:
        reports.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise describe_os_error(exc, _relative(reports)) from None
    clean_leftovers(reports)
    lock = run_lock(reports, rid) if rid else None
    while lock is None:  # a new date-time id; two runs started in the same second get -2, -3, ...
        lock = run_lock(reports, _new_run_id(reports))
        lock = lock if lock.try_acquire() else None
    rid = rid or lock.path.name[1:].removesuffix(".lock")
    with lock:
        return _locked_run(cfg, codes, raw_dir, data_dir, reports, rid, n_jobs, progress, scheduler, kernels)


def check_jobs(jobs: int, where: str | None) -> int:
    """Refuse a number of parallel notebooks outside 1 .. :func:`~evaluation.core.config.max_jobs` (issue 14).

    Parameters
    ----------
    jobs : int
        ``--jobs`` or ``[run] jobs``.
    where : str or None
        The config file it came from; None for ``--jobs``.

    Returns
    -------
    int
        ``jobs``.

    Raises
    ------
    UserError
        When it is out of range.
    """
    name = "--jobs" if where is None else "[run] jobs"
    check_range(name, jobs, 1, max_jobs(), where, f"use a number from 1 to {max_jobs()} (e.g. the number of cores)")
    return jobs


def _prepared(raw_dir: str, cfg: Config) -> str:
    """Validate, pseudonymise and write the processed data (:func:`evaluation.intake.pipeline.prepare`)."""
    from evaluation.intake.pipeline import prepare

    try:
        processed, _ = prepare(raw_dir, cfg.run.processed_dir, treated_value=cfg.design.treated_value)
    except OSError as exc:  # disk full or read-only data/processed: nothing half-written (atomic folder)
        raise describe_os_error(exc, cfg.run.processed_dir) from None
    return _relative(processed)


def _locked_run(
    cfg: Config,
    codes: list[str],
    raw_dir: str,
    data_dir: str,
    reports: Path,
    rid: str,
    n_jobs: int,
    progress: bool,
    scheduler: str | None,
    kernels: str | None,
) -> Path:
    """The part of :func:`run` that writes the run folder: called with the run id locked and every check passed."""
    final = reports / rid
    if final.exists() or final.is_symlink():
        raise RunError("the run directory already exists", file=_relative(final), fix="choose another --run-id")
    partial = reports / f"{rid}.partial"
    if partial.exists() or partial.is_symlink():
        if partial.is_symlink() or not partial.is_dir() or not (owned_by(partial) or "").startswith("run "):
            raise NotOwned(
                "a folder of this name is in the way, and prokus-eval run did not make it (no .prokus-owned "
                "marker); it was left as it is",
                file=_relative(partial),
                fix="move it away yourself, or choose another --run-id",
            )
        shutil.rmtree(partial)  # an earlier failed or killed run of this id, made by the runner
    regions = codes
    tasks = plan(cfg, regions, data_dir, partial)
    for task in tasks:
        check_parameters(task)
    _kernel_environment(cfg)
    manifest = build_manifest(cfg, tasks, data_dir, rid, n_jobs, raw_dir=raw_dir)  # inputs hashed before any run
    partial.mkdir(parents=True)
    mark_partial(partial, "running")
    from tqdm import tqdm

    try:
        from evaluation.run.executor import dask_client, run_all

        env = {k: os.environ[k] for k in _KERNEL_ENV if k in os.environ}
        with (
            kernel_tempdir(),
            _kernel_stderr(partial / "kernels.log") as console,
            dask_client(n_jobs, scheduler) as client,
        ):
            bar = tqdm(total=len(tasks), desc="notebooks", unit="nb", disable=not progress, file=console)

            def done(scope: str) -> None:
                bar.update(1)
                bar.set_postfix_str(scope)

            warm = (kernels or cfg.run.kernels) == "warm"
            items = [(t.scope, (t, partial / t.scope, cfg.run.cell_timeout_seconds, warm)) for t in tasks]
            run_all(client, execute, items, env, on_done=done, prefix=f"prokus-{rid}")
            bar.close()
    except BaseException as exc:
        _failed(partial, exc)
        if isinstance(exc, UserError):
            raise RunError(
                exc.message + f" The unfinished run stays in {_relative(partial)} for inspection; it is not a run.",
                file=exc.file,
                fix=exc.fix,
            ) from None
        raise
    try:
        merge_run(partial, [t.scope for t in tasks], cfg)  # disclosure control across tables and scopes, then write
        write_manifest(manifest, partial)  # first, so that the landing page can link it
        write_instrument_files(partial / "instrument", cfg)  # the forms and the printable questionnaire
        render_reports(partial, cfg, [t.scope for t in tasks], rid, n_jobs)  # the landing page links the forms
        write_manifest(manifest, partial)  # again, so that the output hashes cover the reports
        mark_partial(partial, "complete")
        partial.rename(final)
    except BaseException as exc:
        _failed(partial, exc)
        if isinstance(exc, OSError):
            raise describe_os_error(exc, _relative(partial)) from None
        raise
    _update_latest(reports, rid)
    return final
