"""Markdown → safe HTML. Allow-list sanitising (nh3) so even a hostile course file cannot run script."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import markdown
import nh3

from lms.content.yamlines import split_front_matter

TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul", "del", "figure", "figcaption",
}
ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "div": {"class", "id"},
    "p": {"class"},
    "span": {"class"},
    "li": {"id"},
    "sup": {"id"},
    "th": {"align"},
    "td": {"align"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "abbr": {"title"},
    "code": {"class"},
}
SCHEMES = {"http", "https", "mailto"}

LinkRewriter = Callable[[str, bool], str | None]


def _markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "footnotes", "admonition", "fenced_code", "def_list", "sane_lists", "toc", "abbr"],
        extension_configs={
            "toc": {"permalink": False, "toc_depth": "2-4"},
            "tables": {"use_align_attribute": True},
            "footnotes": {"BACKLINK_TEXT": "↩"},
        },
        output_format="html",
    )


def sanitise(html: str, rewrite: LinkRewriter | None = None) -> str:
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if rewrite and ((tag == "a" and attr == "href") or (tag == "img" and attr == "src")):
            return rewrite(value, tag == "img")
        return value

    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        attribute_filter=attribute_filter,
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
        strip_comments=True,
    )


def render_markdown(text: str, rewrite: LinkRewriter | None = None) -> str:
    return sanitise(_markdown().convert(text), rewrite)


class RenderCache:
    """Rendered HTML per (file, variant), refreshed when the file's mtime or size changes."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path, variant: str, rewrite: LinkRewriter | None = None) -> str:
        st = path.stat()
        key = (str(path), variant)
        hit = self._data.get(key)
        if hit and hit[0] == st.st_mtime_ns and hit[1] == st.st_size:
            return hit[2]
        _meta, body, _line = split_front_matter(path.read_text(encoding="utf-8"))
        html = render_markdown(body, rewrite)
        with self._lock:
            self._data[key] = (st.st_mtime_ns, st.st_size, html)
        return html
