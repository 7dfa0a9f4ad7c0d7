"""Saved web pages into blocks: the page's own content, without the furniture around it.

Loyalty pages bury a few paragraphs and an award chart under navigation, cookie banners,
newsletter forms and footers. Those are removed first (by tag, by the id/class/role/aria
names sites give them, and when hidden), then the rest is read in document order: h1-h6 as
headings, p/div text as paragraphs, li as list items, tables as rows of cells (spans
repeated, so every row reads on its own), dl as ``term: definition`` paragraphs.
lxml repairs truncated markup, so a page cut off mid-way still gives what text it has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, PreformattedString, Tag

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import Block
from loyalty_maximizer.documents.text import (
    clean_text,
    promote_table_captions,
    rectangular,
    text_blocks,
)

_FURNITURE_TAGS = {
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "aside",
    "iframe",
    "frame",
    "object",
    "embed",
    "svg",
    "canvas",
    "button",
    "select",
    "textarea",
    "input",
    "dialog",
}
# A page's header and footer are furniture; inside main, article or section a header holds
# the title and a footer the small print, so those stay.
_PAGE_SECTION_TAGS = {"header", "footer"}
_CONTENT_TAGS = {"main", "article", "section"}
# ASP.NET pages wrap the whole page in one <form>: a form holding the page's headings or
# tables is that wrapper, not a newsletter box.
_PAGE_FORM_CONTENT = {"main", "article", "h1", "h2", "table"}
_FURNITURE_ROLES = {
    "navigation",
    "banner",
    "contentinfo",
    "search",
    "menu",
    "menubar",
    "alertdialog",
}
# Consent tools name their markup after themselves; these words never name page content.
_CONSENT_NAME = re.compile(r"cookie|consent|gdpr|onetrust|cookiebot|didomi|usercentrics")
# Whole words of an id or class. "banner" is not one of them: loyalty sites put transfer-bonus
# promotions in "hero-banner"s, and cookie banners are caught by the names above.
_FURNITURE_WORDS = {
    "newsletter",
    "breadcrumb",
    "breadcrumbs",
    "menu",
    "megamenu",
    "nav",
    "navbar",
    "navigation",
    "skip",
    "skiplink",
    "footer",
}
_HIDDEN_CLASSES = {
    "hidden",
    "d-none",
    "is-hidden",
    "sr-only",
    "visually-hidden",
    "visuallyhidden",
    "screen-reader-text",
}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Furniture never wraps the page's main content; a match on one of these is a page-wide
# class like <body class="cookie-consent-shown"> or <div class="page has-menu">.
_NEVER_FURNITURE = {"html", "body", "main", "article"}
_GUARDED_CONTENT = {"main", "article", "h1"}

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCK_TAGS = {
    "address",
    "article",
    "blockquote",
    "body",
    "center",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    *_HEADINGS,
}
_LIST_TAGS = {"li", "ul", "ol"}
_CELL_TAGS = {"td", "th"}
_ROW_GROUPS = {"thead", "tbody", "tfoot"}
_MAX_SPAN = 100


@dataclass(frozen=True)
class HtmlPage:
    """A page's title (its <title>, else its first h1) and its content blocks."""

    title: str | None
    blocks: list[Block]


def read_html(markup: str) -> HtmlPage:
    """The title and content blocks of an HTML page.

    Raises DocumentRejected when nothing readable remains once furniture is removed."""
    soup = BeautifulSoup(markup, "lxml")
    title_tag = soup.find("title")
    title = clean_text(title_tag.get_text()) if isinstance(title_tag, Tag) else ""
    had_scripts = soup.find("script") is not None
    root = soup.body if soup.body is not None else soup
    _remove_furniture(root)
    reader = _Reader()
    _walk(root, reader.enter, reader.leave, reader.inline.append)
    blocks = promote_table_captions(reader.finish())
    if not blocks:
        raise DocumentRejected(_why_empty(markup, had_scripts))
    first_h1 = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    return HtmlPage(title=title or first_h1, blocks=blocks)


def _why_empty(markup: str, had_scripts: bool) -> str:
    if "</html" not in markup.lower():
        return (
            "truncated HTML: no closing </html> and no text content; "
            "save the complete page and upload it again"
        )
    if had_scripts:
        return (
            "no text found: the page holds only scripts and page furniture (built by "
            "JavaScript?); save it from the browser after it has loaded"
        )
    return "no text found: the page has no content outside navigation, banners and forms"


def _walk(
    root: Tag,
    enter: Callable[[Tag], bool],
    leave: Callable[[Tag], None],
    text: Callable[[str], None],
) -> None:
    """Depth-first over ``root``'s content: ``enter`` for each element (False skips its
    content, and then ``leave`` is not called), ``text`` for each text node. A loop, not
    recursion: saved pages nest thousands of elements deep."""
    stack: list[tuple[Tag, Iterator[PageElement]]] = [(root, iter(list(root.children)))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if stack:
                leave(parent)
        elif isinstance(child, Tag):
            if enter(child):
                stack.append((child, iter(list(child.children))))
        elif _is_text(child):
            text(str(child))


def _is_text(node: PageElement) -> bool:
    # Comments, CDATA, doctypes and processing instructions are strings to bs4 but not text.
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def _contains(tag: Tag, names: set[str]) -> bool:
    return any(isinstance(d, Tag) and d.name in names for d in tag.descendants)


def _children(tag: Tag, names: set[str]) -> list[Tag]:
    return [c for c in tag.children if isinstance(c, Tag) and c.name in names]


# --- removing furniture -------------------------------------------------------------------


def _remove_furniture(root: Tag) -> None:
    furniture: list[Tag] = []
    content_depth = 0  # how many main/article/section elements enclose the current one

    def enter(tag: Tag) -> bool:
        nonlocal content_depth
        if _is_furniture(tag, inside_content=content_depth > 0):
            furniture.append(tag)
            return False
        if tag.name in _CONTENT_TAGS:
            content_depth += 1
        return True

    def leave(tag: Tag) -> None:
        nonlocal content_depth
        if tag.name in _CONTENT_TAGS:
            content_depth -= 1

    _walk(root, enter, leave, lambda _: None)
    for tag in furniture:
        tag.decompose()


def _is_furniture(tag: Tag, *, inside_content: bool) -> bool:
    if tag.name in _FURNITURE_TAGS:
        return True
    if tag.name in _PAGE_SECTION_TAGS:
        return not inside_content
    if tag.name == "form":
        return not _contains(tag, _PAGE_FORM_CONTENT)
    return (
        (_is_hidden(tag) or _is_named_furniture(tag))
        and tag.name not in _NEVER_FURNITURE
        and not _contains(tag, _GUARDED_CONTENT)
    )


def _is_hidden(tag: Tag) -> bool:
    classes = set(tag.get_attribute_list("class"))
    return (
        tag.has_attr("hidden")
        or str(tag.get("aria-hidden", "")).lower() == "true"
        or bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))
        or not classes.isdisjoint(_HIDDEN_CLASSES)
    )


def _is_named_furniture(tag: Tag) -> bool:
    if str(tag.get("role", "")).lower() in _FURNITURE_ROLES:
        return True
    names = " ".join(
        [str(tag.get("id", "")), *tag.get_attribute_list("class"), str(tag.get("aria-label", ""))]
    ).lower()
    if _CONSENT_NAME.search(names):
        return True
    return not _FURNITURE_WORDS.isdisjoint(re.split(r"[^a-z0-9]+", names))


# --- reading content ----------------------------------------------------------------------


# Marks the end of an inline element in the collected text; it becomes a space only when
# another element starts right after it (text that follows joins as written).
_SIBLING = ""


class _Reader:
    """Collects blocks in document order. Text of inline elements gathers until a block-level
    element starts or ends, then becomes a paragraph, or a list item when the nearest
    enclosing list element is an li (a list nested in an li ends the item's text)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.inline: list[str] = []
        self.lists: list[str] = []  # enclosing li, ul and ol elements, innermost last

    def finish(self) -> list[Block]:
        self.flush()
        return self.blocks

    def flush(self) -> None:
        text = clean_text("".join(self.inline))
        self.inline.clear()
        if text:
            in_item = bool(self.lists) and self.lists[-1] == "li"
            self.blocks.append(Block(kind="list_item" if in_item else "paragraph", text=text))

    def enter(self, tag: Tag) -> bool:
        name = tag.name
        level = _heading_level(tag)
        if level is not None:
            self.flush()
            text = _text(tag)
            if text:
                self.blocks.append(Block(kind="heading", text=text, level=level))
            return False
        if name == "br":
            self.inline.append(" ")
            return False
        if name == "table" and not _is_layout_table(tag):
            self.flush()
            self.blocks.extend(_table_blocks(tag))
            return False
        if name == "dl":
            self.flush()
            self.blocks.extend(_definition_blocks(tag))
            return False
        if name == "pre":
            self.flush()
            self.blocks.extend(text_blocks(tag.get_text()))
            return False
        if name in _BLOCK_TAGS:
            self.flush()
            if name in _LIST_TAGS:
                self.lists.append(name)
        elif self.inline and self.inline[-1] == _SIBLING:
            # One inline element right after another (``</span><span>``): pages lay such
            # "cells" out apart with CSS, so their words must not run together.
            self.inline[-1] = " "
        return True

    def leave(self, tag: Tag) -> None:
        if tag.name in _BLOCK_TAGS:
            self.flush()
            if tag.name in _LIST_TAGS:
                self.lists.pop()
        else:
            self.inline.append(_SIBLING)


def _heading_level(tag: Tag) -> int | None:
    if tag.name in _HEADINGS:
        return _HEADINGS[tag.name]
    if str(tag.get("role", "")).lower() == "heading":
        level = str(tag.get("aria-level", "2"))
        return min(max(int(level), 1), 6) if level.isdigit() else 2
    return None


def _text(tag: Tag) -> str:
    """The normalised text of ``tag``; block boundaries inside it separate words even where
    the markup has no space."""
    parts: list[str] = []

    def enter(child: Tag) -> bool:
        if child.name == "br" or child.name in _BLOCK_TAGS:
            parts.append(" ")
        return child.name != "br"

    def leave(child: Tag) -> None:
        if child.name in _BLOCK_TAGS:
            parts.append(" ")

    _walk(tag, enter, leave, parts.append)
    return clean_text("".join(parts))


def _is_layout_table(table: Tag) -> bool:
    """Old pages lay out whole sections with tables; those are read as containers."""
    if _contains(table, {"table", *_HEADINGS}):
        return True
    return all(len(_children(row, _CELL_TAGS)) <= 1 for row in _rows(table))


def _rows(table: Tag) -> list[Tag]:
    """The table's tr elements, directly or in thead/tbody/tfoot."""
    rows: list[Tag] = []
    for child in _children(table, {"tr", *_ROW_GROUPS}):
        rows.extend([child] if child.name == "tr" else _children(child, {"tr"}))
    return rows


def _table_blocks(table: Tag) -> list[Block]:
    captions = _children(table, {"caption"})
    caption_text = " ".join(_text(caption) for caption in captions).strip()
    rows = [row for row in _table_rows(table) if any(row)]
    if not rows:
        return [Block(kind="paragraph", text=caption_text)] if caption_text else []
    return [Block(kind="table", text=caption_text, rows=rectangular(rows))]


def _table_rows(table: Tag) -> list[list[str]]:
    """Rows of cell texts. A cell spanning columns or rows is repeated in each position it
    covers, so "Europe | 30,000" still reads right on the second row a region spans."""
    rows: list[list[str]] = []
    # column -> (rows still to fill, text) of cells spanning down from earlier rows
    spanning: dict[int, tuple[int, str]] = {}
    for tr in _rows(table):
        row: list[str] = []
        for cell in _children(tr, _CELL_TAGS):
            while len(row) in spanning:
                _fill_spanned(row, len(row), spanning)
            text = _text(cell)
            rowspan = _span(cell, "rowspan")
            for _ in range(_span(cell, "colspan")):
                if rowspan > 1:
                    spanning[len(row)] = (rowspan - 1, text)
                row.append(text)
        for column in sorted(c for c in spanning if c >= len(row)):
            _fill_spanned(row, column, spanning)
        rows.append(row)
    return rows


def _fill_spanned(row: list[str], column: int, spanning: dict[int, tuple[int, str]]) -> None:
    left, text = spanning[column]
    row.extend([""] * (column - len(row)))
    row.append(text)
    if left == 1:
        del spanning[column]
    else:
        spanning[column] = (left - 1, text)


def _span(cell: Tag, attribute: str) -> int:
    value = str(cell.get(attribute, "1")).strip()
    # rowspan="0" means "to the end of the section"; reading it as 1 keeps later rows intact.
    return min(max(int(value), 1), _MAX_SPAN) if value.isdigit() else 1


def _definition_blocks(dl: Tag) -> list[Block]:
    """``term: definition`` paragraphs; several definitions of one term are joined by ``;``."""
    items: list[Tag] = []
    for child in _children(dl, {"dt", "dd", "div"}):
        items.extend(_children(child, {"dt", "dd"}) if child.name == "div" else [child])
    pairs: list[tuple[str, list[str]]] = []
    for item in items:
        text = _text(item)
        if item.name == "dt":
            pairs.append((text, []))
        elif pairs:
            pairs[-1][1].append(text)
        else:
            pairs.append(("", [text]))
    blocks: list[Block] = []
    for term, definitions in pairs:
        definition = "; ".join(d for d in definitions if d)
        text = f"{term}: {definition}" if term and definition else term or definition
        if text:
            blocks.append(Block(kind="paragraph", text=text))
    return blocks
