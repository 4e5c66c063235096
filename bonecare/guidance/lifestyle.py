"""Habits: smoking, alcohol over the care plan's limit, and exercise below its weekly targets."""

from bonecare.guidance import targets as t
from bonecare.guidance.facts import Facts, Finding
from bonecare.guidance.wording import PLAIN_KIND, join_plain


def _smoking(facts: Facts) -> list[Finding]:
    """SMOKER: a current smoker, or any cigarette logged in the window."""
    cigarettes, current = facts.cigarettes_last_30_days, facts.smoking_status == "current"
    if cigarettes <= t.CIGARETTES_MAX and not current:
        return []
    parts = ["status current"] if current else []
    if cigarettes > t.CIGARETTES_MAX:
        parts.append(f"{cigarettes} cigarettes logged in the last {t.ADHERENCE_WINDOW_DAYS} days")
    return [("SMOKER", {"smoking": "; ".join(parts)})]


def _alcohol(facts: Facts) -> list[Finding]:
    """ALCOHOL_OVER_LIMIT: a week over the care plan's drinks a week."""
    weeks = facts.alcohol_weeks_over_limit
    if weeks <= 0:
        return []
    return [
        (
            "ALCOHOL_OVER_LIMIT",
            {"weeks": weeks, "weeks_plain": "1 recent week" if weeks == 1 else f"{weeks} recent weeks"},
        )
    ]


def _exercise(facts: Facts) -> list[Finding]:
    """EXERCISE_INCOMPLETE: a kind below its target in more than half of the counted weeks."""
    counted = facts.exercise_weeks_counted
    below = facts.exercise_weeks_below_target
    short = sorted(kind for kind, weeks in below.items() if counted > 0 and weeks * 2 > counted)
    if not short:
        return []
    return [
        (
            "EXERCISE_INCOMPLETE",
            {
                "kinds_plain": join_plain([PLAIN_KIND.get(k, k) for k in short]),
                "kinds_detail": ", ".join(f"{k} {below[k]}/{counted} weeks" for k in short),
            },
        )
    ]


def findings(facts: Facts) -> list[Finding]:
    """Smoking, alcohol and exercise."""
    return _smoking(facts) + _alcohol(facts) + _exercise(facts)
