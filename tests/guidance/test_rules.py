"""The guidance targets and assessment rules, as a table of cases on both sides of every boundary."""

import dataclasses
from datetime import date

import pytest

from bonecare.guidance import targets
from bonecare.guidance.facts import SEVERITY_RANK, DxaFacts, Facts, TreatmentFacts
from bonecare.guidance.monitoring import add_months, earliest_repeat_dxa, next_dxa_due
from bonecare.guidance.rules import assess
from bonecare.guidance.sources import SOURCES

TODAY = date(2025, 1, 15)
RECENT = date(2024, 6, 1)  # a DXA recent enough not to be overdue on TODAY

ALL_CODES = {
    "BASELINE_DXA_MISSING",
    "DXA_OVERDUE",
    "VITAMIN_D_UNKNOWN",
    "VITAMIN_D_DEFICIENT",
    "BONE_AGENT_INDICATED",
    "SEVERE_OSTEOPOROSIS",
    "NEAR_THRESHOLD",
    "LOW_CALCIUM_ADHERENCE",
    "LOW_VITAMIN_D_ADHERENCE",
    "EXCESS_CALCIUM",
    "EXCESS_VITAMIN_D",
    "SMOKER",
    "ALCOHOL_OVER_LIMIT",
    "EXERCISE_INCOMPLETE",
    "VITAMIN_D_OLD",
    "BONE_AGENT_NOT_STARTED",
    "PRE_TREATMENT_CHECKS",
    "ON_BONE_AGENT",
    "DENOSUMAB_DOSE_DUE",
    "DENOSUMAB_DOSE_LATE",
    "DENOSUMAB_STOPPED",
}


def facts(**overrides) -> Facts:
    """A patient with nothing to flag (normal recent DXA, normal vitamin D), then overrides."""
    base = Facts(
        today=TODAY,
        dxa_results=(DxaFacts(RECENT, lumbar_spine_t=-1.0, total_hip_t=-0.5, femoral_neck_t=-0.8),),
        vitamin_d_ng_ml=30,
    )
    return dataclasses.replace(base, **overrides)


def dxa(**kw) -> tuple[DxaFacts, ...]:
    """One recent DXA result with the given fields."""
    return (DxaFacts(kw.pop("performed_on", RECENT), **kw),)


def flags_of(f: Facts, audience: str = "clinician") -> dict[str, str]:
    """code -> severity of the flags raised."""
    return {flag.code: flag.severity for flag in assess(f, audience).flags}


def test_baseline_is_clean():
    assert flags_of(facts()) == {}


# (id, facts, code, expected severity or None for "not raised")
CASES = [
    # T-score -2.5: bone-modifying agent indicated at or below
    ("t=-2.5 agent", facts(dxa_results=dxa(lumbar_spine_t=-2.5)), "BONE_AGENT_INDICATED", "urgent"),
    ("t=-2.4 no agent", facts(dxa_results=dxa(lumbar_spine_t=-2.4)), "BONE_AGENT_INDICATED", None),
    (
        "lowest site counts",
        facts(dxa_results=dxa(lumbar_spine_t=-1.0, femoral_neck_t=-2.6)),
        "BONE_AGENT_INDICATED",
        "urgent",
    ),
    # T-score (-2.5, -2.0]: near threshold
    ("t=-2.0 near", facts(dxa_results=dxa(total_hip_t=-2.0)), "NEAR_THRESHOLD", "info"),
    ("t=-2.4 near", facts(dxa_results=dxa(total_hip_t=-2.4)), "NEAR_THRESHOLD", "info"),
    ("t=-1.9 not near", facts(dxa_results=dxa(total_hip_t=-1.9)), "NEAR_THRESHOLD", None),
    ("t=-2.5 not near", facts(dxa_results=dxa(total_hip_t=-2.5)), "NEAR_THRESHOLD", None),
    # T-score -4: severe below
    ("t=-4.1 severe", facts(dxa_results=dxa(femoral_neck_t=-4.1)), "SEVERE_OSTEOPOROSIS", "urgent"),
    ("t=-4.0 not severe", facts(dxa_results=dxa(femoral_neck_t=-4.0)), "SEVERE_OSTEOPOROSIS", None),
    # vertebral fractures: more than 2 is severe
    (
        "3 vertebral severe",
        facts(dxa_results=dxa(lumbar_spine_t=-1.0, vertebral_fractures=3)),
        "SEVERE_OSTEOPOROSIS",
        "urgent",
    ),
    (
        "2 vertebral not severe",
        facts(dxa_results=dxa(lumbar_spine_t=-1.0, vertebral_fractures=2)),
        "SEVERE_OSTEOPOROSIS",
        None,
    ),
    # a fragility fracture is osteoporosis: one vertebral fracture raises the indication, none does not
    (
        "1 vertebral indicated",
        facts(dxa_results=dxa(lumbar_spine_t=-1.0, total_hip_t=-1.0, vertebral_fractures=1)),
        "BONE_AGENT_INDICATED",
        "urgent",
    ),
    (
        "0 vertebral not indicated",
        facts(dxa_results=dxa(lumbar_spine_t=-1.0, total_hip_t=-1.0, vertebral_fractures=0)),
        "BONE_AGENT_INDICATED",
        None,
    ),
    (
        "hip fracture indicated",
        facts(dxa_results=dxa(lumbar_spine_t=-1.0, hip_fracture=True)),
        "BONE_AGENT_INDICATED",
        "urgent",
    ),
    ("no hip fracture", facts(dxa_results=dxa(lumbar_spine_t=-1.0, hip_fracture=False)), "BONE_AGENT_INDICATED", None),
    # FRAX
    ("frax major 20", facts(dxa_results=dxa(lumbar_spine_t=-1.0, frax_major_pct=20)), "BONE_AGENT_INDICATED", "urgent"),
    ("frax major 19.9", facts(dxa_results=dxa(lumbar_spine_t=-1.0, frax_major_pct=19.9)), "BONE_AGENT_INDICATED", None),
    ("frax hip 3", facts(dxa_results=dxa(lumbar_spine_t=-1.0, frax_hip_pct=3)), "BONE_AGENT_INDICATED", "urgent"),
    ("frax hip 2.9", facts(dxa_results=dxa(lumbar_spine_t=-1.0, frax_hip_pct=2.9)), "BONE_AGENT_INDICATED", None),
    # FRAX from the latest result that has it, even if a later result has only T-scores
    (
        "frax from older result",
        facts(
            dxa_results=(
                DxaFacts(RECENT, lumbar_spine_t=-1.0),
                DxaFacts(date(2023, 6, 1), lumbar_spine_t=-1.0, frax_hip_pct=3.5),
            )
        ),
        "BONE_AGENT_INDICATED",
        "urgent",
    ),
    # An indication outlives the number that raised it: a better FRAX or T-score later does not clear it
    (
        "older frax over threshold keeps the indication",
        facts(
            dxa_results=(
                DxaFacts(RECENT, lumbar_spine_t=-1.0, frax_hip_pct=1.0),
                DxaFacts(date(2023, 6, 1), lumbar_spine_t=-1.0, frax_hip_pct=3.5),
            )
        ),
        "BONE_AGENT_INDICATED",
        "urgent",
    ),
    (
        "older low t keeps the indication",
        facts(dxa_results=(DxaFacts(date(2023, 6, 1), lumbar_spine_t=-3.0), DxaFacts(RECENT, lumbar_spine_t=-1.0))),
        "BONE_AGENT_INDICATED",
        "urgent",
    ),
    (
        "latest low t used",
        facts(dxa_results=(DxaFacts(RECENT, lumbar_spine_t=-3.0), DxaFacts(date(2023, 6, 1), lumbar_spine_t=-1.0))),
        "BONE_AGENT_INDICATED",
        "urgent",
    ),
    # vitamin D level
    ("vd 19.9 deficient", facts(vitamin_d_ng_ml=19.9), "VITAMIN_D_DEFICIENT", "warning"),
    ("vd 20 fine", facts(vitamin_d_ng_ml=20), "VITAMIN_D_DEFICIENT", None),
    ("vd 12 warning", facts(vitamin_d_ng_ml=12), "VITAMIN_D_DEFICIENT", "warning"),
    ("vd 11.9 urgent", facts(vitamin_d_ng_ml=11.9), "VITAMIN_D_DEFICIENT", "urgent"),
    ("vd unknown", facts(vitamin_d_ng_ml=None), "VITAMIN_D_UNKNOWN", "warning"),
    ("vd known", facts(vitamin_d_ng_ml=5), "VITAMIN_D_UNKNOWN", None),
    # baseline DXA
    ("no dxa", facts(dxa_results=()), "BASELINE_DXA_MISSING", "urgent"),
    ("dxa on record", facts(), "BASELINE_DXA_MISSING", None),
    ("no dxa not overdue", facts(dxa_results=()), "DXA_OVERDUE", None),
    # DXA overdue: normal result on 2023-01-15 is due 2025-01-15
    (
        "due today",
        facts(dxa_results=dxa(performed_on=date(2023, 1, 15), lumbar_spine_t=-1.0)),
        "DXA_OVERDUE",
        "warning",
    ),
    ("due tomorrow", facts(dxa_results=dxa(performed_on=date(2023, 1, 16), lumbar_spine_t=-1.0)), "DXA_OVERDUE", None),
    (
        "due yesterday, booked",
        facts(
            dxa_results=dxa(performed_on=date(2023, 1, 14), lumbar_spine_t=-1.0), next_dxa_appointment=date(2025, 2, 1)
        ),
        "DXA_OVERDUE",
        None,
    ),
    (
        "near threshold due after 1 year",
        facts(dxa_results=dxa(performed_on=date(2024, 1, 15), lumbar_spine_t=-2.2)),
        "DXA_OVERDUE",
        "warning",
    ),
    (
        "near threshold not yet due",
        facts(dxa_results=dxa(performed_on=date(2024, 1, 16), lumbar_spine_t=-2.2)),
        "DXA_OVERDUE",
        None,
    ),
    # adherence: met on < 80 % of counted days
    ("calcium 23/30", facts(calcium_days=30, calcium_days_met=23), "LOW_CALCIUM_ADHERENCE", "warning"),
    ("calcium 24/30", facts(calcium_days=30, calcium_days_met=24), "LOW_CALCIUM_ADHERENCE", None),
    ("calcium 3/5", facts(calcium_days=5, calcium_days_met=3), "LOW_CALCIUM_ADHERENCE", "warning"),
    ("calcium 4/5", facts(calcium_days=5, calcium_days_met=4), "LOW_CALCIUM_ADHERENCE", None),
    ("calcium no days", facts(calcium_days=0, calcium_days_met=0), "LOW_CALCIUM_ADHERENCE", None),
    ("vitd 23/30", facts(vitamin_d_days=30, vitamin_d_days_met=23), "LOW_VITAMIN_D_ADHERENCE", "warning"),
    ("vitd 24/30", facts(vitamin_d_days=30, vitamin_d_days_met=24), "LOW_VITAMIN_D_ADHERENCE", None),
    ("vitd no days", facts(vitamin_d_days=0), "LOW_VITAMIN_D_ADHERENCE", None),
    # upper limits
    ("calcium over 1", facts(calcium_days_over_limit=1), "EXCESS_CALCIUM", "warning"),
    ("calcium over 0", facts(calcium_days_over_limit=0), "EXCESS_CALCIUM", None),
    ("vitd over 1", facts(vitamin_d_days_over_limit=1), "EXCESS_VITAMIN_D", "warning"),
    ("vitd over 0", facts(vitamin_d_days_over_limit=0), "EXCESS_VITAMIN_D", None),
    # smoking
    ("status current", facts(smoking_status="current"), "SMOKER", "warning"),
    ("status former", facts(smoking_status="former"), "SMOKER", None),
    ("status never", facts(smoking_status="never"), "SMOKER", None),
    ("former but 1 cigarette", facts(smoking_status="former", cigarettes_last_30_days=1), "SMOKER", "warning"),
    ("unknown status, cigarettes", facts(cigarettes_last_30_days=5), "SMOKER", "warning"),
    # alcohol
    ("alcohol 1 week over", facts(alcohol_weeks_over_limit=1), "ALCOHOL_OVER_LIMIT", "warning"),
    ("alcohol 0 weeks over", facts(alcohol_weeks_over_limit=0), "ALCOHOL_OVER_LIMIT", None),
    # exercise: below target in more than half of the counted weeks
    (
        "balance 3/4",
        facts(exercise_weeks_below_target={"balance": 3}, exercise_weeks_counted=4),
        "EXERCISE_INCOMPLETE",
        "info",
    ),
    (
        "balance 2/4",
        facts(exercise_weeks_below_target={"balance": 2}, exercise_weeks_counted=4),
        "EXERCISE_INCOMPLETE",
        None,
    ),
    (
        "endurance 2/3",
        facts(exercise_weeks_below_target={"endurance": 2}, exercise_weeks_counted=3),
        "EXERCISE_INCOMPLETE",
        "info",
    ),
    (
        "endurance 1/3",
        facts(exercise_weeks_below_target={"endurance": 1}, exercise_weeks_counted=3),
        "EXERCISE_INCOMPLETE",
        None,
    ),
    (
        "one of several kinds",
        facts(exercise_weeks_below_target={"resistance": 1, "flexibility": 4, "balance": 0}, exercise_weeks_counted=4),
        "EXERCISE_INCOMPLETE",
        "info",
    ),
    (
        "nothing counted",
        facts(exercise_weeks_below_target={"balance": 0}, exercise_weeks_counted=0),
        "EXERCISE_INCOMPLETE",
        None,
    ),
]


@pytest.mark.parametrize(("f", "code", "severity"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_rule_boundaries(f, code, severity, audience):
    assert flags_of(f, audience).get(code) == severity


@pytest.mark.parametrize(
    ("performed_on", "t_score", "due"),
    [
        (date(2024, 5, 10), -1.0, date(2026, 5, 10)),  # normal: 2 years
        (date(2024, 5, 10), -2.0, date(2025, 5, 10)),  # near threshold: 1 year
        (date(2024, 5, 10), -2.4, date(2025, 5, 10)),
        (date(2024, 5, 10), -1.9, date(2026, 5, 10)),
        (date(2024, 5, 10), -2.5, date(2026, 5, 10)),  # treatment range keeps 2 years
        (date(2024, 5, 10), None, date(2026, 5, 10)),  # no T-score: 2 years
        (date(2024, 2, 29), -1.0, date(2026, 2, 28)),  # leap day clamps to Feb 28
        (date(2024, 2, 29), -2.2, date(2025, 2, 28)),
        (date(2023, 2, 28), -2.2, date(2024, 2, 28)),
    ],
)
def test_next_dxa_due(performed_on, t_score, due):
    assert next_dxa_due([DxaFacts(performed_on, lumbar_spine_t=t_score)]) == due


def test_next_dxa_due_uses_latest_result_in_any_order():
    results = (DxaFacts(date(2024, 5, 10), total_hip_t=-2.2), DxaFacts(date(2022, 1, 1), total_hip_t=-1.0))
    assert next_dxa_due(results) == date(2025, 5, 10)
    assert next_dxa_due(tuple(reversed(results))) == date(2025, 5, 10)


def test_next_dxa_due_without_result_is_none():
    assert next_dxa_due(()) is None
    assert assess(facts(dxa_results=()), "patient").next_dxa_due is None


def test_assessment_reports_next_due():
    f = facts(dxa_results=dxa(performed_on=date(2024, 5, 10), lumbar_spine_t=-2.1))
    assert assess(f, "clinician").next_dxa_due == date(2025, 5, 10)


def test_minimum_interval_is_twelve_months():
    assert earliest_repeat_dxa([DxaFacts(date(2024, 2, 29))]) == date(2025, 2, 28)
    assert earliest_repeat_dxa([]) is None
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


def _everything() -> Facts:
    """Facts that raise every flag except BASELINE_DXA_MISSING and VITAMIN_D_UNKNOWN."""
    return Facts(
        today=date(2026, 6, 1),
        dxa_results=(
            DxaFacts(date(2024, 5, 10), lumbar_spine_t=-4.5, vertebral_fractures=3),
            DxaFacts(date(2024, 5, 10), total_hip_t=-2.2),
        ),
        vitamin_d_ng_ml=10,
        smoking_status="current",
        cigarettes_last_30_days=20,
        calcium_days=30,
        calcium_days_met=10,
        calcium_days_over_limit=2,
        vitamin_d_days=30,
        vitamin_d_days_met=10,
        vitamin_d_days_over_limit=1,
        alcohol_weeks_over_limit=2,
        exercise_weeks_below_target={"balance": 4, "endurance": 3, "resistance": 1},
        exercise_weeks_counted=4,
    )


def _near() -> Facts:
    return facts(dxa_results=dxa(lumbar_spine_t=-2.2), vitamin_d_ng_ml=None)


def _missing() -> Facts:
    return facts(dxa_results=(), vitamin_d_ng_ml=None)


def _treated() -> Facts:
    """On denosumab with the dose late, after a stopped course; an old vitamin D level."""
    return facts(
        dxa_results=dxa(lumbar_spine_t=-2.7),
        vitamin_d_measured_on=date(2022, 1, 1),
        treatments=(TreatmentFacts("denosumab", date(2023, 1, 1), last_dose_on=date(2024, 5, 1)),),
    )


def _due() -> Facts:
    return facts(
        dxa_results=dxa(lumbar_spine_t=-2.7),
        treatments=(TreatmentFacts("denosumab", date(2023, 1, 1), last_dose_on=date(2024, 7, 10)),),
    )


def _stopped() -> Facts:
    return facts(
        dxa_results=dxa(lumbar_spine_t=-2.7),
        treatments=(
            TreatmentFacts("denosumab", date(2023, 1, 1), stopped_on=date(2024, 6, 1), last_dose_on=date(2024, 1, 1)),
        ),
    )


def _all_flags(audience: str):
    return [
        f for make in (_everything, _near, _missing, _treated, _due, _stopped) for f in assess(make(), audience).flags
    ]


def test_every_code_is_reachable():
    assert {f.code for f in _all_flags("patient")} == ALL_CODES


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_every_flag_is_cited_and_worded(audience):
    for flag in _all_flags(audience):
        assert flag.citation.strip(), flag.code
        assert flag.message.strip(), flag.code
        assert "{" not in flag.message and "}" not in flag.message, flag.code
        assert flag.severity in SEVERITY_RANK


def test_patient_and_clinician_wording_differ():
    for make in (_everything, _near, _missing, _treated, _due, _stopped):
        patient = assess(make(), "patient").flags
        clinician = assess(make(), "clinician").flags
        assert [(f.code, f.severity, f.citation) for f in patient] == [
            (f.code, f.severity, f.citation) for f in clinician
        ]
        for p, c in zip(patient, clinician, strict=True):
            assert p.message != c.message, p.code


def test_patient_wording_avoids_jargon():
    for flag in _all_flags("patient"):
        for word in ("T-score", "FRAX", "DXA", "bisphosphonate", "25-OH", "contraindication"):
            assert word not in flag.message, (flag.code, word)


def test_denosumab_always_carries_its_warning():
    messages = [f.message for a in ("patient", "clinician") for f in _all_flags(a)]
    naming = [m for m in messages if "denosumab" in m.lower()]
    assert naming, "some flag should name denosumab"
    for m in naming:
        assert "stopping denosumab without a follow-on" in m.lower()
        assert "rapid bone loss" in m and "vertebral fractures" in m


def test_clinician_messages_carry_the_numbers():
    by_code = {f.code: f.message for f in assess(_everything(), "clinician").flags}
    assert "-4.5" in by_code["BONE_AGENT_INDICATED"]
    assert "-4.5" in by_code["SEVERE_OSTEOPOROSIS"] and "3 vertebral" in by_code["SEVERE_OSTEOPOROSIS"]
    assert "tamoxifen" in by_code["SEVERE_OSTEOPOROSIS"]
    assert "bisphosphonate" in by_code["BONE_AGENT_INDICATED"]
    assert "10 ng/mL" in by_code["VITAMIN_D_DEFICIENT"]
    assert "10 of 30" in by_code["LOW_CALCIUM_ADHERENCE"]
    assert "balance" in by_code["EXERCISE_INCOMPLETE"] and "endurance" in by_code["EXERCISE_INCOMPLETE"]
    assert "resistance" not in by_code["EXERCISE_INCOMPLETE"].split("Targets")[0]
    near = {f.code: f.message for f in assess(_near(), "clinician").flags}
    assert "-2.2" in near["NEAR_THRESHOLD"]


def test_citations_name_their_sources():
    cites = {f.code: f.citation for f in assess(_everything(), "clinician").flags}
    assert "ASCO 2019" in cites["BONE_AGENT_INDICATED"]
    assert "IOM 2011" in cites["EXCESS_VITAMIN_D"]
    assert "NIH ODS calcium" in cites["EXCESS_CALCIUM"]
    assert "Too Fit To Fracture" in cites["EXERCISE_INCOMPLETE"]
    assert "US Dietary Guidelines" in cites["ALCOHOL_OVER_LIMIT"]


def test_flags_sorted_by_severity_then_code():
    flags = assess(_everything(), "clinician").flags
    keys = [(-SEVERITY_RANK[f.severity], f.code) for f in flags]
    assert keys == sorted(keys)
    assert flags[0].severity == "urgent" and flags[-1].severity == "info"
    assert len({f.code for f in flags}) == len(flags)


def test_unknown_audience_rejected():
    with pytest.raises(ValueError):
        assess(facts(), "nurse")


def test_targets_defaults():
    assert (targets.CALCIUM_MG_MIN, targets.CALCIUM_MG_MAX) == (1000, 1200)
    assert targets.CALCIUM_UPPER_LIMIT_MG == 2000
    assert targets.CALCIUM_PER_DOSE_MAX_MG == 500
    assert (targets.VITAMIN_D_IU_MIN, targets.VITAMIN_D_IU_MAX) == (800, 1000)
    assert targets.VITAMIN_D_UPPER_LIMIT_IU == 4000
    assert targets.ALCOHOL_DRINKS_PER_WEEK_MAX == 7
    assert (targets.T_SCORE_TREATMENT, targets.T_SCORE_NEAR_THRESHOLD, targets.T_SCORE_SEVERE) == (-2.5, -2.0, -4.0)
    assert (targets.FRAX_MAJOR_PCT, targets.FRAX_HIP_PCT) == (20, 3)
    assert targets.EXERCISE_WEEKLY_TARGETS == {
        "balance": {"sessions": 2},
        "flexibility": {"sessions": 2},
        "endurance": {"minutes": 150},
        "resistance": {"sessions": 2},
    }


def test_care_plan_defaults_is_a_fresh_copy():
    plan = targets.care_plan_defaults()
    assert plan == {
        "calcium_mg_min": 1000,
        "calcium_mg_max": 1200,
        "vitamin_d_iu_min": 800,
        "vitamin_d_iu_max": 1000,
        "exercise_weekly": targets.EXERCISE_WEEKLY_TARGETS,
        "alcohol_drinks_per_week_max": 7,
    }
    plan["exercise_weekly"]["balance"]["sessions"] = 99
    assert targets.EXERCISE_WEEKLY_TARGETS["balance"]["sessions"] == 2
    assert targets.care_plan_defaults()["exercise_weekly"]["balance"]["sessions"] == 2


def test_every_target_has_known_sources():
    names = [n for n in dir(targets) if n.isupper() and not n.startswith("_") and n != "SOURCES_OF"]
    assert set(names) == set(targets.SOURCES_OF)
    for name in names:
        keys, _detail = targets.SOURCES_OF[name]
        assert keys and all(k in SOURCES for k in keys), name
