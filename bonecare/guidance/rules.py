"""The bone-health assessment: plain facts in, cited flags out (the rules by topic, worded from flags.toml)."""

from collections.abc import Mapping

from bonecare.guidance import fracture_risk, intake, lifestyle, monitoring, treatments
from bonecare.guidance import targets as t
from bonecare.guidance.facts import SEVERITY_RANK, Assessment, Facts, Finding
from bonecare.guidance.wording import word


def findings(facts: Facts, plan: Mapping) -> list[Finding]:
    """Which texts of flags.toml apply, with the measured values they quote."""
    courses = treatments.current(facts)
    reasons, frax = fracture_risk.indication(facts.dxa_results, facts.today)
    return [
        *monitoring.findings(facts, indicated=bool(reasons)),
        *fracture_risk.findings(facts, courses, reasons, frax),
        *treatments.findings(facts, courses),
        *intake.findings(facts, plan),
        *lifestyle.findings(facts),
    ]


def assess(facts: Facts, audience: str) -> Assessment:
    """Apply the guidance rules to a patient's facts, worded for "patient" or "clinician"."""
    plan = facts.plan or t.care_plan_defaults()
    flags = word(findings(facts, plan), plan, audience)
    flags.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.code))
    due = monitoring.next_dxa_due(facts.dxa_results) if monitoring.monitored(facts) else None
    return Assessment(flags=tuple(flags), next_dxa_due=due)
