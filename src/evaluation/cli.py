"""Command line ``prokus-eval`` (also ``python -m evaluation``): parse arguments, call one function per command.

A user error (bad input, bad parameter) prints one paragraph and exits with code 2, never a traceback; so does a
failed read or write (disk full, no permission, read-only file system: the path and what to do). Exit codes and
messages per command: README, "What the project refuses to do to your files".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from evaluation.core.errors import UserError

_PATH_ARGS = ("out", "data_dir", "run_dir", "config")  # the path a command was given, for an I/O error's message
_FORM_IDS = ("prokus_household_survey", "prokus_monitoring")  # the XLSForms `instrument` writes (settings form_id)


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from evaluation.core.paths import resolve
    from evaluation.synthetic.demo import generate

    if args.districts is not None:
        return _demo_data_districts(args)
    fam = args.families
    if fam is not None and (fam < 10 or fam % 5):
        raise UserError(f"--families {fam} is not a positive multiple of 5 (five regions)", fix="use e.g. 1000")
    per_region = (fam // 5) if fam else 200
    comparison = (args.comparison // 5) if args.comparison else per_region
    data = generate(
        families_per_region=per_region, comparison_per_region=comparison, seed=args.seed, pre_waves=args.pre_waves
    )
    import dataclasses

    data = dataclasses.replace(data, rounds=True)  # issue 17: the monthly monitoring rounds, in rounds/
    if args.indicators_only:  # the export shape without the questions (before issue 12)
        data = dataclasses.replace(data, items=None)
    if args.format == "kobo":
        from evaluation.synthetic.kobo import write_kobo_demo

        out = write_kobo_demo(data, resolve(args.out))
    else:
        out = data.write(resolve(args.out))
    shape = " in KoboToolbox/ODK export shape" if args.format == "kobo" else ""
    print(
        f"Synthetic demo data written to {args.out}{shape}: {len(data.roster)} families "
        f"({per_region * 5} ProKUS, {comparison * 5} comparison), seed {args.seed}; true effects in truth.json."
    )
    del out
    return 0


def _demo_data_districts(args: argparse.Namespace) -> int:
    """National-scale synthetic data, Parquet partitioned by district, plus a config listing the districts."""
    import time

    from evaluation.core.paths import resolve
    from evaluation.synthetic.national import generate_national

    fam = args.families if args.families is not None else 10_000_000
    if args.districts < 1 or fam < 4 * args.districts:
        raise UserError(
            f"--families {fam} --districts {args.districts}: every district needs at least 4 families",
            fix="use e.g. --families 10000000 --districts 514",
        )
    start = time.perf_counter()
    meta = generate_national(resolve(args.out), families=fam, districts=args.districts, seed=args.seed,
                             config_data_dir=args.out, progress=True)  # fmt: skip
    print(
        f"Synthetic national data written to {args.out}: {fam:,} families ({meta['prokus_families']:,} ProKUS) in "
        f"{args.districts} districts, Parquet partitioned by district, seed {args.seed}, "
        f"{time.perf_counter() - start:.0f} s; true effects in truth.json. Run it with "
        f"`prokus-eval run --config {args.out}/config.toml`."
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from evaluation.core.paths import PROJ_ROOT
    from evaluation.run.runner import run

    final = run(
        config=args.config,
        regions=args.regions,
        jobs=args.jobs,
        data_dir=args.data_dir,
        run_id=args.run_id,
        progress=not args.quiet,
        scheduler=args.scheduler,
        kernels=args.kernels,
    )
    try:
        shown = final.relative_to(PROJ_ROOT)
    except ValueError:
        shown = final
    print(
        f"Run complete: {shown}/ (results.json, one report.html per region and national); reports/latest points here."
    )
    # the last line says which file to open: the landing page (run's language), and the other languages' pages
    others = sorted(p.name for p in Path(final).glob("index_*.html"))
    also = f" (also {', '.join(others)})" if others else ""
    print(f"Open {shown}/index.html to start{also}.")
    return 0


def _cmd_monitor(args: argparse.Namespace) -> int:
    from evaluation.run.monitor import monitor  # issue 17: one monitoring round, every region and the nation

    out = monitor(args.period, regions=args.regions, config=args.config, data_dir=args.data_dir)
    print(f"Monitoring round {args.period} written to {out}/ (monitoring_brief_{{id,en}}.pdf/.html per scope; "
          "ids to follow up only in each scope's restricted/ folder).")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from evaluation.core.config import load_config
    from evaluation.intake.codebook import load_codebook
    from evaluation.intake.guard import configure
    from evaluation.intake.pipeline import PROBLEMS_FILE, validate

    cfg = load_config(args.config)
    configure(cfg.run)
    intake = validate(args.data_dir, load_codebook(cfg.run.codebook), cfg.design.treated_value)
    n = {t: len(df) for t, df in intake.tables.items()}
    print(
        f"{args.data_dir}: valid ({n['roster']} families, {n['programme']} programme rows, {n['survey']} survey "
        f"rows; codebook types, ranges, categories, required values, one row per family per wave, roster "
        f"membership, dates and grants checked).\n" + intake.report.terminal(f"{args.data_dir}/{PROBLEMS_FILE}")
    )
    return 0


def _is_our_form(path: Path) -> bool:
    """Whether ``path`` is an XLSForm ``instrument`` wrote (its settings sheet names one of our form ids)."""
    import zipfile

    import openpyxl

    try:
        if not zipfile.is_zipfile(path) or sum(i.file_size for i in zipfile.ZipFile(path).infolist()) > 50 * 2**20:
            return False
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            rows = list(wb["settings"].iter_rows(min_row=2, max_row=2, values_only=True))
        finally:
            wb.close()
    except Exception:  # not a workbook, no settings sheet: not ours
        return False
    return bool(rows) and any(str(v) in _FORM_IDS for v in rows[0] if v is not None)


def _instrument_targets(out: str) -> tuple[Path, Path]:
    """The two files ``instrument --out`` writes; refuse a folder, or a file it did not write, in the way."""
    from evaluation.core.atomic import NotOwned, owns_file
    from evaluation.core.paths import resolve

    survey = resolve(out)
    if survey.is_dir():
        raise NotOwned(
            "--out names an existing folder; instrument writes a file (the household survey XLSForm) and leaves "
            "the folder as it is",
            file=out,
            fix=f"name the file, e.g. --out {Path(out) / 'prokus_household_survey.xlsx'}",
        )
    if survey.suffix.lower() != ".xlsx":
        survey = survey.with_suffix(".xlsx")
    monitoring = survey.with_name(f"{survey.stem}_monitoring.xlsx")
    for target in (survey, monitoring):
        printed = [target.with_name(f"{target.stem}_{lang}{ext}") for lang in ("id", "en") for ext in (".pdf", ".docx")]
        if not target.exists():  # its printable questionnaires are replaced only beside a form it wrote
            target = next((p for p in printed if p.exists() or p.is_symlink()), target)
        if target.is_dir() or not (owns_file(target) or _is_our_form(target)):
            raise NotOwned(
                "a file or folder of this name exists and prokus-eval did not write it; it was left as it is",
                file=str(target),
                rule="instrument replaces only the XLSForms it wrote (form_id prokus_household_survey or "
                "prokus_monitoring)",
                fix="choose another --out, or move that file away yourself",
            )
    return survey, monitoring


def _cmd_instrument(args: argparse.Namespace) -> int:
    from evaluation.intake.instrument import write_instrument
    from evaluation.reporting.questionnaire import render_questionnaire

    _instrument_targets(args.out)
    paths = write_instrument(args.out)
    print("XLSForm instrument written (upload to KoboToolbox or ODK Central): " + ", ".join(map(str, paths)))
    printed = [p for form in paths for p in render_questionnaire(form, form.parent)]
    print("Printable questionnaires written (PDF, Word for editing): " + ", ".join(map(str, printed)))
    if args.roster:
        from evaluation.intake.instrument import write_preload

        pre = write_preload(args.roster, args.preload_dir)
        print(f"Family list for the forms written to {pre} (upload it with the forms; never commit it)")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from evaluation.core.config import check_range, max_jobs
    from evaluation.run.verify import verify

    if args.jobs is not None:
        check_range("--jobs", args.jobs, 1, max_jobs(), None, f"use a number from 1 to {max_jobs()}")
    if args.blas_threads is not None:
        check_range("--blas-threads", args.blas_threads, 1, 256, None, "use 1 (the reproducible default)")

    report = verify(
        args.run_dir, jobs=args.jobs, blas_threads=args.blas_threads, keep=args.keep, progress=not args.quiet
    )
    print(report.render())
    return 0 if report.ok else 1


def _cmd_release(args: argparse.Namespace) -> int:
    from evaluation.run.release import release

    summary = release(args.run_dir, args.out, k=args.k, coarsen_steps=args.coarsen)
    level = summary.level
    print(
        f"Release written: {args.out}/ ({len(summary.files)} files: CSV, Stata .dta in id and en, codebook.csv, "
        f"README.md, disclosure_risk.md). k-anonymity {level.k} (threshold {level.threshold}), coarsening: "
        f"{', '.join(level.steps) or 'none'}."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per DESIGN §6 command implemented so far)."""
    p = argparse.ArgumentParser(prog="prokus-eval", description="ProKUS 2020 evaluation: data, notebooks, reports.")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo-data", help="write synthetic data with a known truth")
    d.add_argument("--out", default="data/raw/demo", help="output directory (default data/raw/demo)")
    d.add_argument("--families", type=int, default=None, help="ProKUS families, a multiple of 5 (default 1000)")
    d.add_argument("--comparison", type=int, default=None, help="comparison families (default: as many as ProKUS)")
    d.add_argument("--seed", type=int, default=20201, help="random seed (default 20201)")
    d.add_argument(
        "--format",
        choices=("canonical", "kobo"),
        default="canonical",
        help="canonical codebook CSVs (default) or KoboToolbox/ODK Central export files",
    )
    d.add_argument(
        "--indicators-only",
        action="store_true",
        help="survey exports hold the indicator columns only, not the answers to the questions they come from",
    )
    d.add_argument(
        "--pre-waves",
        action="store_true",
        help="also a 2019 pre-programme wave and a midline (event study, parallel-trends sensitivity); off by default",
    )
    d.add_argument(
        "--districts",
        type=int,
        default=None,
        help="national scale: D districts, --families in total (default 10,000,000), Parquet by district",
    )
    d.set_defaults(func=_cmd_demo_data)

    r = sub.add_parser("run", help="execute the notebooks and render the reports")
    r.add_argument("--config", default=None, help="config file (default data/config.toml)")
    r.add_argument("--regions", nargs="+", default=None, help="region codes (default: all configured)")
    r.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel (default from config)")
    r.add_argument("--data-dir", default=None, help="data directory (default from config)")
    r.add_argument("--run-id", default=None, help="name of the run directory (default: date-time)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument(
        "--scheduler", default=None, help="run the notebooks on an existing Dask cluster (tcp://host:port)"
    )
    r.add_argument(
        "--kernels",
        choices=("warm", "fresh"),
        default=None,
        help="warm: one reused kernel per worker, reset between notebooks; fresh: a new kernel per notebook "
        "(default from config)",
    )
    r.set_defaults(func=_cmd_run)

    f = sub.add_parser("verify", help="re-execute a run; check its numbers and published files against the manifest")
    f.add_argument("run_dir", help="a run directory, e.g. reports/latest")
    f.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel (default: as recorded)")
    f.add_argument("--blas-threads", type=int, default=None, help="BLAS threads of the kernels (default: as recorded)")
    f.add_argument("--keep", action="store_true", help="keep the re-executed run (its path is printed)")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(func=_cmd_verify)

    m = sub.add_parser("monitor", help="one monitoring round: progress against plan, early warnings, follow-up")
    m.add_argument("--period", required=True, help="the round's month, YYYY-MM ([monitoring] periods of targets.toml)")
    m.add_argument("--regions", nargs="+", default=None, help="region codes (default: all configured)")
    m.add_argument("--config", default=None, help="config file (default data/config.toml)")
    m.add_argument("--data-dir", default=None, help="raw data directory with rounds/ (default from config)")
    m.set_defaults(func=_cmd_monitor)

    v = sub.add_parser("validate", help="check a data directory against the codebook")
    v.add_argument("data_dir")
    v.add_argument("--config", default=None, help="config file (default data/config.toml)")
    v.set_defaults(func=_cmd_validate)

    i = sub.add_parser("instrument", help="write the XLSForm survey instrument generated from the codebook")
    i.add_argument(
        "--out",
        default="reports/instrument/prokus_household_survey.xlsx",
        help="household survey XLSForm; the monitoring checklist is written beside it (*_monitoring.xlsx)",
    )
    i.add_argument("--roster", default=None, help="roster CSV: also write the forms' family list (keluarga.csv)")
    i.add_argument("--preload-dir", default="deploy/preload", help="where the family list goes (not in git)")
    i.set_defaults(func=_cmd_instrument)

    rel = sub.add_parser("release", help="write the pseudonymised analysis tables (CSV, Stata) with a disclosure check")
    rel.add_argument("run_dir", help="a finished run, e.g. reports/latest")
    rel.add_argument("--out", required=True, help="release folder (new, empty, or a release written before)")
    rel.add_argument("--k", type=int, default=None, help="k-anonymity threshold (default [run] min_cell_size)")
    rel.add_argument(
        "--coarsen",
        default="auto",
        help="auto (coarsen step by step until k is reached), none, or steps: age,village,household,age20,"
        "subdistrict,household_drop",
    )
    rel.set_defaults(func=_cmd_release)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"prokus-eval {args.command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, no permission, read-only file system: the path and what to do
        from evaluation.core.atomic import describe_os_error

        where = exc.filename or next((getattr(args, a) for a in _PATH_ARGS if getattr(args, a, None)), None)
        print(f"prokus-eval {args.command}: {describe_os_error(exc, where, 'reading or writing')}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:  # a binary file where text is expected (a key file, a config)
        print(
            f"prokus-eval {args.command}: a file that must be text (UTF-8) holds binary data ({exc.reason} at byte "
            f"{exc.start}). What to do: check the files this command reads: the config (--config), the codebook, "
            "and the key file named by PROKUS_PSEUDONYM_KEY_FILE, which must hold the key as one line of text.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("prokus-eval: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
