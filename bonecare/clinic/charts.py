"""Server-side SVG charts: the geometry of each chart as plain numbers that a template draws, and the same
values as the rows of its text alternative."""

from datetime import date

from bonecare.adherence import service as adherence
from bonecare.exercise.models import KINDS

WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 640, 200, 52, 12, 26
PLOT_W, PLOT_H = WIDTH - LEFT - 8, HEIGHT - TOP - BOTTOM
SITES = {"lumbar_spine_t": "Lumbar spine", "total_hip_t": "Total hip", "femoral_neck_t": "Femoral neck"}


def _y(value: float, low: float, high: float) -> float:
    return round(TOP + PLOT_H - (value - low) / ((high - low) or 1) * PLOT_H, 1)


def _ticks(low: float, high: float) -> list[dict]:
    return [{"y": _y(v, low, high), "label": f"{v:g}"} for v in (low, (low + high) / 2, high)]


def _frame(low: float, high: float, first_label: str, last_label: str) -> dict:
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "top": TOP,
        "plot_w": PLOT_W,
        "plot_h": PLOT_H,
        "base": TOP + PLOT_H,
        "ticks": _ticks(low, high),
        "first": first_label,
        "last": last_label,
    }


def daily(first: date, last: date, values: dict, band: tuple[float, float], unit: str) -> dict:
    """A point a logged day (values: date -> amount) against the target band, across first..last."""
    span = max((last - first).days, 1)
    peak = max([*values.values(), band[1] * 1.25])
    points = [
        {"x": round(LEFT + (day - first).days / span * PLOT_W, 1), "y": _y(v, 0, peak), "day": day, "value": v}
        for day, v in sorted(values.items())
        if first <= day <= last
    ]
    return {
        **_frame(0, round(peak), first.isoformat(), last.isoformat()),
        "unit": unit,
        "band": {
            "y": _y(band[1], 0, peak),
            "h": round(_y(band[0], 0, peak) - _y(band[1], 0, peak), 1),
            "low": band[0],
            "high": band[1],
        },
        "points": points,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
    }


def _slots(count: int) -> float:
    return PLOT_W / max(count, 1)


def exercise(weeks: list[dict]) -> dict:
    """A stacked bar a week, one segment a kind with minutes."""
    peak = max([sum(w["minutes"].values()) for w in weeks] + [60])
    step, bars = _slots(len(weeks)), []
    for n, week in enumerate(weeks):
        below = 0
        for kind in KINDS:
            minutes = week["minutes"][kind]
            if minutes:
                top = _y(below + minutes, 0, peak)
                bars.append(
                    {
                        "x": round(LEFT + n * step + step * 0.15, 1),
                        "y": top,
                        "w": round(step * 0.7, 1),
                        "h": round(_y(below, 0, peak) - top, 1),
                        "kind": kind,
                        "minutes": minutes,
                        "week": week["week_start"],
                    }
                )
                below += minutes
    first, last = (weeks[0]["week_start"].isoformat(), weeks[-1]["week_start"].isoformat()) if weeks else ("", "")
    return {
        **_frame(0, peak, first, last),
        "bars": bars,
        "kinds": KINDS,
        "rows": [{"week": w["week_start"], **w["minutes"]} for w in weeks],
    }


def habits(weeks: dict, first: date, last: date) -> dict:
    """Two bars a week, drinks and cigarettes (weeks: Monday -> (drinks, cigarettes, days smoked))."""
    mondays = adherence.mondays(first, last)
    totals = {}
    for monday in mondays:
        drinks, cigarettes, _ = weeks.get(monday, (0.0, 0, 0))
        totals[monday] = {"drinks": drinks, "cigarettes": cigarettes}
    peak = max([max(w["drinks"], w["cigarettes"]) for w in totals.values()] + [10])
    step, bars = _slots(len(mondays)), []
    for n, m in enumerate(mondays):
        for k, series in enumerate(("drinks", "cigarettes")):
            top = _y(totals[m][series], 0, peak)
            bars.append(
                {
                    "x": round(LEFT + n * step + step * (0.1 + 0.4 * k), 1),
                    "y": top,
                    "w": round(step * 0.38, 1),
                    "h": round(TOP + PLOT_H - top, 1),
                    "series": series,
                    "value": totals[m][series],
                    "week": m,
                }
            )
    labels = (mondays[0].isoformat(), mondays[-1].isoformat()) if mondays else ("", "")
    return {**_frame(0, peak, *labels), "bars": bars, "rows": [{"week": m, **totals[m]} for m in mondays]}


def t_scores(results: list) -> dict:
    """A line a site across the scans, oldest first, on a T-score axis from -4 to +2 (-2.5 marked)."""
    scans = sorted(results, key=lambda r: r.performed_on)
    low = min([-4.0] + [getattr(r, s) for r in scans for s in SITES if getattr(r, s) is not None])
    high = 2.0
    step = PLOT_W / max(len(scans) - 1, 1)
    lines = []
    for site, label in SITES.items():
        points = [
            {
                "x": round(LEFT + (n * step if len(scans) > 1 else PLOT_W / 2), 1),
                "y": _y(getattr(r, site), low, high),
                "value": getattr(r, site),
                "day": r.performed_on,
            }
            for n, r in enumerate(scans)
            if getattr(r, site) is not None
        ]
        lines.append(
            {"site": site, "label": label, "points": points, "line": " ".join(f"{p['x']},{p['y']}" for p in points)}
        )
    labels = (scans[0].performed_on.isoformat(), scans[-1].performed_on.isoformat()) if scans else ("", "")
    return {
        **_frame(low, high, *labels),
        "lines": lines,
        "osteoporosis_y": _y(-2.5, low, high),
        "rows": [{"day": r.performed_on, **{s: getattr(r, s) for s in SITES}} for r in reversed(scans)],
    }
