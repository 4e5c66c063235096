"""The bone-health assessment as pure functions: plain facts in, cited flags out."""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from bonecare.guidance import targets as t
from bonecare.guidance.content import AUDIENCES
from bonecare.guidance.sources import cite

SEVERITY_RANK = {"info": 0, "warning": 1, "urgent": 2}

_SITES = {
    "lumbar_spine_t": "lumbar spine",
    "total_hip_t": "total hip",
    "femoral_neck_t": "femoral neck",
}
_HIP_SITES = ("total_hip_t", "femoral_neck_t")

#: The bone-modifying agents a treatment record may name.
AGENTS = ("alendronate", "risedronate", "ibandronate", "zoledronic_acid", "denosumab", "other")


@dataclass(frozen=True)
class DxaFacts:
    """One DXA result: its date, T-scores by site, FRAX probabilities and fractures."""

    performed_on: date
    lumbar_spine_t: float | None = None
    total_hip_t: float | None = None
    femoral_neck_t: float | None = None
    frax_major_pct: float | None = None
    frax_hip_pct: float | None = None
    vertebral_fractures: int | None = None
    frax_with_bmd: bool | None = None  # whether the FRAX figures used the femoral-neck BMD
    hip_fracture: bool | None = None  # a fragility hip fracture on record


@dataclass(frozen=True)
class TreatmentFacts:
    """One course of a bone-modifying agent."""

    agent: str
    started_on: date
    stopped_on: date | None = None
    last_dose_on: date | None = None
    dose_interval_days: int | None = None  # None: the agent's usual interval, if it has one


@dataclass(frozen=True)
class Facts:
    """Everything the assessment looks at for one patient, as plain values."""

    today: date  # the patient's local today
    dxa_results: tuple[DxaFacts, ...] = ()  # any order
    vitamin_d_ng_ml: float | None = None  # latest 25-OH vitamin D level, in ng/mL
    vitamin_d_unit: str = "ng/mL"  # the unit the laboratory reported it in
    vitamin_d_measured_on: date | None = None  # None: treated as current
    next_dxa_appointment: date | None = None  # earliest booked appointment on/after today
    smoking_status: str | None = None  # never/former/current
    treatments: tuple[TreatmentFacts, ...] = ()  # any order
    exemestane_started_on: date | None = None
    exemestane_stopped_on: date | None = None
    plan: Mapping | None = None  # the patient's care-plan targets; None: the guidance defaults
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


_DENOSUMAB_CLINICIAN = "Stopping denosumab without a follow-on agent causes rapid bone loss and vertebral fractures."
_DENOSUMAB_PATIENT = (
    "Stopping denosumab without a follow-on medicine causes rapid bone loss and vertebral fractures "
    "(broken bones in the spine)."
)
_DENOSUMAB = ("ects-2017-denosumab", "fda-labels")

# Key -> wording; the key is the flag code, except for a variant of one (severe vitamin D, say).
# Placeholders in the texts are filled from _THRESHOLDS, the care plan and the measured values.
_TABLE: tuple[tuple[str, _Wording], ...] = (
    (
        "BASELINE_DXA_MISSING",
        _Wording(
            "BASELINE_DXA_MISSING",
            "urgent",
            ("guidance", "asco-2019", "project"),
            "baseline assessment",
            "We have no bone density scan on record for you{since_start_plain}. Exemestane can thin your "
            "bones, so a scan is needed at the start of treatment. Please ask your care team to book one "
            "and to check your risk of a broken bone. If you already had a scan, ask them to add it.",
            "No baseline DXA on record{since_start}. Obtain central DXA of lumbar spine, total hip and "
            "femoral neck, with a clinical fracture-risk assessment (prior fractures, FRAX), before or at "
            "the start of exemestane.",
        ),
    ),
    (
        "BASELINE_DXA_INCOMPLETE",
        _Wording(
            "BASELINE_DXA_MISSING",
            "warning",
            ("guidance", "asco-2019"),
            "baseline assessment",
            "Your bone density scan on record does not show your {missing_plain}. A first scan should "
            "check both your spine and your hip. Please ask your care team about this.",
            "Baseline DXA incomplete: no {missing} T-score on record. A baseline needs the lumbar spine "
            "and the hip (total hip or femoral neck), with a clinical fracture-risk assessment.",
        ),
    ),
    (
        "DXA_OVERDUE",
        _Wording(
            "DXA_OVERDUE",
            "warning",
            ("guidance", "asco-2019"),
            "monitoring",
            "Your next bone density scan was due on {due}. Please ask your care team to book it, "
            "so any change in your bones is found early.",
            "Repeat DXA due {due} (last DXA {last}; every {dxa_years} years, after "
            "{dxa_near_years} year near threshold) and no appointment booked. Schedule repeat DXA.",
        ),
    ),
    (
        "VITAMIN_D_UNKNOWN",
        _Wording(
            "VITAMIN_D_UNKNOWN",
            "warning",
            ("guidance",),
            "baseline assessment",
            "We don't have a vitamin D blood test on record for you. Low vitamin D is common and "
            "weakens bones. Please ask your care team about this simple blood test.",
            "No 25-OH vitamin D level on record. Measure serum 25-OH vitamin D; deficiency is "
            "common in patients with breast cancer.",
        ),
    ),
    (
        "VITAMIN_D_OLD",
        _Wording(
            "VITAMIN_D_OLD",
            "warning",
            ("project", "guidance"),
            "",
            "Your last vitamin D blood test was on {measured_on}, more than {old_years} years ago "
            "({level}). Please ask your care team to check it again.",
            "Latest 25-OH vitamin D {level} dated {measured_on}, older than {old_years} years: not "
            "current{was_low}. Recheck the level.",
        ),
    ),
    (
        "VITAMIN_D_DEFICIENT",
        _Wording(
            "VITAMIN_D_DEFICIENT",
            "warning",
            ("guidance", "nih-ods-vitamin-d", "iom-2011"),
            "",
            "Your last vitamin D blood test was low ({level}). Your body needs vitamin D to "
            "use calcium and keep bones strong. Please ask your care team whether you need a "
            "higher vitamin D dose than the {vd_min} to {vd_max} IU a day in your plan.",
            "25-OH vitamin D {level}, below {vd_deficient} ng/mL ({vd_deficient_nmol} nmol/L): "
            "deficient. Consider repletion above the care plan's {vd_min}-{vd_max} IU/day and recheck.",
        ),
    ),
    (
        "VITAMIN_D_DEFICIENT_SEVERE",
        _Wording(
            "VITAMIN_D_DEFICIENT",
            "urgent",
            ("guidance", "nih-ods-vitamin-d", "iom-2011"),
            "",
            "Your last vitamin D blood test was very low ({level}). This can weaken your "
            "bones quickly. Please contact your care team soon about treatment with a higher dose.",
            "25-OH vitamin D {level}, below {vd_severe} ng/mL ({vd_severe_nmol} nmol/L): severe "
            "deficiency. Replete with higher-dose vitamin D and recheck the level; correct it before "
            "starting a bone-modifying agent (risk of hypocalcaemia).",
        ),
    ),
    (
        "BONE_AGENT_INDICATED",
        _Wording(
            "BONE_AGENT_INDICATED",
            "urgent",
            ("guidance", "asco-2019", "bhof-2022", "project"),
            "",
            "Your bone tests show that your bones are weak enough that a medicine to protect them "
            "is recommended. Calcium, vitamin D and exercise still matter, but alone they are not "
            "enough.",
            "Bone-modifying agent indicated ({reasons}; thresholds: T-score <= {t_treat}, FRAX "
            "major >= {frax_major} %, FRAX hip >= {frax_hip} %, or a fragility fracture). The "
            "indication stands: a better T-score later does not clear it. Consider an oral "
            "bisphosphonate (alendronate, risedronate), IV zoledronic acid, or denosumab at "
            "osteoporosis dosing.{frax_caveat} " + _DENOSUMAB_CLINICIAN,
        ),
    ),
    (
        "BONE_AGENT_INDICATED_TREATED",
        _Wording(
            "BONE_AGENT_INDICATED",
            "info",
            ("guidance", "asco-2019", "bhof-2022", "project"),
            "",
            "Your bone tests show that your bones need a medicine to protect them, and you take one. "
            "Keep taking it. A better scan means it is working, not that you can stop.",
            "Bone-modifying agent indicated ({reasons}) and on treatment ({agents}). A better T-score "
            "on treatment does not clear the indication: continue therapy.{frax_caveat}",
        ),
    ),
    (
        "BONE_AGENT_NOT_STARTED",
        _Wording(
            "BONE_AGENT_NOT_STARTED",
            "urgent",
            ("guidance", "asco-2019"),
            "",
            "We have no bone medicine on record for you, though your bone tests show you need one. "
            "Please ask your care team about starting one soon.",
            "Indication without a current bone-modifying agent on record{last_agent}. Start one, or "
            "record the treatment the patient is on.",
        ),
    ),
    (
        "PRE_TREATMENT_CHECKS",
        _Wording(
            "PRE_TREATMENT_CHECKS",
            "warning",
            ("aaoms-2022", "fda-labels", "asco-2019", "ects-2017-denosumab"),
            "",
            "Before you start a bone medicine, your care team will check a few things: your teeth "
            "(see a dentist first if you can), your kidneys, with a blood test, and your calcium and "
            "vitamin D. Tell them about any tooth or gum problem.",
            "Before starting: dental review for osteonecrosis of the jaw risk (finish invasive dental "
            "work first); eGFR before an oral bisphosphonate or zoledronic acid (alendronate and "
            "zoledronic acid not below 35 mL/min, risedronate and ibandronate not below 30); correct "
            "low calcium and vitamin D before denosumab or zoledronic acid (hypocalcaemia). "
            "{vitamin_d_now} " + _DENOSUMAB_CLINICIAN,
        ),
    ),
    (
        "ON_BONE_AGENT",
        _Wording(
            "ON_BONE_AGENT",
            "info",
            ("guidance", "asco-2019"),
            "",
            "Your record shows you take {agents_plain}. Keep taking it as prescribed, along with "
            "calcium, vitamin D and exercise.",
            "On {agents} (since {since}). Continue calcium, vitamin D and exercise alongside; continue DXA monitoring.",
        ),
    ),
    (
        "ON_BONE_AGENT_DENOSUMAB",
        _Wording(
            "ON_BONE_AGENT",
            "info",
            ("guidance", "asco-2019", *_DENOSUMAB),
            "",
            "Your record shows you take {agents_plain}. Your next denosumab shot is due on {next_due}. "
            "Do not stop it on your own. " + _DENOSUMAB_PATIENT,
            "On {agents} (since {since}; denosumab last dose {last}, next due {next_due}). "
            + _DENOSUMAB_CLINICIAN
            + " Plan a follow-on bisphosphonate before any stop.",
        ),
    ),
    (
        "DENOSUMAB_DOSE_DUE",
        _Wording(
            "DENOSUMAB_DOSE_DUE",
            "warning",
            ("project", *_DENOSUMAB),
            "",
            "Your next denosumab shot was due on {next_due}. Please book it now. " + _DENOSUMAB_PATIENT,
            "Denosumab dose due {next_due} (last dose {last}, every {interval} days); late from "
            "{late_on}. Give the next dose. " + _DENOSUMAB_CLINICIAN,
        ),
    ),
    (
        "DENOSUMAB_DOSE_LATE",
        _Wording(
            "DENOSUMAB_DOSE_LATE",
            "urgent",
            ("project", *_DENOSUMAB),
            "",
            "Your denosumab shot is late: it was due on {next_due}. Please contact your care team "
            "today to get it. " + _DENOSUMAB_PATIENT,
            "Denosumab dose more than {late_days} days late (due {next_due}, last dose {last}): risk "
            "of rebound bone loss and vertebral fractures. Give it now, or start a follow-on "
            "bisphosphonate. " + _DENOSUMAB_CLINICIAN,
        ),
    ),
    (
        "DENOSUMAB_STOPPED",
        _Wording(
            "DENOSUMAB_STOPPED",
            "urgent",
            _DENOSUMAB,
            "",
            "Your record shows your denosumab was stopped on {stopped}, with no other bone medicine "
            "after it. " + _DENOSUMAB_PATIENT + " Please contact your care team soon.",
            "Denosumab stopped {stopped} (last dose {last}) with no follow-on agent recorded. "
            + _DENOSUMAB_CLINICIAN
            + " Start a bisphosphonate (zoledronic acid is usual) about 6 "
            "months after the last dose.",
        ),
    ),
    (
        "SEVERE_OSTEOPOROSIS",
        _Wording(
            "SEVERE_OSTEOPOROSIS",
            "urgent",
            ("guidance", "asco-2019"),
            "",
            "Your bone tests show very weak bones. This may change which breast cancer "
            "medicine is safest for you, or mean you need strong bone protection alongside it. "
            "Please talk with your care team soon, and don't stop any medicine on your own.",
            "Severe osteoporosis ({reasons}): relative contraindication to exemestane. Consider "
            "tamoxifen or raloxifene if appropriate for the indication, or aggressive concurrent "
            "bone protection (bisphosphonate or denosumab). " + _DENOSUMAB_CLINICIAN,
        ),
    ),
    (
        "NEAR_THRESHOLD",
        _Wording(
            "NEAR_THRESHOLD",
            "info",
            ("project", "guidance", "asco-2019"),
            "",
            "Your bones are thinner than ideal. Ask your care team whether a bone medicine is right "
            "for you; if you take one, keep taking it. Your next bone density scan should be after "
            "{dxa_near_years} year instead of {dxa_years}, so any change is caught early.",
            "Lowest current T-score {lowest_t} ({site}) is near the treatment threshold ({t_treat} < "
            "T <= {t_near}). Moderate bone loss: consider a concurrent bone-protective agent. Repeat "
            "DXA after {dxa_near_years} year (due {due}).",
        ),
    ),
    (
        "LOW_CALCIUM_ADHERENCE",
        _Wording(
            "LOW_CALCIUM_ADHERENCE",
            "warning",
            ("project", "guidance", "asco-2019"),
            "rec. 3.1",
            "You reached your calcium goal of {ca_min} mg a day on {met} of the last {days} days. Try "
            "spreading calcium-rich foods or supplements through the day, and ask your care team "
            "if something makes it hard.",
            "Calcium target ({ca_min}-{ca_max} mg/day) met on {met} of {days} counted days ({pct} %) "
            "in the last {window} days, below {adh_pct} %. Review intake and barriers.",
        ),
    ),
    (
        "LOW_VITAMIN_D_ADHERENCE",
        _Wording(
            "LOW_VITAMIN_D_ADHERENCE",
            "warning",
            ("project", "guidance", "asco-2019"),
            "rec. 3.1",
            "You reached your vitamin D goal of {vd_min} IU a day on {met} of the last {days} days. "
            "Taking it at the same time each day can help. Ask your care team if something makes it "
            "hard.",
            "Vitamin D target ({vd_min}-{vd_max} IU/day) met on {met} of {days} counted days ({pct} %) "
            "in the last {window} days, below {adh_pct} %. Review supplementation and barriers.",
        ),
    ),
    (
        "EXCESS_CALCIUM",
        _Wording(
            "EXCESS_CALCIUM",
            "warning",
            ("nih-ods-calcium", "iom-2011"),
            "",
            "On {count} of the last {window} days you took in more calcium than is safe "
            "({ca_ul} mg in a day). Too much can cause kidney stones. Please check your doses, "
            "and ask your care team if you are unsure.{ca_plan_plain}",
            "Calcium intake above the tolerable upper limit ({ca_ul} mg/day) on {count} day(s) in "
            "the last {window} days. Review supplement dosing (risk of hypercalcaemia and "
            "nephrolithiasis).{ca_plan}",
        ),
    ),
    (
        "EXCESS_VITAMIN_D",
        _Wording(
            "EXCESS_VITAMIN_D",
            "warning",
            ("iom-2011", "nih-ods-vitamin-d"),
            "",
            "On {count} of the last {window} days you took more vitamin D than is safe for "
            "everyday use ({vd_ul} IU in a day). Please check your doses, unless your care team "
            "prescribed a higher dose for you.{vd_plan_plain}",
            "Vitamin D intake above the tolerable upper limit ({vd_ul} IU/day) on {count} day(s) in "
            "the last {window} days. Confirm whether a repletion dose was prescribed; otherwise "
            "review dosing.{vd_plan}",
        ),
    ),
    (
        "SMOKER",
        _Wording(
            "SMOKER",
            "warning",
            ("guidance", "asco-2019"),
            "rec. 3.3",
            "Smoking weakens bones and makes them slower to heal. Quitting helps at any age. "
            "Your care team can help you find support to stop.",
            "Current smoker ({smoking}). Smoking is a fracture risk factor: advise cessation and "
            "offer cessation support.",
        ),
    ),
    (
        "ALCOHOL_OVER_LIMIT",
        _Wording(
            "ALCOHOL_OVER_LIMIT",
            "warning",
            ("guidance", "us-dga-2020", "frax"),
            "",
            "In {weeks_plain} you had more than the {alc_week} drinks a week in your plan. Drinking "
            "less helps protect your bones and lowers the chance of falls. Your care team can help.",
            "Alcohol above the care-plan limit ({alc_week} drinks/week) in {weeks} week(s) of the "
            "last {window} days. Advise limitation; FRAX counts >= {frax_alc} units/day as a risk "
            "factor.",
        ),
    ),
    (
        "EXERCISE_INCOMPLETE",
        _Wording(
            "EXERCISE_INCOMPLETE",
            "info",
            ("project", "guidance", "too-fit-2014", "osteoporosis-canada"),
            "",
            "In most recent weeks you did less {kinds_plain} exercise than your plan. Regular "
            "exercise keeps bones and muscles strong and helps prevent falls. Small steps count.",
            "Exercise below weekly target in most of the last {ex_weeks} weeks: {kinds_detail}. "
            "Targets a week (care plan): {ex_targets}.",
        ),
    ),
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

_PLAIN_AGENT = {
    "alendronate": "alendronate (a bone medicine taken by mouth)",
    "risedronate": "risedronate (a bone medicine taken by mouth)",
    "ibandronate": "ibandronate (a bone medicine)",
    "zoledronic_acid": "zoledronic acid (a bone medicine given by drip)",
    "denosumab": "denosumab (a bone medicine given as a shot)",
    "other": "a bone medicine",
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
    "vd_deficient_nmol": f"{t.nmol_l(t.VITAMIN_D_DEFICIENT_NG_ML):.0f}",
    "vd_severe": t.VITAMIN_D_SEVERE_NG_ML,
    "vd_severe_nmol": f"{t.nmol_l(t.VITAMIN_D_SEVERE_NG_ML):.0f}",
    "vd_ul": t.VITAMIN_D_UPPER_LIMIT_IU,
    "ca_ul": t.CALCIUM_UPPER_LIMIT_MG,
    "adh_pct": t.ADHERENCE_MIN_PCT,
    "window": t.ADHERENCE_WINDOW_DAYS,
    "frax_alc": t.FRAX_ALCOHOL_RISK_UNITS_PER_DAY,
    "dxa_years": t.DXA_INTERVAL_YEARS,
    "dxa_near_years": t.DXA_INTERVAL_NEAR_THRESHOLD_YEARS,
    "ex_weeks": t.EXERCISE_WINDOW_WEEKS,
    "old_years": t.RECORD_OLD_AFTER_YEARS,
    "late_days": t.DENOSUMAB_LATE_AFTER_DAYS,
}


def _plan_values(plan: Mapping) -> dict:
    """The patient's own targets, as her messages quote them."""
    ex_targets = ", ".join(
        " and ".join(f"{kind} >= {n} {unit}" for unit, n in sorted(target.items()))
        for kind, target in sorted(plan["exercise_weekly"].items())
        if target
    )
    return {
        "ca_min": plan["calcium_mg_min"],
        "ca_max": plan["calcium_mg_max"],
        "vd_min": plan["vitamin_d_iu_min"],
        "vd_max": plan["vitamin_d_iu_max"],
        "alc_week": f"{plan['alcohol_drinks_per_week_max']:g}",
        "ex_targets": ex_targets,
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


def current_t_scores(results: Iterable[DxaFacts]) -> dict[str, float]:
    """Each site's latest T-score (the worst, if several that day): a hip-only scan keeps the spine's."""
    latest: dict[str, tuple[date, float]] = {}
    for r in results:
        for f in _SITES:
            value = getattr(r, f)
            if value is None:
                continue
            seen = latest.get(f)
            if seen is None or r.performed_on > seen[0] or (r.performed_on == seen[0] and value < seen[1]):
                latest[f] = (r.performed_on, value)
    return {f: value for f, (_, value) in latest.items()}


def current_lowest_t(results: Iterable[DxaFacts]) -> tuple[float, str] | None:
    """The lowest of each site's latest T-score, and its site, or None without any T-score."""
    scores = [(value, _SITES[f]) for f, value in current_t_scores(results).items()]
    return min(scores) if scores else None


def _is_near_threshold(lowest: float | None) -> bool:
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
    years = t.DXA_INTERVAL_NEAR_THRESHOLD_YEARS if _is_near_threshold(low[0] if low else None) else t.DXA_INTERVAL_YEARS
    return add_months(last, 12 * years)


def earliest_repeat_dxa(results: Iterable[DxaFacts]) -> date | None:
    """The first date a repeat DXA may be booked without a stated reason (latest + 12 months)."""
    dates = [r.performed_on for r in results]
    return add_months(max(dates), t.DXA_MIN_INTERVAL_MONTHS) if dates else None


def _is_old(day: date, today: date) -> bool:
    """Whether a lab or FRAX of that day is too old to be shown as current."""
    return day < add_months(today, -12 * t.RECORD_OLD_AFTER_YEARS)


def _indication(results: tuple[DxaFacts, ...], today: date) -> tuple[list[str], bool]:
    """Why a bone-modifying agent is indicated, from every result ever (an indication outlives the
    number that raised it), and whether FRAX is among the reasons."""
    reasons: list[str] = []
    lows = [(lo, r.performed_on) for r in results if (lo := lowest_t_score(r))]
    treat = [(lo, day) for lo, day in lows if lo[0] <= t.T_SCORE_TREATMENT]
    if treat:
        (value, site), day = min(treat)
        reasons.append(f"T-score {_num(value)} at {site} on {day}")
    frax = False
    for attr, threshold, label in (
        ("frax_major_pct", t.FRAX_MAJOR_PCT, "FRAX major osteoporotic"),
        ("frax_hip_pct", t.FRAX_HIP_PCT, "FRAX hip"),
    ):
        over = [r for r in results if getattr(r, attr) is not None and getattr(r, attr) >= threshold]
        if over:
            r = max(over, key=lambda r: r.performed_on)
            notes = [str(r.performed_on)]
            if _is_old(r.performed_on, today):
                notes.append(f"older than {t.RECORD_OLD_AFTER_YEARS} years")
            if r.frax_with_bmd is False:
                notes.append("without BMD")
            reasons.append(f"{label} {getattr(r, attr):g} % ({', '.join(notes)})")
            frax = True
    vertebral = max((r.vertebral_fractures for r in results if r.vertebral_fractures is not None), default=0)
    if vertebral >= t.VERTEBRAL_FRACTURES_INDICATION_MIN:
        reasons.append(f"{vertebral} vertebral fracture{'s' if vertebral > 1 else ''} on record")
    if any(r.hip_fracture for r in results):
        reasons.append("hip fracture on record")
    return reasons, frax


def _severe(results: tuple[DxaFacts, ...]) -> list[str]:
    """Why osteoporosis is severe: any T-score ever below -4, or the highest vertebral count above 2."""
    reasons = []
    lows = [(lo, r.performed_on) for r in results if (lo := lowest_t_score(r)) and lo[0] < t.T_SCORE_SEVERE]
    if lows:
        (value, site), day = min(lows)
        reasons.append(f"T-score {_num(value)} at {site} on {day}")
    vertebral = max((r.vertebral_fractures for r in results if r.vertebral_fractures is not None), default=0)
    if vertebral > t.VERTEBRAL_FRACTURES_SEVERE_ABOVE:
        reasons.append(f"{vertebral} vertebral fractures (highest count on record)")
    return reasons


def _is_current(tr: TreatmentFacts, today: date) -> bool:
    return tr.started_on <= today and (tr.stopped_on is None or tr.stopped_on > today)


def _last_dose(tr: TreatmentFacts) -> date:
    return tr.last_dose_on or tr.started_on


def _interval(tr: TreatmentFacts) -> int | None:
    return tr.dose_interval_days or t.DOSE_INTERVAL_DAYS.get(tr.agent)


def _agents(treatments: list[TreatmentFacts], plain: bool) -> str:
    names = [_PLAIN_AGENT[tr.agent] if plain else tr.agent.replace("_", " ") for tr in treatments]
    return _join_plain(names)


def _vitamin_d_text(facts: Facts) -> str:
    """The level in the laboratory's unit, then in the other one."""
    ng = facts.vitamin_d_ng_ml
    if facts.vitamin_d_unit == "nmol/L":
        return f"{t.nmol_l(ng):g} nmol/L, which is {ng:.0f} ng/mL"
    return f"{ng:g} ng/mL, which is {t.nmol_l(ng):.0f} nmol/L"


def _baseline(facts: Facts) -> tuple[str, dict] | None:
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


def _bone_findings(facts: Facts, monitoring: bool) -> list[tuple[str, dict]]:
    """Baseline, monitoring, indication, treatment and severity."""
    found: list[tuple[str, dict]] = []
    results = tuple(facts.dxa_results)
    today = facts.today
    baseline = _baseline(facts) if monitoring else None
    if baseline:
        found.append(baseline)
    due = next_dxa_due(results)
    # without a baseline, the baseline is what is due: one flag, not two
    no_baseline = baseline is not None and baseline[0] == "BASELINE_DXA_MISSING"
    if monitoring and not no_baseline and results and due <= today and facts.next_dxa_appointment is None:
        last = max(r.performed_on for r in results)
        found.append(("DXA_OVERDUE", {"due": due.isoformat(), "last": last.isoformat()}))

    current = sorted((tr for tr in facts.treatments if _is_current(tr, today)), key=lambda tr: tr.started_on)
    reasons, frax = _indication(results, today)
    frax_caveat = (
        " FRAX is not validated in cancer survivors and may underestimate risk on aromatase inhibitors; "
        "use the country's adaptation (US FRAX in the US) and note whether BMD was entered."
        if frax
        else ""
    )
    if reasons and current:
        found.append(
            (
                "BONE_AGENT_INDICATED_TREATED",
                {
                    "reasons": "; ".join(reasons),
                    "agents": _agents(current, plain=False),
                    "frax_caveat": frax_caveat,
                },
            )
        )
    elif reasons:
        found.append(("BONE_AGENT_INDICATED", {"reasons": "; ".join(reasons), "frax_caveat": frax_caveat}))
        past = sorted((tr for tr in facts.treatments if tr.stopped_on), key=lambda tr: tr.stopped_on)
        found.append(
            (
                "BONE_AGENT_NOT_STARTED",
                {
                    "last_agent": f" (last: {past[-1].agent.replace('_', ' ')}, stopped {past[-1].stopped_on})"
                    if past
                    else "",
                },
            )
        )
        level = facts.vitamin_d_ng_ml
        found.append(
            (
                "PRE_TREATMENT_CHECKS",
                {
                    "vitamin_d_now": f"Latest 25-OH vitamin D: {_vitamin_d_text(facts)}."
                    if level is not None
                    else "No 25-OH vitamin D on record: measure it first.",
                },
            )
        )

    found += _denosumab_findings(facts, current)

    severe = _severe(results)
    if severe:
        found.append(("SEVERE_OSTEOPOROSIS", {"reasons": "; ".join(severe)}))

    low = current_lowest_t(results)
    if monitoring and not reasons and low is not None and _is_near_threshold(low[0]):
        found.append(("NEAR_THRESHOLD", {"lowest_t": _num(low[0]), "site": low[1], "due": due.isoformat()}))
    return found


def _denosumab_findings(facts: Facts, current: list[TreatmentFacts]) -> list[tuple[str, dict]]:
    """ON_BONE_AGENT, the denosumab dose due or late, and a denosumab stopped with nothing after it."""
    today = facts.today
    found: list[tuple[str, dict]] = []
    dmab = [tr for tr in current if tr.agent == "denosumab"]
    values = (
        {
            "agents": _agents(current, plain=False),
            "agents_plain": _agents(current, plain=True),
            "since": min(tr.started_on for tr in current).isoformat(),
        }
        if current
        else {}
    )
    if dmab:
        course = max(dmab, key=_last_dose)
        last = _last_dose(course)
        next_due = last + timedelta(days=_interval(course))
        late_on = next_due + timedelta(days=t.DENOSUMAB_LATE_AFTER_DAYS)
        values |= {
            "last": last.isoformat(),
            "next_due": next_due.isoformat(),
            "late_on": late_on.isoformat(),
            "interval": _interval(course),
        }
        found.append(("ON_BONE_AGENT_DENOSUMAB", values))
        if today >= late_on:
            found.append(("DENOSUMAB_DOSE_LATE", values))
        elif today >= next_due:
            found.append(("DENOSUMAB_DOSE_DUE", values))
    elif current:
        found.append(("ON_BONE_AGENT", values))
    stopped = [tr for tr in facts.treatments if tr.agent == "denosumab" and tr.stopped_on and tr.stopped_on <= today]
    if stopped and not dmab:
        course = max(stopped, key=_last_dose)
        follow_on = any(
            tr.agent != "denosumab" and tr.started_on >= _last_dose(course) and tr.started_on <= today
            for tr in facts.treatments
        )
        if not follow_on:
            found.append(
                (
                    "DENOSUMAB_STOPPED",
                    {"stopped": course.stopped_on.isoformat(), "last": _last_dose(course).isoformat()},
                )
            )
    return found


def _monitoring(facts: Facts) -> bool:
    """DXA monitoring runs for the course of exemestane, and beyond it while on a bone agent."""
    stopped = facts.exemestane_stopped_on is not None and facts.exemestane_stopped_on <= facts.today
    return not stopped or any(_is_current(tr, facts.today) for tr in facts.treatments)


def _below(met: int, days: int) -> bool:
    """Whether met/days is under the adherence threshold, in exact integer arithmetic."""
    return days > 0 and met * 100 < t.ADHERENCE_MIN_PCT * days


def _vitamin_d_findings(facts: Facts) -> list[tuple[str, dict]]:
    """Unknown, old, deficient or severely deficient, quoted in both units."""
    level = facts.vitamin_d_ng_ml
    if level is None:
        return [("VITAMIN_D_UNKNOWN", {})]
    values = {"level": _vitamin_d_text(facts)}
    day = facts.vitamin_d_measured_on
    if day is not None and _is_old(day, facts.today):
        was_low = (
            f"; it was below {t.VITAMIN_D_DEFICIENT_NG_ML} ng/mL then" if level < t.VITAMIN_D_DEFICIENT_NG_ML else ""
        )
        return [("VITAMIN_D_OLD", {**values, "measured_on": day.isoformat(), "was_low": was_low})]
    if level < t.VITAMIN_D_SEVERE_NG_ML:
        return [("VITAMIN_D_DEFICIENT_SEVERE", values)]
    if level < t.VITAMIN_D_DEFICIENT_NG_ML:
        return [("VITAMIN_D_DEFICIENT", values)]
    return []


def _over_plan(plan: Mapping, key: str, what: str, limit: int, unit: str) -> dict:
    """When the care plan allows more than the upper limit (with a stated reason), the messages say so."""
    allowed = plan[f"{what}_max"]
    if allowed <= limit:
        return {f"{key}_plan": "", f"{key}_plan_plain": ""}
    reason = plan.get("ceiling_reason") or "no reason stated"
    return {
        f"{key}_plan": f" The care plan allows up to {allowed} {unit}/day ({reason}).",
        f"{key}_plan_plain": f" Your care plan allows up to {allowed} {unit} a day.",
    }


def _findings(facts: Facts) -> list[tuple[str, dict]]:
    """Which table entries apply, with the measured values their texts need."""
    plan = facts.plan or t.care_plan_defaults()
    found = _bone_findings(facts, monitoring=_monitoring(facts))
    found += _vitamin_d_findings(facts)

    for key, met, days in (
        ("LOW_CALCIUM_ADHERENCE", facts.calcium_days_met, facts.calcium_days),
        ("LOW_VITAMIN_D_ADHERENCE", facts.vitamin_d_days_met, facts.vitamin_d_days),
    ):
        if _below(met, days):
            found.append((key, {"met": met, "days": days, "pct": round(100 * met / days)}))
    if facts.calcium_days_over_limit > 0:
        found.append(
            (
                "EXCESS_CALCIUM",
                {
                    "count": facts.calcium_days_over_limit,
                    **_over_plan(plan, "ca", "calcium_mg", t.CALCIUM_UPPER_LIMIT_MG, "mg"),
                },
            )
        )
    if facts.vitamin_d_days_over_limit > 0:
        found.append(
            (
                "EXCESS_VITAMIN_D",
                {
                    "count": facts.vitamin_d_days_over_limit,
                    **_over_plan(plan, "vd", "vitamin_d_iu", t.VITAMIN_D_UPPER_LIMIT_IU, "IU"),
                },
            )
        )

    if facts.cigarettes_last_30_days > t.CIGARETTES_MAX or facts.smoking_status == "current":
        parts = []
        if facts.smoking_status == "current":
            parts.append("status current")
        if facts.cigarettes_last_30_days > t.CIGARETTES_MAX:
            parts.append(
                f"{facts.cigarettes_last_30_days} cigarettes logged in the last {t.ADHERENCE_WINDOW_DAYS} days"
            )
        found.append(("SMOKER", {"smoking": "; ".join(parts)}))

    if facts.alcohol_weeks_over_limit > 0:
        weeks = facts.alcohol_weeks_over_limit
        found.append(
            (
                "ALCOHOL_OVER_LIMIT",
                {
                    "weeks": weeks,
                    "weeks_plain": "1 recent week" if weeks == 1 else f"{weeks} recent weeks",
                },
            )
        )

    counted = facts.exercise_weeks_counted
    short = sorted(
        kind for kind, below in facts.exercise_weeks_below_target.items() if counted > 0 and below * 2 > counted
    )
    if short:
        found.append(
            (
                "EXERCISE_INCOMPLETE",
                {
                    "kinds_plain": _join_plain([_PLAIN_KIND.get(k, k) for k in short]),
                    "kinds_detail": ", ".join(
                        f"{k} {facts.exercise_weeks_below_target[k]}/{counted} weeks" for k in short
                    ),
                },
            )
        )
    return found


def _join_plain(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def assess(facts: Facts, audience: str) -> Assessment:
    """Apply the guidance rules to a patient's facts, worded for "patient" or "clinician"."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    plan_values = _plan_values(facts.plan or t.care_plan_defaults())
    flags = []
    for key, values in _findings(facts):
        w = _WORDING[key]
        text = (w.patient if audience == "patient" else w.clinician).format(**_THRESHOLDS, **plan_values, **values)
        if "denosumab" in text.lower() and "stopping denosumab without" not in text.lower():
            # wherever denosumab appears, so does the danger of stopping it
            text += " " + (_DENOSUMAB_PATIENT if audience == "patient" else _DENOSUMAB_CLINICIAN)
        flags.append(
            Flag(
                code=w.code,
                severity=w.severity,
                message=text,
                citation=cite(*w.sources, detail=w.detail),
            )
        )
    flags.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.code))
    return Assessment(flags=tuple(flags), next_dxa_due=next_dxa_due(facts.dxa_results) if _monitoring(facts) else None)
