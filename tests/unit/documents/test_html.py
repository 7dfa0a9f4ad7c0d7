"""Cleaning saved web pages into blocks."""

from __future__ import annotations

import pytest

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.html import read_html
from loyalty_maximizer.documents.model import Block

CONTENT = "Members earn 5 miles per dollar."


def page(body: str, *, head: str = "<title>Earn miles | AAdvantage</title>") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def texts(markup: str) -> list[str]:
    return [b.text for b in read_html(markup).blocks]


# --- furniture ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "furniture",
    [
        "<nav><a href='/'>Home</a> <a>Earn</a></nav>",
        "<header><div>AAdvantage logo Sign in</div></header>",
        "<footer><p>© American Airlines</p></footer>",
        "<aside><p>Related offers</p></aside>",
        "<script>var x = 'Home';</script><style>p { color: red }</style>",
        "<noscript>Enable JavaScript</noscript>",
        "<form><p>Subscribe</p><input value='email'></form>",
        "<iframe src='ad.html'>Advert</iframe>",
        "<div id='onetrust-banner-sdk'><p>We use cookies to improve your visit.</p></div>",
        "<div class='cookie-notice'><p>Accept all</p></div>",
        "<section class='consent-dialog' role='dialog'><p>Your privacy choices</p></section>",
        "<div class='gdpr'>Manage preferences</div>",
        "<div class='newsletter-signup'><p>Get deals by email</p></div>",
        "<ol class='breadcrumb'><li>Home</li><li>Earn</li></ol>",
        "<ul class='mega-menu'><li>Book</li><li>Manage</li></ul>",
        "<a class='skip-link' href='#main'>Skip to content</a>",
        "<div class='site-footer'>Contact us</div>",
        "<div role='navigation'>Book Manage</div>",
        "<div role='banner'>AAdvantage</div>",
        "<div aria-label='Cookie preferences'>Reject all</div>",
        "<p hidden>Hidden teaser</p>",
        "<p aria-hidden='true'>Decorative</p>",
        "<p style='display: none'>Collapsed</p>",
        "<p style='visibility:hidden'>Invisible</p>",
        "<span class='sr-only'>opens in a new window</span>",
    ],
)
def test_read_html__furniture_is_removed(furniture: str) -> None:
    # GIVEN a page with one piece of furniture around its content
    markup = page(f"{furniture}<main><p>{CONTENT}</p></main>{furniture}")
    # WHEN read  THEN only the content remains
    assert texts(markup) == [CONTENT]


def test_read_html__page_wide_furniture_classes_do_not_remove_the_page() -> None:
    # GIVEN a body and wrapper whose classes mention consent and menus
    markup = page(
        f"<div class='page has-menu'><h1>Earn miles</h1><p>{CONTENT}</p></div>",
    ).replace("<body>", "<body class='cookie-consent-shown menu-closed'>")
    # WHEN read  THEN the content is kept
    assert texts(markup) == ["Earn miles", CONTENT]


def test_read_html__an_articles_header_and_footer_are_content() -> None:
    # GIVEN an article whose header holds the title and footer the small print
    markup = page(
        "<header>Site header</header><article><header><h1>Earn miles</h1></header>"
        f"<p>{CONTENT}</p><footer><p>Terms apply.</p></footer></article>"
    )
    # WHEN read  THEN the page header goes, the article's stay
    assert texts(markup) == ["Earn miles", CONTENT, "Terms apply."]


def test_read_html__a_form_wrapping_the_whole_page_is_content() -> None:
    # GIVEN an ASP.NET page whose one <form> wraps everything, and a newsletter form
    markup = page(
        f"<form id='aspnetForm'><h2>Earning</h2><p>{CONTENT}</p>"
        "<form class='signup'><p>Subscribe</p></form></form>"
    )
    # WHEN read  THEN the wrapper's content stays and the newsletter form goes
    assert texts(markup) == ["Earning", CONTENT]


def test_read_html__promotion_banners_are_content() -> None:
    # GIVEN a hero banner announcing a transfer bonus (facts live there)
    markup = page("<div class='hero-banner'><p>30% bonus on transfers to Avios</p></div>")
    # WHEN read  THEN it is kept
    assert texts(markup) == ["30% bonus on transfers to Avios"]


# --- structure ----------------------------------------------------------------------------


def test_read_html__headings_paragraphs_and_list_items_in_order() -> None:
    # GIVEN headings, inline markup, a bare div with text and a nested list
    markup = page(
        "<h1>Earn  miles</h1><h3>On partners</h3>"
        "<p>Earn <b>miles</b> on<br>partner   flights.</p>"
        "<div>Loose text <span>in a div</span><p>Inner paragraph</p>tail</div>"
        "<ul><li>Qatar <em>Airways</em><ul><li>Economy</li></ul></li><li><p>Iberia</p></li></ul>"
    )
    # WHEN read
    blocks = read_html(markup).blocks
    # THEN each element is its block, whitespace normalised, nested items after their parent
    assert blocks == [
        Block(kind="heading", text="Earn miles", level=1),
        Block(kind="heading", text="On partners", level=3),
        Block(kind="paragraph", text="Earn miles on partner flights."),
        Block(kind="paragraph", text="Loose text in a div"),
        Block(kind="paragraph", text="Inner paragraph"),
        Block(kind="paragraph", text="tail"),
        Block(kind="list_item", text="Qatar Airways"),
        Block(kind="list_item", text="Economy"),
        Block(kind="list_item", text="Iberia"),
    ]


def test_read_html__aria_heading_has_its_level() -> None:
    # GIVEN a div marked as a level-2 heading  WHEN read  THEN it is one
    blocks = read_html(page("<div role='heading' aria-level='2'>Status</div><p>x</p>")).blocks
    assert blocks[0] == Block(kind="heading", text="Status", level=2)


def test_read_html__table_rows_repeat_spanned_cells_and_keep_the_caption() -> None:
    # GIVEN a table with a caption, th cells, a colspan and a rowspan
    markup = page(
        "<table><caption>Award chart</caption>"
        "<thead><tr><th>Region</th><th colspan='2'>One way</th></tr></thead>"
        "<tbody><tr><td rowspan='2'>Europe</td><td>Economy</td><td>30,000</td></tr>"
        "<tr><td>Business</td><td>57,500</td></tr>"
        "<tr><td>Asia</td><td>Economy</td><td>40,000</td></tr></tbody></table>"
    )
    # WHEN read
    [table] = read_html(markup).blocks
    # THEN every row is complete on its own
    assert table == Block(
        kind="table",
        text="Award chart",
        rows=[
            ["Region", "One way", "One way"],
            ["Europe", "Economy", "30,000"],
            ["Europe", "Business", "57,500"],
            ["Asia", "Economy", "40,000"],
        ],
    )


def test_read_html__short_paragraph_before_a_table_becomes_its_heading() -> None:
    # GIVEN "Earning rates:" right above a table, in an h2 section
    markup = page(
        "<h2>Partners</h2><p>Earning rates:</p>"
        "<table><tr><th>Class</th><th>Miles</th></tr><tr><td>J</td><td>150%</td></tr></table>"
    )
    # WHEN read  THEN it heads the table one level down
    assert read_html(markup).blocks[1] == Block(kind="heading", text="Earning rates", level=3)


def test_read_html__layout_tables_are_read_as_containers() -> None:
    # GIVEN an old page laid out with a table holding headings and a nested table
    markup = page(
        "<table><tr><td><h2>Earning</h2><p>Earn on every flight.</p></td></tr>"
        "<tr><td><table><tr><td>J</td><td>150%</td></tr><tr><td>Y</td><td>100%</td></tr>"
        "</table></td></tr></table>"
    )
    # WHEN read  THEN the heading and paragraph are blocks and the inner table a table
    assert [b.kind for b in read_html(markup).blocks] == ["heading", "paragraph", "table"]


def test_read_html__definition_list_gives_term_definition_paragraphs() -> None:
    # GIVEN a dl with a term having two definitions and a term having one
    markup = page(
        "<dl><dt>Gold</dt><dd>25% bonus</dd><dd>Priority boarding</dd>"
        "<div><dt>Platinum</dt><dd>50% bonus</dd></div></dl>"
    )
    # WHEN read  THEN one paragraph per term
    assert texts(markup) == ["Gold: 25% bonus; Priority boarding", "Platinum: 50% bonus"]


def test_read_html__preformatted_text_keeps_its_table() -> None:
    # GIVEN an aligned table inside <pre>
    markup = page("<pre>Region    Miles\nEurope    30,000\nAsia      40,000</pre>")
    # WHEN read  THEN a table block
    assert read_html(markup).blocks[0].rows == [
        ["Region", "Miles"],
        ["Europe", "30,000"],
        ["Asia", "40,000"],
    ]


def test_read_html__comments_are_not_text() -> None:
    # GIVEN a paragraph with a comment inside  WHEN read  THEN the comment is gone
    assert texts(page("<p>Earn <!-- TODO: update --> miles</p>")) == ["Earn miles"]


# --- title --------------------------------------------------------------------------------


def test_read_html__title_comes_from_the_title_element() -> None:
    # GIVEN a page with <title> and an h1  WHEN read  THEN the title element wins
    assert read_html(page("<h1>Earn</h1>")).title == "Earn miles | AAdvantage"


def test_read_html__title_falls_back_to_the_first_h1() -> None:
    # GIVEN a page without <title>  WHEN read  THEN the first h1 is the title
    assert read_html(page("<h2>Intro</h2><h1>Earn miles</h1>", head="")).title == "Earn miles"


# --- damaged and empty pages ----------------------------------------------------------------


def test_read_html__truncated_page_keeps_the_text_it_has() -> None:
    # GIVEN a page cut off inside a table
    markup = "<html><body><h1>Award chart</h1><p>Prices one way.</p><table><tr><td>Europe<td>30"
    # WHEN read  THEN the text before the cut is there
    assert read_html(markup).blocks == [
        Block(kind="heading", text="Award chart", level=1),
        Block(kind="paragraph", text="Prices one way."),
        Block(kind="table", rows=[["Europe", "30"]]),
    ]


def test_read_html__truncated_page_without_text_is_rejected() -> None:
    # GIVEN a page cut off before its body had text
    # WHEN read  THEN rejected as truncated
    with pytest.raises(DocumentRejected, match="truncated HTML: no closing </html>"):
        read_html("<html><head><title>Earn</title><script>var a = 1")


def test_read_html__script_only_page_is_rejected_with_a_save_hint() -> None:
    # GIVEN a page built by JavaScript, saved before it rendered
    markup = page("<div id='root'></div><script src='app.js'></script>")
    # WHEN read  THEN rejected, telling the curator to save it after it has loaded
    with pytest.raises(DocumentRejected) as rejected:
        read_html(markup)
    assert rejected.value.reason.startswith("no text found")
    assert "after it has loaded" in rejected.value.reason


def test_read_html__furniture_only_page_is_rejected() -> None:
    # GIVEN a page with only navigation and a cookie banner
    markup = page("<nav>Home</nav><div class='cookie-banner'>Accept</div>")
    # WHEN read  THEN no text found
    with pytest.raises(DocumentRejected, match="no text found"):
        read_html(markup)
