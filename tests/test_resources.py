"""Shipped presets and data are found wherever the kit runs; relative paths follow the current folder."""

import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from tutorial_lib import resources
from tutorial_lib.config import load_config

REPO = Path(__file__).resolve().parent.parent


def test_a_checkout_reads_the_top_level_folders(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # any folder: nothing depends on where the command runs
    assert resources.source_tree() == REPO
    assert resources.shipped_dir("configs") == REPO / "configs"
    assert (
        resources.resolve_path("data/prompts/seed_sw.jsonl") == REPO / "data/prompts/seed_sw.jsonl"
    )
    assert load_config("ci").name == "ci"


def test_the_current_folder_wins_and_unknown_paths_stay_relative(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "data" / "prompts" / "seed_sw.jsonl"
    mine.parent.mkdir(parents=True)
    mine.write_text("{}\n")
    assert resources.resolve_path("data/prompts/seed_sw.jsonl") == Path(
        "data/prompts/seed_sw.jsonl"
    )
    assert resources.resolve_path("data/none.jsonl") == Path("data/none.jsonl")
    assert resources.resolve_path("runs/x") == Path("runs/x")
    assert resources.resolve_path(tmp_path / "abs") == tmp_path / "abs"


def test_an_installed_wheel_reads_the_packaged_copy(monkeypatch, tmp_path):
    packaged = tmp_path / "tutorial_lib"
    (packaged / resources.SHIPPED / "configs").mkdir(parents=True)
    monkeypatch.setattr(resources.resources, "files", lambda pkg: packaged)
    resources.shipped_dir.cache_clear()
    try:
        assert resources.shipped_dir("configs") == packaged / resources.SHIPPED / "configs"
        assert resources.shipped_dir("data") == REPO / "data"  # not packaged here: the checkout's
        with pytest.raises(ValueError, match="configs"):
            resources.shipped_dir("runs")
    finally:
        resources.shipped_dir.cache_clear()


def test_wheel_maps_the_one_copy_and_python_versions_are_honest():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    mapped = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert mapped == {
        "configs": "tutorial_lib/_shipped/configs",
        "data": "tutorial_lib/_shipped/data",
    }
    assert not (REPO / "tutorial_lib" / resources.SHIPPED).exists()  # no second copy in the repo
    supported = SpecifierSet(project["project"]["requires-python"])
    assert "3.11" in supported and "3.12" in supported and "3.10" not in supported  # Colab: 3.12
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda_python = next(
        d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python=")
    )
    assert conda_python.split("=")[1] in supported
