"""Ranking education topics from assessment flags: a table of patient states."""

import pytest

from bonecare.guidance.content import catalogue, slugs
from bonecare.guidance.content.recommend import ESSENTIAL, ESSENTIALS, FLAG_TAGS, recommend
from bonecare.guidance.wording import FLAG_CODES

WHY, BASELINE, MONITORING = "why-exemestane-affects-bone", "baseline-assessment", "bone-density-monitoring"
CALCIUM, EXERCISE, HABITS = "calcium-and-vitamin-d", "exercise-for-bone-health", "smoking-and-alcohol"
MEDICINES, FRAGILE, PITFALLS = "bone-protecting-medicines", "when-bones-are-very-fragile", "pitfalls-to-avoid"


def _slugs(flags, audience="patient"):
    return [r.topic.slug for r in recommend(flags, audience)]


@pytest.mark.parametrize(
    ("flags", "first"),
    [
        (["BASELINE_DXA_MISSING", "VITAMIN_D_UNKNOWN"], [BASELINE]),
        (["BONE_AGENT_INDICATED"], [MEDICINES]),
        (["BONE_AGENT_INDICATED", "SEVERE_OSTEOPOROSIS"], [FRAGILE, MEDICINES]),
        (["VITAMIN_D_DEFICIENT"], [CALCIUM]),
        (["VITAMIN_D_UNKNOWN"], [CALCIUM]),
        (["LOW_CALCIUM_ADHERENCE"], [CALCIUM]),
        (["EXCESS_VITAMIN_D"], [CALCIUM]),
        (["SMOKER"], [HABITS]),
        (["ALCOHOL_OVER_LIMIT"], [HABITS]),
        (["EXERCISE_INCOMPLETE"], [EXERCISE]),
        (["DXA_OVERDUE"], [MONITORING]),
        (["NEAR_THRESHOLD"], [MONITORING]),
        # a main subject beats a side mention of a more pressing flag
        (["SEVERE_OSTEOPOROSIS", "SMOKER"], [FRAGILE, HABITS]),
        (["SMOKER", "EXERCISE_INCOMPLETE", "DXA_OVERDUE"], [MONITORING, HABITS, EXERCISE]),
        ([], list(ESSENTIALS)),
    ],
)
def test_the_topics_that_answer_the_flags_come_first(flags, first):
    assert _slugs(flags)[: len(first)] == first


def test_a_fully_adherent_patient_gets_the_essentials_in_order():
    for audience in ("patient", "clinician"):
        recs = recommend([], audience)
        assert [r.topic.slug for r in recs] == list(ESSENTIALS)
        assert all(r.reasons == (ESSENTIAL,) for r in recs)
        assert all(r.topic.audience == audience for r in recs)


def test_reasons_name_every_flag_a_topic_answers_closest_first():
    recs = {r.topic.slug: r.reasons for r in recommend(["VITAMIN_D_UNKNOWN", "BASELINE_DXA_MISSING"], "patient")}
    assert recs[BASELINE] == ("BASELINE_DXA_MISSING", "VITAMIN_D_UNKNOWN")
    assert recs[CALCIUM] == ("VITAMIN_D_UNKNOWN",)
    assert recs[EXERCISE] == (ESSENTIAL,)


def test_essentials_follow_the_flagged_topics_without_repeats():
    got = _slugs(["SMOKER", "LOW_CALCIUM_ADHERENCE"])
    assert got == [HABITS, CALCIUM, WHY, EXERCISE, MONITORING]
    assert len(got) == len(set(got))


def test_clinicians_also_get_the_pitfalls_patients_never_do():
    for flags in (["BASELINE_DXA_MISSING"], ["BONE_AGENT_INDICATED"], ["SEVERE_OSTEOPOROSIS"]):
        assert PITFALLS in _slugs(flags, "clinician")
        assert PITFALLS not in _slugs(flags, "patient")


def test_moderate_osteoporosis_is_not_told_its_bones_are_very_fragile():
    assert FRAGILE not in _slugs(["BONE_AGENT_INDICATED"])


def test_order_and_duplicates_of_flags_do_not_matter_and_unknown_codes_are_ignored():
    flags = ["SMOKER", "BASELINE_DXA_MISSING", "VITAMIN_D_DEFICIENT"]
    assert _slugs(flags) == _slugs(list(reversed(flags)) + flags + ["NO_SUCH_FLAG"])


def test_every_flag_the_rules_raise_leads_to_a_topic():
    codes = set(FLAG_CODES)
    assert codes == {code for code, _ in FLAG_TAGS}
    for code in codes:
        for audience in ("patient", "clinician"):
            assert recommend([code], audience)[0].reasons[0] == code, code


def test_essentials_exist_for_both_audiences():
    assert set(ESSENTIALS) <= set(slugs())
    assert set(ESSENTIALS) <= {t.slug for t in catalogue("patient")}


def test_unknown_audience_is_rejected():
    with pytest.raises(ValueError):
        recommend([], "doctor")
