"""make docs: a notebook executed headless and written as static HTML with its outputs."""

import pytest

from tutorial_lib import docs


def test_parameters_are_injected_after_the_tagged_cell():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("preset = 'demo'")]
    nb.cells[1].metadata["tags"] = ["parameters"]
    docs.inject_parameters(nb, {"preset": "ci"})
    assert nb.cells[2].source == "preset = 'ci'"
    with pytest.raises(ValueError, match="parameters"):
        docs.inject_parameters(nbformat.v4.new_notebook(), {})


@pytest.mark.slow
def test_builds_html_for_a_notebook(tmp_path):
    written = docs.build_docs(tmp_path, preset="ci", only=["01_crowdsourcing_basics"])
    html = (tmp_path / "01_crowdsourcing_basics.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in html or "image/png" in html  # figures made it in
    assert "Traceback" not in html
    assert (tmp_path / "index.html") in written
