"""The sources every number, rule and piece of education cites, by key."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A citable source: a short label and its full reference."""

    key: str
    label: str
    reference: str


_ALL = [
    Source(
        "guidance",
        "Exemestane bone-health guidance",
        "Managing osteoporosis in patients taking exemestane (Aromasin), guideline summary, "
        "last updated 2025-12-16 (guidance/exemestane-bone-health-guidance.txt).",
    ),
    Source(
        "asco-2019",
        "ASCO 2019",
        "Shapiro CL et al. Management of osteoporosis in survivors of adult cancers with "
        "nonmetastatic disease: ASCO clinical practice guideline. J Clin Oncol 2019;37:2916-2946.",
    ),
    Source(
        "nih-ods-calcium",
        "NIH ODS calcium",
        "NIH Office of Dietary Supplements. Calcium: fact sheet for health professionals.",
    ),
    Source(
        "nih-ods-vitamin-d",
        "NIH ODS vitamin D",
        "NIH Office of Dietary Supplements. Vitamin D: fact sheet for health professionals.",
    ),
    Source(
        "iom-2011",
        "IOM 2011",
        "Institute of Medicine. Dietary Reference Intakes for Calcium and Vitamin D. "
        "Washington, DC: National Academies Press; 2011.",
    ),
    Source(
        "too-fit-2014",
        "Too Fit To Fracture 2014",
        "Giangregorio LM et al. Too Fit To Fracture: exercise recommendations for individuals "
        "with osteoporosis or osteoporotic vertebral fracture. Osteoporos Int 2014;25:821-835.",
    ),
    Source(
        "osteoporosis-canada",
        "Osteoporosis Canada",
        "Osteoporosis Canada. Exercise recommendations (Too Fit To Fracture).",
    ),
    Source(
        "us-dga-2020",
        "US Dietary Guidelines 2020-2025",
        "US Department of Agriculture and US Department of Health and Human Services. "
        "Dietary Guidelines for Americans, 2020-2025.",
    ),
    Source(
        "frax",
        "FRAX",
        "FRAX fracture risk assessment tool, University of Sheffield: alcohol intake of "
        "3 or more units a day counts as a clinical risk factor.",
    ),
    Source(
        "ects-2017-denosumab",
        "ECTS 2017 denosumab discontinuation",
        "Tsourdi E et al. Discontinuation of denosumab therapy for osteoporosis: a systematic "
        "review and position statement by ECTS. Bone 2017;105:11-17.",
    ),
    Source(
        "project",
        "bonecare project default",
        "A bonecare default where the guidance names a measure without a number "
        "(see design/GUIDANCE-RULES.md).",
    ),
]

SOURCES: dict[str, Source] = {s.key: s for s in _ALL}


def cite(*keys: str, detail: str = "") -> str:
    """A readable citation for the source keys, e.g. 'Exemestane bone-health guidance; ASCO 2019 rec. 3.1'."""
    labels = "; ".join(SOURCES[k].label for k in keys)
    return f"{labels} {detail}".strip()
