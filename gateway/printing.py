"""What every PDF the gateway or its sandbox prints shares: the font and the figures.

Cyrillic needs a Unicode TrueType font; documents are set in DejaVu Sans, which
Debian ships in fonts-dejavu-core. Amounts are printed the Russian way: groups of
three digits split by a no-break space and a decimal comma.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from gateway.errors import GatewayError

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVu"


class FontMissing(GatewayError):
    """Cyrillic PDFs cannot be drawn without a Unicode font."""


def find_fonts(directories: Sequence[Path] = FONT_DIRS) -> dict[str, Path]:
    for directory in directories:
        found = {style: directory / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in found.values()):
            return found
    searched = ", ".join(str(d) for d in directories)
    raise FontMissing(
        f"DejaVu Sans (DejaVuSans.ttf, DejaVuSans-Bold.ttf) not found in {searched}; "
        "install the Debian package fonts-dejavu-core "
        "(apt-get install fonts-dejavu-core) so documents can be printed"
    )


def new_document(
    title: str, author: str, created: datetime, *, orientation: str = "portrait"
) -> FPDF:
    """An A4 document with DejaVu Sans loaded, 10 mm margins and one page."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    for style, path in find_fonts().items():
        pdf.add_font(FAMILY, style, str(path))
    pdf.set_creation_date(created)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def text(pdf: FPDF, size: float, bold: bool = False) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)


def money(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{sign}{groups},{fraction}"


def quantity(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")
