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
        out[path.stem] = "\n".join("".join(c["source"]) for c in nb["cells"]
                                   if c["cell_type"] == "code")
    return out


def _module_names(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [parts[-1], ".".join(parts)]


def pointers() -> list[dict]:
    """Every pointer: file, line, the documented name(s), the notebook named."""
    found = []
    for path in sorted((ROOT / "tutorial_lib").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        public = [n.name for n in tree.body if isinstance(
            n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
        nodes = [(tree, _module_names(path) + public)]
        nodes += [(n, [n.name]) for n in ast.walk(tree)
                  if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        for node, names in nodes:
            doc = ast.get_docstring(node, clean=False)
            if not doc:
                continue
            for m in POINTER.finditer(doc):
                found.append({"file": path, "names": names, "notebook": m.group(1),
                              "line": getattr(node, "lineno", 1)})
    return found


def uses(code: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", code) for n in names)


def false_pointers(code: dict[str, str] | None = None) -> list[dict]:
    code = code if code is not None else notebook_code()
    return [p for p in pointers() if not uses(code.get(p["notebook"], ""), p["names"])]


def fix() -> int:
    """Re-point or drop every false pointer; returns how many were changed."""
    code = notebook_code()
    changed = 0
    for p in false_pointers(code):
        users = [nb for nb, text in code.items() if uses(text, p["names"])]
        text = p["file"].read_text(encoding="utf-8")
        old = f"Taught in notebooks/{p['notebook']}"
        if users:
            new_text = text.replace(old, f"Taught in notebooks/{users[0]}", 1)
        else:  # drop the sentence (and a trailing explanation in brackets)
            new_text = re.sub(rf"\n?[ \t]*{re.escape(old)}( \([^)]*\))?\.?[ \t]*(?=\n)", "",
                              text, count=1)
        if new_text != text:
            p["file"].write_text(new_text, encoding="utf-8")
            changed += 1
    return changed


if __name__ == "__main__":
    if "--fix" in sys.argv:
        print(f"changed {fix()} pointer(s)")
    bad = false_pointers()
    for p in bad:
        print(f"{p['file'].relative_to(ROOT)}:{p['line']}: {p['names'][0]} -> {p['notebook']}")
    print(f"{len(pointers())} pointers, {len(bad)} false")
