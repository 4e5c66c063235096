"""The clinical-safety cases of issue 10, driving `assess`: for each, every flag with its severity, the wording
both audiences read, and never a patient message that says medicine is not needed while an indication stands."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from bonecare.guidance import targets as t
from bonecare.guidance.facts import DxaFacts, Facts, TreatmentFacts
from bonecare.guidance.rules import assess
from bonecare.guidance.wording import WORDING
from tests.guidance.test_education import MAX_PATIENT_GRADE, reading_grade

TODAY = date(2025, 1, 15)
RECENT = date(2024, 6, 1)
FULL = {"lumbar_spine_t": -1.5, "total_hip_t": -1.0, "femoral_neck_t": -1.2}
OSTEOPOROSIS = (DxaFacts(RECENT, lumbar_spine_t=-2.7, total_hip_t=-1.5),)


def denosumab(last_dose_on: date, **kw) -> tuple[TreatmentFacts, ...]:
    return (TreatmentFacts("denosumab", date(2023, 2, 1), last_dose_on=last_dose_on, **kw),)


@dataclass(frozen=True)
class Case:
    """Facts, the exact flags (code -> severity) and phrases each audience's message of a code must carry."""

    facts: Facts
    flags: dict[str, str]
    patient: dict[str, tuple[str, ...]] = field(default_factory=dict)
    clinician: dict[str, tuple[str, ...]] = field(default_factory=dict)
    next_dxa_due: date | None | str = "any"


def facts(**kw) -> Facts:
    return Facts(**{"today": TODAY, "vitamin_d_ng_ml": 30, "vitamin_d_measured_on": date(2024, 10, 1), **kw})


NOT_STARTED = {"BONE_AGENT_INDICATED": "urgent", "BONE_AGENT_NOT_STARTED": "urgent", "PRE_TREATMENT_CHECKS": "warning"}

CASES = {
    # FRAX-based indications mostly fall in the near-threshold band: one message, never a contradiction
    "T -2.3 with FRAX hip 3.4 %": Case(
        facts(
            dxa_results=(DxaFacts(RECENT, lumbar_spine_t=-2.3, total_hip_t=-1.5, frax_hip_pct=3.4, frax_with_bmd=True),)
        ),
        NOT_STARTED,
        patient={
            "BONE_AGENT_INDICATED": ("medicine to protect them is recommended",),
            "BONE_AGENT_NOT_STARTED": ("ask your care team about starting one soon",),
            "PRE_TREATMENT_CHECKS": ("dentist", "kidneys"),
        },
        clinician={
            "BONE_AGENT_INDICATED": ("FRAX hip 3.4 % (2024-06-01)", "not validated in cancer survivors"),
            "PRE_TREATMENT_CHECKS": ("dental review", "eGFR", "30 ng/mL"),
        },
        next_dxa_due=date(2025, 6, 1),  # the near-threshold interval still applies
    ),
    # a better scan on denosumab does not clear the indication, nor tell her to stop
    "-2.7 then -2.3 on denosumab": Case(
        facts(
            dxa_results=(
                DxaFacts(date(2023, 1, 10), lumbar_spine_t=-2.7, total_hip_t=-1.6),
                DxaFacts(RECENT, lumbar_spine_t=-2.3, total_hip_t=-1.4),
            ),
            treatments=denosumab(date(2024, 12, 1)),
        ),
        {"BONE_AGENT_INDICATED": "info", "ON_BONE_AGENT": "info"},
        patient={
            "BONE_AGENT_INDICATED": ("Keep taking it", "not that you can stop"),
            "ON_BONE_AGENT": ("denosumab", "2025-06-01", "Do not stop it on your own"),
        },
        clinician={
            "BONE_AGENT_INDICATED": ("T-score -2.7 at lumbar spine on 2023-01-10", "does not clear"),
            "ON_BONE_AGENT": ("last dose 2024-12-01", "next due 2025-06-01", "follow-on agent"),
        },
    ),
    "3 then 0 vertebral fractures": Case(
        facts(
            dxa_results=(
                DxaFacts(date(2023, 6, 1), **FULL, vertebral_fractures=3),
                DxaFacts(RECENT, **FULL, vertebral_fractures=0),
            )
        ),
        {**NOT_STARTED, "SEVERE_OSTEOPOROSIS": "urgent"},
        patient={"SEVERE_OSTEOPOROSIS": ("very weak bones", "don't stop any medicine on your own")},
        clinician={
            "SEVERE_OSTEOPOROSIS": ("3 vertebral fractures (highest count on record)",),
            "BONE_AGENT_INDICATED": ("3 vertebral fractures on record",),
        },
    ),
    "1 vertebral fracture with T -1.8": Case(
        facts(dxa_results=(DxaFacts(RECENT, lumbar_spine_t=-1.8, total_hip_t=-1.2, vertebral_fractures=1),)),
        NOT_STARTED,
        patient={"BONE_AGENT_INDICATED": ("alone they are not enough",)},
        clinician={"BONE_AGENT_INDICATED": ("1 vertebral fracture on record", "a fragility fracture")},
    ),
    "a recorded hip fracture": Case(
        facts(dxa_results=(DxaFacts(RECENT, **FULL, hip_fracture=True),)),
        NOT_STARTED,
        clinician={"BONE_AGENT_INDICATED": ("hip fracture on record",)},
    ),
    # each site's latest value: the spine's -2.2 stands after a hip-only scan
    "a hip-only scan after a full one": Case(
        facts(
            dxa_results=(
                DxaFacts(date(2023, 6, 1), lumbar_spine_t=-2.2, total_hip_t=-1.0, femoral_neck_t=-1.1),
                DxaFacts(RECENT, total_hip_t=-1.0),
            )
        ),
        {"NEAR_THRESHOLD": "info"},
        patient={"NEAR_THRESHOLD": ("whether a bone medicine is right for you", "keep taking it")},
        clinician={
            "NEAR_THRESHOLD": ("-2.2 (lumbar spine)", "consider a concurrent bone-protective agent", "2025-06-01")
        },
        next_dxa_due=date(2025, 6, 1),
    ),
    "denosumab last dose 5 months ago": Case(
        facts(dxa_results=OSTEOPOROSIS, treatments=denosumab(date(2024, 8, 15))),
        {"BONE_AGENT_INDICATED": "info", "ON_BONE_AGENT": "info"},
        patient={"ON_BONE_AGENT": ("next denosumab shot is due on 2025-02-13",)},
    ),
    "denosumab last dose 6 months and 2 weeks ago": Case(
        facts(dxa_results=OSTEOPOROSIS, treatments=denosumab(date(2024, 7, 1))),
        {"BONE_AGENT_INDICATED": "info", "ON_BONE_AGENT": "info", "DENOSUMAB_DOSE_DUE": "warning"},
        patient={"DENOSUMAB_DOSE_DUE": ("was due on 2024-12-30", "Please book it now", "follow-on medicine")},
        clinician={"DENOSUMAB_DOSE_DUE": ("due 2024-12-30", "late from 2025-01-27", "follow-on agent")},
    ),
    # 7 months is 214 days: more than 4 weeks past the 182-day due date, so already late
    "denosumab last dose 7 months ago": Case(
        facts(dxa_results=OSTEOPOROSIS, treatments=denosumab(date(2024, 6, 15))),
        {"BONE_AGENT_INDICATED": "info", "ON_BONE_AGENT": "info", "DENOSUMAB_DOSE_LATE": "urgent"},
        patient={"DENOSUMAB_DOSE_LATE": ("is late", "contact your care team today", "vertebral fractures")},
        clinician={"DENOSUMAB_DOSE_LATE": ("more than 28 days late", "rebound", "due 2024-12-14")},
    ),
    "denosumab last dose 8 months ago": Case(
        facts(dxa_results=OSTEOPOROSIS, treatments=denosumab(date(2024, 5, 15))),
        {"BONE_AGENT_INDICATED": "info", "ON_BONE_AGENT": "info", "DENOSUMAB_DOSE_LATE": "urgent"},
        clinician={"DENOSUMAB_DOSE_LATE": ("due 2024-11-13",)},
    ),
    "a stopped denosumab with no follow-on agent": Case(
        facts(dxa_results=OSTEOPOROSIS, treatments=denosumab(date(2024, 5, 1), stopped_on=date(2024, 11, 1))),
        {**NOT_STARTED, "DENOSUMAB_STOPPED": "urgent"},
        patient={"DENOSUMAB_STOPPED": ("stopped on 2024-11-01", "rapid bone loss")},
        clinician={
            "DENOSUMAB_STOPPED": ("no follow-on agent recorded", "zoledronic acid"),
            "BONE_AGENT_NOT_STARTED": ("last: denosumab, stopped 2024-11-01",),
        },
    ),
    "a stopped denosumab followed by zoledronic acid": Case(
        facts(
            dxa_results=OSTEOPOROSIS,
            treatments=(
                *denosumab(date(2024, 5, 1), stopped_on=date(2024, 11, 1)),
                TreatmentFacts("zoledronic_acid", date(2024, 11, 1)),
            ),
        ),
        {"BONE_AGENT_INDICATED": "info", "ON_BONE_AGENT": "info"},
        patient={"ON_BONE_AGENT": ("zoledronic acid",)},
    ),
    "a lab of 40 nmol/L": Case(
        facts(
            dxa_results=(DxaFacts(RECENT, **FULL),),
            vitamin_d_ng_ml=40 / t.VITAMIN_D_NMOL_PER_NG,
            vitamin_d_unit="nmol/L",
        ),
        {"VITAMIN_D_DEFICIENT": "warning"},
        patient={"VITAMIN_D_DEFICIENT": ("40 nmol/L, which is 16 ng/mL", "800 to 1000 IU a day in your plan")},
        clinician={"VITAMIN_D_DEFICIENT": ("40 nmol/L, which is 16 ng/mL", "below 20 ng/mL (50 nmol/L)")},
    ),
    "a lab of 60 nmol/L": Case(
        facts(
            dxa_results=(DxaFacts(RECENT, **FULL),),
            vitamin_d_ng_ml=60 / t.VITAMIN_D_NMOL_PER_NG,
            vitamin_d_unit="nmol/L",
        ),
        {},
    ),
    "a low lab more than 2 years old": Case(
        facts(dxa_results=(DxaFacts(RECENT, **FULL),), vitamin_d_ng_ml=15, vitamin_d_measured_on=date(2023, 1, 14)),
        {"VITAMIN_D_OLD": "warning"},
        patient={"VITAMIN_D_OLD": ("2023-01-14", "more than 2 years ago", "check it again")},
        clinician={"VITAMIN_D_OLD": ("not current", "below 20 ng/mL then")},
    ),
    "an old FRAX over threshold": Case(
        facts(
            dxa_results=(
                DxaFacts(date(2022, 6, 1), **FULL, frax_major_pct=21, frax_with_bmd=False),
                DxaFacts(RECENT, **FULL),
            )
        ),
        NOT_STARTED,
        clinician={
            "BONE_AGENT_INDICATED": ("FRAX major osteoporotic 21 % (2022-06-01, older than 2 years, without BMD)",)
        },
    ),
    "exemestane stopped two years ago": Case(
        facts(
            dxa_results=(DxaFacts(date(2021, 1, 1), **FULL),),
            exemestane_started_on=date(2018, 1, 1),
            exemestane_stopped_on=date(2023, 1, 15),
        ),
        {},
        next_dxa_due=None,
    ),
    "exemestane stopped two years ago, still on a bone agent": Case(
        facts(
            dxa_results=(DxaFacts(date(2021, 1, 1), **FULL),),
            exemestane_started_on=date(2018, 1, 1),
            exemestane_stopped_on=date(2023, 1, 15),
            treatments=(TreatmentFacts("alendronate", date(2021, 2, 1)),),
        ),
        {"DXA_OVERDUE": "warning", "ON_BONE_AGENT": "info"},
        patient={"ON_BONE_AGENT": ("alendronate (a bone medicine taken by mouth)",)},
        next_dxa_due=date(2023, 1, 1),
    ),
    "on exemestane since 2024 with only an older scan": Case(
        facts(dxa_results=(DxaFacts(date(2022, 1, 1), **FULL),), exemestane_started_on=date(2024, 3, 1)),
        {"BASELINE_DXA_MISSING": "urgent"},
        patient={"BASELINE_DXA_MISSING": ("around the start of your exemestane", "risk of a broken bone")},
        clinician={"BASELINE_DXA_MISSING": ("since 2023-03-01", "fracture-risk assessment")},
    ),
    "a baseline without the spine": Case(
        facts(dxa_results=(DxaFacts(RECENT, total_hip_t=-1.0, femoral_neck_t=-1.1),)),
        {"BASELINE_DXA_MISSING": "warning"},
        patient={"BASELINE_DXA_MISSING": ("does not show your spine",)},
        clinician={"BASELINE_DXA_MISSING": ("no lumbar spine T-score",)},
    ),
}

# What a patient must never read while an indication stands (the first round's NEAR_THRESHOLD said so).
NOT_NEEDED = re.compile(
    r"not (usually |yet )?(needed|necessary|required)|not at the point|(don't|do not) need (a |any )?"
    r"(bone )?medicine",
    re.IGNORECASE,
)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_issue_10_cases(name, audience):
    case = CASES[name]
    result = assess(case.facts, audience)
    assert {f.code: f.severity for f in result.flags} == case.flags
    messages = {f.code: f.message for f in result.flags}
    for code, phrases in getattr(case, audience).items():
        for phrase in phrases:
            assert phrase in messages[code], (code, phrase, messages[code])
    if case.next_dxa_due != "any":
        assert result.next_dxa_due == case.next_dxa_due
    if audience == "patient" and "BONE_AGENT_INDICATED" in messages:
        assert not [m for m in messages.values() if NOT_NEEDED.search(m)]


def test_no_patient_wording_says_medicine_is_not_needed():
    for key, wording in WORDING.items():
        assert not NOT_NEEDED.search(wording.patient), key
    assert NOT_NEEDED.search("though not at the point where medicine is usually needed")  # the old wording


def test_near_threshold_never_appears_beside_an_indication():
    for case in CASES.values():
        codes = {f.code for f in assess(case.facts, "patient").flags}
        assert not {"NEAR_THRESHOLD", "BONE_AGENT_INDICATED"} <= codes


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (181, None),
        (182, "DENOSUMAB_DOSE_DUE"),
        (209, "DENOSUMAB_DOSE_DUE"),
        (210, "DENOSUMAB_DOSE_LATE"),
    ],
)
def test_denosumab_dose_boundaries(days, expected):
    f = facts(dxa_results=OSTEOPOROSIS, treatments=denosumab(TODAY - timedelta(days=days)))
    codes = {fl.code for fl in assess(f, "clinician").flags} & {"DENOSUMAB_DOSE_DUE", "DENOSUMAB_DOSE_LATE"}
    assert codes == ({expected} if expected else set())


def test_a_stated_dose_interval_moves_the_due_date():
    f = facts(
        dxa_results=OSTEOPOROSIS,
        treatments=(
            TreatmentFacts("denosumab", date(2023, 2, 1), last_dose_on=date(2024, 9, 1), dose_interval_days=120),
        ),
    )
    assert "DENOSUMAB_DOSE_DUE" in {fl.code for fl in assess(f, "clinician").flags}


@pytest.mark.parametrize(("measured_on", "old"), [(date(2023, 1, 15), False), (date(2023, 1, 14), True)])
def test_a_lab_turns_old_after_two_years(measured_on, old):
    f = facts(dxa_results=(DxaFacts(RECENT, **FULL),), vitamin_d_ng_ml=30, vitamin_d_measured_on=measured_on)
    assert ("VITAMIN_D_OLD" in {fl.code for fl in assess(f, "patient").flags}) is old


@pytest.mark.parametrize(("stopped_on", "monitored"), [(TODAY, False), (date(2025, 1, 16), True)])
def test_monitoring_ends_on_the_exemestane_stop_date(stopped_on, monitored):
    f = facts(dxa_results=(DxaFacts(date(2022, 1, 1), **FULL),), exemestane_stopped_on=stopped_on)
    result = assess(f, "clinician")
    assert ("DXA_OVERDUE" in {fl.code for fl in result.flags}) is monitored
    assert (result.next_dxa_due is not None) is monitored


def test_messages_quote_the_patients_own_plan():
    plan = {
        **t.care_plan_defaults(),
        "calcium_mg_min": 1100,
        "vitamin_d_iu_min": 1500,
        "vitamin_d_iu_max": 6000,
        "alcohol_drinks_per_week_max": 3,
        "ceiling_reason": "repletion for deficiency",
    }
    plan["exercise_weekly"]["endurance"] = {"minutes": 90}
    f = facts(
        dxa_results=(DxaFacts(RECENT, **FULL),),
        plan=plan,
        calcium_days=30,
        calcium_days_met=10,
        vitamin_d_days=30,
        vitamin_d_days_met=10,
        vitamin_d_days_over_limit=2,
        alcohol_weeks_over_limit=1,
        exercise_weeks_below_target={"endurance": 4},
        exercise_weeks_counted=4,
    )
    patient = {fl.code: fl.message for fl in assess(f, "patient").flags}
    clinician = {fl.code: fl.message for fl in assess(f, "clinician").flags}
    assert "1100 mg a day" in patient["LOW_CALCIUM_ADHERENCE"]
    assert "1500 IU a day" in patient["LOW_VITAMIN_D_ADHERENCE"]
    assert "1500-6000 IU/day" in clinician["LOW_VITAMIN_D_ADHERENCE"]
    assert "the 3 drinks a week in your plan" in patient["ALCOHOL_OVER_LIMIT"]
    assert "(3 drinks/week)" in clinician["ALCOHOL_OVER_LIMIT"]
    assert "endurance >= 90 minutes" in clinician["EXERCISE_INCOMPLETE"]
    assert "up to 6000 IU a day" in patient["EXCESS_VITAMIN_D"]
    assert "repletion for deficiency" in clinician["EXCESS_VITAMIN_D"]


@pytest.mark.parametrize(("performed_on", "counts"), [(date(2023, 3, 1), True), (date(2023, 2, 28), False)])
def test_a_baseline_may_be_up_to_12_months_before_the_exemestane_start(performed_on, counts):
    f = facts(dxa_results=(DxaFacts(performed_on, **FULL),), exemestane_started_on=date(2024, 3, 1))
    assert ("BASELINE_DXA_MISSING" in {fl.code for fl in assess(f, "patient").flags}) is not counts


def test_every_patient_message_of_these_cases_reads_at_grade_8_or_lower():
    for name, case in CASES.items():
        for flag in assess(case.facts, "patient").flags:
            assert reading_grade(flag.message) <= MAX_PATIENT_GRADE, (name, flag.code)
