"""A demo patient's clinical record: DXA results, labs, appointments and treatments that raise her scenario's flags."""

import uuid
from datetime import date, datetime, timedelta

from bonecare.guidance import targets as t

# scenario -> (days since denosumab's last dose, days since it was stopped or None): the treatment flags
_DENOSUMAB = {"severe": (240, None), "frax_high": (300, 100), "excess_vitamin_d": (190, None)}


def _treatments(base: dict, scenario: str, today: date) -> list[dict]:
    """A denosumab course on time, due, late or stopped without a follow-on agent, for the scenario."""
    if scenario not in _DENOSUMAB:
        return []
    since_dose, since_stop = _DENOSUMAB[scenario]
    return [
        {
            **base,
            "id": uuid.uuid4(),
            "agent": "denosumab",
            "started_on": today - timedelta(days=700),
            "last_dose_on": today - timedelta(days=since_dose),
            "dose_interval_days": t.DENOSUMAB_DOSE_INTERVAL_DAYS,
            "stopped_on": today - timedelta(days=since_stop) if since_stop else None,
            "note": None,
            "updated_at": base["created_at"],
        }
    ]


def clinical_records(patient_id, clinician_id, scenario: str, today: date, now: datetime):
    """DXA results, labs, appointments and treatments that make the scenario's flags appear."""
    base = {"patient_id": patient_id, "created_at": now, "created_by": clinician_id}
    t_scores = {"bone_agent": -2.7, "severe": -4.3, "near_threshold": -2.2}
    scan = {
        **base,
        "id": uuid.uuid4(),
        "performed_on": today - timedelta(days=200),
        "lumbar_spine_t": -1.1,
        "total_hip_t": -0.8,
        "femoral_neck_t": t_scores.get(scenario, -1.2),
        "frax_major_pct": 8.0,
        "frax_hip_pct": 1.1,
        "vertebral_fractures": {"severe": 3, "excess_vitamin_d": 1}.get(scenario, 0),
        "frax_with_bmd": True,
        "hip_fracture": False,
    }
    if scenario == "overdue":
        scan["performed_on"] = today - timedelta(days=800)
    if scenario == "frax_high":
        scan["frax_major_pct"] = 22.0
    value, unit = {"vitamin_d_low": (40.0, "nmol/L"), "vitamin_d_severe": (9.5, "ng/mL")}.get(scenario, (32.0, "ng/mL"))
    measured = today - timedelta(days=900 if scenario == "overdue" else 60)  # an old lab: VITAMIN_D_OLD
    lab = {
        **base,
        "id": uuid.uuid4(),
        "measured_on": measured,
        "value": value,
        "unit": unit,
        "vitamin_d_25oh_ng_ml": round(t.ng_ml(value, unit), 2),
    }
    appointment = {
        **base,
        "id": uuid.uuid4(),
        "scheduled_for": today + timedelta(days=45),
        "location": "Radiology",
        "note": None,
        "override_reason": None,
        "updated_at": now,
        "deleted_at": None,
    }
    if scenario == "no_baseline":
        return [], [], [appointment], []
    if scenario == "overdue":
        return [scan], [lab], [], []
    booked = [appointment] if scenario in ("near_threshold", "severe", "bone_agent") else []
    return [scan], [lab], booked, _treatments(base, scenario, today)
