"""NumPy docstrings on every public function and class of the statistics and intake rooms (issue 11).

Each module of :mod:`evaluation.stats` and :mod:`evaluation.intake` is found by walking the package, and every public
name defined in it (no leading underscore, ``__module__`` equal to the module: re-exports are checked where they
are defined) is given to ``numpydoc.validate.validate``. A test per module fails on any of the errors in
:data:`CHECKED`:

* ``GL08`` the object has no docstring;
* ``SS01`` no one-line summary; ``SS03`` the summary does not end with a period;
* ``PR01`` a parameter is not documented; ``PR02`` a documented parameter does not exist; ``PR03`` parameters
  documented in the wrong order; ``PR07`` a parameter has no description;
* ``RT01`` a function that returns a value has no Returns section; ``RT03`` a return value has no description;
* ``GL02``/``GL03`` blank-line layout; ``GL06`` an unknown section name; ``GL07`` sections in the wrong order.

Not checked (style, not content): ``ES01`` extended summary, ``SA01`` See Also, ``EX01`` Examples,
``PR09``/``RT02``/``RT05`` punctuation of descriptions, ``SS05``/``SS06`` summary wording and length, ``YD01``.
numpydoc has no code for a missing Raises section, so this test adds one (``RS01``): a function or method whose own
body raises an exception by name (``raise ValueError(...)``; a bare re-raise does not count) must have a Raises
section. The source is required by review (issue 11). Classes are checked for their own docstring (``GL08``,
``SS01``, ``SS03``), and their public methods (defined in the class, not inherited; properties excluded) like
functions; dataclass fields are described in the class docstring.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap

import numpydoc.validate
import pytest

import evaluation.intake
import evaluation.stats

CHECKED = frozenset({"GL08", "SS01", "SS03", "PR01", "PR02", "PR03", "PR07", "RT01", "RT03", "GL02", "GL03", "GL06",
                     "GL07"})
CLASS_CHECKED = frozenset({"GL08", "SS01", "SS03"})



def _modules(package: object) -> list[str]:
    names = [package.__name__]
    names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return sorted(names)


MODULES = [*_modules(evaluation.stats), *_modules(evaluation.intake)]


def _public(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    out = []
    for name, obj in vars(module).items():
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if getattr(obj, "__module__", None) != module_name:
            continue
        out.append((name, obj))
    return out


def _methods(cls: type) -> list[tuple[str, object]]:
    return [
        (name, obj)
        for name, obj in vars(cls).items()
        if not name.startswith("_") and (inspect.isfunction(obj) or isinstance(obj, staticmethod | classmethod))
    ]


def _raises_by_name(func: object) -> bool:
    """Whether the function's own body (not a nested function) raises an exception by name."""
    func = getattr(func, "__func__", func)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False
    top = tree.body[0]

    def walk(node: ast.AST) -> bool:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                continue
            if isinstance(child, ast.Raise) and child.exc is not None:
                return True
            if walk(child):
                return True
        return False

    return walk(top)


def _check(path: str, obj: object, wanted: frozenset[str]) -> list[str]:
    result = numpydoc.validate.validate(path)
    out = [f"{path}: {code} {msg}" for code, msg in result["errors"] if code in wanted]
    doc = inspect.getdoc(obj) or ""
    if wanted is CHECKED and _raises_by_name(obj) and "Raises\n------" not in doc:
        out.append(f"{path}: RS01 raises an exception but has no Raises section")
    return out


def _problems(module_name: str) -> list[str]:
    problems = []
    for name, obj in _public(module_name):
        path = f"{module_name}.{name}"
        if inspect.isclass(obj):
            problems += _check(path, obj, CLASS_CHECKED)
            for method, fn in _methods(obj):
                problems += _check(f"{path}.{method}", fn, CHECKED)
        else:
            problems += _check(path, obj, CHECKED)
    return problems


def test_the_walk_finds_the_rooms() -> None:
    assert "evaluation.stats.estimators" in MODULES
    assert "evaluation.stats.power" in MODULES
    assert "evaluation.intake.codebook" in MODULES


@pytest.mark.parametrize("module_name", MODULES)
def test_public_docstrings_follow_numpydoc(module_name: str) -> None:
    problems = _problems(module_name)
    assert not problems, "\n".join(problems)


def test_the_raises_check_sees_a_raise_by_name_and_not_a_re_raise() -> None:
    def raising(x: int) -> int:
        """Summary."""
        if x < 0:
            raise ValueError("negative")
        return x

    def re_raising() -> None:
        """Summary."""
        try:
            pass
        except OSError:
            raise

    def nested() -> None:
        """Summary."""

        def inner() -> None:
            raise ValueError("inner")

    assert _raises_by_name(raising)
    assert not _raises_by_name(re_raising)
    assert not _raises_by_name(nested)
