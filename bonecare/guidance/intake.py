"""Calcium and vitamin D: the vitamin D level, the daily targets met, and the upper limits passed."""

from collections.abc import Mapping

from bonecare.guidance import targets as t
from bonecare.guidance.facts import Facts, Finding
from bonecare.guidance.monitoring import is_old


def vitamin_d_text(facts: Facts) -> str:
    """The level in the laboratory's unit, then in the other one."""
    ng = facts.vitamin_d_ng_ml
    if facts.vitamin_d_unit == "nmol/L":
        return f"{t.nmol_l(ng):g} nmol/L, which is {ng:.0f} ng/mL"
    return f"{ng:g} ng/mL, which is {t.nmol_l(ng):.0f} nmol/L"


def _vitamin_d_level(facts: Facts) -> list[Finding]:
    """Unknown, old, deficient or severely deficient, quoted in both units."""
    level = facts.vitamin_d_ng_ml
    if level is None:
        return [("VITAMIN_D_UNKNOWN", {})]
    values = {"level": vitamin_d_text(facts)}
    day = facts.vitamin_d_measured_on
    if day is not None and is_old(day, facts.today):
        was_low = (
            f"; it was below {t.VITAMIN_D_DEFICIENT_NG_ML} ng/mL then" if level < t.VITAMIN_D_DEFICIENT_NG_ML else ""
        )
        return [("VITAMIN_D_OLD", {**values, "measured_on": day.isoformat(), "was_low": was_low})]
    if level < t.VITAMIN_D_SEVERE_NG_ML:
        return [("VITAMIN_D_DEFICIENT_SEVERE", values)]
    if level < t.VITAMIN_D_DEFICIENT_NG_ML:
        return [("VITAMIN_D_DEFICIENT", values)]
    return []


def _below(met: int, days: int) -> bool:
    """Whether met/days is under the adherence threshold, in exact integer arithmetic."""
    return days > 0 and met * 100 < t.ADHERENCE_MIN_PCT * days


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


def findings(facts: Facts, plan: Mapping) -> list[Finding]:
    """The vitamin D level, a daily target met too seldom, and days over an upper limit."""
    found = _vitamin_d_level(facts)
    for key, met, days in (
        ("LOW_CALCIUM_ADHERENCE", facts.calcium_days_met, facts.calcium_days),
        ("LOW_VITAMIN_D_ADHERENCE", facts.vitamin_d_days_met, facts.vitamin_d_days),
    ):
        if _below(met, days):
            found.append((key, {"met": met, "days": days, "pct": round(100 * met / days)}))
    if facts.calcium_days_over_limit > 0:
        over = _over_plan(plan, "ca", "calcium_mg", t.CALCIUM_UPPER_LIMIT_MG, "mg")
        found.append(("EXCESS_CALCIUM", {"count": facts.calcium_days_over_limit, **over}))
    if facts.vitamin_d_days_over_limit > 0:
        over = _over_plan(plan, "vd", "vitamin_d_iu", t.VITAMIN_D_UPPER_LIMIT_IU, "IU")
        found.append(("EXCESS_VITAMIN_D", {"count": facts.vitamin_d_days_over_limit, **over}))
    return found
