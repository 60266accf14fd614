"""E-invoices of an invoice: Finvoice 3.0 (Finland) and the Polish structured invoice FA(3) for KSeF."""

from __future__ import annotations


def split_address(text: str) -> tuple[str, str, str]:
    """(street, postal code, town) of an address snapshot written as "street\\npostcode town"."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "", "", ""
    street = lines[0] if len(lines) > 1 else ""
    last = lines[-1]
    code, _space, town = last.partition(" ")
    if not any(ch.isdigit() for ch in code):
        return street, "", last
    return street, code, town
