"""The codebook: the single source of truth for every variable (DESIGN §3).

``data/codebook.csv`` has one row per variable: name, table (roster, programme, survey), type, labels in Bahasa
Indonesia and English, unit, valid range or categories, the waves it is asked in, whether it is personal data and
whether it is required. Labels in reports, the validation rules and the survey instrument are all derived from it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from evaluation.core.errors import UserError
from evaluation.core.paths import DEFAULT_CODEBOOK, resolve

TABLES = ("roster", "programme", "survey")
TYPES = ("id", "string", "category", "multiple", "integer", "number", "binary", "date")
COLUMNS = (
    "name",
    "table",
    "type",
    "label_id",
    "label_en",
    "unit_id",
    "unit_en",
    "min",
    "max",
    "categories",
    "waves",
    "personal",
    "required",
    "description",
)
# Optional columns (group and relevant added for the XLSForm instrument, missing_codes for the don't-know and
# refused codes of the instrument); a codebook without them still loads, and a row that has fewer fields than the
# header reads them as empty. Optional columns may come in any order after the required ones. good_direction (issue
# 15): "up" when a higher value is better for the family, "down" when lower is better (food insecurity), empty for
# variables that are not outcomes; the reports show it beside every outcome.
OPTIONAL_COLUMNS = ("group", "relevant", "missing_codes", "good_direction")
GOOD_DIRECTIONS = ("up", "down")


@dataclass(frozen=True)
class Category:
    """One allowed value of a categorical variable with its labels.

    Parameters
    ----------
    code : str
        The value as data holds it (``"prokus"``, ``"female"``).
    label_id : str
        Its label in Bahasa Indonesia.
    label_en : str
        Its label in English.
    """

    code: str
    label_id: str
    label_en: str

    def label(self, language: str) -> str:
        """Give the label in one language.

        Parameters
        ----------
        language : {"id", "en"}
            Bahasa Indonesia or English (any other value gives English).

        Returns
        -------
        str
            The label.
        """
        return self.label_id if language == "id" else self.label_en


@dataclass(frozen=True)
class Variable:
    """One codebook row.

    Parameters
    ----------
    name : str
        The variable's name: column of the data, question name of the XLSForm.
    table : {"roster", "programme", "survey"}
        The table that holds it.
    type : {"id", "string", "category", "multiple", "integer", "number", "binary", "date"}
        How values are read and checked.
    label_id, label_en : str
        The question or column label in Bahasa Indonesia and English.
    unit_id, unit_en : str
        The unit in Bahasa Indonesia and English (``"IDR per month"``; empty for none).
    min, max : str
        The valid range as written in the codebook, in the variable's unit (dates as ``YYYY-MM-DD``); empty
        for unbounded.
    categories : tuple of Category
        The allowed values of a ``category`` or ``multiple`` variable, in codebook order.
    waves : tuple of str
        The survey waves the question is asked in (empty for roster and programme variables).
    personal : bool
        Whether the variable is personal data (dropped at intake, masked in problem reports).
    required : bool
        Whether a value must be present in every row.
    description : str
        A note for the data user.
    group : str, optional
        The XLSForm group of the question (``"usaha"``).
    relevant : str, optional
        The XLSForm relevance ``${var} = value`` under which the question is asked (empty: always).
    missing_codes : tuple of float, optional
        The instrument's don't-know and refused codes of a numeric variable (``-99``, ``-98``, ``999999``): read
        as missing at intake and counted (empty: the variable has none).
    good_direction : str, optional
        ``up`` when a higher value is better for the family, ``down`` when lower is better (empty: not an
        outcome); the reports show it beside every outcome.

    References
    ----------
    XLSForm specification (https://xlsform.org/en/): question types, ``relevant``, groups.
    """

    name: str
    table: str
    type: str
    label_id: str
    label_en: str
    unit_id: str
    unit_en: str
    min: str
    max: str
    categories: tuple[Category, ...]
    waves: tuple[str, ...]
    personal: bool
    required: bool
    description: str
    group: str = ""
    relevant: str = ""
    missing_codes: tuple[float, ...] = ()
    good_direction: str = ""

    def label(self, language: str) -> str:
        """Give the label in one language.

        Parameters
        ----------
        language : {"id", "en"}
            Bahasa Indonesia or English (any other value gives English).

        Returns
        -------
        str
            The label.
        """
        return self.label_id if language == "id" else self.label_en

    def unit(self, language: str) -> str:
        """Give the unit in one language.

        Parameters
        ----------
        language : {"id", "en"}
            Bahasa Indonesia or English (any other value gives English).

        Returns
        -------
        str
            The unit; empty when the variable has none.
        """
        return self.unit_id if language == "id" else self.unit_en

    def label_with_unit(self, language: str) -> str:
        """Give ``Label (unit)``, or just the label when the variable has no unit.

        Parameters
        ----------
        language : {"id", "en"}
            Bahasa Indonesia or English (any other value gives English).

        Returns
        -------
        str
            The label followed by the unit in parentheses.
        """
        u = self.unit(language)
        return f"{self.label(language)} ({u})" if u else self.label(language)

    @property
    def is_money(self) -> bool:
        """True for rupiah amounts."""
        return self.unit_en.startswith("IDR")

    def category(self, code: str) -> Category:
        """Find the category with ``code``.

        Parameters
        ----------
        code : str
            The category's code.

        Returns
        -------
        Category
            The category.

        Raises
        ------
        KeyError
            When the variable has no category ``code``.
        """
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(f"{self.name}: unknown category {code!r}")


@dataclass(frozen=True)
class Codebook:
    """All variables, in file order, with lookups (``codebook["name"]``, ``"name" in codebook``).

    Parameters
    ----------
    path : str
        The codebook file the variables were read from.
    variables : tuple of Variable
        The variables in file order.
    """

    path: str
    variables: tuple[Variable, ...]

    def __getitem__(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(f"variable {name!r} is not in the codebook {self.path}")

    def __contains__(self, name: object) -> bool:
        return any(v.name == name for v in self.variables)

    def table(self, table: str) -> tuple[Variable, ...]:
        """Select the variables of one table, in codebook order.

        Parameters
        ----------
        table : {"roster", "programme", "survey"}
            The table.

        Returns
        -------
        tuple of Variable
            Its variables; empty for an unknown table.
        """
        return tuple(v for v in self.variables if v.table == table)

    @property
    def personal(self) -> tuple[str, ...]:
        """Names of variables that are personal data (never kept after intake)."""
        return tuple(v.name for v in self.variables if v.personal)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Survey variables measured per wave that are analysable outcomes (numeric)."""
        return tuple(v.name for v in self.table("survey") if v.waves and v.type in ("number", "integer", "binary"))


def _parse_categories(text: str, file: str, row: int) -> tuple[Category, ...]:
    if not text.strip():
        return ()
    cats = []
    for part in text.split("|"):
        bits = part.split(":")
        if len(bits) != 3:
            raise UserError(
                f"category entry {part!r} is malformed",
                file=file,
                row=row,
                column="categories",
                rule="categories are code:label_id:label_en separated by |",
                fix="write each category as code:Label Indonesia:Label English",
            )
        cats.append(Category(*(b.strip() for b in bits)))
    return tuple(cats)


def _missing_codes(text: str, type_: str, file: str, row: int) -> tuple[float, ...]:
    parts = [p.strip() for p in text.split("|") if p.strip()]
    if parts and type_ not in ("integer", "number"):
        raise UserError(
            f"missing codes {text!r} are given for a {type_} variable",
            file=file, row=row, column="missing_codes",
            rule="missing codes are numbers of an integer or number variable",
            fix="remove them, or give them to the numeric question that uses them",
        )  # fmt: skip
    codes = []
    for part in parts:
        try:
            codes.append(float(part))
        except ValueError:
            raise UserError(
                f"missing code {part!r} is not a number", file=file, row=row, column="missing_codes",
                rule="missing codes are numbers separated by |", fix="write e.g. -99|-98",
            ) from None  # fmt: skip
    return tuple(codes)


def _bool(text: str, file: str, row: int, column: str) -> bool:
    t = text.strip().lower()
    if t in ("true", "1", "yes"):
        return True
    if t in ("false", "0", "no", ""):
        return False
    raise UserError(f"value {text!r} is not a boolean", file=file, row=row, column=column, fix="write true or false")


@lru_cache(maxsize=8)
def _load(path: str) -> Codebook:
    p = Path(path)
    if not p.is_file():
        raise UserError("the codebook file does not exist", file=path, fix="restore data/codebook.csv from git")
    with p.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        extra = header[len(COLUMNS) :]
        if (
            header[: len(COLUMNS)] != COLUMNS
            or any(h not in OPTIONAL_COLUMNS for h in extra)
            or len(set(extra)) < len(extra)
        ):
            raise UserError(
                f"the codebook header is {header}",
                file=path,
                row=1,
                rule=f"the header must be {', '.join(COLUMNS)}, optionally followed by {', '.join(OPTIONAL_COLUMNS)}",
                fix="restore the header row",
            )
        variables = []
        seen: set[str] = set()
        for i, raw in enumerate(reader, start=2):
            rec = {k: (raw.get(k) or "") for k in (*COLUMNS, *OPTIONAL_COLUMNS)}
            name = rec["name"].strip()
            if not name or name in seen:
                raise UserError(
                    f"variable name {name!r} is empty or repeated",
                    file=path,
                    row=i,
                    column="name",
                    fix="give every variable one unique row",
                )
            seen.add(name)
            if rec["table"] not in TABLES:
                raise UserError(
                    f"table {rec['table']!r} is unknown",
                    file=path,
                    row=i,
                    column="table",
                    rule=f"table is one of {', '.join(TABLES)}",
                    fix="correct the table name",
                )
            if rec["type"] not in TYPES:
                raise UserError(
                    f"type {rec['type']!r} is unknown",
                    file=path,
                    row=i,
                    column="type",
                    rule=f"type is one of {', '.join(TYPES)}",
                    fix="correct the type",
                )
            good = rec["good_direction"].strip()
            if good and good not in GOOD_DIRECTIONS:
                raise UserError(
                    f"good_direction {good!r} is unknown",
                    file=path,
                    row=i,
                    column="good_direction",
                    rule="good_direction is up (higher is better), down (lower is better) or empty",
                    fix="write up or down",
                )
            variables.append(
                Variable(
                    name=name,
                    table=rec["table"],
                    type=rec["type"],
                    label_id=rec["label_id"],
                    label_en=rec["label_en"],
                    unit_id=rec["unit_id"],
                    unit_en=rec["unit_en"],
                    min=rec["min"],
                    max=rec["max"],
                    categories=_parse_categories(rec["categories"], path, i),
                    waves=tuple(w for w in rec["waves"].split("|") if w),
                    personal=_bool(rec["personal"], path, i, "personal"),
                    required=_bool(rec["required"], path, i, "required"),
                    description=rec["description"],
                    group=rec["group"].strip(),
                    relevant=rec["relevant"].strip(),
                    missing_codes=_missing_codes(rec["missing_codes"], rec["type"], path, i),
                    good_direction=good,
                )
            )
    return Codebook(path=path, variables=tuple(variables))


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read ``data/codebook.csv`` (or ``path``), checking its structure.

    Parameters
    ----------
    path : str or path-like, optional
        The codebook CSV (UTF-8, with or without byte-order mark), relative to the project root or absolute;
        the project's ``data/codebook.csv`` when None. Results are cached per path.

    Returns
    -------
    Codebook
        Every variable, in file order.

    Raises
    ------
    UserError
        When the file is missing, its header is not :data:`COLUMNS` (optionally followed by
        :data:`OPTIONAL_COLUMNS`), a name is empty or repeated, or a table, type, category entry, boolean or
        missing code is malformed (the message names the row and column).

    References
    ----------
    DESIGN §3: the codebook is the single source of truth for every variable.
    """
    p = resolve(path) if path is not None else DEFAULT_CODEBOOK
    return _load(str(p))
