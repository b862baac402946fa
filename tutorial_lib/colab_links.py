"""One repository URL for every Colab link: badges, the notebooks' setup cell, the slides.

``pyproject.toml``'s ``[project.urls]`` holds the truth: ``Repository`` (a GitHub
URL) and ``Notebooks`` (``REPOSITORY/tree/REF/notebooks``, the ref the badges open
and the setup cell installs). Everything else is derived here, and
``tutorial-lib colab-links --repo URL [--ref REF]`` rewrites the pyproject, every
notebook's badge and setup cell, and the README's badges when the project moves,
is forked or tags a release. ``tests/test_colab_links.py`` fails when any copy
disagrees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .errors import TutorialLibError
from .resources import source_tree

COLAB_BADGE_IMG = "https://colab.research.google.com/assets/colab-badge.svg"
GITHUB = "https://github.com/"
DIST = "tutorial-lib"
_BADGE = re.compile(
    r"\[!\[Open In Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/"
    r"[^)\s]*/notebooks/(\w+)\.ipynb\)"
)


class LinkError(TutorialLibError, ValueError):
    """A repository URL or ref that cannot make a Colab link; the message names it."""


@dataclass(frozen=True)
class KitSource:
    """Where the kit lives: a GitHub repository, the ref notebooks use, the kit's version."""

    repo_url: str
    ref: str
    version: str

    @property
    def slug(self) -> str:
        """``OWNER/NAME`` of :attr:`repo_url`."""
        return repo_slug(self.repo_url)

    @property
    def requirement(self) -> str:
        """The pip requirement the setup cell installs: the repository at the pinned ref."""
        return f"{DIST} @ git+{self.repo_url}@{self.ref}"


def repo_slug(url: str) -> str:
    """``owner/name`` of a GitHub repository URL (a trailing ``/`` or ``.git`` is dropped).

    Args:
        url: the repository URL, ``https://github.com/OWNER/NAME``.

    Returns:
        ``"OWNER/NAME"``.

    Raises:
        LinkError: the URL is not ``https://github.com/OWNER/NAME``.

    Examples:
        >>> repo_slug("https://github.com/example/llm-tutorial.git")
        'example/llm-tutorial'
    """
    if not url.startswith(GITHUB):
        raise LinkError(f"repository URL must start with {GITHUB}, got {url!r}")
    slug = url[len(GITHUB) :].rstrip("/").removesuffix(".git")
    if slug.count("/") != 1 or not all(slug.split("/")):
        raise LinkError(f"repository URL must look like {GITHUB}OWNER/NAME, got {url!r}")
    return slug


def notebooks_url(repo_url: str, ref: str) -> str:
    """The ``Notebooks`` project URL that records the ref (pyproject's ``[project.urls]``).

    Args:
        repo_url: ``https://github.com/OWNER/NAME``.
        ref: the branch or tag the badges open and the setup cell installs.

    Returns:
        ``https://github.com/OWNER/NAME/tree/REF/notebooks``.

    Raises:
        LinkError: if ``ref`` is empty, holds whitespace or starts with ``-`` (it
            would be read as an option), or ``repo_url`` is not a GitHub URL.

    Examples:
        >>> notebooks_url("https://github.com/example/kit", "v1.0")
        'https://github.com/example/kit/tree/v1.0/notebooks'
    """
    if not ref or any(c.isspace() for c in ref) or ref.startswith("-"):
        raise LinkError(f"git ref must be a branch or tag name, got {ref!r}")
    return f"{GITHUB}{repo_slug(repo_url)}/tree/{ref}/notebooks"


def _from_urls(urls: dict[str, str], version: str) -> KitSource:
    repo = urls.get("Repository")
    if not repo:
        raise LinkError("pyproject.toml [project.urls] has no Repository")
    slug = repo_slug(repo)
    match = re.fullmatch(
        rf"{re.escape(GITHUB + slug)}/tree/(.+)/notebooks", urls.get("Notebooks", "")
    )
    if not match:
        raise LinkError(f"[project.urls] Notebooks must be {GITHUB}{slug}/tree/REF/notebooks")
    return KitSource(f"{GITHUB}{slug}", match.group(1), version)


def kit_source(root: Path | None = None) -> KitSource:
    """The repository and ref from ``pyproject.toml`` (a checkout), else the installed metadata.

    Args:
        root: a repository root holding ``pyproject.toml``; default: this checkout, if any.

    Returns:
        The :class:`KitSource` (repository URL, ref, kit version).
    """
    root = root or source_tree()
    if root is not None:
        import tomllib

        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        return _from_urls(project.get("urls", {}), project["version"])
    meta = metadata.metadata(DIST)
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    return _from_urls(urls, meta["Version"])


def colab_url(notebook: str, source: KitSource | None = None) -> str:
    """The Colab address that opens ``notebooks/<notebook>.ipynb`` at the pinned ref.

    Args:
        notebook: the notebook's file name, with or without ``.ipynb``.
        source: the repository and ref (default: :func:`kit_source`).

    Returns:
        The ``https://colab.research.google.com/github/...`` URL.

    Examples:
        >>> src = KitSource("https://github.com/example/kit", "main", "0.1.0")
        >>> colab_url("01_crowdsourcing_basics", src).split("/github/")[1]
        'example/kit/blob/main/notebooks/01_crowdsourcing_basics.ipynb'
    """
    src = source or kit_source()
    name = notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
    return f"https://colab.research.google.com/github/{src.slug}/blob/{src.ref}/notebooks/{name}"


def badge_markdown(notebook: str, source: KitSource | None = None) -> str:
    """The Markdown of a notebook's "Open in Colab" badge.

    Args:
        notebook: the notebook's file name, with or without ``.ipynb``.
        source: the repository and ref (default: :func:`kit_source`).

    Returns:
        ``[![Open In Colab](BADGE_IMAGE)](COLAB_URL)``; :func:`badges_in` finds it again.
    """
    return f"[![Open In Colab]({COLAB_BADGE_IMG})]({colab_url(notebook, source)})"


def setup_cell_source(source: KitSource | None = None) -> str:
    """The first code cell of every notebook: install the kit where it is missing.

    It cannot import the kit before installing it, so its text is generated here and
    the notebook tests require each notebook's copy to equal it. On Colab (or
    wherever ``TUTORIAL_KIT_SOURCE`` is set: any pip requirement, a wheel path, a fork's
    ``git+URL@ref``) it pip-installs the kit unless this version is already
    installed, then says whether the runtime must restart. It never changes folder.

    Args:
        source: the repository, ref and version to install (default: :func:`kit_source`).

    Returns:
        The cell's Python source, one statement per line.
    """
    src = source or kit_source()
    return "\n".join(
        [
            "# Setup: on Colab, install the kit at a pinned ref (skipped when this version is installed).",
            "import importlib, importlib.metadata as md, os, subprocess, sys",
            f'KIT = os.environ.get("TUTORIAL_KIT_SOURCE", "{src.requirement}")',
            'have = {d.version for d in md.distributions(name="tutorial-lib")}',
            f'if "{src.version}" not in have and ("google.colab" in sys.modules or "TUTORIAL_KIT_SOURCE" in os.environ):',
            "    before = {d.name: d.version for d in md.distributions()}",
            '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", KIT], check=True)',
            "    importlib.invalidate_caches()",
            "    from tutorial_lib.colab import after_install; print(after_install(before))",
            'elif not have: print("The kit is not installed here: run `make install` in the repository.")',
        ]
    )


def _rewrite_notebook(path: Path, source: KitSource) -> bool:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    badge = badge_markdown(path.stem, source)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _BADGE.sub(lambda m: badge_markdown(m.group(1), source), cell.source)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code and code[0].source.startswith("# Setup:"):
        code[0].source = setup_cell_source(source)
    if badge not in nb.cells[0].source:
        raise LinkError(f"{path}: the first cell has no Colab badge to rewrite")
    if nbformat.writes(nb) == before:
        return False
    nbformat.write(nb, path)
    return True


def _rewrite_pyproject(path: Path, source: KitSource) -> bool:
    text = path.read_text(encoding="utf-8")
    new = re.sub(r'(?m)^Repository = "[^"]*"', f'Repository = "{source.repo_url}"', text)
    new = re.sub(
        r'(?m)^Notebooks = "[^"]*"',
        f'Notebooks = "{notebooks_url(source.repo_url, source.ref)}"',
        new,
    )
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def rewrite_links(repo_url: str, ref: str | None = None, root: Path | None = None) -> list[Path]:
    """Point every Colab link at ``repo_url`` (and ``ref``): pyproject, notebooks, READMEs.

    Args:
        repo_url: ``https://github.com/OWNER/NAME``.
        ref: the branch or tag to open and install; default: keep the current one.
        root: the repository root (default: this checkout).

    Returns:
        The files that changed.

    Raises:
        LinkError: a bad URL or ref, or no checkout to rewrite.
    """
    root = root or source_tree()
    if root is None:
        raise LinkError("colab-links rewrites a checkout of the repository; none found here")
    current = kit_source(root)
    source = KitSource(f"{GITHUB}{repo_slug(repo_url)}", ref or current.ref, current.version)
    notebooks_url(source.repo_url, source.ref)  # validates the ref
    changed = (
        [root / "pyproject.toml"] if _rewrite_pyproject(root / "pyproject.toml", source) else []
    )
    changed += [
        p for p in sorted((root / "notebooks").glob("*.ipynb")) if _rewrite_notebook(p, source)
    ]
    for readme in (root / "README.md", root / "notebooks" / "README.md"):
        text = readme.read_text(encoding="utf-8") if readme.exists() else ""
        new = _BADGE.sub(lambda m: badge_markdown(m.group(1), source), text)
        if new != text:
            readme.write_text(new, encoding="utf-8")
            changed.append(readme)
    return changed


def badges_in(text: str) -> list[tuple[str, str]]:
    """Every ``(notebook, badge markdown)`` pair found in ``text`` (tests compare them).

    Args:
        text: Markdown, e.g. a README or a notebook's first cell.

    Returns:
        ``(notebook stem, the whole badge)`` for each badge, in order of appearance.

    Examples:
        >>> src = KitSource("https://github.com/example/kit", "main", "0.1.0")
        >>> badges_in("Start here: " + badge_markdown("01_crowdsourcing_basics", src))[0][0]
        '01_crowdsourcing_basics'
    """
    return [(m.group(1), m.group(0)) for m in _BADGE.finditer(text)]
