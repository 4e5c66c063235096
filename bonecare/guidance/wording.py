"""The flags' wording, read from content/flags.toml and checked once, and how a finding becomes a Flag."""

import string
from collections.abc import Mapping
from dataclasses import dataclass

import marshmallow as ma
from marshmallow import fields, validate

from bonecare.guidance import targets as t
from bonecare.guidance.content.loader import AUDIENCES, Text, citations, read_toml, validated
from bonecare.guidance.facts import AGENTS, SEVERITY_RANK, Finding, Flag


@dataclass(frozen=True)
class Wording:
    """One text of flags.toml: the code it is raised under, its severity, citation and words per audience."""

    code: str
    severity: str
    citation: str
    patient: str
    clinician: str


class _Template(Text):
    """A text whose {placeholders} are well formed."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            list(string.Formatter().parse(text))
        except ValueError as exc:
            raise ma.ValidationError(f"malformed placeholder: {exc}") from None
        return text


def _every_agent(names: dict) -> None:
    if set(names) != set(AGENTS):
        raise ma.ValidationError(f"must name exactly the agents {list(AGENTS)}")


class _Flag(ma.Schema):
    code = fields.String(load_default=None)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITY_RANK))
    citations = citations()
    patient = _Template()
    clinician = _Template()


class _Phrases(ma.Schema):
    denosumab_warning_patient = Text()
    denosumab_warning_clinician = Text()
    frax_caveat = Text()


class _PlainNames(ma.Schema):
    agents = fields.Dict(keys=fields.String(), values=Text(), required=True, validate=_every_agent)
    exercise = fields.Dict(keys=fields.String(), values=Text(), required=True)


class _FlagsFile(ma.Schema):
    phrases = fields.Nested(_Phrases, required=True)
    plain_names = fields.Nested(_PlainNames, required=True)
    flag = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[A-Z][A-Z_]*$", error="must be in CAPITALS_AND_UNDERSCORES")),
        values=fields.Nested(_Flag),
        required=True,
    )


def build_wording(data: dict, filename: str) -> dict:
    """Validate a parsed flags.toml (raises ValueError naming the file and every place that is wrong)."""
    return validated(_FlagsFile(), data, filename)


_LOADED = build_wording(read_toml("flags.toml"), "flags.toml")

#: key (a flag code, or a variant of one) -> its wording
WORDING: dict[str, Wording] = {
    key: Wording(
        code=entry["code"] or key,
        severity=entry["severity"],
        citation="; ".join(entry["citations"]),
        patient=entry["patient"],
        clinician=entry["clinician"],
    )
    for key, entry in _LOADED["flag"].items()
}
#: Every flag code the assessment can raise, sorted.
FLAG_CODES: tuple[str, ...] = tuple(sorted({w.code for w in WORDING.values()}))
FRAX_CAVEAT: str = _LOADED["phrases"]["frax_caveat"]
PLAIN_AGENT: dict[str, str] = _LOADED["plain_names"]["agents"]
PLAIN_KIND: dict[str, str] = _LOADED["plain_names"]["exercise"]


def num(x: float) -> str:
    """A measured value as written: one decimal unless it has more."""
    return f"{x:.1f}" if round(x, 1) == x else f"{x:g}"


def join_plain(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


_THRESHOLDS = {
    "t_treat": num(t.T_SCORE_TREATMENT),
    "t_near": num(t.T_SCORE_NEAR_THRESHOLD),
    "frax_major": f"{t.FRAX_MAJOR_PCT:g}",
    "frax_hip": f"{t.FRAX_HIP_PCT:g}",
    "vd_deficient": t.VITAMIN_D_DEFICIENT_NG_ML,
    "vd_deficient_nmol": f"{t.nmol_l(t.VITAMIN_D_DEFICIENT_NG_ML):.0f}",
    "vd_severe": t.VITAMIN_D_SEVERE_NG_ML,
    "vd_severe_nmol": f"{t.nmol_l(t.VITAMIN_D_SEVERE_NG_ML):.0f}",
    "vd_ul": t.VITAMIN_D_UPPER_LIMIT_IU,
    "ca_ul": t.CALCIUM_UPPER_LIMIT_MG,
    "adh_pct": t.ADHERENCE_MIN_PCT,
    "window": t.ADHERENCE_WINDOW_DAYS,
    "frax_alc": t.FRAX_ALCOHOL_RISK_UNITS_PER_DAY,
    "dxa_years": t.DXA_INTERVAL_YEARS,
    "dxa_near_years": t.DXA_INTERVAL_NEAR_THRESHOLD_YEARS,
    "ex_weeks": t.EXERCISE_WINDOW_WEEKS,
    "old_years": t.RECORD_OLD_AFTER_YEARS,
    "late_days": t.DENOSUMAB_LATE_AFTER_DAYS,
}


def _plan_values(plan: Mapping) -> dict:
    """The patient's own targets, as her messages quote them."""
    ex_targets = ", ".join(
        " and ".join(f"{kind} >= {n} {unit}" for unit, n in sorted(target.items()))
        for kind, target in sorted(plan["exercise_weekly"].items())
        if target
    )
    return {
        "ca_min": plan["calcium_mg_min"],
        "ca_max": plan["calcium_mg_max"],
        "vd_min": plan["vitamin_d_iu_min"],
        "vd_max": plan["vitamin_d_iu_max"],
        "alc_week": f"{plan['alcohol_drinks_per_week_max']:g}",
        "ex_targets": ex_targets,
    }


def word(findings: list[Finding], plan: Mapping, audience: str) -> list[Flag]:
    """The findings as flags worded for "patient" or "clinician", with the plan's targets filled in."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    warning = _LOADED["phrases"][f"denosumab_warning_{audience}"]
    known = {**_THRESHOLDS, **_plan_values(plan), "denosumab_warning": warning}
    flags = []
    for key, values in findings:
        w = WORDING[key]
        text = getattr(w, audience).format(**known, **values)
        if "denosumab" in text.lower() and warning not in text:
            # wherever denosumab appears, so does the danger of stopping it
            text += " " + warning
        flags.append(Flag(code=w.code, severity=w.severity, message=text, citation=w.citation))
    return flags
