"""The package's shape: importing it does nothing, and data flows one way (wings never call up).

Importing a module must not change the process: no environment variables (the
CLI sets the HF offline switches in ``main()``, before any HF import) and no
matplotlib backend switch (inside a notebook kernel that would break inline
figures). Wings (the stages' libraries) never import the pipeline that drives them.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tutorial_lib"
WINGS = ("finetune", "evaluate", "quality", "dataset", "crowd", "data")
# Modules that sit on top of the wings (ARCHITECTURE.md): no wing imports them.
TOP = (
    "tutorial_lib.pipeline",
    "tutorial_lib.stages",
    "tutorial_lib.stage_functions",
    "tutorial_lib.model_stages",
    "tutorial_lib.cli",
    "tutorial_lib.report",
    "tutorial_lib.widgets",
)

_IMPORT_EVERYTHING = """
import importlib, json, os, pkgutil, sys
import matplotlib
import tutorial_lib

writes = []  # (variable, module) for every change to os.environ made by a kit module
_set, _del = os._Environ.__setitem__, os._Environ.__delitem__


def _caller():
    frame = sys._getframe(2)
    while frame.f_globals.get("__name__") in ("os", "_collections_abc", "collections.abc"):
        frame = frame.f_back
    return frame.f_globals.get("__name__", "?")


def _tracked_set(self, key, value):
    writes.append((key, _caller()))
    _set(self, key, value)


def _tracked_del(self, key):
    writes.append((key, _caller()))
    _del(self, key)


os._Environ.__setitem__, os._Environ.__delitem__ = _tracked_set, _tracked_del
backend = matplotlib.rcParams._get("backend")
names = ["tutorial_lib.cli"] + sorted(
    m.name for m in pkgutil.walk_packages(tutorial_lib.__path__, "tutorial_lib.")
    if not m.name.endswith("__main__")
)
for name in names:
    importlib.import_module(name)
print(json.dumps({
    "modules": len(names),
    "kit_writes": sorted({f"{k} by {m}" for k, m in writes if m.startswith("tutorial_lib")}),
    "backend_before": str(backend),
    "backend_after": str(matplotlib.rcParams._get("backend")),
    "pyplot_imported": "matplotlib.pyplot" in sys.modules,
}))
"""


def _run_python(script: str, env: dict) -> dict:
    """Run ``script`` in a fresh interpreter (nothing imported yet); its last line, as JSON."""
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=PACKAGE.parent,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    package = _module_name(path).rsplit(".", 1)[0]
    if path.name == "__init__.py":
        package = _module_name(path.parent / "x.py").rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.slow
def test_importing_every_module_changes_neither_environment_nor_matplotlib_backend():
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND",)}
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):  # what the CLI would default
        env.pop(name, None)
    env["HF_HUB_OFFLINE"] = "1"  # nothing may download; only the datasets switch is left unset
    report = _run_python(_IMPORT_EVERYTHING, env)
    assert report["modules"] > 100
    assert report["kit_writes"] == [], "importing the kit changed os.environ"
    assert report["backend_after"] == report["backend_before"]
    assert not report["pyplot_imported"], "a module imports matplotlib.pyplot at import time"


_CLI_ORDER = """
import json, os, sys
import tutorial_lib.cli as cli
imported = {k: os.environ.get(k) for k in cli.OFFLINE_VARIABLES}
# Loading a Hub model imports transformers and huggingface_hub: offline, it must fail in one line.
code = cli.main(["evaluate", "--model", "no-such-org/no-such-model", "--task", "xcopa",
                 "--out", os.devnull])
from huggingface_hub import constants
print(json.dumps({
    "after_import": imported,
    "after_main": {k: os.environ.get(k) for k in cli.OFFLINE_VARIABLES},
    "code": code,
    "hub_offline": bool(constants.HF_HUB_OFFLINE),
}))
"""


@pytest.mark.slow
def test_cli_main_sets_the_offline_switches_before_hf_imports_and_import_does_not():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TUTORIAL_LIB_"))}
    report = _run_python(_CLI_ORDER, env)
    assert report["after_import"] == {"HF_HUB_OFFLINE": None, "HF_DATASETS_OFFLINE": None}
    assert report["after_main"] == {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    assert report["code"] == 2  # "this machine is offline ... not in the cache", no download
    assert report["hub_offline"] is True  # huggingface_hub read the switch main() had set


@pytest.mark.parametrize("wing", WINGS)
def test_no_wing_imports_the_pipeline_the_cli_or_what_people_look_at(wing):
    offenders = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / wing).rglob("*.py"))
        for name in _imports(path)
        if name in TOP or name.startswith(tuple(f"{t}." for t in TOP))
    }
    assert not offenders, "\n".join(sorted(offenders))


@pytest.mark.parametrize("wing", WINGS)
def test_a_wing_gets_config_sections_not_the_whole_config(wing):
    """Only a wing's command module (the CLI loads a preset there) sees ``PipelineConfig``."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted((PACKAGE / wing).rglob("*.py"))
        if path.name != "commands.py" and "PipelineConfig" in path.read_text(encoding="utf-8")
    ]
    assert not offenders, f"modules that take the whole config: {offenders}"
