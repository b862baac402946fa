"""Crowd text that tries every trick, and how the kit's one escaping rule shows it."""

CROWD = "<script>alert(\"x\")</script> & 'q' | a\nb"
# The one rule, spelled out: escaped quotes too, a line break as <br>; a Markdown cell adds &#124;.
HTML = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;q&#39; | a<br>b"
MARKDOWN = HTML.replace("|", "&#124;")


def assert_escaped(page: str, expected: str = HTML) -> None:
    """``page`` shows the crowd text escaped as ``expected`` and never as markup."""
    assert expected in page
    assert "<script>" not in page and 'alert("x")' not in page
