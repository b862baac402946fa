"""One repository URL: every badge and setup cell agrees with pyproject.toml, and one command moves them."""

import re
import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest

from tutorial_lib import colab_links
from tutorial_lib.cli import main

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _urls() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]


def test_pyproject_names_a_github_repository_and_a_ref():
    src = colab_links.kit_source(REPO)
    assert _urls()["Repository"] == src.repo_url and src.repo_url.startswith("https://github.com/")
    assert _urls()["Notebooks"] == f"{src.repo_url}/tree/{src.ref}/notebooks"


@pytest.mark.parametrize(
    "path", NOTEBOOKS + [REPO / "README.md", REPO / "notebooks" / "README.md"], ids=lambda p: p.name
)
def test_every_badge_agrees_with_pyproject(path):
    src = colab_links.kit_source(REPO)
    text = path.read_text(encoding="utf-8")
    for name, badge in colab_links.badges_in(text):
        assert badge == colab_links.badge_markdown(name, src), f"{path.name}: stale badge {badge}"
        assert (REPO / "notebooks" / f"{name}.ipynb").exists(), f"{path.name}: badge to {name}"
    stray = set(
        re.findall(r"colab\.research\.google\.com/github/([^/]+/[^/]+)/blob/([^/]+)/", text)
    )
    assert stray <= {(src.slug, src.ref)}, f"{path.name}: Colab links elsewhere: {stray}"
    if path.suffix == ".ipynb":
        assert colab_links.badges_in(text), f"{path.name} has no badge"


def test_readme_has_a_badge_for_every_notebook():
    names = {n for n, _ in colab_links.badges_in((REPO / "README.md").read_text(encoding="utf-8"))}
    assert names == {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize(
    "bad",
    [
        "http://github.com/a/b",
        "https://gitlab.com/a/b",
        "https://github.com/only-owner",
        "https://github.com//x",
    ],
)
def test_repository_url_must_be_a_github_repository(bad):
    with pytest.raises(colab_links.LinkError, match="repository URL"):
        colab_links.repo_slug(bad)


def test_colab_links_command_rewrites_pyproject_notebooks_and_readme(tmp_path, capsys):
    root = tmp_path / "fork"
    for part in ("notebooks",):
        shutil.copytree(REPO / part, root / part)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, root / name)
    before = colab_links.kit_source(root)
    changed = colab_links.rewrite_links("https://github.com/someone/kit-fork", "v9", root=root)
    assert root / "pyproject.toml" in changed and len(changed) == len(NOTEBOOKS) + 2
    src = colab_links.kit_source(root)
    assert (src.repo_url, src.ref, src.version) == (
        "https://github.com/someone/kit-fork",
        "v9",
        before.version,
    )
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert colab_links.badge_markdown(path.stem, src) in nb.cells[0].source
        setup = next(c for c in nb.cells if c.cell_type == "code").source
        assert setup == colab_links.setup_cell_source(src)
        assert "git+https://github.com/someone/kit-fork@v9" in setup
    assert colab_links.rewrite_links("https://github.com/someone/kit-fork", root=root) == []
    with pytest.raises(colab_links.LinkError, match="ref"):
        colab_links.rewrite_links("https://github.com/a/b", "bad ref", root=root)


def test_colab_links_cli_reports_agreement(capsys):
    src = colab_links.kit_source(REPO)
    assert main(["colab-links", "--repo", src.repo_url, "--ref", src.ref]) == 0
    assert "already agrees" in capsys.readouterr().out
    assert main(["colab-links", "--repo", "https://gitlab.com/x/y"]) == 2
