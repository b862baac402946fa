"""The deck: sources parse with clear errors; the reveal.js build renders offline in real Chromium."""

import re
import shutil
from pathlib import Path

import pytest

from tutorial_lib.colab_links import colab_url
from tutorial_lib.slides import SlideSyntaxError, build_deck
from tutorial_lib.slides.deck import render_deck
from tutorial_lib.slides.pdf import CHROMIUM_ARGS, offline_page
from tutorial_lib.slides.reveal import (
    CACHE_DIR,
    REVEAL_VERSION,
    RevealFetchError,
    fetch_reveal,
    package_dir,
)
from tutorial_lib.slides.source import load_sections, parse_section

REPO = Path(__file__).resolve().parent.parent
SLIDES = REPO / "slides"
CHROMIUM = Path("/usr/bin/chromium")
REVEAL_CACHED = (package_dir(CACHE_DIR) / "dist" / "reveal.js").is_file()
needs_reveal = pytest.mark.skipif(
    not REVEAL_CACHED and shutil.which("npm") is None,
    reason="npm is not installed and reveal.js is not cached in build/vendor",
)


def _count_slides(src: Path) -> int:
    """Independent count: chunks between '---' lines after the front matter, ignoring blank ones."""
    total = 0
    for path in sorted(src.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]  # drop front matter
        chunks = re.split(r"(?m)^---\s*$", body)
        total += sum(1 for c in chunks if c.strip())
    return total


def _write(tmp: Path, name: str, text: str, minutes: int = 5) -> Path:
    path = tmp / name
    path.write_text(f"---\nsection: Test\nminutes: {minutes}\n---\n{text}", encoding="utf-8")
    return path


def test_real_sources_cover_the_105_minute_outline():
    sections = load_sections(SLIDES)
    assert [s.minutes for s in sections] == [10, 35, 35, 25]
    assert [s.title for s in sections] == [
        "Introduction",
        "Gathering data",
        "Instruction fine-tuning",
        "Hands-on",
    ]
    notebooks = {nb for s in sections for nb in s.notebooks}
    assert {p.stem for p in (REPO / "notebooks").glob("*.ipynb")} <= notebooks


def test_source_text_is_escaped_and_unsafe_links_stay_text(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _write(
        src,
        "a.md",
        "## <script>alert(1)</script>\n\n[x](javascript:alert(1)) and "
        "[ok](https://example.org) `<b>`\n",
    )
    sections = load_sections(src)
    html = render_deck(sections, src, lambda name: b"", colab_url, "<T>")
    assert "<title>&lt;T&gt;</title>" in html
    body = html.split("<body>", 1)[1]
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert 'href="javascript' not in body
    assert '<a href="https://example.org" target="_blank" rel="noopener">ok</a>' in body
    assert "<code>&lt;b&gt;</code>" in body


def test_missing_image_names_file_and_line(tmp_path):
    path = _write(tmp_path, "a.md", "## One\n\n---\n\n## Two\n\n![cap](img/nope.png)\n")
    with pytest.raises(SlideSyntaxError, match=r"a\.md:11: image 'img/nope.png' not found"):
        build_deck(tmp_path, tmp_path / "out", total_minutes=5)
    assert len(parse_section(path).slides) == 2


def test_unknown_kit_figure_lists_the_known_ones(tmp_path):
    _write(tmp_path, "a.md", "## One\n\n![cap](kit:no_such_plot)\n")
    with pytest.raises(
        SlideSyntaxError, match=r"a\.md:7: unknown kit figure 'no_such_plot'.*known: "
    ):
        build_deck(tmp_path, tmp_path / "out", total_minutes=5)


def test_budget_must_add_up(tmp_path):
    _write(tmp_path, "a.md", "## One\n", minutes=10)
    _write(tmp_path, "b.md", "## Two\n", minutes=20)
    with pytest.raises(SlideSyntaxError, match="add up to 30, not 105"):
        build_deck(tmp_path, tmp_path / "out")


def test_front_matter_required(tmp_path):
    (tmp_path / "a.md").write_text("## No front matter\n", encoding="utf-8")
    with pytest.raises(SlideSyntaxError, match=r"a\.md:1: .*front matter"):
        load_sections(tmp_path)


@pytest.fixture(scope="module")
def deck(tmp_path_factory, ci_run_dir):
    if not REVEAL_CACHED and shutil.which("npm") is None:
        pytest.skip("npm is not installed and reveal.js is not cached in build/vendor")
    out = tmp_path_factory.mktemp("deck")
    return build_deck(SLIDES, out, pdf=CHROMIUM.exists(), run=ci_run_dir)


AUTHORS = ("Beknazarov", "Üstün", "Fadaee", "Fedorova", "Koshelev", "Smirnova")


def test_deck_is_long_enough_and_every_slide_has_notes():
    sections = load_sections(SLIDES)
    slides = [(s.title, sl) for s in sections for sl in s.slides]
    assert len(slides) >= 40
    short = [sl.where for _, sl in slides if len(" ".join(n.text for n in sl.notes).split()) < 15]
    assert not short, f"slides with fewer than 15 words of notes: {short}"


def test_title_and_closing_name_authors_and_roles():
    sections = load_sections(SLIDES)
    first = "\n".join(ln.text for ln in sections[0].slides[0].lines)
    closing = [sl for sl in sections[-1].slides if any("Thank" in ln.text for ln in sl.lines)]
    assert closing, "no closing (Thank you) slide"
    last = "\n".join(ln.text for ln in closing[0].lines)
    for text in (first, last):
        assert all(a in text for a in AUTHORS) and "Toloka" in text and "Cohere For AI" in text


def test_every_block_shows_two_kit_figures():
    for section in load_sections(SLIDES):
        figures = {
            m
            for sl in section.slides
            for ln in sl.lines
            for m in re.findall(r"\(kit:(\w+)\)", ln.text)
        }
        assert len(figures) >= 2, (section.title, figures)
    all_figs = {m for p in SLIDES.glob("*.md") for m in re.findall(r"\(kit:(\w+)\)", p.read_text())}
    assert {"loss_curve", "benchmark_accuracy", "dynamic_overlap"} <= all_figs


def test_references_and_preset_numbers_are_filled_in(deck):
    from tutorial_lib.config import load_config
    from tutorial_lib.facts import registry

    html = deck.html.read_text()
    assert "{{" not in html  # every placeholder was resolved
    for url in {f.source_url for f in registry.all_facts()}:
        assert url.replace("&", "&amp;") in html, url
    crowd = load_config("demo").crowd
    assert (
        f"start with {crowd.validation_overlap} votes" in html
        and f"up to {crowd.validation_max_overlap}" in html
    )


def test_unknown_fact_or_preset_names_the_line(tmp_path):
    _write(tmp_path, "a.md", "## One\n\nvalue {{fact:no_such_fact}}\n")
    with pytest.raises(SlideSyntaxError, match=r"a\.md:7: no fact 'no_such_fact'"):
        build_deck(tmp_path, tmp_path / "out", total_minutes=5)
    _write(tmp_path, "a.md", "## One\n\nvalue {{preset:demo.crowd.nope}}\n")
    with pytest.raises(SlideSyntaxError, match=r"a\.md:7: no preset value"):
        build_deck(tmp_path, tmp_path / "out", total_minutes=5)


def test_deck_slide_count_matches_sources(deck):
    assert deck.slides == _count_slides(SLIDES)
    html = deck.html.read_text()
    assert html.count("<section data-section=") == deck.slides
    assert html.count('<aside class="notes">') == deck.slides


def test_reveal_ships_next_to_the_deck_with_its_licence(deck):
    reveal = deck.html.parent / "reveal"
    assert "Hakim El Hattab" in (reveal / "LICENSE").read_text()
    for name in ("reveal.js", "reveal.css", "theme/white.css", "plugin/notes.js"):
        assert (reveal / name).is_file(), name
    html = deck.html.read_text()
    assert re.findall(r'<script src="([^"]+)"', html) == [
        "reveal/reveal.js",
        "reveal/plugin/notes.js",
    ]
    assert not re.search(r'<link[^>]+href="https?:', html)


def _problems(page) -> list[str]:
    problems = []
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on(
        "console",
        lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return problems


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_deck_works_from_file_url_with_the_network_blocked(deck):
    from playwright.sync_api import sync_playwright

    url = deck.html.resolve().as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = offline_page(browser, viewport={"width": 1280, "height": 720})
            problems = _problems(page)
            page.goto(url, wait_until="load")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
            assert page.evaluate("Reveal.getTotalSlides()") == deck.slides
            assert page.evaluate("document.querySelectorAll('.slides > section').length") == (
                deck.slides
            )
            assert page.evaluate("Reveal.hasPlugin('notes')")
            notes = page.evaluate("Reveal.getSlides().map(s => Reveal.getSlideNotes(s) || '')")
            assert len(notes) == deck.slides and all(n.startswith("<p>") for n in notes)
            page.keyboard.press("ArrowRight")
            assert page.evaluate("Reveal.getIndices().h") == 1
            page.wait_for_function("location.hash === '#/1'", timeout=5_000)  # reveal.js debounces
            page.keyboard.press("End")
            assert page.evaluate("Reveal.getIndices().h") == deck.slides - 1
            assert page.evaluate("Reveal.isLastSlide()")
            footer = page.evaluate(
                "Reveal.getCurrentSlide().querySelector('.deck-footer').textContent"
            )
            assert footer == "Hands-on · 25 min"
            broken = page.evaluate(
                "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt)"
            )
            n_images = page.evaluate("document.images.length")
            page.goto(url + "#/3")
            page.wait_for_function("document.body.dataset.ready === '1'")
            assert page.evaluate("Reveal.getIndices().h") == 3
            with page.expect_popup() as popup:  # `s`: reveal.js's speaker view, offline too
                page.keyboard.press("s")
            speaker = popup.value
            speaker.wait_for_selector(".speaker-controls-notes", timeout=10_000)
            shown = speaker.inner_text(".speaker-controls-notes")
            current = page.evaluate("Reveal.getCurrentSlide().querySelector('.notes').textContent")
            assert " ".join(current.split()[:8]) in " ".join(shown.split())
            blocked = page.blocked
        finally:
            browser.close()
    assert not problems, problems
    assert not blocked, f"deck tried to load something from outside: {blocked}"
    assert n_images >= 4 and not broken, broken


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_pdf_has_one_page_per_slide(deck):
    assert deck.pdf is not None and deck.pdf.read_bytes().startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", deck.pdf.read_bytes()))
    assert pages == deck.slides


def _fake_npm(tmp_path, monkeypatch, script: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_unreachable_registry_is_one_clear_error(tmp_path, monkeypatch):
    _fake_npm(
        tmp_path, monkeypatch, "echo 'npm error code ENOTFOUND registry.npmjs.org' >&2\nexit 1\n"
    )
    with pytest.raises(RevealFetchError) as err:
        fetch_reveal(tmp_path / "cache")
    assert str(err.value) == (
        f"could not fetch reveal.js {REVEAL_VERSION} from the npm registry "
        f"(pack reveal.js@{REVEAL_VERSION}): npm error code ENOTFOUND registry.npmjs.org"
    )


def test_a_tarball_with_another_hash_is_refused(tmp_path, monkeypatch):
    _fake_npm(tmp_path, monkeypatch, 'echo tampered > "$4/reveal.js-6.0.2.tgz"\n')
    with pytest.raises(RevealFetchError, match="differs from the pinned sha512-"):
        fetch_reveal(tmp_path / "cache")
    assert not package_dir(tmp_path / "cache").exists()


@needs_reveal
def test_fetch_is_cached_and_needs_no_npm_afterwards(monkeypatch):
    first = fetch_reveal()
    monkeypatch.setenv("PATH", "/nonexistent")  # no npm: the cached copy must be used
    assert fetch_reveal() == first == package_dir(CACHE_DIR)
