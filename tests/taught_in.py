"""Check (and fix) the "Taught in notebooks/NN_name" pointers in the library's docstrings.

A pointer is true when that notebook's code cells use the name it documents: the
function, class or method name for their docstrings, the module's name (or dotted
path) for a module docstring. Run ``python tests/taught_in.py --fix`` to point every
false pointer at a notebook that does use the name, or to drop it when none does.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POINTER = re.compile(r"Taught in notebooks/(\d\d_[a-z0-9_]+)")


def notebook_code() -> dict[str, str]:
    """Notebook stem -> all its code cells joined."""
    out = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        out[path.stem] = "\n".join(
            "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
        )
    return out


def _module_names(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [parts[-1], ".".join(parts)]


def _doc_span(node) -> tuple[int, int] | None:
    """1-based first and last line of a node's docstring expression."""
    body = getattr(node, "body", None)
    if (
        not body
        or not isinstance(body[0], ast.Expr)
        or not isinstance(getattr(body[0], "value", None), ast.Constant)
    ):
        return None
    return body[0].lineno, body[0].end_lineno


def pointers() -> list[dict]:
    """Every pointer: file, docstring lines, the documented name(s), the notebook named."""
    found = []
    for path in sorted((ROOT / "tutorial_lib").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        public = [
            n.name
            for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not n.name.startswith("_")
        ]
        nodes = [(tree, _module_names(path) + public)]
        nodes += [
            (n, [n.name])
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ]
        for node, names in nodes:
            doc, span = ast.get_docstring(node, clean=False), _doc_span(node)
            if not doc or not span:
                continue
            for m in POINTER.finditer(doc):
                found.append(
                    {
                        "file": path,
                        "names": names,
                        "notebook": m.group(1),
                        "line": span[0],
                        "span": span,
                    }
                )
    return found


def uses(code: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", code) for n in names)


def false_pointers(code: dict[str, str] | None = None) -> list[dict]:
    code = code if code is not None else notebook_code()
    return [p for p in pointers() if not uses(code.get(p["notebook"], ""), p["names"])]


def _edit_span(path: Path, span: tuple[int, int], old: str, new: str | None) -> bool:
    """Replace (``new``) or drop (None) the pointer sentence inside one docstring's lines."""
    lines = path.read_text(encoding="utf-8").split("\n")
    first, last = span[0] - 1, span[1]
    block = "\n".join(lines[first:last])
    if new is not None:
        edited = block.replace(old, new, 1)
    else:  # drop the sentence, a bracketed aside, and the blank line before it
        edited = re.sub(
            rf"(\n[ \t]*)?\n[ \t]*{re.escape(old)}( \([^)]*\))?\.?[ \t]*(?=\n)", "", block, count=1
        )
        edited = re.sub(rf"[ \t]*{re.escape(old)}( \([^)]*\))?\.?", "", edited, count=1)
    if edited == block:
        return False
    lines[first:last] = edited.split("\n")
    path.write_text("\n".join(lines), encoding="utf-8")
    return True


def fix() -> int:
    """Re-point or drop every false pointer; returns how many were changed."""
    code = notebook_code()
    changed = 0
    # Bottom-up within each file, so an edit never moves a docstring still to be edited.
    for p in sorted(false_pointers(code), key=lambda p: (str(p["file"]), -p["span"][0])):
        users = [nb for nb, text in code.items() if uses(text, p["names"])]
        old = f"Taught in notebooks/{p['notebook']}"
        new = f"Taught in notebooks/{users[0]}" if users else None
        if not _edit_span(p["file"], p["span"], old, new):
            raise RuntimeError(f"could not edit {p['file']}:{p['line']}")
        changed += 1
    return changed


if __name__ == "__main__":
    if "--fix" in sys.argv:
        print(f"changed {fix()} pointer(s)")
    bad = false_pointers()
    for p in bad:
        print(f"{p['file'].relative_to(ROOT)}:{p['line']}: {p['names'][0]} -> {p['notebook']}")
    print(f"{len(pointers())} pointers, {len(bad)} false")
