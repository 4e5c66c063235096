"""DXA monitoring: the date maths (next scan due, earliest repeat, an old record) and its flags."""

import calendar
from collections.abc import Iterable
from datetime import date

from bonecare.guidance import targets as t
from bonecare.guidance.facts import DxaFacts, Facts, Finding
from bonecare.guidance.wording import num

SITES = {
    "lumbar_spine_t": "lumbar spine",
    "total_hip_t": "total hip",
    "femoral_neck_t": "femoral neck",
}
_HIP_SITES = ("total_hip_t", "femoral_neck_t")


def add_months(d: date, months: int) -> date:
    """The date `months` later, clamped to the month's last day (2024-02-29 + 12 months = 2025-02-28)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def is_old(day: date, today: date) -> bool:
    """Whether a lab or FRAX of that day is too old to be shown as current."""
    return day < add_months(today, -12 * t.RECORD_OLD_AFTER_YEARS)


def lowest_t_score(dxa: DxaFacts) -> tuple[float, str] | None:
    """The lowest T-score of a result and its site, or None when it has none."""
    scores = [(getattr(dxa, f), site) for f, site in SITES.items() if getattr(dxa, f) is not None]
    return min(scores) if scores else None


def _current_t_scores(results: Iterable[DxaFacts]) -> dict[str, float]:
    """Each site's latest T-score (the worst, if several that day): a hip-only scan keeps the spine's."""
    latest: dict[str, tuple[date, float]] = {}
    for r in results:
        for f in SITES:
            value = getattr(r, f)
            if value is None:
                continue
            seen = latest.get(f)
            if seen is None or r.performed_on > seen[0] or (r.performed_on == seen[0] and value < seen[1]):
                latest[f] = (r.performed_on, value)
    return {f: value for f, (_, value) in latest.items()}


def current_lowest_t(results: Iterable[DxaFacts]) -> tuple[float, str] | None:
    """The lowest of each site's latest T-score, and its site, or None without any T-score."""
    scores = [(value, SITES[f]) for f, value in _current_t_scores(results).items()]
    return min(scores) if scores else None


def is_near_threshold(lowest: float | None) -> bool:
    """Whether a T-score lies in (-2.5, -2.0]: bone loss short of the treatment threshold."""
    return lowest is not None and t.T_SCORE_TREATMENT < lowest <= t.T_SCORE_NEAR_THRESHOLD


def next_dxa_due(results: Iterable[DxaFacts]) -> date | None:
    """When the next DXA is due: the latest result + 2 years, or + 1 year when near threshold.

    "Near threshold" means the lowest of each site's latest T-score is in (-2.5, -2.0]; every
    other state (including T <= -2.5, which is flagged BONE_AGENT_INDICATED) keeps the 2-year
    interval. Years are added as months, clamped to the month's end, so a scan on
    2024-02-29 is due on 2025-02-28 or 2026-02-28 — never sooner than the 12-month minimum.
    With no result this returns None: the baseline scan is due now, and the assessment says
    so with BASELINE_DXA_MISSING rather than with a date.
    """
    results = list(results)
    if not results:
        return None
    last = max(r.performed_on for r in results)
    low = current_lowest_t(results)
    years = t.DXA_INTERVAL_NEAR_THRESHOLD_YEARS if is_near_threshold(low[0] if low else None) else t.DXA_INTERVAL_YEARS
    return add_months(last, 12 * years)


def earliest_repeat_dxa(results: Iterable[DxaFacts]) -> date | None:
    """The first date a repeat DXA may be booked without a stated reason (latest + 12 months)."""
    dates = [r.performed_on for r in results]
    return add_months(max(dates), t.DXA_MIN_INTERVAL_MONTHS) if dates else None


def monitored(facts: Facts) -> bool:
    """DXA monitoring runs for the course of exemestane, and beyond it while on a bone agent."""
    stopped = facts.exemestane_stopped_on is not None and facts.exemestane_stopped_on <= facts.today
    return not stopped or any(tr.current_on(facts.today) for tr in facts.treatments)


def _baseline(facts: Facts) -> Finding | None:
    """BASELINE_DXA_MISSING (no scan counts as baseline) or its incomplete variant (spine or hip absent)."""
    start = facts.exemestane_started_on
    since = add_months(start, -t.BASELINE_DXA_WINDOW_MONTHS) if start else None
    eligible = [r for r in facts.dxa_results if since is None or r.performed_on >= since]
    if not eligible:
        window = f" since {since} ({t.BASELINE_DXA_WINDOW_MONTHS} months before exemestane began on {start})"
        return "BASELINE_DXA_MISSING", {
            "since_start": window if since else "",
            "since_start_plain": " from around the start of your exemestane" if since else "",
        }
    missing = []
    if all(r.lumbar_spine_t is None for r in eligible):
        missing.append(("lumbar spine", "spine"))
    if all(getattr(r, f) is None for r in eligible for f in _HIP_SITES):
        missing.append(("hip (total hip or femoral neck)", "hip"))
    if missing:
        return "BASELINE_DXA_INCOMPLETE", {
            "missing": " or ".join(m for m, _ in missing),
            "missing_plain": " or your ".join(p for _, p in missing),
        }
    return None


def findings(facts: Facts, indicated: bool) -> list[Finding]:
    """While monitoring runs: the baseline scan, a repeat scan overdue, and bone loss near the threshold."""
    if not monitored(facts):
        return []
    results = facts.dxa_results
    baseline = _baseline(facts)
    found = [baseline] if baseline else []
    due = next_dxa_due(results)
    # without a baseline, the baseline is what is due: one flag, not two
    no_baseline = baseline is not None and baseline[0] == "BASELINE_DXA_MISSING"
    if not no_baseline and results and due <= facts.today and facts.next_dxa_appointment is None:
        last = max(r.performed_on for r in results)
        found.append(("DXA_OVERDUE", {"due": due.isoformat(), "last": last.isoformat()}))
    low = current_lowest_t(results)
    # an indication says more than "near the threshold": never both
    if not indicated and low is not None and is_near_threshold(low[0]):
        found.append(("NEAR_THRESHOLD", {"lowest_t": num(low[0]), "site": low[1], "due": due.isoformat()}))
    return found
