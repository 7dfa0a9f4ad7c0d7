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
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import Block
from loyalty_maximizer.documents.text import (
    clean_text,
    promote_table_captions,
    rectangular,
    text_blocks,
)

_FURNITURE_TAGS = [
    "head",
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "aside",
    "form",
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
]
# A page's header and footer are furniture; an article's header holds its title and its
# footer the small print, so those stay.
_PAGE_SECTION_TAGS = ["header", "footer"]
_CONTENT_TAGS = ["main", "article", "section"]
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
_GUARDED_CONTENT = ["main", "article", "h1"]

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
# Inside a list item, these are read as blocks of their own after the item's text.
_NESTED_BLOCKS = {"ul", "ol", "table", "dl"}
_MAX_SPAN = 100


@dataclass(frozen=True)
class HtmlPage:
    title: str | None
    blocks: list[Block]


def read_html(markup: str) -> HtmlPage:
    """The title and content blocks of an HTML page.

    Raises DocumentRejected when nothing readable remains once furniture is removed."""
    soup = BeautifulSoup(markup, "lxml")
    title_tag = soup.find("title")
    title = clean_text(title_tag.get_text()) if isinstance(title_tag, Tag) else ""
    had_scripts = soup.find("script") is not None
    _remove_furniture(soup)
    reader = _Reader()
    reader.element(soup.body if soup.body is not None else soup)
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


# --- removing furniture -------------------------------------------------------------------


def _remove_furniture(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_FURNITURE_TAGS):
        tag.decompose()
    for tag in soup.find_all(_PAGE_SECTION_TAGS):
        if not tag.decomposed and tag.find_parent(_CONTENT_TAGS) is None:
            tag.decompose()
    for tag in soup.find_all(True):
        if (
            not tag.decomposed
            and (_is_hidden(tag) or _is_named_furniture(tag))
            and tag.name not in _NEVER_FURNITURE
            and tag.find(_GUARDED_CONTENT) is None
        ):
            tag.decompose()


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


class _Reader:
    """Walks the cleaned tree in document order. Text of inline elements collects until a
    block-level element starts or ends, then becomes one paragraph."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.inline: list[str] = []

    def finish(self) -> list[Block]:
        self.flush()
        return self.blocks

    def flush(self) -> None:
        text = clean_text("".join(self.inline))
        self.inline.clear()
        if text:
            self.blocks.append(Block(kind="paragraph", text=text))

    def element(self, tag: Tag) -> None:
        for child in tag.children:
            if isinstance(child, Tag):
                self.child(child)
            elif _is_text(child):
                self.inline.append(str(child))

    def child(self, tag: Tag) -> None:
        name = tag.name
        level = _heading_level(tag)
        if level is not None:
            self.flush()
            text = _text(tag)
            if text:
                self.blocks.append(Block(kind="heading", text=text, level=level))
        elif name == "br":
            self.inline.append(" ")
        elif name == "li":
            self.flush()
            self.list_item(tag)
        elif name == "table" and not _is_layout_table(tag):
            self.flush()
            self.blocks.extend(_table_blocks(tag))
        elif name == "dl":
            self.flush()
            self.blocks.extend(_definition_blocks(tag))
        elif name == "pre":
            self.flush()
            self.blocks.extend(text_blocks(tag.get_text()))
        elif name in _BLOCK_TAGS:
            self.flush()
            self.element(tag)
            self.flush()
        else:
            self.element(tag)

    def list_item(self, tag: Tag) -> None:
        nested: list[Tag] = []
        text = _text(tag, nested)
        if text:
            self.blocks.append(Block(kind="list_item", text=text))
        for block in nested:
            self.child(block)


def _is_text(node: object) -> bool:
    # Comments, CDATA, doctypes and processing instructions are strings to bs4 but not text.
    return isinstance(node, NavigableString) and not isinstance(node, PreformattedString)


def _heading_level(tag: Tag) -> int | None:
    if tag.name in _HEADINGS:
        return _HEADINGS[tag.name]
    if str(tag.get("role", "")).lower() == "heading":
        level = str(tag.get("aria-level", "2"))
        return min(max(int(level), 1), 6) if level.isdigit() else 2
    return None


def _text(tag: Tag, nested: list[Tag] | None = None) -> str:
    """The normalised text of ``tag``. With ``nested``, lists, tables and definition lists
    inside it are not read but appended there, to become blocks of their own."""
    return clean_text("".join(_strings(tag, nested)))


def _strings(tag: Tag, nested: list[Tag] | None) -> Iterator[str]:
    for child in tag.children:
        if isinstance(child, Tag):
            if nested is not None and child.name in _NESTED_BLOCKS:
                nested.append(child)
            elif child.name == "br":
                yield " "
            elif child.name in _BLOCK_TAGS:
                # Block boundaries separate words even where the markup has no space.
                yield " "
                yield from _strings(child, nested)
                yield " "
            else:
                yield from _strings(child, nested)
        elif _is_text(child):
            yield str(child)


def _own_descendants(table: Tag, names: list[str]) -> list[Tag]:
    """Elements of ``table`` itself, not of tables nested in it."""
    return [tag for tag in table.find_all(names) if tag.find_parent("table") is table]


def _is_layout_table(table: Tag) -> bool:
    """Old pages lay out whole sections with tables; those are read as containers."""
    if table.find(["table", *_HEADINGS]) is not None:
        return True
    return all(len(_row_cells(row)) <= 1 for row in _own_descendants(table, ["tr"]))


def _row_cells(row: Tag) -> list[Tag]:
    return list(row.find_all(["td", "th"], recursive=False))


def _table_blocks(table: Tag) -> list[Block]:
    caption = table.find("caption")
    caption_text = _text(caption) if isinstance(caption, Tag) else ""
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
    for tr in _own_descendants(table, ["tr"]):
        row: list[str] = []
        for cell in _row_cells(tr):
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
    pairs: list[tuple[str, list[str]]] = []
    for tag in dl.find_all(["dt", "dd"]):
        if tag.find_parent("dl") is not dl:
            continue
        text = _text(tag)
        if tag.name == "dt" or not pairs:
            pairs.append((text, []) if tag.name == "dt" else ("", [text]))
        else:
            pairs[-1][1].append(text)
    blocks: list[Block] = []
    for term, definitions in pairs:
        definition = "; ".join(d for d in definitions if d)
        text = f"{term}: {definition}" if term and definition else term or definition
        if text:
            blocks.append(Block(kind="paragraph", text=text))
    return blocks
