"""The deck: sources parse with clear errors, the build renders offline in real Chromium."""

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest

from tutorial_lib.slides import SlideSyntaxError, build_deck
from tutorial_lib.slides.deck import load_sections, parse_section

REPO = Path(__file__).resolve().parent.parent
SLIDES = REPO / "slides"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


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
    html = build_deck(src, tmp_path / "out", pdf="no", total_minutes=5).html.read_text()
    body = html.split("<body>", 1)[1]
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert 'href="javascript' not in body
    assert '<a href="https://example.org"' in body
    assert "<code>&lt;b&gt;</code>" in body


def test_missing_image_names_file_and_line(tmp_path):
    path = _write(tmp_path, "a.md", "## One\n\n---\n\n## Two\n\n![cap](img/nope.png)\n")
    with pytest.raises(SlideSyntaxError, match=r"a\.md:11: image 'img/nope.png' not found"):
        build_deck(tmp_path, tmp_path / "out", pdf="no", total_minutes=5)
    assert len(parse_section(path).slides) == 2


def test_unknown_kit_figure_lists_the_known_ones(tmp_path):
    _write(tmp_path, "a.md", "## One\n\n![cap](kit:no_such_plot)\n")
    with pytest.raises(
        SlideSyntaxError, match=r"a\.md:7: unknown kit figure 'no_such_plot'.*known: "
    ):
        build_deck(tmp_path, tmp_path / "out", pdf="no", total_minutes=5)


def test_budget_must_add_up(tmp_path):
    _write(tmp_path, "a.md", "## One\n", minutes=10)
    _write(tmp_path, "b.md", "## Two\n", minutes=20)
    with pytest.raises(SlideSyntaxError, match="add up to 30, not 105"):
        build_deck(tmp_path, tmp_path / "out", pdf="no")


def test_front_matter_required(tmp_path):
    (tmp_path / "a.md").write_text("## No front matter\n", encoding="utf-8")
    with pytest.raises(SlideSyntaxError, match=r"a\.md:1: .*front matter"):
        load_sections(tmp_path)


@pytest.fixture(scope="module")
def deck(tmp_path_factory, ci_run_dir):
    out = tmp_path_factory.mktemp("deck")
    return build_deck(SLIDES, out, pdf="auto" if CHROMIUM.exists() else "no", run=ci_run_dir)


AUTHORS = ("Beknazarov", "Üstün", "Fadaee", "Fedorova", "Koshelev", "Smirnova")


def test_deck_is_long_enough_and_every_slide_has_notes():
    sections = load_sections(SLIDES)
    slides = [(s.title, sl) for s in sections for sl in s.slides]
    assert len(slides) >= 40
    short = [sl.where for _, sl in slides if len(" ".join(sl.notes).split()) < 15]
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
        build_deck(tmp_path, tmp_path / "out", pdf="no", total_minutes=5)
    _write(tmp_path, "a.md", "## One\n\nvalue {{preset:demo.crowd.nope}}\n")
    with pytest.raises(SlideSyntaxError, match=r"a\.md:7: no preset value"):
        build_deck(tmp_path, tmp_path / "out", pdf="no", total_minutes=5)


@pytest.fixture(scope="module")
def served(deck):
    handler = functools.partial(_QuietHandler, directory=str(deck.html.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_deck_slide_count_matches_sources(deck):
    assert deck.slides == _count_slides(SLIDES)
    assert deck.html.read_text().count('<section class="slide"') == deck.slides


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_deck_renders_offline_without_failed_loads(deck, served):
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
            page.on(
                "response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}")
            )
            page.on(
                "console",
                lambda m: (
                    m.type in ("error", "warning")
                    and problems.append(f"console {m.type}: {m.text}")
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            external = []
            page.on(
                "request",
                lambda r: (
                    not r.url.startswith(("http://127.0.0.1", "data:")) and external.append(r.url)
                ),
            )
            page.goto(served, wait_until="load")
            assert page.evaluate("document.querySelectorAll('section.slide').length") == deck.slides
            assert page.evaluate("window.deck.count") == deck.slides
            assert page.evaluate("document.querySelectorAll('section.slide.active').length") == 1
            page.keyboard.press("ArrowRight")
            assert page.evaluate("window.deck.current()") == 2 and page.url.endswith("#2")
            page.keyboard.press("End")
            assert page.evaluate("window.deck.current()") == deck.slides
            broken = page.evaluate(
                "[...document.images].filter(i => !i.complete || "
                "i.naturalWidth === 0).map(i => i.alt)"
            )
            n_images = page.evaluate("document.images.length")
            page.goto(served.replace("index.html", "index.html#3"))
            assert page.evaluate("window.deck.current()") == 3
        finally:
            browser.close()
    assert not problems, problems
    assert not external, f"deck loaded something from outside: {external}"
    assert n_images >= 4 and not broken, broken


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_pdf_has_one_page_per_slide(deck):
    assert deck.pdf is not None and deck.pdf.exists()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", deck.pdf.read_bytes()))
    assert pages == deck.slides
