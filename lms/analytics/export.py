"""CSV and JSON downloads of an analytics table.

CSV is for spreadsheets: UTF-8 with a byte-order mark (Excel then reads the letters of all nine
languages correctly), labels as headers, shares as percentages, and every text cell that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) prefixed with a single quote. Course, lesson and quiz texts come from files anyone may
contribute to, so they are not trusted. Numbers the LMS computed are written as numbers.
JSON is for programs: column keys, shares as fractions from 0 to 1.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Any

from lms.analytics.report import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet shows as text, never evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "percent":
        return round(100 * value, 1)
    if kind in ("days", "decimal"):
        return round(value, 3 if kind == "decimal" else 1)
    if isinstance(value, bool):
        return int(value)
    return safe_cell(value if isinstance(value, (int, float)) else str(value))


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(c.label + (" (%)" if c.kind == "percent" else "")) for c in table.columns])
    for row in table.rows + ([table.footer] if table.footer else []):
        writer.writerow([_csv_value(row.get(c.key), c.kind) for c in table.columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _json_value(value: Any, kind: str) -> Any:
    if isinstance(value, float):
        return round(value, 4 if kind in ("percent", "decimal") else 2)
    return value


def to_json(table: Table, filters: dict[str, Any]) -> str:
    def row(r: dict[str, Any]) -> dict[str, Any]:
        return {c.key: _json_value(r.get(c.key), c.kind) for c in table.columns}

    data = {
        "table": table.name,
        "title": table.title,
        "generated_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "filters": filters,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": [row(r) for r in table.rows],
    }
    if table.footer:
        data["total"] = row(table.footer)
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)
