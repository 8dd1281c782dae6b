"""Lesson rendering: Markdown features kept, every way of running script removed."""

from __future__ import annotations

import re

import pytest

from starguide.content.render import render_markdown, render_text, sanitise_html


def test_markdown_features_are_rendered() -> None:
    html = render_markdown(
        "# Title\n\nSome **bold** and ~~old~~ text, [a link](https://example.org).\n\n"
        "```python\nprint('hi')\n```\n\n| a | b |\n|:-:|---|\n| 1 | 2 |\n\n![Orion](https://example.org/orion.png)\n"
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<s>old</s>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">a link</a>' in html
    assert "<pre><code class=\"language-python\">print('hi')\n</code></pre>" in html
    assert '<th style="text-align:center">a</th>' in html
    assert '<img src="https://example.org/orion.png" alt="Orion">' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "<svg onload=alert(1)>",
        '<div style="position:fixed">x</div>',
    ],
)
def test_markdown_never_lets_script_through(source: str) -> None:
    # Escaped text may still read "onerror"; what matters is what is inside real tags.
    tags = re.findall(r"<[^>]*>", render_markdown(source).lower())
    assert all(t in {"<p>", "</p>"} for t in tags), tags


@pytest.mark.parametrize(
    ("source", "absent"),
    [
        ('<p onclick="x()">hi</p>', "onclick"),
        ("<script>alert(1)</script><p>ok</p>", "<script"),
        ('<a href="javascript:alert(1)">x</a>', "javascript"),
        ('<code class="fixed inset-0">x</code>', "class"),
        ('<td style="background:url(x)">x</td>', "style"),
        ("<!-- hidden --><p>ok</p>", "hidden"),
        ('<img src="https://e.org/a.png" srcset="javascript:x">', "srcset"),
    ],
)
def test_html_is_sanitised(source: str, absent: str) -> None:
    assert absent not in sanitise_html(source)


def test_other_formats() -> None:
    assert render_text("<em>tilt</em><script>x</script>", "html") == "<em>tilt</em>"
    assert render_text("a < b & **c**", "plain") == "<p>a &lt; b &amp; <strong>c</strong></p>"
    assert render_text("", "plain") == ""
    assert render_text("*x*") == "<p><em>x</em></p>\n"
