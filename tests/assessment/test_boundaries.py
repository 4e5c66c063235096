"""The intake and alcohol boundaries, on both sides, from logs through the API to the flags the patient reads:
999/1000 mg and 799/800 IU (the daily targets), 2000/2001 mg and 4000/4001 IU (the upper limits), 7/8 drinks a week."""

import pytest


@pytest.fixture
def patient(auth, clock):
    clock.set("2026-03-11T20:00:00Z")  # a Wednesday
    return auth.as_patient(timezone="UTC")


def log(patient, calcium: float, vitamin_d: float) -> None:
    body = {
        "taken_at": "2026-03-11T09:00:00Z",
        "calcium_mg": calcium,
        "vitamin_d_iu": vitamin_d,
        "source": "supplement",
    }
    assert patient.post("/api/v1/patients/me/intake", json=body).status_code == 201


def flags(patient) -> set[str]:
    return {f["code"] for f in patient.get("/api/v1/patients/me/assessment").json["flags"]}


@pytest.mark.parametrize(
    ("calcium", "vitamin_d", "raised", "met"),
    [
        (999, 900, {"LOW_CALCIUM_ADHERENCE"}, (False, True)),
        (1000, 900, set(), (True, True)),
        (1100, 799, {"LOW_VITAMIN_D_ADHERENCE"}, (True, False)),
        (1100, 800, set(), (True, True)),
        (2000, 900, set(), (True, True)),
        (2001, 900, {"EXCESS_CALCIUM"}, (True, True)),
        (1100, 4000, set(), (True, True)),
        (1100, 4001, {"EXCESS_VITAMIN_D"}, (True, True)),
    ],
)
def test_daily_targets_and_upper_limits(patient, calcium, vitamin_d, raised, met):
    log(patient, calcium, vitamin_d)
    watched = {"LOW_CALCIUM_ADHERENCE", "LOW_VITAMIN_D_ADHERENCE", "EXCESS_CALCIUM", "EXCESS_VITAMIN_D"}
    assert flags(patient) & watched == raised
    today = patient.get("/api/v1/patients/me/today").json
    assert (today["calcium"]["met"], today["vitamin_d"]["met"]) == met


@pytest.mark.parametrize(("drinks", "over"), [(7, False), (8, True), (7.5, True)])
def test_seven_drinks_a_week_is_within_the_limit_and_eight_is_over(patient, drinks, over):
    # spread over two days of the same ISO week, so it is the week's total that counts
    for day, share in (("2026-03-09", drinks - 3), ("2026-03-11", 3)):
        patient.put(f"/api/v1/patients/me/habits/{day}", json={"cigarettes": 0, "alcohol_drinks": share})
    assert ("ALCOHOL_OVER_LIMIT" in flags(patient)) is over
    weeks = patient.get("/api/v1/patients/me/adherence").json["alcohol"]["weeks_over_limit"]
    assert weeks == int(over)
