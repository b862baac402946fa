"""Every public function says what it takes, returns, yields and raises (Google style).

A reader should learn a function's contract from ``help()`` without reading its
body, so each public module-level function and each public method of a public
class carries the sections that apply:

- ``Args:`` naming every parameter (``self``/``cls`` aside; ``*args`` and
  ``**kwargs`` by their names);
- ``Returns:`` when it returns a value, ``Yields:`` when it is a generator;
- ``Raises:`` naming each exception class it raises itself (a bare ``raise``
  that re-raises is the caller's contract, not a new one).

Properties are documented as attributes (Google style), so they need no
sections. ruff's preview pydoclint rules (DOC201, DOC501) check some of this,
but they do not skip private helpers or check ``Args:``; this test does both.
"""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tutorial_lib"
SECTION = re.compile(r"^(\s*)([A-Z][A-Za-z ]*):\s*$")
ATTRIBUTE_DECORATORS = {"property", "cached_property", "setter", "deleter", "overload"}


def _decorator_names(fn: ast.FunctionDef) -> set[str]:
    names = set()
    for decorator in fn.decorator_list:
        node = decorator.func if isinstance(decorator, ast.Call) else decorator
        names.add(node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", ""))
    return names


def _public_functions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{sub.name}", sub


def _own_nodes(fn):
    """The nodes of ``fn``'s body, not those of functions or classes nested in it."""
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _parameters(fn) -> list[str]:
    args = fn.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def _exception_name(node) -> str | None:
    node = node.func if isinstance(node, ast.Call) else node
    if isinstance(node, ast.Name) and node.id[:1].isupper():
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _caught(handler: ast.ExceptHandler) -> set[str]:
    if handler.type is None:
        return {"BaseException"}
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {_exception_name(t) for t in types}


def _raised(fn) -> set[str]:
    """Exception classes ``fn`` raises itself and does not catch again in its own body."""
    names = set()

    def visit(node, caught: frozenset):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return
        if isinstance(node, ast.Raise) and node.exc is not None:
            name = _exception_name(node.exc)
            if name and not caught & {name, "Exception", "BaseException"}:
                names.add(name)
        if isinstance(node, ast.Try):
            inner = caught | {n for h in node.handlers for n in _caught(h)}
            for child in node.body:
                visit(child, inner)
            for child in node.handlers + node.orelse + node.finalbody:
                visit(child, caught)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, caught)

    for statement in fn.body:
        visit(statement, frozenset())
    return names


def _sections(doc: str) -> dict[str, str]:
    """Google-style sections of a docstring: name -> body text."""
    sections, current = {}, None
    for line in doc.splitlines():
        match = SECTION.match(line)
        if match and match.group(2) in (
            "Args",
            "Returns",
            "Yields",
            "Raises",
            "Example",
            "Examples",
        ):
            current = match.group(2)
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def _problems(fn) -> list[str]:
    if _decorator_names(fn) & ATTRIBUTE_DECORATORS:
        return []
    doc = ast.get_docstring(fn) or ""
    sections = _sections(doc)
    own = list(_own_nodes(fn))
    generator = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own)
    returns = any(
        isinstance(n, ast.Return)
        and n.value is not None
        and not (isinstance(n.value, ast.Constant) and n.value.value is None)
        for n in own
    )
    problems = []
    params = _parameters(fn)
    args = sections.get("Args", "")
    undocumented = [
        p for p in params if not re.search(rf"^\s*\**{p}( \(.*\))?:", args, re.MULTILINE)
    ]
    if params and "Args" not in sections:
        problems.append("no Args: section")
    elif undocumented:
        problems.append(f"Args: misses {', '.join(undocumented)}")
    if generator and "Yields" not in sections:
        problems.append("no Yields: section")
    if returns and not generator and "Returns" not in sections:
        problems.append("no Returns: section")
    unnamed = sorted(e for e in _raised(fn) if e not in sections.get("Raises", ""))
    if unnamed:
        problems.append(f"Raises: misses {', '.join(unnamed)}")
    return problems


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_public_functions_have_google_style_sections(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{fn.lineno} {name}: {'; '.join(problems)}"
        for name, fn in _public_functions(tree)
        if not name.rsplit(".", 1)[-1].startswith("_")
        for problems in [_problems(fn)]
        if problems
    ]
    assert not found, "docstrings without their sections:\n" + "\n".join(found)


def test_the_check_catches_a_missing_section():
    """The rule itself: a function that returns and raises must say so."""
    fn = ast.parse(
        "def f(a, *rest):\n"
        '    """Do it.\n\n    Args:\n        a: one.\n    """\n'
        "    if a:\n        raise ValueError(a)\n    return a\n"
    ).body[0]
    assert _problems(fn) == [
        "Args: misses rest",
        "no Returns: section",
        "Raises: misses ValueError",
    ]
