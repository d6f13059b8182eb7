"""Cells for CSV and XLSX exports that spreadsheets will neither run as formulas nor choke on."""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab/newline/CR, DEL, and C1 controls: XLSX cannot hold them and they hide text in CSV.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value: Any) -> Any:
    """A cell value without control characters that no spreadsheet treats as a formula; None becomes ''."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub("", value)
    # A leading = + - @ (or a tab/CR that hides one) makes Excel and LibreOffice evaluate the cell (CSV injection).
    if text[:1] in _FORMULA_START or text.lstrip()[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text
