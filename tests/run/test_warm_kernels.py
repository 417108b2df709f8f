"""Reused ("warm") kernels: each notebook starts as in a fresh kernel; failures and worn-out kernels are replaced.

Reference: papermill's own engine starting a fresh kernel per notebook ([run] kernels = "fresh"); a notebook run
on a warm kernel must give the same outputs and execution counts, and the demo run the same bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from evaluation.core.config import load_config
from evaluation.core.errors import UserError
from evaluation.core.paths import PROJ_ROOT
from evaluation.run import warm_kernels
from evaluation.run.executor import call_with_environment, shutdown_notebook_threads
from tests.conftest import write_config

FIRST = [
    "x = 41",
    "import warnings\nwarnings.warn('shown in every notebook', UserWarning)",
    "import matplotlib.pyplot as plt\nfig = plt.figure()",
    "import os\nos.chdir('/')",
]
SECOND = [
    "print(sorted(k for k in globals() if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit',"
    " 'get_ipython', 'open')))",
    "import warnings\nwarnings.warn('shown in every notebook', UserWarning)",
    "import matplotlib.pyplot as plt\nprint(len(plt.get_fignums()))",
    "import os\nprint(os.getcwd())",
    "import evaluation.notebook, sys\nprint('pandas' in sys.modules)",
]


def _notebook(path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _run(src: Path, out: Path, warm: bool) -> nbformat.NotebookNode:
    engine = {}
    if warm:
        engine = {"engine_name": warm_kernels.ENGINE, "km": warm_kernels.warm_kernel("python3", str(PROJ_ROOT)).km}
    papermill.execute_notebook(str(src), str(out), kernel_name="python3", progress_bar=False, cwd=str(PROJ_ROOT),
                               **engine)  # fmt: skip
    return nbformat.read(out, as_version=4)


def _outputs(nb: nbformat.NotebookNode) -> list[tuple[int | None, str]]:
    """Execution counts and outputs, with the cell file a warning names masked.

    That file, /tmp/ipykernel_<pid>/<hash>.py, differs between any two kernels, fresh or warm.
    """
    return [
        (c.get("execution_count"), re.sub(r"ipykernel_\d+/\d+\.py", "ipykernel_PID/CELL.py", json.dumps(outputs)))
        for c in nb.cells
        for outputs in [c.get("outputs")]
    ]


def _in_notebook_thread(fn, *args):
    return call_with_environment({}, fn, *args)


@pytest.fixture()
def notebooks(tmp_path: Path) -> tuple[Path, Path]:
    yield _notebook(tmp_path / "first.ipynb", FIRST), _notebook(tmp_path / "second.ipynb", SECOND)
    shutdown_notebook_threads()


def test_second_notebook_on_a_warm_kernel_equals_a_fresh_kernel(notebooks, tmp_path: Path) -> None:
    first, second = notebooks

    def both() -> tuple[nbformat.NotebookNode, int, int]:
        _run(first, tmp_path / "first-out.ipynb", warm=True)
        pid = warm_kernels.warm_kernel("python3", str(PROJ_ROOT)).km.provisioner.pid
        nb = _run(second, tmp_path / "second-warm.ipynb", warm=True)
        return nb, pid, warm_kernels.warm_kernel("python3", str(PROJ_ROOT)).km.provisioner.pid

    warm, pid_before, pid_after = _in_notebook_thread(both)
    fresh = _run(second, tmp_path / "second-fresh.ipynb", warm=False)
    assert pid_before == pid_after  # the same kernel process ran both notebooks
    assert _outputs(warm) == _outputs(fresh)
    texts = [o.get("text", "") for c in warm.cells for o in c.outputs]
    assert texts[0].strip() == "[]"  # nothing of the first notebook's namespace is left
    assert any("shown in every notebook" in t for t in texts)  # the warning is shown again
    assert texts[2].strip() == "0"  # figures closed
    assert texts[3].strip() == str(PROJ_ROOT)  # working directory restored
    assert [c.execution_count for c in warm.cells] == [1, 2, 3, 4, 5]


def test_a_failing_cell_leaves_a_usable_kernel_and_a_dead_kernel_is_replaced(notebooks, tmp_path: Path) -> None:
    _, second = notebooks
    bad = _notebook(tmp_path / "bad.ipynb", ["y = 1", "raise ValueError('broken input')"])

    def go() -> tuple[int, int, int]:
        with pytest.raises(PapermillExecutionError):
            _run(bad, tmp_path / "bad-out.ipynb", warm=True)
        kernel = warm_kernels.warm_kernel("python3", str(PROJ_ROOT))
        pid = kernel.km.provisioner.pid
        nb = _run(second, tmp_path / "after-error.ipynb", warm=True)
        assert nb.cells[0].outputs[0]["text"].strip() == "[]"  # 'y' of the failed notebook is gone
        warm_kernels.shutdown_all()  # killed from outside, as at the end of a failed run
        again = warm_kernels.warm_kernel("python3", str(PROJ_ROOT)).km.provisioner.pid
        return pid, warm_kernels.warm_kernel("python3", str(PROJ_ROOT)).km.provisioner.pid, again

    pid, pid_same, pid_new = _in_notebook_thread(go)
    assert pid_new != pid and pid_same == pid_new


def test_worn_out_kernel_is_replaced(monkeypatch: pytest.MonkeyPatch, notebooks, tmp_path: Path) -> None:
    first, _ = notebooks
    monkeypatch.setattr(warm_kernels, "MAX_NOTEBOOKS", 2)

    def go() -> list[int]:
        pids = []
        for i in range(3):
            pids.append(warm_kernels.warm_kernel("python3", str(PROJ_ROOT)).km.provisioner.pid)
            _run(first, tmp_path / f"out-{i}.ipynb", warm=True)
        return pids

    pids = _in_notebook_thread(go)
    # warm_kernel() itself counts a use: calls 1-2 share a kernel, the first _run is the 2nd use, then replaced
    assert len(set(pids)) >= 2


def test_unknown_kernel_mode_is_refused(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "config.toml", tmp_path, tmp_path / "reports", kernels='"pooled"')
    assert 'kernels = "pooled"' in cfg.read_text()
    with pytest.raises(UserError) as info:
        load_config(cfg)
    assert "kernels" in info.value.message and "pooled" in info.value.message
    assert info.value.rule and "warm" in info.value.rule


@pytest.mark.slow
def test_demo_run_warm_equals_fresh_byte_for_byte(tmp_path: Path, demo_dir: Path) -> None:
    """Reference: the same run with a fresh kernel per notebook ([run] kernels = "fresh").

    results.json, every report and the notebooks' outputs must be identical (only papermill's timing metadata
    differs).
    """
    from evaluation.run.runner import run

    runs = {}
    for mode in ("warm", "fresh"):
        cfg = write_config(tmp_path / f"{mode}.toml", demo_dir, tmp_path / "reports", kernels=f'"{mode}"')
        runs[mode] = run(config=str(cfg), jobs=2, run_id=mode, progress=False)
    warm, fresh = runs["warm"], runs["fresh"]
    assert (warm / "results.json").read_bytes() == (fresh / "results.json").read_bytes()
    skipped = {"manifest.json", "kernels.log", "notebook.ipynb"}
    files = sorted(p.relative_to(warm) for p in warm.rglob("*") if p.is_file() and p.name not in skipped)
    assert len(files) > 50
    for rel in files:
        assert (warm / rel).read_bytes() == (fresh / rel).read_bytes(), rel
    for nb_path in sorted(warm.glob("*/notebook.ipynb")):
        a = nbformat.read(nb_path, as_version=4)
        b = nbformat.read(fresh / nb_path.relative_to(warm), as_version=4)
        assert _outputs(a) == _outputs(b), nb_path


def test_cli_kernels_option_reaches_the_runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    import evaluation.run.runner
    from evaluation.cli import main

    seen: dict[str, object] = {}

    def fake_run(**kwargs: object) -> Path:
        seen.update(kwargs)
        return tmp_path

    monkeypatch.setattr(evaluation.run.runner, "run", fake_run)
    assert main(["run", "--kernels", "fresh", "--quiet"]) == 0
    assert seen["kernels"] == "fresh"
    assert main(["run", "--quiet"]) == 0
    assert seen["kernels"] is None  # None: [run] kernels of the config decides
    with pytest.raises(SystemExit) as info:
        main(["run", "--kernels", "pooled"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err
