"""The bone-health assessment as pure functions: plain facts in, cited flags out."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from bonecare.guidance import targets as t
from bonecare.guidance.education import AUDIENCES
from bonecare.guidance.sources import cite

SEVERITY_RANK = {"info": 0, "warning": 1, "urgent": 2}

_SITES = {
    "lumbar_spine_t": "lumbar spine",
    "total_hip_t": "total hip",
    "femoral_neck_t": "femoral neck",
}


@dataclass(frozen=True)
class DxaFacts:
    """One DXA result: its date, T-scores by site, FRAX probabilities and vertebral fractures."""

    performed_on: date
    lumbar_spine_t: float | None = None
    total_hip_t: float | None = None
    femoral_neck_t: float | None = None
    frax_major_pct: float | None = None
    frax_hip_pct: float | None = None
    vertebral_fractures: int | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the assessment looks at for one patient, as plain values."""

    today: date  # the patient's local today
    dxa_results: tuple[DxaFacts, ...] = ()  # any order
    vitamin_d_ng_ml: float | None = None  # latest 25-OH vitamin D level
    next_dxa_appointment: date | None = None  # earliest booked appointment on/after today
    smoking_status: str | None = None  # never/former/current
    # adherence over the last 30 local days
    calcium_days: int = 0
    calcium_days_met: int = 0
    calcium_days_over_limit: int = 0
    vitamin_d_days: int = 0
    vitamin_d_days_met: int = 0
    vitamin_d_days_over_limit: int = 0
    cigarettes_last_30_days: int = 0
    alcohol_weeks_over_limit: int = 0
    # kind -> how many of the last 4 ISO weeks were below target
    exercise_weeks_below_target: dict[str, int] = field(default_factory=dict)
    exercise_weeks_counted: int = 0  # how many of those 4 weeks were countable


@dataclass(frozen=True)
class Flag:
    """One finding of the assessment, worded for its audience, with its source."""

    code: str
    severity: str  # "info" / "warning" / "urgent"
    message: str
    citation: str


@dataclass(frozen=True)
class Assessment:
    """The flags (most severe first, then by code) and when the next DXA is due."""

    flags: tuple[Flag, ...]
    next_dxa_due: date | None


class _Wording(NamedTuple):
    code: str
    severity: str
    sources: tuple[str, ...]
    detail: str
    patient: str
    clinician: str


_DENOSUMAB_CLINICIAN = (
    "Stopping denosumab without a follow-on agent causes rapid bone loss and vertebral fractures."
)

# Key -> wording; the key is the flag code, except for a variant of one (severe vitamin D).
# Placeholders in the texts are filled from _THRESHOLDS and the measured values.
_TABLE: tuple[tuple[str, _Wording], ...] = (
    ("BASELINE_DXA_MISSING", _Wording(
        "BASELINE_DXA_MISSING", "urgent", ("guidance", "asco-2019"), "baseline assessment",
        "We have no bone density scan on record for you. Exemestane can thin your bones, so "
        "a scan is needed at the start of treatment. Please ask your care team to book one, "
        "or add your result if you already had it.",
        "No baseline DXA on record. Obtain central DXA of lumbar spine, total hip and femoral "
        "neck, with clinical fracture-risk assessment, before or at the start of exemestane.",
    )),
    ("DXA_OVERDUE", _Wording(
        "DXA_OVERDUE", "warning", ("guidance", "asco-2019"), "monitoring",
        "Your next bone density scan was due on {due}. Please ask your care team to book it, "
        "so any change in your bones is found early.",
        "Repeat DXA due {due} (last DXA {last}; every {dxa_years} years, after "
        "{dxa_near_years} year near threshold) and no appointment booked. Schedule repeat DXA.",
    )),
    ("VITAMIN_D_UNKNOWN", _Wording(
        "VITAMIN_D_UNKNOWN", "warning", ("guidance",), "baseline assessment",
        "We don't have a vitamin D blood test on record for you. Low vitamin D is common and "
        "weakens bones. Please ask your care team about this simple blood test.",
        "No 25-OH vitamin D level on record. Measure serum 25-OH vitamin D; deficiency is "
        "common in patients with breast cancer.",
    )),
    ("VITAMIN_D_DEFICIENT", _Wording(
        "VITAMIN_D_DEFICIENT", "warning", ("guidance", "nih-ods-vitamin-d", "iom-2011"), "",
        "Your last vitamin D blood test was low ({level} ng/mL). Your body needs vitamin D to "
        "use calcium and keep bones strong. Please ask your care team whether you need a "
        "higher vitamin D dose.",
        "25-OH vitamin D {level} ng/mL, below {vd_deficient} ng/mL: deficient. Consider "
        "repletion above the {vd_min}-{vd_max} IU/day maintenance dose and recheck the level.",
    )),
    ("VITAMIN_D_DEFICIENT_SEVERE", _Wording(
        "VITAMIN_D_DEFICIENT", "urgent", ("guidance", "nih-ods-vitamin-d", "iom-2011"), "",
        "Your last vitamin D blood test was very low ({level} ng/mL). This can weaken your "
        "bones quickly. Please contact your care team soon about treatment with a higher dose.",
        "25-OH vitamin D {level} ng/mL, below {vd_severe} ng/mL: severe deficiency. Replete "
        "with higher-dose vitamin D and recheck the level; correct it before starting a "
        "bone-modifying agent (risk of hypocalcaemia).",
    )),
    ("BONE_AGENT_INDICATED", _Wording(
        "BONE_AGENT_INDICATED", "urgent", ("guidance", "asco-2019"), "",
        "Your latest bone tests show that your bones are weak enough that a medicine to "
        "protect them is usually recommended. Please ask your care team about starting one "
        "soon. Calcium, vitamin D and exercise still matter, but alone they are not enough.",
        "Bone-modifying agent indicated ({reasons}; thresholds: T-score <= {t_treat}, FRAX "
        "major >= {frax_major} %, FRAX hip >= {frax_hip} %). Consider an oral bisphosphonate "
        "(alendronate, risedronate), IV zoledronic acid, or denosumab at osteoporosis dosing. "
        + _DENOSUMAB_CLINICIAN,
    )),
    ("SEVERE_OSTEOPOROSIS", _Wording(
        "SEVERE_OSTEOPOROSIS", "urgent", ("guidance", "asco-2019"), "",
        "Your latest bone tests show very weak bones. This may change which breast cancer "
        "medicine is safest for you, or mean you need strong bone protection alongside it. "
        "Please talk with your care team soon, and don't stop any medicine on your own.",
        "Severe osteoporosis ({reasons}): relative contraindication to exemestane. Consider "
        "tamoxifen or raloxifene if appropriate for the indication, or aggressive concurrent "
        "bone protection (bisphosphonate or denosumab). " + _DENOSUMAB_CLINICIAN,
    )),
    ("NEAR_THRESHOLD", _Wording(
        "NEAR_THRESHOLD", "info", ("project", "guidance", "asco-2019"), "",
        "Your bones are thinner than ideal, though not at the point where medicine is usually "
        "needed. Your next bone density scan should be after {dxa_near_years} year instead of "
        "{dxa_years}, so any "
        "change is caught early.",
        "Lowest T-score {lowest_t} ({site}) is near the treatment threshold ({t_treat} < T <= "
        "{t_near}). Repeat DXA after {dxa_near_years} year (due {due}).",
    )),
    ("LOW_CALCIUM_ADHERENCE", _Wording(
        "LOW_CALCIUM_ADHERENCE", "warning", ("project", "guidance", "asco-2019"), "rec. 3.1",
        "You reached your calcium goal on {met} of the last {days} days. Try "
        "spreading calcium-rich foods or supplements through the day, and ask your care team "
        "if something makes it hard.",
        "Calcium target ({ca_min}-{ca_max} mg/day) met on {met} of {days} counted days ({pct} %) "
        "in the last {window} days, below {adh_pct} %. Review intake and barriers.",
    )),
    ("LOW_VITAMIN_D_ADHERENCE", _Wording(
        "LOW_VITAMIN_D_ADHERENCE", "warning", ("project", "guidance", "asco-2019"), "rec. 3.1",
        "You reached your vitamin D goal on {met} of the last {days} days. Taking "
        "it at the same time each day can help. Ask your care team if something makes it hard.",
        "Vitamin D target ({vd_min}-{vd_max} IU/day) met on {met} of {days} counted days ({pct} %) "
        "in the last {window} days, below {adh_pct} %. Review supplementation and barriers.",
    )),
    ("EXCESS_CALCIUM", _Wording(
        "EXCESS_CALCIUM", "warning", ("nih-ods-calcium", "iom-2011"), "",
        "On {count} of the last {window} days you took in more calcium than is safe "
        "({ca_ul} mg in a day). Too much can cause kidney stones. Please check your doses, "
        "and ask your care team if you are unsure.",
        "Calcium intake above the tolerable upper limit ({ca_ul} mg/day) on {count} day(s) in "
        "the last {window} days. Review supplement dosing (risk of hypercalcaemia and "
        "nephrolithiasis).",
    )),
    ("EXCESS_VITAMIN_D", _Wording(
        "EXCESS_VITAMIN_D", "warning", ("iom-2011", "nih-ods-vitamin-d"), "",
        "On {count} of the last {window} days you took more vitamin D than is safe for "
        "everyday use ({vd_ul} IU in a day). Please check your doses, unless your care team "
        "prescribed a higher dose for you.",
        "Vitamin D intake above the tolerable upper limit ({vd_ul} IU/day) on {count} day(s) in "
        "the last {window} days. Confirm whether a repletion dose was prescribed; otherwise "
        "review dosing.",
    )),
    ("SMOKER", _Wording(
        "SMOKER", "warning", ("guidance", "asco-2019"), "rec. 3.3",
        "Smoking weakens bones and makes them slower to heal. Quitting helps at any age. "
        "Your care team can help you find support to stop.",
        "Current smoker ({smoking}). Smoking is a fracture risk factor: advise cessation and "
        "offer cessation support.",
    )),
    ("ALCOHOL_OVER_LIMIT", _Wording(
        "ALCOHOL_OVER_LIMIT", "warning", ("guidance", "us-dga-2020", "frax"), "",
        "In {weeks_plain} you had more than {alc_week} drinks. Drinking less helps "
        "protect your bones and lowers the chance of falls. Your care team can help.",
        "Alcohol above the care-plan limit ({alc_week} drinks/week) in {weeks} week(s) of the "
        "last {window} days. Advise limitation; FRAX counts >= {frax_alc} units/day as a risk "
        "factor.",
    )),
    ("EXERCISE_INCOMPLETE", _Wording(
        "EXERCISE_INCOMPLETE", "info", ("project", "guidance", "too-fit-2014",
                                        "osteoporosis-canada"), "",
        "In most recent weeks you did less {kinds_plain} exercise than your plan. Regular "
        "exercise keeps bones and muscles strong and helps prevent falls. Small steps count.",
        "Exercise below weekly target in most of the last {ex_weeks} weeks: {kinds_detail}. "
        "Targets: resistance >= {res} and balance >= {bal} sessions, endurance >= {end} min, "
        "flexibility >= {flex} sessions a week.",
    )),
)
_WORDING: dict[str, _Wording] = dict(_TABLE)
#: Every flag code the assessment can raise, sorted.
FLAG_CODES: tuple[str, ...] = tuple(sorted({w.code for w in _WORDING.values()}))

_PLAIN_KIND = {
    "resistance": "strength",
    "balance": "balance",
    "flexibility": "stretching",
    "endurance": "aerobic (like brisk walking)",
}


def _num(x: float) -> str:
    """A measured value as written: one decimal unless it has more."""
    return f"{x:.1f}" if round(x, 1) == x else f"{x:g}"


_THRESHOLDS = {
    "t_treat": _num(t.T_SCORE_TREATMENT),
    "t_near": _num(t.T_SCORE_NEAR_THRESHOLD),
    "frax_major": f"{t.FRAX_MAJOR_PCT:g}",
    "frax_hip": f"{t.FRAX_HIP_PCT:g}",
    "vd_deficient": t.VITAMIN_D_DEFICIENT_NG_ML,
    "vd_severe": t.VITAMIN_D_SEVERE_NG_ML,
    "vd_min": t.VITAMIN_D_IU_MIN,
    "vd_max": t.VITAMIN_D_IU_MAX,
    "vd_ul": t.VITAMIN_D_UPPER_LIMIT_IU,
    "ca_min": t.CALCIUM_MG_MIN,
    "ca_max": t.CALCIUM_MG_MAX,
    "ca_ul": t.CALCIUM_UPPER_LIMIT_MG,
    "adh_pct": t.ADHERENCE_MIN_PCT,
    "window": t.ADHERENCE_WINDOW_DAYS,
    "alc_week": t.ALCOHOL_DRINKS_PER_WEEK_MAX,
    "frax_alc": t.FRAX_ALCOHOL_RISK_UNITS_PER_DAY,
    "dxa_years": t.DXA_INTERVAL_YEARS,
    "dxa_near_years": t.DXA_INTERVAL_NEAR_THRESHOLD_YEARS,
    "ex_weeks": t.EXERCISE_WINDOW_WEEKS,
    "res": t.RESISTANCE_SESSIONS_PER_WEEK_MIN,
    "bal": t.BALANCE_SESSIONS_PER_WEEK_MIN,
    "end": t.ENDURANCE_MINUTES_PER_WEEK_MIN,
    "flex": t.FLEXIBILITY_SESSIONS_PER_WEEK_MIN,
}


def add_months(d: date, months: int) -> date:
    """The date `months` later, clamped to the month's last day (2024-02-29 + 12 months = 2025-02-28)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def lowest_t_score(dxa: DxaFacts) -> tuple[float, str] | None:
    """The lowest T-score of a result and its site, or None when it has none."""
    scores = [(getattr(dxa, f), site) for f, site in _SITES.items() if getattr(dxa, f) is not None]
    return min(scores) if scores else None


def _latest_lowest_t(results: Iterable[DxaFacts]) -> tuple[date, tuple[float, str] | None] | None:
    """The latest DXA date and the lowest T-score measured on it (all results of that date)."""
    results = list(results)
    if not results:
        return None
    last = max(r.performed_on for r in results)
    lows = [lo for r in results if r.performed_on == last and (lo := lowest_t_score(r))]
    return last, (min(lows) if lows else None)


def _is_near_threshold(lowest: float | None) -> bool:
    return lowest is not None and t.T_SCORE_TREATMENT < lowest <= t.T_SCORE_NEAR_THRESHOLD


def next_dxa_due(results: Iterable[DxaFacts]) -> date | None:
    """When the next DXA is due: the latest result + 2 years, or + 1 year when near threshold.

    "Near threshold" means the latest result's lowest T-score is in (-2.5, -2.0]; every other
    result (including T <= -2.5, which is flagged BONE_AGENT_INDICATED) keeps the 2-year
    interval. Years are added as months, clamped to the month's end, so a scan on
    2024-02-29 is due on 2025-02-28 or 2026-02-28 — never sooner than the 12-month minimum.
    With no result this returns None: the baseline scan is due now, and the assessment says
    so with BASELINE_DXA_MISSING rather than with a date.
    """
    latest = _latest_lowest_t(results)
    if latest is None:
        return None
    last, low = latest
    years = (
        t.DXA_INTERVAL_NEAR_THRESHOLD_YEARS
        if _is_near_threshold(low[0] if low else None)
        else t.DXA_INTERVAL_YEARS
    )
    return add_months(last, 12 * years)


def earliest_repeat_dxa(results: Iterable[DxaFacts]) -> date | None:
    """The first date a repeat DXA may be booked without a stated reason (latest + 12 months)."""
    latest = _latest_lowest_t(results)
    return add_months(latest[0], t.DXA_MIN_INTERVAL_MONTHS) if latest else None


def _latest_value(results: tuple[DxaFacts, ...], attr: str):
    """The value of `attr` on the latest result that has it (the worst, if several that day)."""
    dated = [r for r in results if getattr(r, attr) is not None]
    if not dated:
        return None
    last = max(r.performed_on for r in dated)
    values = [getattr(r, attr) for r in dated if r.performed_on == last]
    return max(values)


def _below(met: int, days: int) -> bool:
    """Whether met/days is under the adherence threshold, in exact integer arithmetic."""
    return days > 0 and met * 100 < t.ADHERENCE_MIN_PCT * days


def _findings(facts: Facts) -> list[tuple[str, dict]]:
    """Which table entries apply, with the measured values their texts need."""
    found: list[tuple[str, dict]] = []
    results = tuple(facts.dxa_results)
    latest = _latest_lowest_t(results)
    due = next_dxa_due(results)

    if latest is None:
        found.append(("BASELINE_DXA_MISSING", {}))
    else:
        last, low = latest
        if due is not None and due <= facts.today and facts.next_dxa_appointment is None:
            found.append(("DXA_OVERDUE", {"due": due.isoformat(), "last": last.isoformat()}))

        frax_major = _latest_value(results, "frax_major_pct")
        frax_hip = _latest_value(results, "frax_hip_pct")
        vertebral = _latest_value(results, "vertebral_fractures")

        agent: list[str] = []
        if low is not None and low[0] <= t.T_SCORE_TREATMENT:
            agent.append(f"lowest T-score {_num(low[0])} at {low[1]}")
        if frax_major is not None and frax_major >= t.FRAX_MAJOR_PCT:
            agent.append(f"FRAX major osteoporotic {frax_major:g} %")
        if frax_hip is not None and frax_hip >= t.FRAX_HIP_PCT:
            agent.append(f"FRAX hip {frax_hip:g} %")
        if agent:
            found.append(("BONE_AGENT_INDICATED", {"reasons": "; ".join(agent)}))

        severe: list[str] = []
        if low is not None and low[0] < t.T_SCORE_SEVERE:
            severe.append(f"lowest T-score {_num(low[0])} at {low[1]}")
        if vertebral is not None and vertebral > t.VERTEBRAL_FRACTURES_SEVERE_ABOVE:
            severe.append(f"{vertebral} vertebral fractures")
        if severe:
            found.append(("SEVERE_OSTEOPOROSIS", {"reasons": "; ".join(severe)}))

        if low is not None and _is_near_threshold(low[0]):
            found.append(("NEAR_THRESHOLD", {
                "lowest_t": _num(low[0]), "site": low[1], "due": due.isoformat(),
            }))

    level = facts.vitamin_d_ng_ml
    if level is None:
        found.append(("VITAMIN_D_UNKNOWN", {}))
    elif level < t.VITAMIN_D_SEVERE_NG_ML:
        found.append(("VITAMIN_D_DEFICIENT_SEVERE", {"level": f"{level:g}"}))
    elif level < t.VITAMIN_D_DEFICIENT_NG_ML:
        found.append(("VITAMIN_D_DEFICIENT", {"level": f"{level:g}"}))

    for key, met, days in (
        ("LOW_CALCIUM_ADHERENCE", facts.calcium_days_met, facts.calcium_days),
        ("LOW_VITAMIN_D_ADHERENCE", facts.vitamin_d_days_met, facts.vitamin_d_days),
    ):
        if _below(met, days):
            found.append((key, {"met": met, "days": days, "pct": round(100 * met / days)}))
    if facts.calcium_days_over_limit > 0:
        found.append(("EXCESS_CALCIUM", {"count": facts.calcium_days_over_limit}))
    if facts.vitamin_d_days_over_limit > 0:
        found.append(("EXCESS_VITAMIN_D", {"count": facts.vitamin_d_days_over_limit}))

    if facts.cigarettes_last_30_days > t.CIGARETTES_MAX or facts.smoking_status == "current":
        parts = []
        if facts.smoking_status == "current":
            parts.append("status current")
        if facts.cigarettes_last_30_days > t.CIGARETTES_MAX:
            parts.append(f"{facts.cigarettes_last_30_days} cigarettes logged in the last "
                         f"{t.ADHERENCE_WINDOW_DAYS} days")
        found.append(("SMOKER", {"smoking": "; ".join(parts)}))

    if facts.alcohol_weeks_over_limit > 0:
        weeks = facts.alcohol_weeks_over_limit
        found.append(("ALCOHOL_OVER_LIMIT", {
            "weeks": weeks,
            "weeks_plain": "1 recent week" if weeks == 1 else f"{weeks} recent weeks",
        }))

    counted = facts.exercise_weeks_counted
    short = sorted(
        kind for kind, below in facts.exercise_weeks_below_target.items()
        if counted > 0 and below * 2 > counted
    )
    if short:
        found.append(("EXERCISE_INCOMPLETE", {
            "kinds_plain": _join_plain([_PLAIN_KIND.get(k, k) for k in short]),
            "kinds_detail": ", ".join(
                f"{k} {facts.exercise_weeks_below_target[k]}/{counted} weeks" for k in short
            ),
        }))
    return found


def _join_plain(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def assess(facts: Facts, audience: str) -> Assessment:
    """Apply the guidance rules to a patient's facts, worded for "patient" or "clinician"."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    flags = []
    for key, values in _findings(facts):
        w = _WORDING[key]
        text = w.patient if audience == "patient" else w.clinician
        flags.append(Flag(
            code=w.code,
            severity=w.severity,
            message=text.format(**_THRESHOLDS, **values),
            citation=cite(*w.sources, detail=w.detail),
        ))
    flags.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.code))
    return Assessment(flags=tuple(flags), next_dxa_due=next_dxa_due(facts.dxa_results))
