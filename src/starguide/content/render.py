"""Markdown (and mentor-written HTML) rendered to sanitised HTML: no script, no event handlers, safe links."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_ALIGN_STYLES = {f"text-align:{side}" for side in ("left", "right", "center")}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML in Markdown is shown as text, never passed through; tables and ~~strike~~ are on.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        # Only a code block's language, never classes that could restyle the page.
        return value if tag == "code" and value.startswith("language-") and value.isascii() else None
    if attribute == "style":
        return value if value.replace(" ", "").rstrip(";") in _ALIGN_STYLES else None
    return value


def sanitise_html(html: str) -> str:
    """Keep formatting tags only; drop scripts, event handlers, styles and unsafe URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_attribute_filter,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    return sanitise_html(_markdown().render(text))


def render_text(text: str, text_format: Literal["markdown", "html", "plain"] = "markdown") -> str:
    """Safe HTML for a lesson or question text in any of the formats the bank stores."""
    if text_format == "html":
        return sanitise_html(text)
    if text_format == "plain":
        return sanitise_html(_markdown().renderInline(text).join(("<p>", "</p>")) if text else "")
    return render_markdown(text)
