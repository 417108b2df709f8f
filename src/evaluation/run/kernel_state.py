"""What runs inside a reused ("warm") kernel: preload the notebook's libraries once, reset state between notebooks.

A fresh Jupyter kernel spends about 1.3 s starting and another 1.6 s importing the statistics stack
(``evaluation.notebook``: pandas, scipy.stats, statsmodels, matplotlib) before a region notebook touches its data.
At 514 district reports that fixed cost, not the statistics, dominates a national run. The runner therefore keeps
one kernel per worker (:mod:`evaluation.run.warm_kernels`), which calls :func:`preload` once and :func:`reset` before
every notebook, so that each notebook starts as it would in a fresh kernel that has already run
``from evaluation.notebook import ...``:

* the user namespace, the output cache (``Out``, ``_``) and the history are cleared and the execution counter
  restarts at 1 (:meth:`IPython.core.interactiveshell.InteractiveShell.reset` with ``new_session=True``), so the
  executed notebook's cells are numbered as in a fresh kernel;
* every matplotlib figure is closed;
* the warnings filters return to their state after :func:`preload`, and the "already shown" registries are
  invalidated, so a warning one notebook showed is shown again in the next one (Python's ``warnings`` module
  otherwise shows a ``default``-action warning once per code location and process);
* the working directory returns to the one the kernel started in; garbage is collected.

The package keeps no state between notebooks that changes a result (no global random state: every draw uses a
``numpy.random.Generator`` seeded from the config). ``prokus-eval verify`` re-executes every notebook in a fresh
kernel and compares the numbers and the reports byte for byte, and ``tests/run/test_warm_kernels.py`` checks that the
demo run gives byte-identical ``results.json`` with warm and with fresh kernels.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings

__all__ = ["preload", "reset"]

_BASELINE: dict[str, object] = {}


def preload() -> None:
    """Import what a notebook imports (``evaluation.notebook`` and the libraries it loads) and record the baseline."""
    import evaluation.notebook  # noqa: F401  (the first cell of every notebook)

    _BASELINE["filters"] = list(warnings.filters)
    _BASELINE["cwd"] = os.getcwd()


def reset() -> None:
    """Return the kernel to the state right after :func:`preload` (see the module docstring)."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)
    warnings.resetwarnings()  # bumps the filters' version: every module's __warningregistry__ is stale
    warnings.filters[:] = list(_BASELINE.get("filters", warnings.filters))  # type: ignore[arg-type]
    warnings.onceregistry.clear()
    os.chdir(str(_BASELINE.get("cwd", os.getcwd())))
    gc.collect()
