"""The panel as CSV: its columns and cells, at the edge."""

import csv
import io
from datetime import datetime

CSV_COLUMNS = (
    "patient_id",
    "display_name",
    "email",
    "timezone",
    "window_days",
    "days",
    "adherence_score",
    "calcium_pct",
    "vitamin_d_pct",
    "exercise_weeks_met_pct",
    "drinks_per_week_mean",
    "alcohol_weeks_over_limit",
    "days_smoked",
    "days_with_any_log",
    "current_streak_days",
    "last_logged_at",
    "max_severity",
    "flags",
    "next_dxa_appointment",
    "next_dxa_due",
)


def _flat(row: dict) -> dict:
    """A panel row as one CSV line's cells."""
    a, appt = dict(row["adherence"]), row["next_dxa_appointment"]
    a["adherence_score"] = a.pop("score")
    return {
        "patient_id": row["patient"]["id"],
        **{k: v for k, v in row["patient"].items() if k != "id"},
        **a,
        "max_severity": row["max_severity"],
        "flags": ";".join(f["code"] for f in row["flags"]),
        "next_dxa_appointment": appt["scheduled_for"] if appt else None,
        "next_dxa_due": row["next_dxa_due"],
    }


# What a spreadsheet may take for the start of a formula (OWASP's CSV injection list, with the full-width forms
# that spreadsheets read as their ASCII twins); the control characters that open a cell of their own; the blanks a
# spreadsheet may skip before a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL_STARTS = ("\t", "\r", "\n")
SKIPPED_BEFORE = " \t\r\n\u3000"


def _cell(value) -> str:
    """A CSV cell; text a spreadsheet could run as a formula is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    risky = text.startswith(CONTROL_STARTS) or text.lstrip(SKIPPED_BEFORE).startswith(FORMULA_STARTS)
    return "'" + text if isinstance(value, str) and risky else text


def as_csv(page: dict) -> str:
    """A page of the panel as CSV, one line per patient."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in _flat(row).items()} for row in page["items"])
    return out.getvalue()
