"""The report drawn on one A4 page with fpdf2 (pure Python): a header with the period and the date made, the
adherence figures, three charts (daily calcium and vitamin D against the target band, weekly exercise minutes by
kind), DXA history, labs, treatments and the flags. What does not fit is counted, never spilled onto a page two."""

import logging
from datetime import date, timedelta
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from bonecare.exercise.models import KINDS
from bonecare.guidance import targets as t
from bonecare.guidance.wording import num

logging.getLogger("fontTools").setLevel(logging.WARNING)  # it tells of every font subset at INFO

FONTS = Path(__file__).parent / "fonts"  # DejaVu Sans (fonts/LICENSE): every name and word, not Latin-1 only
PAGE_W, PAGE_H, MARGIN = 210, 297, 12
WIDTH = PAGE_W - 2 * MARGIN
FOOTER_H = 8
INK, MUTED, RULE = (33, 37, 41), (96, 103, 112), (206, 212, 218)
BAND, BAR, LOW, OVER = (214, 236, 221), (46, 109, 164), (160, 190, 220), (192, 57, 43)
KIND_COLOURS = {
    "balance": (46, 109, 164),
    "flexibility": (112, 173, 71),
    "endurance": (237, 125, 49),
    "resistance": (128, 100, 162),
}
SEVERITY_COLOURS = {"urgent": (192, 57, 43), "warning": (214, 137, 16), "info": (46, 109, 164)}
SITES = (("lumbar_spine_t", "Lumbar spine T"), ("total_hip_t", "Total hip T"), ("femoral_neck_t", "Femoral neck T"))


def render(data) -> bytes:
    """The report (service.ReportData) as the bytes of a one-page PDF."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title("Bone health report")
    pdf.set_creator("bonecare")
    pdf.set_creation_date(data.made_at)
    pdf.add_page()
    _header(pdf, data)
    _adherence(pdf, data)
    plan = data.plan
    calcium = (plan["calcium_mg_min"], plan["calcium_mg_max"], t.CALCIUM_UPPER_LIMIT_MG)
    _intake_chart(pdf, data, "Calcium, mg a day", 0, *calcium)
    vitamin_d = (plan["vitamin_d_iu_min"], plan["vitamin_d_iu_max"], t.VITAMIN_D_UPPER_LIMIT_IU)
    _intake_chart(pdf, data, "Vitamin D, IU a day", 1, *vitamin_d)
    _exercise_chart(pdf, data)
    _records(pdf, data)
    _flags(pdf, data)
    _footer(pdf, data)
    return bytes(pdf.output())


def _text(pdf, size: float, bold: bool = False, colour=INK) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_text_color(*colour)


def _line(pdf, text: str, size: float = 8.5, bold: bool = False, colour=INK, height: float = 4.4) -> None:
    _text(pdf, size, bold, colour)
    pdf.cell(WIDTH, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf, text: str) -> None:
    pdf.ln(1.5)
    _line(pdf, text, size=10, bold=True, height=5.5)
    pdf.set_draw_color(*RULE)
    pdf.line(MARGIN, pdf.get_y(), MARGIN + WIDTH, pdf.get_y())
    pdf.ln(1)


def _header(pdf, data) -> None:
    _line(pdf, "Bone health report", size=16, bold=True, height=8)
    _line(pdf, data.name, size=12, bold=True, height=6)
    days = (data.last - data.first).days + 1
    _line(pdf, f"Period: {data.first.isoformat()} to {data.last.isoformat()} ({days} days, {data.timezone})")
    _line(pdf, f"Made {data.made_at.strftime('%Y-%m-%d %H:%M')} UTC", colour=MUTED)


def _pct(value) -> str:
    return "no days yet" if value is None else f"{num(value)} %"


def _adherence(pdf, data) -> None:
    s, plan = data.summary, data.plan
    calcium, vitamin_d, exercise = s["calcium"], s["vitamin_d"], s["exercise"]
    alcohol, smoking, logging = s["alcohol"], s["smoking"], s["logging"]
    _heading(pdf, "Adherence")
    rows = [
        (
            "Calcium",
            f"target met on {calcium['days_met']} of {calcium['days']} days ({_pct(calcium['pct'])}); "
            f"mean {_mean(calcium['mean_mg_per_day'])} mg a day (target {_whole(plan['calcium_mg_min'])}-"
            f"{_whole(plan['calcium_mg_max'])}); {calcium['days_over_upper_limit']} days over the upper limit",
        ),
        (
            "Vitamin D",
            f"target met on {vitamin_d['days_met']} of {vitamin_d['days']} days ({_pct(vitamin_d['pct'])}); "
            f"mean {_mean(vitamin_d['mean_iu_per_day'])} IU a day (target {_whole(plan['vitamin_d_iu_min'])}-"
            f"{_whole(plan['vitamin_d_iu_max'])}); {vitamin_d['days_over_upper_limit']} days over the upper limit",
        ),
        (
            "Exercise",
            f"every weekly target met in {exercise['weeks_met']} of {exercise['weeks_counted']} full weeks "
            f"({_pct(exercise['weeks_met_pct'])})",
        ),
        (
            "Alcohol",
            f"{_mean(alcohol['drinks_per_week_mean'])} drinks a week on average (limit "
            f"{num(alcohol['limit_per_week'])}); {alcohol['weeks_over_limit']} weeks over the limit",
        ),
        ("Smoking", f"{smoking['days_smoked']} days smoked, {smoking['cigarettes_total']} cigarettes"),
        (
            "Logging",
            f"something logged on {logging['days_with_any_log']} days; current streak "
            f"{logging['current_streak_days']} days",
        ),
    ]
    for label, text in rows:
        _text(pdf, 8.5, bold=True)
        pdf.cell(22, 4.2, label)
        _text(pdf, 8.5)
        pdf.multi_cell(WIDTH - 22, 4.2, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _mean(value) -> str:
    return "-" if value is None else num(value)


def _whole(value: float) -> str:
    return f"{value:.0f}"


def _days(data) -> list[date]:
    return [data.first + timedelta(days=n) for n in range((data.last - data.first).days + 1)]


def _axes(pdf, title: str, top: float, height: float, peak: float) -> tuple[float, float]:
    """A chart's title, frame and scale: answers (left x, mm per unit)."""
    _text(pdf, 8, bold=True)
    pdf.set_xy(MARGIN, top)
    pdf.cell(WIDTH, 4, title)
    _text(pdf, 6.5, colour=MUTED)
    pdf.set_xy(MARGIN, top + 4)
    pdf.cell(14, 3, _whole(peak), align="R")
    pdf.set_xy(MARGIN, top + 4 + height - 3)
    pdf.cell(14, 3, "0", align="R")
    left = MARGIN + 15
    pdf.set_draw_color(*RULE)
    pdf.rect(left, top + 4, WIDTH - 15, height)
    return left, height / peak if peak else 0


def _intake_chart(pdf, data, title: str, index: int, low: float, high: float, limit: float, height=20) -> None:
    """One bar a day against the target band (shaded): pale below it, red above the tolerable upper limit."""
    days = _days(data)
    values = [data.daily.get(day, (0, 0))[index] for day in days]
    peak = max([*values, high * 1.25])
    top = pdf.get_y() + 1.5
    left, scale = _axes(
        pdf, f"{title}: shaded, the target band; pale, below it; red, over the upper limit", top, height, peak
    )
    base = top + 4 + height
    pdf.set_fill_color(*BAND)
    pdf.rect(left, base - high * scale, WIDTH - 15, (high - low) * scale, style="F")
    step = (WIDTH - 15) / len(days)
    for n, value in enumerate(values):
        if value:
            _bar(
                pdf, left + n * step, step, base, value * scale, OVER if value > limit else LOW if value < low else BAR
            )
    _scale_dates(pdf, left, base, days[0], days[-1])
    pdf.set_y(base + 3.5)


def _bar(pdf, x: float, step: float, bottom: float, height: float, colour) -> None:
    """One bar of a chart: the middle 70 % of its slot (x, x + step), rising `height` from `bottom`."""
    pdf.set_fill_color(*colour)
    pdf.rect(x + step * 0.15, bottom - height, step * 0.7, height, style="F")


def _scale_dates(pdf, left: float, base: float, first: date, last: date) -> None:
    _text(pdf, 6.5, colour=MUTED)
    pdf.set_xy(left, base + 0.3)
    pdf.cell(40, 3, first.isoformat())
    pdf.set_xy(MARGIN + WIDTH - 40, base + 0.3)
    pdf.cell(40, 3, last.isoformat(), align="R")


def _exercise_chart(pdf, data, height: float = 20) -> None:
    """Weekly minutes, a stacked bar a week, one colour a kind, with the legend."""
    weeks = data.summary["exercise"]["weeks"]
    totals = [sum(w["minutes"].values()) for w in weeks]
    peak = max([*totals, 60])
    top = pdf.get_y() + 1.5
    left, scale = _axes(pdf, "Exercise, minutes a week by kind", top, height, peak)
    base = top + 4 + height
    step = (WIDTH - 15) / max(len(weeks), 1)
    for n, week in enumerate(weeks):
        y = base
        for kind in KINDS:
            minutes = week["minutes"][kind]
            if minutes:
                _bar(pdf, left + n * step, step, y, minutes * scale, KIND_COLOURS[kind])
                y -= minutes * scale
    if weeks:
        _scale_dates(pdf, left, base, weeks[0]["week_start"], weeks[-1]["week_start"])
    x = left + 45
    for kind in KINDS:
        pdf.set_fill_color(*KIND_COLOURS[kind])
        pdf.rect(x, base + 1, 2.5, 2, style="F")
        pdf.set_xy(x + 3, base + 0.3)
        pdf.cell(22, 3, kind)
        x += 25
    pdf.set_y(base + 3.5)


def _table(pdf, title: str, headers: list[str], rows: list[list[str]], widths: list[float], shown: int) -> None:
    """A titled table of its first `shown` rows; the rest are counted."""
    _heading(pdf, title)
    if not rows:
        _line(pdf, "None on record.", colour=MUTED)
        return
    _text(pdf, 7.5, bold=True, colour=MUTED)
    for header, width in zip(headers, widths, strict=True):
        pdf.cell(width, 4, header)
    pdf.ln(4)
    _text(pdf, 8)
    for row in rows[:shown]:
        for cell, width in zip(row, widths, strict=True):
            pdf.cell(width, 4, cell)
        pdf.ln(4)
    if len(rows) > shown:
        _line(pdf, f"and {len(rows) - shown} earlier, not shown", size=7.5, colour=MUTED, height=4)


def _t(value) -> str:
    return "-" if value is None else f"{value:+.1f}"


def _records(pdf, data) -> None:
    results = [
        [
            r.performed_on.isoformat(),
            *(_t(getattr(r, field)) for field, _ in SITES),
            "-" if r.frax_major_pct is None else f"{num(r.frax_major_pct)} %",
            "-" if r.frax_hip_pct is None else f"{num(r.frax_hip_pct)} %",
        ]
        for r in data.results
    ]
    headers = ["Date", *(label for _, label in SITES), "FRAX major", "FRAX hip"]
    _table(pdf, "DXA scans", headers, results, [30, 32, 30, 34, 30, 30], shown=4)
    labs = [[lab.measured_on.isoformat(), f"{num(lab.value)} {lab.unit}"] for lab in data.labs]
    treatments = [
        [
            t.agent.replace("_", " "),
            t.started_on.isoformat(),
            t.stopped_on.isoformat() if t.stopped_on else "ongoing",
            t.last_dose_on.isoformat() if t.last_dose_on else "-",
        ]
        for t in data.treatments
    ]
    _table(pdf, "25-OH vitamin D", ["Date", "Value"], labs, [30, 156], shown=3)
    _table(pdf, "Bone treatments", ["Agent", "Started", "Stopped", "Last dose"], treatments, [50, 40, 40, 56], shown=3)


def _flags(pdf, data) -> None:
    due = data.next_dxa_due.isoformat() if data.next_dxa_due else "after a first scan is on record"
    _heading(pdf, f"What the guidance flags (next DXA due {due})")
    if not data.flags:
        _line(pdf, "Nothing flagged.", colour=MUTED)
        return
    bottom = PAGE_H - MARGIN - FOOTER_H
    for n, flag in enumerate(data.flags):
        _text(pdf, 8)
        text = f"{flag.message} ({flag.citation})"
        height = pdf.multi_cell(WIDTH - 18, 4, text, dry_run=True, output=MethodReturnValue.HEIGHT)
        if pdf.get_y() + height + 4 > bottom:
            _line(pdf, f"and {len(data.flags) - n} more flags, in the app", size=7.5, colour=MUTED, height=4)
            return
        y = pdf.get_y()
        pdf.set_fill_color(*SEVERITY_COLOURS.get(flag.severity, MUTED))
        _text(pdf, 6.5, bold=True, colour=(255, 255, 255))
        pdf.set_xy(MARGIN, y + 0.3)
        pdf.cell(15, 3.4, flag.severity.upper(), align="C", fill=True)
        _text(pdf, 8)
        pdf.set_xy(MARGIN + 18, y)
        pdf.multi_cell(WIDTH - 18, 4, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)


def _footer(pdf, data) -> None:
    _text(pdf, 6.5, colour=MUTED)
    pdf.set_xy(MARGIN, PAGE_H - MARGIN - 4)
    words = "for the patient and her care team" if data.audience == "clinician" else "for you and your care team"
    pdf.cell(WIDTH, 4, f"bonecare, {words}: a record of what was logged and measured, not a diagnosis.")
