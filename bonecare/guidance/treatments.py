"""Bone-modifying treatment: the courses current today, and the denosumab doses due, late or stopped."""

from datetime import date, timedelta

from bonecare.guidance import targets as t
from bonecare.guidance.facts import Facts, Finding, TreatmentFacts
from bonecare.guidance.wording import PLAIN_AGENT, join_plain


def current(facts: Facts) -> list[TreatmentFacts]:
    """The courses running today, earliest start first."""
    return sorted((tr for tr in facts.treatments if tr.current_on(facts.today)), key=lambda tr: tr.started_on)


def agent_names(treatments: list[TreatmentFacts], plain: bool) -> str:
    """The agents as one phrase: in plain words for the patient, by name for the clinician."""
    names = [PLAIN_AGENT[tr.agent] if plain else tr.agent.replace("_", " ") for tr in treatments]
    return join_plain(names)


def _last_dose(tr: TreatmentFacts) -> date:
    return tr.last_dose_on or tr.started_on


def _interval(tr: TreatmentFacts) -> int | None:
    return tr.dose_interval_days or t.DOSE_INTERVAL_DAYS.get(tr.agent)


def findings(facts: Facts, courses: list[TreatmentFacts]) -> list[Finding]:
    """ON_BONE_AGENT, the denosumab dose due or late, and a denosumab stopped with nothing after it."""
    today = facts.today
    found: list[Finding] = []
    dmab = [tr for tr in courses if tr.agent == "denosumab"]
    values = (
        {
            "agents": agent_names(courses, plain=False),
            "agents_plain": agent_names(courses, plain=True),
            "since": min(tr.started_on for tr in courses).isoformat(),
        }
        if courses
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
    elif courses:
        found.append(("ON_BONE_AGENT", values))
    stopped = _denosumab_stopped(facts) if not dmab else None
    return found + ([stopped] if stopped else [])


def _denosumab_stopped(facts: Facts) -> Finding | None:
    """DENOSUMAB_STOPPED: the latest stopped course of denosumab, with no other agent started after its last dose."""
    today = facts.today
    stopped = [tr for tr in facts.treatments if tr.agent == "denosumab" and tr.stopped_on and tr.stopped_on <= today]
    if not stopped:
        return None
    course = max(stopped, key=_last_dose)
    follow_on = any(
        tr.agent != "denosumab" and tr.started_on >= _last_dose(course) and tr.started_on <= today
        for tr in facts.treatments
    )
    if follow_on:
        return None
    return "DENOSUMAB_STOPPED", {"stopped": course.stopped_on.isoformat(), "last": _last_dose(course).isoformat()}
