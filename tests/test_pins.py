"""One place for versions: pyproject.toml; environment.yml and the Makefile defer to it."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_known_conflicts_are_pinned_in_pyproject():
    deps = " ".join(_pyproject()["project"]["dependencies"])
    for pin in (
        "httpx<0.28",
        "setuptools<81",
        "cattrs<26",
        "scikit-learn<1.8",
        "toloka-kit==1.2.3",
        "crowd-kit==1.4.2",
        "protobuf",
    ):
        assert pin in deps, f"{pin} missing from pyproject dependencies"
    assert "pandas>=2.1,<3" in deps


def test_environment_yml_defers_to_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_items = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert pip_items == ["-e .[dev,room]"], "environment.yml must install the package, not re-pin"
    conda_items = [d for d in env["dependencies"] if isinstance(d, str)]
    assert all(re.fullmatch(r"python=3\.\d+|pip", d) for d in conda_items), conda_items
    extras = _pyproject()["project"]["optional-dependencies"]
    assert {"dev", "room", "bench"} <= extras.keys()


def test_torch_is_not_pulled_unpinned():
    # An unpinned torch would pull a multi-GB CUDA build on CPU machines.
    deps = _pyproject()["project"]["dependencies"]
    assert not any(re.match(r"torch\b", d) for d in deps)
    assert "TORCH_SPEC ?= torch==2.13.0" in (ROOT / "Makefile").read_text()


def test_console_script_and_module_entry():
    assert _pyproject()["project"]["scripts"]["tutorial-lib"] == "tutorial_lib.cli:main"
    assert (ROOT / "tutorial_lib" / "__main__.py").exists()


def _imported_top_levels() -> set[str]:
    """Top-level module names that the kit, its tests or benchmarks import."""
    import ast

    names = set()
    for folder in ("tutorial_lib", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names


def test_every_pin_that_nothing_imports_says_why():
    from importlib import metadata

    modules_of: dict[str, set[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(re.sub(r"[-_.]+", "-", dist).lower(), set()).add(module)
    imported = _imported_top_levels()
    pattern = re.compile(r'^\s*"([A-Za-z0-9_.\-]+)[^"]*(==|<|~=)[^"]*",?\s*(#.*)?$')
    silent = []
    for line in (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines():
        match = pattern.match(line)
        if not match or match.group(3):
            continue
        dist = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        if not modules_of.get(dist, set()) & imported:
            silent.append(line.strip())
    assert not silent, "pins that no module imports need a comment saying why:\n" + "\n".join(
        silent
    )
