"""The bone-health assessment: plain facts in, cited flags out (the rules by topic, worded from flags.toml)."""

from bonecare.guidance import fracture_risk, intake, lifestyle, monitoring, treatments
from bonecare.guidance import targets as t
from bonecare.guidance.facts import SEVERITY_RANK, Assessment, Facts, Finding
from bonecare.guidance.wording import word


def findings(facts: Facts) -> list[Finding]:
    """Which texts of flags.toml apply, with the measured values they quote."""
    courses = treatments.current(facts)
    indicated = bool(fracture_risk.indication(facts.dxa_results, facts.today)[0])
    return [
        *monitoring.findings(facts, indicated=indicated),
        *fracture_risk.findings(facts, courses),
        *treatments.findings(facts, courses),
        *intake.findings(facts, facts.plan or t.care_plan_defaults()),
        *lifestyle.findings(facts),
    ]


def assess(facts: Facts, audience: str) -> Assessment:
    """Apply the guidance rules to a patient's facts, worded for "patient" or "clinician"."""
    flags = word(findings(facts), facts.plan or t.care_plan_defaults(), audience)
    flags.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.code))
    due = monitoring.next_dxa_due(facts.dxa_results) if monitoring.monitored(facts) else None
    return Assessment(flags=tuple(flags), next_dxa_due=due)
