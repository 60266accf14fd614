"""The one way Tilli writes a postal address: in the order of the address's country.

In Finland, Poland and most of continental Europe a postal address reads street, then postcode and town on
one line ("Hämeenkatu 1, 33100 Tampere"; "ul. Źródlana 5, 90-001 Łódź"); in the United Kingdom and Ireland
the town comes before the postcode. Every page, document, email and PDF that shows an address goes through
here, so no template joins the parts in its own order.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

TOWN_FIRST = {"GB", "IE"}


def address_lines(*, street: str = "", postal_code: str = "", city: str = "", country: str = "") -> list[str]:
    """The address as lines, empty parts left out: [street, "postcode town"] (or "town postcode")."""
    street, postal_code, city = (street or "").strip(), (postal_code or "").strip(), (city or "").strip()
    town = f"{city} {postal_code}" if (country or "").upper() in TOWN_FIRST else f"{postal_code} {city}"
    return [line for line in (street, town.strip()) if line]


def address_of(obj: Any, *, country: str = "") -> list[str]:
    """The lines of anything with street_address, postal_code and city (a client, an organization); the
    country is the object's own if it has one, else the one given (e.g. the organization's for a client)."""
    return address_lines(street=getattr(obj, "street_address", ""), postal_code=getattr(obj, "postal_code", ""),
                         city=getattr(obj, "city", ""), country=getattr(obj, "country", "") or country)


def one_line(obj: Any, *, country: str = "") -> str:
    """The address on one line, as documents and lists print it: "Hämeenkatu 1, 33100 Tampere"."""
    return ", ".join(address_of(obj, country=country))


def map_link(obj: Any, *, country: str = "") -> str:
    """A plain link to OpenStreetMap's search for the address (no embed: the page asks no third party
    for anything; the visitor's browser goes there only if they follow the link); "" without an address."""
    line = one_line(obj, country=country)
    return f"https://www.openstreetmap.org/search?query={quote(line)}" if line else ""
