"""``make docs``: run every notebook on the ``demo`` preset and write static HTML to read offline.

For self-learners who want to read the tutorial without running it: each notebook is
executed top to bottom with nbclient (parameters injected after the ``parameters``
cell, papermill-style), then converted with nbconvert's HTML exporter. Everything runs
locally; nothing is downloaded (the demo preset builds its tiny model from ``data/``).

Usage::

    python -m tutorial_lib.docs --out build/docs [--preset demo] [--only 01_crowdsourcing_basics]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from .config import REPO_ROOT

logger = logging.getLogger(__name__)
NOTEBOOKS = REPO_ROOT / "notebooks"
KERNEL = "tutorial-lib-docs"


def write_kernelspec(root: Path, name: str = KERNEL) -> Path:
    """A kernelspec for this interpreter, so notebooks run with the kit's own environment.

    The kernel runs ``sys.executable`` with this checkout first on
    ``PYTHONPATH``, so the docs show this code even when another version of the
    kit is installed.

    Args:
        root: a folder for kernelspecs (a temporary one in :func:`build_docs`).
        name: the kernel's name; its spec goes to ``root/name/kernel.json``.

    Returns:
        ``root``, to pass as a kernel directory to jupyter_client.
    """
    spec = root / name
    spec.mkdir(parents=True, exist_ok=True)
    kit = Path(__file__).resolve().parent.parent  # this checkout's kit, not another install
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "tutorial-lib",
                "language": "python",
                "env": {"PYTHONPATH": str(kit)},
            }
        ),
        encoding="utf-8",
    )
    return root


def inject_parameters(nb, params: dict) -> None:
    """Insert ``name = value`` lines after the cell tagged ``parameters`` (papermill's rule).

    The new cell is tagged ``injected-parameters`` and overrides the notebook's
    defaults because it runs right after them.

    Args:
        nb: an ``nbformat`` notebook node; changed in place.
        params: variable name -> value; each value is written with ``repr``.

    Raises:
        ValueError: if no cell is tagged ``parameters``.

    Examples:
        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook()
        >>> tags = {"tags": ["parameters"]}
        >>> nb.cells = [nbformat.v4.new_code_cell('preset = "demo"', metadata=tags)]
        >>> inject_parameters(nb, {"preset": "ci"})
        >>> nb.cells[1].source
        "preset = 'ci'"
    """
    import nbformat

    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if not tagged:
        raise ValueError("notebook has no cell tagged 'parameters'")
    cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in params.items()))
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(tagged[0] + 1, cell)


def execute_notebook(path: Path, params: dict, kernel_dir: Path, timeout: int = 900):
    """Run one notebook headless, top to bottom, with ``params`` injected.

    Args:
        path: the ``.ipynb`` file; cells run with its folder as working directory.
        params: values for the notebook's ``parameters`` cell (:func:`inject_parameters`).
        kernel_dir: a folder holding the :data:`KERNEL` spec (:func:`write_kernelspec`).
        timeout: seconds one cell may run before the build fails.

    Returns:
        The executed notebook node, outputs included; the file is left unchanged.
        A cell that raises stops the build with nbclient's ``CellExecutionError``.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    inject_parameters(nb, params)
    km = KernelManager(
        kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    )
    NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return nb


def to_html(nb, out: Path) -> Path:
    """Static HTML of an executed notebook (nbconvert's lab template, images inline).

    Args:
        nb: an executed notebook node.
        out: the HTML file to write (overwritten).

    Returns:
        ``out``.
    """
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    out.write_text(body, encoding="utf-8")
    return out


def build_docs(out: Path, preset: str = "demo", only: list[str] | None = None) -> list[Path]:
    """Execute the notebooks into one run directory under ``out`` and write ``out/NAME.html``.

    The notebooks share ``out/runs/PRESET``, so later notebooks find the stages
    earlier ones finished, as they do for a reader going through them in order.

    Args:
        out: the output folder (created).
        preset: the preset every notebook runs with (``demo`` needs no download).
        only: notebook stems to build (default: all of ``notebooks/``).

    Returns:
        The HTML files written, one per notebook, then ``index.html`` linking them.
    """
    out.mkdir(parents=True, exist_ok=True)
    run_dir = out / "runs" / preset
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        kernels = write_kernelspec(Path(tmp))
        for path in sorted(NOTEBOOKS.glob("*.ipynb")):
            if only and path.stem not in only:
                continue
            started = time.monotonic()
            nb = execute_notebook(path, {"preset": preset, "run_dir": str(run_dir)}, kernels)
            written.append(to_html(nb, out / f"{path.stem}.html"))
            logger.info(
                "%s: executed and converted in %.0fs", path.stem, time.monotonic() - started
            )
    index = out / "index.html"
    links = "".join(f'<li><a href="{p.name}">{p.stem}</a></li>' for p in written)
    index.write_text(
        f"<!doctype html><meta charset='utf-8'><title>Tutorial notebooks</title>"
        f"<h1>Tutorial notebooks (executed, preset {preset})</h1><ul>{links}</ul>",
        encoding="utf-8",
    )
    return [*written, index]


def main(argv: list[str] | None = None) -> int:
    """``python -m tutorial_lib.docs``: build the docs and print each file written.

    Args:
        argv: the command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status, 0 (a failing notebook raises instead).
    """
    parser = argparse.ArgumentParser(prog="python -m tutorial_lib.docs", description=__doc__)
    parser.add_argument("--out", default=str(REPO_ROOT / "build" / "docs"))
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--only", action="append", help="notebook stem to build (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in build_docs(Path(args.out), args.preset, args.only):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
