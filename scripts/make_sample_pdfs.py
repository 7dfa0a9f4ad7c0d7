"""(Re)generate the PDF documents of the sample document corpus, and its binary bad fixtures.

The text and tables of every PDF are defined here, so the committed PDFs can be rebuilt
byte for byte: fpdf2's creation date, producer and creator are fixed, so the same fpdf2
version always writes the same bytes. The script also writes the files of
``samples/documents/bad/`` that cannot be written as text: an empty page, a page of random
bytes (seeded), a text page encoded in Latin-1 and a truncated PDF.

    python scripts/make_sample_pdfs.py            # write into samples/documents/
    python scripts/make_sample_pdfs.py --check    # exit 1 if a committed file differs

The gold facts for these documents are in ``samples/documents/gold/<documentId>.jsonl``;
change them together with the tables below.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "samples" / "documents"
FIXED_DATE = dt.datetime(2026, 11, 1, 9, 0, 0, tzinfo=dt.UTC)
PRODUCER = "loyalty-maximizer sample corpus (fpdf2)"

Cell = str | int | None
# A table: the heading rows (each cell a (text, colspan) pair) and the body rows.
HeadingRow = Sequence[tuple[str, int]]


def fmt(value: Cell, dash: str = "-") -> str:
    """Points as a page prints them: thousands separators, a dash when not offered."""
    if value is None:
        return dash
    if isinstance(value, int):
        return f"{value:,}"
    return value


@dataclass(frozen=True)
class Table:
    headings: Sequence[HeadingRow]
    rows: Sequence[Sequence[Cell]]
    widths: Sequence[float]
    caption: str = ""
    first_column_left: bool = True


@dataclass(frozen=True)
class Block:
    kind: str  # "h1" | "h2" | "p" | "small" | "bullets" | "table" | "pagebreak"
    text: str = ""
    items: Sequence[str] = ()
    table: Table | None = None


@dataclass(frozen=True)
class PdfDocument:
    file_name: str
    title: str
    running_header: str
    author: str
    blocks: Sequence[Block] = field(default_factory=tuple)


def h1(text: str) -> Block:
    return Block("h1", text)


def h2(text: str) -> Block:
    return Block("h2", text)


def p(text: str) -> Block:
    return Block("p", " ".join(text.split()))


def small(text: str) -> Block:
    return Block("small", " ".join(text.split()))


def bullets(*items: str) -> Block:
    return Block("bullets", items=tuple(" ".join(i.split()) for i in items))


def table(t: Table) -> Block:
    return Block("table", table=t)


class SamplePdf(FPDF):
    def __init__(self, running_header: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.running_header = running_header
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, self.running_header, align="L")
        self.ln(8)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def render(doc: PdfDocument) -> bytes:
    pdf = SamplePdf(doc.running_header)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_producer(PRODUCER)
    pdf.set_creator(PRODUCER)
    pdf.set_title(doc.title)
    pdf.set_author(doc.author)
    pdf.add_page()
    for block in doc.blocks:
        if block.kind == "h1":
            pdf.set_font("Helvetica", "B", 17)
            pdf.multi_cell(0, 8, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif block.kind == "h2":
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(0, 6, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif block.kind in ("p", "small"):
            pdf.set_font("Helvetica", "", 10 if block.kind == "p" else 8)
            pdf.multi_cell(
                0, 5 if block.kind == "p" else 4, block.text, new_x="LMARGIN", new_y="NEXT"
            )
            pdf.ln(2)
        elif block.kind == "bullets":
            pdf.set_font("Helvetica", "", 10)
            for item in block.items:
                pdf.multi_cell(0, 5, f"- {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif block.kind == "pagebreak":
            pdf.add_page()
        elif block.kind == "table" and block.table is not None:
            _render_table(pdf, block.table)
        else:
            raise ValueError(f"unknown block {block.kind!r}")
    return bytes(pdf.output())


def _render_table(pdf: FPDF, t: Table) -> None:
    if t.caption:
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 5, t.caption, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(
        col_widths=tuple(t.widths),
        width=sum(t.widths),
        align="LEFT",
        text_align="CENTER",
        line_height=5,
        num_heading_rows=len(t.headings),
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 232, 240)),
    ) as pdf_table:
        for heading in t.headings:
            row = pdf_table.row()
            for text, colspan in heading:
                row.cell(text, colspan=colspan)
        for body in t.rows:
            row = pdf_table.row()
            for index, value in enumerate(body):
                align = "LEFT" if index == 0 and t.first_column_left else "CENTER"
                row.cell(fmt(value), align=align)
    pdf.ln(3)


# --------------------------------------------------------------------------- Aeroplan chart

AEROPLAN_ZONES = (
    ("North America", "United States, Canada, Mexico"),
    (
        "Atlantic (Europe, Middle East, North Africa)",
        "United Kingdom, Ireland, France, Germany, Netherlands, Belgium, Luxembourg, Switzerland,"
        " Austria, Spain, Portugal, Italy, Denmark, Sweden, Norway, Finland, Iceland, Poland,"
        " Czech Republic, Hungary, Greece, Croatia, Turkey, Qatar, United Arab Emirates,"
        " Saudi Arabia, Bahrain, Kuwait, Oman, Jordan, Israel, Egypt, Morocco",
    ),
    (
        "Pacific (Asia, Indian subcontinent, Oceania)",
        "India, Maldives, Sri Lanka, Nepal, Bangladesh, Pakistan, Singapore, Thailand, Malaysia,"
        " Indonesia, Vietnam, Philippines, Cambodia, South Korea, Hong Kong, China, Taiwan, Macau,"
        " Japan, Australia, New Zealand, Fiji",
    ),
    ("South America", "Brazil, Argentina, Chile, Colombia, Peru, Uruguay"),
)

# (zone pair, [(distance band in miles, economy, business, first)])
AEROPLAN_CHART: tuple[tuple[str, tuple[tuple[str, Cell, Cell, Cell], ...]], ...] = (
    (
        "Within North America",
        (
            ("0 - 500", 6000, 12500, None),
            ("501 - 1,500", 10000, 17500, None),
            ("1,501 - 2,750", 12500, 25000, None),
            ("2,751+", 20000, 35000, None),
        ),
    ),
    (
        "North America - Atlantic",
        (
            ("0 - 4,000", 35000, 60000, 70000),
            ("4,001 - 6,000", 45000, 70000, 90000),
            ("6,001 - 8,000", 55000, 90000, 130000),
            ("8,001+", 60000, 110000, 140000),
        ),
    ),
    (
        "North America - Pacific",
        (
            ("0 - 5,000", 35000, 60000, 80000),
            ("5,001 - 7,500", 50000, 75000, 105000),
            ("7,501 - 11,000", 60000, 87500, 110000),
            ("11,001+", 70000, 115000, 150000),
        ),
    ),
    (
        "North America - South America",
        (
            ("0 - 4,000", 30000, 50000, 70000),
            ("4,001+", 40000, 60000, 80000),
        ),
    ),
    (
        "Atlantic - Pacific",
        (
            ("0 - 5,000", 35000, 65000, 90000),
            ("5,001 - 7,500", 45000, 75000, 105000),
            ("7,501+", 55000, 85000, 115000),
        ),
    ),
    (
        "Within Atlantic",
        (
            ("0 - 800", 10000, 20000, None),
            ("801 - 2,000", 15000, 30000, None),
            ("2,001+", 25000, 40000, 60000),
        ),
    ),
    (
        "Within Pacific",
        (
            ("0 - 1,500", 12500, 25000, None),
            ("1,501 - 3,000", 20000, 35000, 50000),
            ("3,001 - 5,000", 30000, 50000, 70000),
            ("5,001+", 40000, 70000, 100000),
        ),
    ),
)


def aeroplan_chart() -> PdfDocument:
    blocks: list[Block] = [
        h1("Aeroplan Flight Reward Chart"),
        p(
            """Flights on Air Canada, Star Alliance member airlines and other partners, one way,
            per passenger. Reward prices depend on the zones of the origin and destination and on
            the total distance flown from origin to destination, including any connections.
            Prices are in Aeroplan points."""
        ),
        p(
            """In addition to Air Canada and Star Alliance member airlines, you can redeem points
            for flights on Etihad Airways."""
        ),
        h2("Zones"),
        table(
            Table(
                headings=((("Zone", 1), ("Countries and territories", 1)),),
                rows=AEROPLAN_ZONES,
                widths=(48, 126),
            )
        ),
        h2("Reward chart by zone and distance (points, one way)"),
    ]
    for pair, bands in AEROPLAN_CHART:
        blocks.append(
            table(
                Table(
                    caption=pair,
                    headings=(
                        (("Distance flown (miles)", 1), ("Points required, one way", 3)),
                        (("", 1), ("Economy", 1), ("Business", 1), ("First", 1)),
                    ),
                    rows=bands,
                    widths=(54, 40, 40, 40),
                )
            )
        )
    blocks += [
        small(
            """A dash means the cabin is not offered for that distance band. Taxes, fees and
            carrier charges are extra; estimated amounts in USD per one-way reward: Economy 60,
            Business 90, First 110."""
        ),
        h2("Premium Economy"),
        p(
            """Premium Economy is sold on Air Canada-operated flights only; dynamic pricing.
            Prices start from the levels below and change with demand."""
        ),
        table(
            Table(
                headings=((("Zones", 1), ("Distance flown (miles)", 1), ("From (points)", 1)),),
                rows=(
                    ("North America - Atlantic", "0 - 4,000", 50000),
                    ("North America - Atlantic", "4,001+", 60000),
                    ("North America - Pacific", "All distances", 65000),
                ),
                widths=(64, 56, 54),
            )
        ),
        small("Estimated taxes, fees and carrier charges for Premium Economy: USD 75 one way."),
        small(
            """Reward availability is limited. A partner booking fee may apply. Aeroplan points
            have no expiry as long as there is activity on the account in 18 months."""
        ),
    ]
    return PdfDocument(
        "aeroplan-partner-chart.pdf",
        "Aeroplan Flight Reward Chart - flights within and between zones",
        "Aeroplan | Flight Reward Chart | Effective 2026",
        "Aeroplan Inc.",
        tuple(blocks),
    )


# --------------------------------------------------------------------------- Avios chart

AVIOS_BANDS = (
    "1 - 650",
    "651 - 1,150",
    "1,151 - 2,000",
    "2,001 - 3,000",
    "3,001 - 4,000",
    "4,001 - 5,500",
    "5,501 - 6,500",
    "6,501 - 7,000",
    "7,001 and over",
)
# cabin -> Avios per band (None: cabin not offered), for flights operated by British Airways
BA_AVIOS: dict[str, tuple[Cell, ...]] = {
    "Economy": (7000, 9000, 11000, 15000, 22000, 28000, 34000, 38000, 52000),
    "Premium Economy": (None, None, None, 26000, 36000, 43000, 52000, 57000, 76000),
    "Business": (13000, 17000, 22000, 42000, 57000, 71500, 85500, 99500, 114000),
    "First": (None, None, None, 57000, 78000, 97000, 116000, 135000, 155000),
}
BA_CHARGES: dict[str, tuple[Cell, ...]] = {
    "Economy": (45, 45, 60, 250, 300, 330, 350, 350, 380),
    "Premium Economy": (None, None, None, 500, 560, 600, 620, 620, 650),
    "Business": (60, 60, 80, 700, 850, 900, 950, 950, 1000),
    "First": (None, None, None, 800, 950, 1000, 1050, 1050, 1100),
}
PARTNER_AVIOS: dict[str, tuple[Cell, ...]] = {
    "Economy": (9000, 11000, 14500, 21500, 27000, 34000, 41000, 46000, 63000),
    "Business": (19000, 25500, 38500, 56000, 71500, 91000, 106500, 122000, 143000),
    "First": (28000, 37000, 55000, 75000, 95000, 121000, 142000, 162000, 190000),
}
PARTNER_CHARGES = {"Economy": 60, "Business": 120, "First": 150}
OFF_PEAK_FROM_BAND = 3  # BA Business prices from 2,001 miles are off-peak prices


def _band_rows(
    prices: dict[str, tuple[Cell, ...]], mark: Callable[[str, int, Cell], str]
) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for index, band in enumerate(AVIOS_BANDS):
        row: list[Cell] = [band]
        row += [mark(cabin, index, values[index]) for cabin, values in prices.items()]
        rows.append(row)
    return rows


def avios_chart() -> PdfDocument:
    def off_peak(cabin: str, index: int, value: Cell) -> str:
        text = fmt(value)
        if cabin == "Business" and index >= OFF_PEAK_FROM_BAND and value is not None:
            return text + " *"
        return text

    def plain(cabin: str, index: int, value: Cell) -> str:
        return fmt(value)

    def dollars(cabin: str, index: int, value: Cell) -> str:
        return "-" if value is None else f"${fmt(value)}"

    ba_cabins = tuple(BA_AVIOS)
    partner_cabins = tuple(PARTNER_AVIOS)
    partner_charge_rows = [
        [band] + [f"${PARTNER_CHARGES[c]}" for c in partner_cabins] for band in AVIOS_BANDS
    ]
    blocks = (
        h1("Reward flight prices in Avios"),
        p(
            """Prices are one way, per person and per flight. Each flight (one take-off and one
            landing) is priced on its own distance; a journey with a connection costs the sum of
            the prices of its flights. Distances are in miles between the two airports of the
            flight."""
        ),
        p(
            """Reward Flight Saver and taxes: in addition to Avios, you pay taxes, fees and carrier
            charges. Typical amounts in US dollars are shown for each distance band."""
        ),
        h2("Flights operated by British Airways"),
        table(
            Table(
                caption="Avios per flight, one way",
                headings=(
                    (("Flight distance (miles)", 1), ("Avios", 4)),
                    (("", 1), *((c, 1) for c in ba_cabins)),
                ),
                rows=_band_rows(BA_AVIOS, off_peak),
                widths=(42, 33, 33, 33, 33),
            )
        ),
        small(
            "* Off-peak price; peak dates cost more. Other prices in this table apply on any date."
        ),
        table(
            Table(
                caption="Typical taxes, fees and carrier charges per flight (USD)",
                headings=((("Flight distance (miles)", 1), *((c, 1) for c in ba_cabins)),),
                rows=_band_rows(BA_CHARGES, dollars),
                widths=(42, 33, 33, 33, 33),
            )
        ),
        Block("pagebreak"),
        h2("Flights operated by partner airlines"),
        p(
            """For flights operated by any other airline (oneworld partners such as American
            Airlines, Iberia, Qatar Airways, Japan Airlines and Cathay Pacific), use this table.
            Premium Economy on partners is priced on request."""
        ),
        table(
            Table(
                caption="Avios per flight, one way",
                headings=(
                    (("Flight distance (miles)", 1), ("Avios", 3)),
                    (("", 1), *((c, 1) for c in partner_cabins)),
                ),
                rows=_band_rows(PARTNER_AVIOS, plain),
                widths=(42, 44, 44, 44),
            )
        ),
        table(
            Table(
                caption="Typical taxes, fees and carrier charges per flight (USD)",
                headings=((("Flight distance (miles)", 1), *((c, 1) for c in partner_cabins)),),
                rows=partner_charge_rows,
                widths=(42, 44, 44, 44),
            )
        ),
        small(
            """Prices shown are per adult. Children aged 2 to 15 pay the same number of Avios.
            Avios and prices are subject to change without notice."""
        ),
    )
    return PdfDocument(
        "avios-distance-chart.pdf",
        "Reward flight prices in Avios - one-way, per flight, by distance",
        "British Airways Club - Spending Avios - Reward flight prices",
        "British Airways Plc",
        blocks,
    )


# --------------------------------------------------------------------------- ANA chart

ANA_ZONES = (
    ("Japan", "Japan"),
    ("North America", "United States (including Hawaii), Canada, Mexico"),
    (
        "Europe",
        "United Kingdom, Ireland, France, Germany, Netherlands, Belgium, Luxembourg, Switzerland,"
        " Austria, Spain, Portugal, Italy, Denmark, Sweden, Norway, Finland, Iceland, Poland,"
        " Czech Republic, Hungary, Greece, Croatia, Turkey",
    ),
    (
        "Asia 2",
        "Singapore, Thailand, Malaysia, Indonesia, Vietnam, Philippines, Cambodia, India,"
        " Maldives, Sri Lanka, Nepal, Bangladesh, Pakistan",
    ),
    ("Oceania", "Australia, New Zealand, Fiji"),
)
ANA_LOW_SEASON = (
    ("North America", 40000, 62000, 75000, 150000),
    ("Europe", 45000, 65000, 80000, 165000),
    ("Asia 2", 30000, 40000, 55000, 105000),
    ("Oceania", 37000, 50000, 65000, 120000),
)


def ana_chart() -> PdfDocument:
    blocks = (
        h1("ANA International Flight Award Chart"),
        p(
            """Awards on flights operated by ANA between Japan and the zones below. The miles
            shown are required for a round-trip award ticket for one person. One-way awards on
            ANA-operated international flights are not available; a one-way trip is booked as
            a round trip."""
        ),
        h2("Zones"),
        table(
            Table(
                headings=((("Zone", 1), ("Countries", 1)),),
                rows=ANA_ZONES,
                widths=(36, 138),
            )
        ),
        h2("Required miles, round trip, Low season"),
        table(
            Table(
                headings=(
                    (("Between Japan and", 1), ("Miles required (round trip)", 4)),
                    (
                        ("", 1),
                        ("Economy", 1),
                        ("Premium Economy", 1),
                        ("Business", 1),
                        ("First", 1),
                    ),
                ),
                rows=ANA_LOW_SEASON,
                widths=(38, 34, 34, 34, 34),
            )
        ),
        small(
            """Low season; regular and high seasons cost more. See the seasonal calendar for the
            dates of each season."""
        ),
        p(
            """Fuel surcharges and airport taxes are payable in addition to the miles. Approximate
            amounts per round-trip ticket: Economy USD 300, Premium Economy USD 350, Business
            USD 400, First USD 450."""
        ),
        small(
            """ANA Mileage Club miles are valid for 36 months from the month they are earned.
            Award tickets can be issued for the member and registered family members."""
        ),
    )
    return PdfDocument(
        "ana-round-trip-chart.pdf",
        "ANA International Flight Award Chart (ANA-operated flights, round trip)",
        "ANA Mileage Club | International Flight Awards | ANA-operated flights",
        "ANA Mileage Club",
        blocks,
    )


# --------------------------------------------------------------------------- United / LH

UNITED_LH = (
    ("First", "F, A", "150%", "30"),
    ("Business", "J, C, D, Z, P", "125%", "25"),
    ("Premium Economy", "G, E, N", "100%", "16.67"),
    ("Economy", "Y, B, M", "100%", "16.67"),
    ("Economy", "U, H, Q, V, W", "50%", "8.33"),
    ("Economy", "S, T, L, K", "25%", "4.17"),
)


def united_lufthansa() -> PdfDocument:
    blocks = (
        h1("Earn MileagePlus award miles on Lufthansa"),
        p(
            """MileagePlus members earn award miles, Premier qualifying points (PQP) and Premier
            qualifying flights (PQF) on Lufthansa, a Star Alliance member."""
        ),
        h2("Tickets marketed by United"),
        p(
            """If your flight has a United (UA) flight number, you earn as on any United-marketed
            flight, whichever airline operates it: 5 award miles and 1 PQP for every dollar spent
            on the base fare and carrier-imposed surcharges, and 1 PQF per flight. Premier
            members earn their usual bonus award miles."""
        ),
        h2("Flights operated by Lufthansa on Lufthansa tickets"),
        p(
            """Flights operated by Lufthansa that are not marketed by United earn award miles as a
            percentage of the distance flown, based on the fare class. PQP are earned from the
            distance flown as shown below (award miles divided by 5 in First and Business, and by
            6 in Premium Economy and Economy). Each flight also earns 1 PQF. Premier members
            receive their Premier bonus on these award miles too."""
        ),
        table(
            Table(
                headings=(
                    (
                        ("Cabin", 1),
                        ("Fare class", 1),
                        ("Award miles (% of distance)", 1),
                        ("PQP per 100 miles flown", 1),
                    ),
                ),
                rows=UNITED_LH,
                widths=(40, 40, 48, 46),
            )
        ),
        small(
            """Fare classes not listed do not earn award miles. Award miles and PQP are rounded
            to whole numbers on each flight. Example: a 4,000-mile flight in fare class J earns
            5,000 award miles and 1,000 PQP."""
        ),
    )
    return PdfDocument(
        "united-earning-lufthansa.pdf",
        "MileagePlus: earning award miles and PQP on Lufthansa",
        "United MileagePlus | Earn miles with airline partners | Lufthansa",
        "United Airlines, Inc.",
        blocks,
    )


# --------------------------------------------------------------------------- Miles & More

MILES_AND_MORE = (
    ("F, A", "First", "300%", "300", "300"),
    ("J, C, D, Z, P", "Business", "200%", "200", "200"),
    ("G, E, N", "Premium Economy", "150%", "80", "-"),
    ("Y, B", "Economy", "150%", "60", "-"),
    ("M, U, H, Q, V", "Economy", "100%", "60", "-"),
    ("W, S", "Economy", "50%", "60", "-"),
    ("T, L, K", "Economy", "25% (minimum 125 miles)", "60", "-"),
)
MILES_AND_MORE_STATUS = (
    ("Frequent Traveller", "650 Points, including 325 Qualifying Points", "Star Alliance Silver"),
    ("Senator", "2,000 Points, including 1,000 Qualifying Points", "Star Alliance Gold"),
    ("HON Circle Member", "6,000 HON Circle Points", "Star Alliance Gold"),
)


def miles_and_more() -> PdfDocument:
    blocks = (
        h1("Miles & More: earning on Lufthansa flights"),
        p(
            """On flights operated by Lufthansa you collect award miles based on the distance
            flown and the booking class, plus Points and Qualifying Points for your status.
            Frequent Travellers, Senators and HON Circle Members earn 50% more award miles."""
        ),
        table(
            Table(
                caption="Lufthansa-operated flights",
                headings=(
                    (
                        ("Booking class", 1),
                        ("Travel class", 1),
                        ("Award miles (% of distance)", 1),
                        ("Points and Qualifying Points per flight", 1),
                        ("HON Circle Points per flight", 1),
                    ),
                ),
                rows=MILES_AND_MORE,
                widths=(28, 30, 42, 40, 34),
            )
        ),
        small(
            """Points, Qualifying Points and HON Circle Points shown are for intercontinental
            flights. Continental flights within Europe earn fewer Points; see the Points
            calculator."""
        ),
        h2("Status levels"),
        p(
            """Status is reached within one calendar year. Qualifying Points are earned on
            Lufthansa Group flights only; Points also come from partner flights and other
            partners."""
        ),
        table(
            Table(
                headings=((("Status", 1), ("Requirement", 1), ("Star Alliance", 1)),),
                rows=MILES_AND_MORE_STATUS,
                widths=(40, 86, 48),
            )
        ),
        small("Miles & More GmbH, Frankfurt am Main. Subject to change."),
    )
    return PdfDocument(
        "miles-and-more-earning.pdf",
        "Miles & More: earning miles on Lufthansa flights and status levels",
        "Miles & More | Earn on Lufthansa Group flights",
        "Miles & More GmbH",
        blocks,
    )


PDF_DOCUMENTS: tuple[Callable[[], PdfDocument], ...] = (
    aeroplan_chart,
    avios_chart,
    ana_chart,
    united_lufthansa,
    miles_and_more,
)


# --------------------------------------------------------------------------- bad fixtures

LATIN1_PAGE = """Transférez vos points - Programme de fidélité
Café des voyageurs, Zürich

Les points Membership Rewards se transfèrent vers Flying Blue au ratio 1:1.
Délai de transfert : immédiat. Minimum : 1 000 points.
Dernière mise à jour : 1er novembre 2026.
"""


def bad_fixtures(pdf_bytes: dict[str, bytes]) -> dict[str, bytes]:
    """Files the pipeline must quarantine (see samples/documents/README.md)."""
    rng = random.Random(20261101)
    junk = bytearray(b"<html><body>\x00\x00")
    junk += rng.randbytes(2048)
    junk[100:104] = b"\x00\x00\x00\x00"
    chart = pdf_bytes["avios-distance-chart.pdf"]
    return {
        "bad/empty.html": b"",
        "bad/binary-junk.html": bytes(junk),
        "bad/latin1-page.txt": LATIN1_PAGE.encode("latin-1"),
        "bad/corrupt.pdf": chart[: len(chart) // 3],
    }


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for make in PDF_DOCUMENTS:
        doc = make()
        files[doc.file_name] = render(doc)
    files.update(bad_fixtures(files))
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus folder")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for name, data in build().items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path} ({len(data):,} bytes)", file=sys.stderr)
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
