"""Typed, frozen configuration checked at the boundary (pyfixest ``estimation/config.py`` style).

``load_config`` reads ``data/config.toml`` (TOML, Python's ``tomllib``), rejects unknown or missing keys with a
message naming the file and key, and returns a :class:`Config`. Notebooks build their settings from it plus their
papermill parameters through :func:`evaluation.analysis.evaluation.open_region`; nothing deeper in the code reads the
file.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from evaluation.core.errors import UserError
from evaluation.core.paths import DEFAULT_CONFIG, resolve

Language = Literal["id", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)
NATIONAL = "national"
REGION_COLUMN = "region_code"  # the column of the roster and the analysis table that holds a family's region code
KERNEL_MODES = ("warm", "fresh")  # [run] kernels: reuse one kernel per worker, or start one per notebook
BRIEF_SCOPES = ("all", "national")  # [run] briefs: which scopes get policy briefs (the rest keep report + workbook)


@dataclass(frozen=True)
class Region:
    """One ProKUS region (a regency, or DKI Jakarta province)."""

    code: str
    name: str
    province: str


@dataclass(frozen=True)
class RunSettings:
    """Where data and reports live and how notebooks are executed."""

    data_dir: str = "data/raw/demo"
    codebook: str = "data/codebook.csv"
    targets: str = "data/targets.toml"
    reports_dir: str = "reports"
    language: Language = "id"
    seed: int = 20201
    jobs: int = 2
    cell_timeout_seconds: int = 600
    blas_threads: int = 1
    processed_dir: str = "data/processed"
    min_cell_size: int = 10
    verify_rel_tolerance: float = 1e-9
    briefs: str = "all"  # scopes that get policy briefs: "all", or "national" (district-scale runs)
    kernels: str = "warm"  # "warm": one reused kernel per worker (run.warm_kernels); "fresh": one per notebook
    max_input_mb: int = 200  # an export file (CSV or XLSX) larger than this is refused before it is read
    max_unpacked_mb: int = 500  # an XLSX whose parts unpack to more than this is refused before it is opened
    max_compression_ratio: int = 100  # ... or whose parts unpack to more than this many times their packed size


@dataclass(frozen=True)
class DesignSettings:
    """The evaluation design: unit, periods, arms and clustering."""

    unit: str = "family_id"
    period: str = "wave"
    before: str = "baseline"
    after: str = "endline"
    group: str = "group"
    treated_value: str = "prokus"
    cluster: str = "village"
    alpha: float = 0.05


@dataclass(frozen=True)
class AnalysisSettings:
    """Outcomes analysed and which of them lead the reports."""

    outcomes: tuple[str, ...] = ()
    headline: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``path`` is the file it came from."""

    path: str
    run: RunSettings
    design: DesignSettings
    analysis: AnalysisSettings
    regions: tuple[Region, ...] = field(default_factory=tuple)

    @property
    def region_codes(self) -> tuple[str, ...]:
        """Region codes in config order."""
        return tuple(r.code for r in self.regions)

    def region(self, code: str) -> Region:
        """Return the region with ``code``; a clear error when it is not configured."""
        for r in self.regions:
            if r.code == str(code):
                return r
        raise UserError(
            f"region '{code}' is not configured",
            file=self.path,
            rule=f"region must be one of {', '.join(self.region_codes)} or '{NATIONAL}'",
            fix="use a configured region code, or add a [[regions]] entry to the config",
        )

    def scope_name(self, scope: str) -> str:
        """Human name of a scope (region code or ``national``)."""
        if scope == NATIONAL:
            return "Nasional" if self.run.language == "id" else "National"
        return self.region(scope).name


def select_scope(table: Any, scope: str) -> Any:
    """Rows of one scope: the rows of region ``scope`` (by :data:`REGION_COLUMN`), or every row for ``national``.

    Scopes are the project's, so choosing a scope's rows happens here and in the notebooks' analysis, never in
    the statistics (:mod:`evaluation.stats` takes the rows it is given).

    Parameters
    ----------
    table : pandas.DataFrame
        A table with a :data:`REGION_COLUMN` column (the roster, the programme table or the analysis table).
    scope : str
        A region code or ``"national"``.

    Returns
    -------
    pandas.DataFrame
        ``table`` itself for ``national``, else the rows whose region code equals ``scope``.

    Raises
    ------
    ValueError
        When no row belongs to region ``scope``.
    """
    if scope == NATIONAL:
        return table
    sub = table[table[REGION_COLUMN] == scope]
    if sub.empty:
        raise ValueError(f"no rows for region {scope!r} in the data")
    return sub


def _build(cls: type, table: dict[str, Any], where: str, path: str) -> Any:
    """Build the frozen dataclass ``cls`` from one TOML table, refusing unknown keys and wrong types.

    Shared by the config, the analysis plan and the targets file, so that all three fail the same clear way.
    """
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(names))
    if unknown:
        raise UserError(
            f"unknown key(s) {', '.join(unknown)} in [{where}]",
            file=path,
            rule=f"[{where}] accepts {', '.join(sorted(names))}",
            fix="correct the spelling or remove the key",
        )
    kwargs: dict[str, Any] = {}
    for name, value in table.items():
        default = names[name].default
        if isinstance(default, tuple) and default and isinstance(default[0], int | float):  # a list of numbers
            if not isinstance(value, list) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value
            ):
                raise UserError(f"[{where}] {name} must be a list of numbers", file=path, fix="write e.g. [1, 3, 5]")
            value = tuple(type(default[0])(v) for v in value)
        elif isinstance(default, tuple) or (default is dataclasses.MISSING and isinstance(value, list)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UserError(f"[{where}] {name} must be a list of names", file=path, fix='write e.g. ["a", "b"]')
            value = tuple(value)
        elif default is not dataclasses.MISSING and not isinstance(default, tuple):
            expected = type(default)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or isinstance(value, bool) != isinstance(default, bool):
                raise UserError(
                    f"[{where}] {name} = {value!r} has the wrong type",
                    file=path,
                    rule=f"{name} must be a {expected.__name__}",
                    fix=f"write a {expected.__name__}, e.g. {default!r}",
                )
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise UserError(f"[{where}] is incomplete: {exc}", file=path, fix="add the missing key") from None


def read_toml(
    path: str | Path | None, default: Path, what: str, sections: set[str], missing_fix: str
) -> tuple[dict[str, Any], str]:
    """Read one of the project's TOML files and refuse unknown sections; returns the table and the path as shown.

    Shared by the config, the analysis plan and the targets file, so that all three fail the same clear way.
    """
    p = resolve(path) if path else default
    shown = str(path) if path else str(default)
    if not p.is_file():
        raise UserError(f"the {what} does not exist", file=shown, fix=missing_fix)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"the {what} is not valid TOML ({exc})", file=shown, fix="fix the TOML syntax") from None
    unknown = sorted(set(raw) - sections)
    if unknown:
        raise UserError(
            f"unknown section(s) {', '.join(unknown)}",
            file=shown,
            rule=f"sections are {', '.join(sorted(sections))}",
            fix="correct the section name",
        )
    return raw, shown


MIN_CELL_SIZE_FLOOR = 3  # below this, disclosure control is refused outright
MIN_CELL_SIZE_ADVISED = 10  # below this (down to the floor), a warning says disclosure control is weakened


def max_jobs() -> int:
    """The largest accepted number of parallel notebooks: four per CPU core, at least 8.

    Returns
    -------
    int
        ``max(8, 4 * os.cpu_count())``.
    """
    return max(8, 4 * (os.cpu_count() or 1))


def check_range(name: str, value: int | float, low: int | float, high: int | float | None, where: str | None,
                fix: str) -> None:  # fmt: skip
    """Refuse ``value`` outside ``[low, high]`` with the allowed range in the message.

    Parameters
    ----------
    name : str
        The setting or argument as the user wrote it (``[run] jobs``, ``--jobs``).
    value : int or float
        Its value.
    low, high : int or float
        The allowed range (``high`` None: no upper bound).
    where : str or None
        The file it came from (None for a command-line argument).
    fix : str
        What to do.

    Raises
    ------
    UserError
        When ``value`` is outside the range.
    """
    if value < low or (high is not None and value > high):
        allowed = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise UserError(f"{name} = {value} is out of range", file=where, rule=f"{name} is {allowed}", fix=fix)


def _check_run_ranges(run: RunSettings, shown: str) -> None:
    """Range-check the numbers of ``[run]`` at load (issue 14), before anything is read or written."""
    check_range("[run] jobs", run.jobs, 1, max_jobs(), shown, "use e.g. 2 (the machine's number of cores)")
    check_range("[run] blas_threads", run.blas_threads, 1, 256, shown, "use 1 (the reproducible default)")
    check_range("[run] cell_timeout_seconds", run.cell_timeout_seconds, 1, None, shown, "use e.g. 600")
    check_range("[run] seed", run.seed, 0, 2**63 - 1, shown, "use e.g. 20201")
    check_range(
        "[run] min_cell_size", run.min_cell_size, MIN_CELL_SIZE_FLOOR, None, shown,
        f"use {MIN_CELL_SIZE_ADVISED} (the default); a cell describing fewer families than this is suppressed",
    )  # fmt: skip
    for name in ("max_input_mb", "max_unpacked_mb", "max_compression_ratio"):
        check_range(f"[run] {name}", getattr(run, name), 1, None, shown, f"use e.g. {getattr(RunSettings, name)}")
    if run.min_cell_size < MIN_CELL_SIZE_ADVISED:
        print(
            f"prokus-eval: warning: {shown}: [run] min_cell_size = {run.min_cell_size} is below the advised "
            f"{MIN_CELL_SIZE_ADVISED}: disclosure control is weakened (published cells may describe as few as "
            f"{run.min_cell_size} families). Use {MIN_CELL_SIZE_ADVISED} unless your data protection officer agreed.",
            file=sys.stderr,
        )


def load_config(path: str | Path | None = None) -> Config:
    """Read and check the TOML configuration (default ``data/config.toml``)."""
    raw, shown = read_toml(
        path,
        DEFAULT_CONFIG,
        "configuration file",
        {"run", "design", "analysis", "regions"},
        "pass --config with an existing file",
    )
    run = _build(RunSettings, raw.get("run", {}), "run", shown)
    _check_run_ranges(run, shown)
    if run.language not in LANGUAGES:
        raise UserError(
            f"[run] language = {run.language!r} is not supported",
            file=shown,
            rule="language is 'id' or 'en'",
            fix="use 'id' or 'en'",
        )
    if not 0 <= run.verify_rel_tolerance < 1:
        raise UserError(
            f"[run] verify_rel_tolerance = {run.verify_rel_tolerance} is outside [0, 1)",
            file=shown,
            fix="use e.g. 1e-9",
        )
    if run.briefs not in BRIEF_SCOPES:
        raise UserError(
            f"[run] briefs = {run.briefs!r} is not supported",
            file=shown,
            rule=f"briefs is one of {', '.join(BRIEF_SCOPES)}",
            fix='use "all" (every scope) or "national" (only the national brief; districts keep their reports)',
        )
    if run.kernels not in KERNEL_MODES:
        raise UserError(
            f"[run] kernels = {run.kernels!r} is not supported",
            file=shown,
            rule=f"kernels is one of {', '.join(KERNEL_MODES)}",
            fix='use "warm" (one reused kernel per worker, reset between notebooks) or "fresh" (one per notebook)',
        )
    design = _build(DesignSettings, raw.get("design", {}), "design", shown)
    if not 0 < design.alpha < 1:
        raise UserError(f"[design] alpha = {design.alpha} is outside (0, 1)", file=shown, fix="use e.g. 0.05")
    analysis = _build(AnalysisSettings, raw.get("analysis", {}), "analysis", shown)
    if not analysis.outcomes:
        raise UserError("[analysis] outcomes is empty", file=shown, fix="list at least one outcome from the codebook")
    missing_headline = [h for h in analysis.headline if h not in analysis.outcomes]
    if missing_headline:
        raise UserError(
            f"[analysis] headline names {', '.join(missing_headline)}, which are not in outcomes",
            file=shown,
            fix="add them to outcomes or remove them from headline",
        )
    regions_raw = raw.get("regions", [])
    if not regions_raw:
        raise UserError("no [[regions]] configured", file=shown, fix="add at least one [[regions]] entry")
    regions = []
    for i, r in enumerate(regions_raw):
        if "code" in r:
            r = {**r, "code": str(r["code"])}
        regions.append(_build(Region, r, f"regions #{i + 1}", shown))
    codes = [r.code for r in regions]
    if len(set(codes)) != len(codes) or NATIONAL in codes:
        raise UserError("region codes must be unique and not 'national'", file=shown, fix="fix the [[regions]] codes")
    return Config(path=shown, run=run, design=design, analysis=analysis, regions=tuple(regions))


def with_overrides(cfg: Config, **run_overrides: Any) -> Config:
    """Return ``cfg`` with some ``[run]`` settings replaced (e.g. language from a notebook parameter)."""
    clean = {k: v for k, v in run_overrides.items() if v is not None}
    if "language" in clean and clean["language"] not in LANGUAGES:
        raise UserError(
            f"language {clean['language']!r} is not supported", rule="language is 'id' or 'en'", fix="use 'id' or 'en'"
        )
    return dataclasses.replace(cfg, run=dataclasses.replace(cfg.run, **clean))
