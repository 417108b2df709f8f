"""The one module that knows where things live (cookiecutter-data-science's ``config.py`` idea).

Relative paths in the config file, the notebooks' parameters and the command line are resolved against the
project root, so a notebook opened in JupyterLab (working directory ``notebooks/``) and the same notebook run by
papermill from the root read the same files.
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("PROKUS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "data" / "codebook.csv").is_file():
            return parent
    cwd = Path.cwd().resolve()
    for parent in (cwd, *cwd.parents):
        if (parent / "pyproject.toml").is_file() and (parent / "data" / "codebook.csv").is_file():
            return parent
    return cwd


PROJ_ROOT: Path = _find_root()
DATA_DIR: Path = PROJ_ROOT / "data"
NOTEBOOKS_DIR: Path = PROJ_ROOT / "notebooks"
REPORTS_DIR: Path = PROJ_ROOT / "reports"
DEFAULT_CONFIG: Path = DATA_DIR / "config.toml"
DEFAULT_CODEBOOK: Path = DATA_DIR / "codebook.csv"


def resolve(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as an absolute path, relative paths taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (PROJ_ROOT / p)
