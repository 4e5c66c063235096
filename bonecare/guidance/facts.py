"""What the rules read and what they give back, as plain frozen values."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

#: The bone-modifying agents a treatment record may name.
AGENTS = ("alendronate", "risedronate", "ibandronate", "zoledronic_acid", "denosumab", "other")

SEVERITY_RANK = {"info": 0, "warning": 1, "urgent": 2}

#: What a rule found: the key of its text in flags.toml, and the measured values the text quotes.
Finding = tuple[str, dict]


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

    def current_on(self, day: date) -> bool:
        """Whether the course had started and not yet stopped on that day."""
        return self.started_on <= day and (self.stopped_on is None or self.stopped_on > day)


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
