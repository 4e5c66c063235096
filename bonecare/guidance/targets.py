"""Every number of the guidance as a named default, each with the sources it comes from."""

import copy

# --- Calcium (mg of elemental calcium a day, diet + supplement) -------------
CALCIUM_MG_MIN = 1000
CALCIUM_MG_MAX = 1200
CALCIUM_UPPER_LIMIT_MG = 2000  # tolerable upper intake level, age >= 51
CALCIUM_PER_DOSE_MAX_MG = 500  # absorption falls above this per dose

# --- Vitamin D (IU a day) -----------------------------------------------------
VITAMIN_D_IU_MIN = 800
VITAMIN_D_IU_MAX = 1000
VITAMIN_D_UPPER_LIMIT_IU = 4000

# --- 25-OH vitamin D blood level (ng/mL) --------------------------------------
VITAMIN_D_DEFICIENT_NG_ML = 20  # below this: deficient (50 nmol/L)
VITAMIN_D_SEVERE_NG_ML = 12  # below this: severely deficient (30 nmol/L)
VITAMIN_D_NMOL_PER_NG = 2.496  # 1 ng/mL = 2.496 nmol/L

# --- Exercise, per ISO week ---------------------------------------------------
RESISTANCE_SESSIONS_PER_WEEK_MIN = 2
BALANCE_SESSIONS_PER_WEEK_MIN = 2
FLEXIBILITY_SESSIONS_PER_WEEK_MIN = 2
ENDURANCE_MINUTES_PER_WEEK_MIN = 150
EXERCISE_WEEKLY_TARGETS = {
    "balance": {"sessions": BALANCE_SESSIONS_PER_WEEK_MIN},
    "flexibility": {"sessions": FLEXIBILITY_SESSIONS_PER_WEEK_MIN},
    "endurance": {"minutes": ENDURANCE_MINUTES_PER_WEEK_MIN},
    "resistance": {"sessions": RESISTANCE_SESSIONS_PER_WEEK_MIN},
}

# --- Habits -------------------------------------------------------------------
ALCOHOL_DRINKS_PER_WEEK_MAX = 7
FRAX_ALCOHOL_RISK_UNITS_PER_DAY = 3  # FRAX counts >= 3 units a day as a risk factor
CIGARETTES_MAX = 0  # smoking: none

# --- Bone density and fracture risk -------------------------------------------
T_SCORE_TREATMENT = -2.5  # any T-score <= this: bone-modifying agent indicated
T_SCORE_NEAR_THRESHOLD = -2.0  # lowest T-score in (-2.5, -2.0]: near threshold
T_SCORE_SEVERE = -4.0  # any T-score < this: severe osteoporosis
FRAX_MAJOR_PCT = 20.0  # 10-year major osteoporotic fracture probability >= this
FRAX_HIP_PCT = 3.0  # 10-year hip fracture probability >= this
VERTEBRAL_FRACTURES_SEVERE_ABOVE = 2  # more than this many: severe osteoporosis
VERTEBRAL_FRACTURES_INDICATION_MIN = 1  # a fragility fracture is osteoporosis: an agent is indicated
RECORD_OLD_AFTER_YEARS = 2  # a lab or FRAX older than this is shown as old, not as current

# --- Bone-modifying agents ----------------------------------------------------
DENOSUMAB_DOSE_INTERVAL_DAYS = 182  # 60 mg every 6 months
DENOSUMAB_LATE_AFTER_DAYS = 28  # a dose more than 4 weeks past due is late (rebound risk)
ZOLEDRONIC_ACID_DOSE_INTERVAL_DAYS = 365  # 5 mg once a year

# --- DXA monitoring -----------------------------------------------------------
DXA_INTERVAL_YEARS = 2
DXA_INTERVAL_NEAR_THRESHOLD_YEARS = 1
DXA_MIN_INTERVAL_MONTHS = 12  # sooner needs a stated reason
BASELINE_DXA_WINDOW_MONTHS = 12  # a scan this long before the exemestane start still counts as baseline

# --- Adherence windows --------------------------------------------------------
ADHERENCE_MIN_PCT = 80  # target met on at least this share of counted days
ADHERENCE_WINDOW_DAYS = 30
EXERCISE_WINDOW_WEEKS = 4  # "most" of these weeks = more than half of the counted ones

_G = ("guidance", "asco-2019")

# name -> (source keys, detail for cite())
SOURCES_OF: dict[str, tuple[tuple[str, ...], str]] = {
    "CALCIUM_MG_MIN": (_G, "rec. 3.1"),
    "CALCIUM_MG_MAX": (_G, "rec. 3.1"),
    "CALCIUM_UPPER_LIMIT_MG": (("nih-ods-calcium", "iom-2011"), ""),
    "CALCIUM_PER_DOSE_MAX_MG": (("nih-ods-calcium",), ""),
    "VITAMIN_D_IU_MIN": (_G, "rec. 3.1"),
    "VITAMIN_D_IU_MAX": (_G, "rec. 3.1"),
    "VITAMIN_D_UPPER_LIMIT_IU": (("iom-2011",), ""),
    "VITAMIN_D_DEFICIENT_NG_ML": (("nih-ods-vitamin-d", "iom-2011"), ""),
    "VITAMIN_D_SEVERE_NG_ML": (("nih-ods-vitamin-d", "iom-2011"), ""),
    "VITAMIN_D_NMOL_PER_NG": (("nih-ods-vitamin-d",), ""),
    "RESISTANCE_SESSIONS_PER_WEEK_MIN": (("too-fit-2014",), ""),
    "BALANCE_SESSIONS_PER_WEEK_MIN": (("osteoporosis-canada", "too-fit-2014"), ""),
    "FLEXIBILITY_SESSIONS_PER_WEEK_MIN": (("project",), ""),
    "ENDURANCE_MINUTES_PER_WEEK_MIN": (("too-fit-2014",), ""),
    "EXERCISE_WEEKLY_TARGETS": (("too-fit-2014", "osteoporosis-canada", "project"), ""),
    "ALCOHOL_DRINKS_PER_WEEK_MAX": (("us-dga-2020",), ""),
    "FRAX_ALCOHOL_RISK_UNITS_PER_DAY": (("frax",), ""),
    "CIGARETTES_MAX": (_G, "rec. 3.3"),
    "T_SCORE_TREATMENT": (_G, ""),
    "T_SCORE_NEAR_THRESHOLD": (("project", "guidance", "asco-2019"), ""),
    "T_SCORE_SEVERE": (_G, ""),
    "FRAX_MAJOR_PCT": (_G, ""),
    "FRAX_HIP_PCT": (_G, ""),
    "VERTEBRAL_FRACTURES_SEVERE_ABOVE": (_G, ""),
    "VERTEBRAL_FRACTURES_INDICATION_MIN": (("project", "guidance", "bhof-2022"), ""),
    "RECORD_OLD_AFTER_YEARS": (("project", "asco-2019"), ""),
    "DENOSUMAB_DOSE_INTERVAL_DAYS": (("fda-labels", "ects-2017-denosumab"), ""),
    "DENOSUMAB_LATE_AFTER_DAYS": (("project", "ects-2017-denosumab"), ""),
    "ZOLEDRONIC_ACID_DOSE_INTERVAL_DAYS": (("fda-labels",), ""),
    "BASELINE_DXA_WINDOW_MONTHS": (("project", "guidance"), ""),
    "DOSE_INTERVAL_DAYS": (("fda-labels",), ""),
    "DXA_INTERVAL_YEARS": (_G, ""),
    "DXA_INTERVAL_NEAR_THRESHOLD_YEARS": (_G, ""),
    "DXA_MIN_INTERVAL_MONTHS": (_G, ""),
    "ADHERENCE_MIN_PCT": (("project",), ""),
    "ADHERENCE_WINDOW_DAYS": (("project",), ""),
    "EXERCISE_WINDOW_WEEKS": (("project",), ""),
}


#: agent -> its usual dose interval in days, when the agent has one (a treatment may state its own)
DOSE_INTERVAL_DAYS = {"denosumab": DENOSUMAB_DOSE_INTERVAL_DAYS, "zoledronic_acid": ZOLEDRONIC_ACID_DOSE_INTERVAL_DAYS}


def ng_ml(value: float, unit: str) -> float:
    """A 25-OH vitamin D level in ng/mL, from a value in "ng/mL" or "nmol/L"."""
    return value if unit == "ng/mL" else value / VITAMIN_D_NMOL_PER_NG


def nmol_l(value_ng_ml: float) -> float:
    """A 25-OH vitamin D level in nmol/L, from ng/mL (one decimal)."""
    return round(value_ng_ml * VITAMIN_D_NMOL_PER_NG, 1)


def care_plan_defaults() -> dict:
    """A fresh care plan's targets, as the guidance sets them."""
    return {
        "calcium_mg_min": CALCIUM_MG_MIN,
        "calcium_mg_max": CALCIUM_MG_MAX,
        "vitamin_d_iu_min": VITAMIN_D_IU_MIN,
        "vitamin_d_iu_max": VITAMIN_D_IU_MAX,
        "exercise_weekly": copy.deepcopy(EXERCISE_WEEKLY_TARGETS),
        "alcohol_drinks_per_week_max": ALCOHOL_DRINKS_PER_WEEK_MAX,
    }
