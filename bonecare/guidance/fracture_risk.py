"""Fracture risk: when a bone-modifying agent is indicated, the checks before starting one, severe osteoporosis."""

from datetime import date

from bonecare.guidance import targets as t
from bonecare.guidance.facts import DxaFacts, Facts, Finding, TreatmentFacts
from bonecare.guidance.intake import vitamin_d_text
from bonecare.guidance.monitoring import is_old, lowest_t_score
from bonecare.guidance.treatments import agent_names
from bonecare.guidance.wording import FRAX_CAVEAT, num


def _most_vertebral_fractures(results: tuple[DxaFacts, ...]) -> int:
    return max((r.vertebral_fractures for r in results if r.vertebral_fractures is not None), default=0)


def indication(results: tuple[DxaFacts, ...], today: date) -> tuple[list[str], bool]:
    """Why a bone-modifying agent is indicated, from every result ever (an indication outlives the
    number that raised it), and whether FRAX is among the reasons."""
    reasons: list[str] = []
    lows = [(lo, r.performed_on) for r in results if (lo := lowest_t_score(r))]
    treat = [(lo, day) for lo, day in lows if lo[0] <= t.T_SCORE_TREATMENT]
    if treat:
        (value, site), day = min(treat)
        reasons.append(f"T-score {num(value)} at {site} on {day}")
    frax = False
    for attr, threshold, label in (
        ("frax_major_pct", t.FRAX_MAJOR_PCT, "FRAX major osteoporotic"),
        ("frax_hip_pct", t.FRAX_HIP_PCT, "FRAX hip"),
    ):
        over = [r for r in results if getattr(r, attr) is not None and getattr(r, attr) >= threshold]
        if over:
            r = max(over, key=lambda r: r.performed_on)
            notes = [str(r.performed_on)]
            if is_old(r.performed_on, today):
                notes.append(f"older than {t.RECORD_OLD_AFTER_YEARS} years")
            if r.frax_with_bmd is False:
                notes.append("without BMD")
            reasons.append(f"{label} {getattr(r, attr):g} % ({', '.join(notes)})")
            frax = True
    vertebral = _most_vertebral_fractures(results)
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
        reasons.append(f"T-score {num(value)} at {site} on {day}")
    vertebral = _most_vertebral_fractures(results)
    if vertebral > t.VERTEBRAL_FRACTURES_SEVERE_ABOVE:
        reasons.append(f"{vertebral} vertebral fractures (highest count on record)")
    return reasons


def _untreated(facts: Facts, because: dict) -> list[Finding]:
    """An indication without a current agent: the indication, no agent started, and the checks before one."""
    past = sorted((tr for tr in facts.treatments if tr.stopped_on), key=lambda tr: tr.stopped_on)
    last_agent = f" (last: {past[-1].agent.replace('_', ' ')}, stopped {past[-1].stopped_on})" if past else ""
    vitamin_d_now = (
        f"Latest 25-OH vitamin D: {vitamin_d_text(facts)}."
        if facts.vitamin_d_ng_ml is not None
        else "No 25-OH vitamin D on record: measure it first."
    )
    return [
        ("BONE_AGENT_INDICATED", because),
        ("BONE_AGENT_NOT_STARTED", {"last_agent": last_agent}),
        ("PRE_TREATMENT_CHECKS", {"vitamin_d_now": vitamin_d_now}),
    ]


def findings(facts: Facts, courses: list[TreatmentFacts], reasons: list[str], frax: bool) -> list[Finding]:
    """BONE_AGENT_INDICATED for these reasons (on treatment or not, with what follows when not), SEVERE_OSTEOPOROSIS."""
    found: list[Finding] = []
    if reasons:
        because = {"reasons": "; ".join(reasons), "frax_caveat": f" {FRAX_CAVEAT}" if frax else ""}
        if courses:
            found.append(("BONE_AGENT_INDICATED_TREATED", {**because, "agents": agent_names(courses, plain=False)}))
        else:
            found += _untreated(facts, because)
    severe = _severe(facts.dxa_results)
    if severe:
        found.append(("SEVERE_OSTEOPOROSIS", {"reasons": "; ".join(severe)}))
    return found
