"""The sources every number, rule and piece of education cites, by key (the full reference in a comment)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A citable source: its key and the short label a citation shows."""

    key: str
    label: str


_ALL = [
    # Managing osteoporosis in patients taking exemestane (Aromasin), guideline summary, last updated 2025-12-16
    # (guidance/exemestane-bone-health-guidance.txt).
    Source("guidance", "Exemestane bone-health guidance"),
    # Shapiro CL et al. Management of osteoporosis in survivors of adult cancers with nonmetastatic disease: ASCO
    # clinical practice guideline. J Clin Oncol 2019;37:2916-2946.
    Source("asco-2019", "ASCO 2019"),
    # NIH Office of Dietary Supplements. Calcium: fact sheet for health professionals.
    Source("nih-ods-calcium", "NIH ODS calcium"),
    # NIH Office of Dietary Supplements. Vitamin D: fact sheet for health professionals.
    Source("nih-ods-vitamin-d", "NIH ODS vitamin D"),
    # Institute of Medicine. Dietary Reference Intakes for Calcium and Vitamin D. Washington, DC: National Academies
    # Press; 2011.
    Source("iom-2011", "IOM 2011"),
    # Giangregorio LM et al. Too Fit To Fracture: exercise recommendations for individuals with osteoporosis or
    # osteoporotic vertebral fracture. Osteoporos Int 2014;25:821-835.
    Source("too-fit-2014", "Too Fit To Fracture 2014"),
    # Osteoporosis Canada. Exercise recommendations (Too Fit To Fracture).
    Source("osteoporosis-canada", "Osteoporosis Canada"),
    # US Department of Agriculture and US Department of Health and Human Services. Dietary Guidelines for Americans,
    # 2020-2025.
    Source("us-dga-2020", "US Dietary Guidelines 2020-2025"),
    # FRAX fracture risk assessment tool, University of Sheffield: alcohol intake of 3 or more units a day counts as
    # a clinical risk factor.
    Source("frax", "FRAX"),
    # Tsourdi E et al. Discontinuation of denosumab therapy for osteoporosis: a systematic review and position
    # statement by ECTS. Bone 2017;105:11-17.
    Source("ects-2017-denosumab", "ECTS 2017 denosumab discontinuation"),
    # LeBoff MS et al. The clinician's guide to prevention and treatment of osteoporosis (Bone Health and
    # Osteoporosis Foundation). Osteoporos Int 2022;33:2049-2102.
    Source("bhof-2022", "BHOF 2022"),
    # Ruggiero SL et al. American Association of Oral and Maxillofacial Surgeons' position paper on medication-
    # related osteonecrosis of the jaws, 2022 update. J Oral Maxillofac Surg 2022;80:920-943.
    Source("aaoms-2022", "AAOMS 2022"),
    # Shane E et al. Atypical subtrochanteric and diaphyseal femoral fractures: second report of a task force of the
    # ASBMR. J Bone Miner Res 2014;29:1-23.
    Source("asbmr-2014-aff", "ASBMR 2014 atypical femoral fractures"),
    # US FDA prescribing information for alendronate (Fosamax), risedronate (Actonel), zoledronic acid (Reclast),
    # denosumab (Prolia) and raloxifene (Evista).
    Source("fda-labels", "US prescribing information"),
    # Powles TJ et al. Effect of tamoxifen on bone mineral density measured by dual-energy x-ray absorptiometry in
    # healthy premenopausal and postmenopausal women. J Clin Oncol 1996;14:78-84.
    Source("powles-1996", "Powles 1996"),
    # Vogel VG et al. Effects of tamoxifen vs raloxifene on the risk of developing invasive breast cancer and other
    # disease outcomes: the NSABP STAR P-2 trial. JAMA 2006;295:2727-2741.
    Source("star-2006", "NSABP STAR 2006"),
    # UK Chief Medical Officers' Low Risk Drinking Guidelines, 2016: a UK unit is 8 g of alcohol; no more than 14
    # units a week.
    Source("uk-cmo-2016", "UK CMO 2016"),
    # US National Institute on Alcohol Abuse and Alcoholism. What is a standard drink? A US standard drink holds 14
    # g of alcohol.
    Source("niaaa", "NIAAA"),
    # A bonecare default where the guidance names a measure without a number.
    Source("project", "bonecare project default"),
]

SOURCES: dict[str, Source] = {s.key: s for s in _ALL}


def cite(*keys: str, detail: str = "") -> str:
    """A readable citation for the source keys, e.g. 'Exemestane bone-health guidance; ASCO 2019 rec. 3.1'."""
    labels = "; ".join(SOURCES[k].label for k in keys)
    return f"{labels} {detail}".strip()
