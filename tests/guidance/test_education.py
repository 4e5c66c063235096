"""The education content: structure, citations, dates, reading level and safety wording."""

import dataclasses
import datetime as dt
import re
import tomllib
from importlib import resources

import pytest
import textstat

from bonecare.guidance.content import AUDIENCES, TAGS, Section, Topic, catalogue, slugs, topic
from bonecare.guidance.content.loader import build_topics, load_topics, parse_citation, render_citation
from bonecare.guidance.sources import SOURCES

PACKAGE = "bonecare.guidance.content"
MAX_PATIENT_GRADE = 8.0

REQUIRED_SLUGS = {
    "why-exemestane-affects-bone",
    "baseline-assessment",
    "bone-density-monitoring",
    "calcium-and-vitamin-d",
    "exercise-for-bone-health",
    "smoking-and-alcohol",
    "bone-protecting-medicines",
    "fracture-risk",
    "when-bones-are-very-fragile",
    "pitfalls-to-avoid",
}


def _raw_files() -> dict[str, dict]:
    out = {}
    for res in resources.files(PACKAGE).joinpath("topics").iterdir():
        if res.name.endswith(".toml"):
            with res.open("rb") as fh:
                out[res.name] = tomllib.load(fh)
    return out


RAW = _raw_files()
PATIENT_SLUGS = [t.slug for t in catalogue("patient")]


def _text(t: Topic) -> str:
    return "\n\n".join(s.body for s in t.sections)


def test_required_topics_present():
    assert REQUIRED_SLUGS <= set(slugs())


def test_slugs_unique_and_match_file_names():
    file_slugs = [data["slug"] for data in RAW.values()]
    assert len(file_slugs) == len(set(file_slugs))
    for name, data in RAW.items():
        assert name == f"{data['slug']}.toml"
    assert sorted(slugs()) == sorted(file_slugs)


def test_every_topic_has_both_audiences_unless_clinician_only():
    for name, data in RAW.items():
        if data.get("clinician_only", False):
            assert "patient" not in data, name
            assert "clinician" in data, name
        else:
            for audience in AUDIENCES:
                assert audience in data, f"{name} lacks [{audience}]"
        for audience in AUDIENCES:
            if audience in data:
                assert topic(data["slug"], audience) is not None


def test_clinician_only_topics_are_absent_for_patients():
    clinician_only = {d["slug"] for d in RAW.values() if d.get("clinician_only")}
    assert "pitfalls-to-avoid" in clinician_only
    patient = {t.slug for t in catalogue("patient")}
    assert not clinician_only & patient
    for slug in clinician_only:
        assert topic(slug, "patient") is None
        assert topic(slug, "clinician") is not None


def test_catalogue_is_in_reading_order():
    orders = {d["slug"]: d["order"] for d in RAW.values()}
    for audience in AUDIENCES:
        listed = [orders[t.slug] for t in catalogue(audience)]
        assert listed == sorted(listed)
        assert all(t.audience == audience for t in catalogue(audience))
    assert catalogue("patient")[0].slug == "why-exemestane-affects-bone"


def test_every_section_has_a_citation_and_text():
    for audience in AUDIENCES:
        for t in catalogue(audience):
            assert t.title.strip()
            assert t.sections, t.slug
            for s in t.sections:
                assert isinstance(s, Section)
                assert s.heading.strip() and s.body.strip()
                assert len(s.citations) >= 1, f"{t.slug}/{audience}: {s.heading}"


def test_every_citation_resolves_to_a_known_source():
    for name, data in RAW.items():
        for audience in AUDIENCES:
            for sec in data.get(audience, {}).get("sections", []):
                assert sec["citations"], f"{name} [{audience}] {sec['heading']}"
                for ref in sec["citations"]:
                    key, _ = parse_citation(ref)
                    assert key in SOURCES, f"{name}: {ref}"


def test_rendered_citations_are_source_labels():
    labels = {s.label for s in SOURCES.values()}
    for audience in AUDIENCES:
        for t in catalogue(audience):
            for s in t.sections:
                for c in s.citations:
                    assert any(c == lab or c.startswith(lab + " ") for lab in labels), c
    assert render_citation("asco-2019:rec. 3.1") == "ASCO 2019 rec. 3.1"
    assert render_citation("guidance") == SOURCES["guidance"].label


def test_unknown_citation_key_is_rejected():
    with pytest.raises(ValueError):
        parse_citation("no-such-source:p. 1")
    bad = {
        "slug": "bad",
        "order": 1,
        "last_reviewed": dt.date(2026, 1, 1),
        "clinician_only": True,
        "tags": [],
        "clinician": {
            "title": "Bad",
            "sections": [{"heading": "h", "body": "b", "citations": ["nope"]}],
        },
    }
    with pytest.raises(ValueError, match=r"^bad\.toml: clinician\.sections\[0\]\.citations\[0\]: .*'nope'"):
        build_topics(bad, "bad.toml")
    bad["clinician"]["sections"][0]["citations"] = []
    with pytest.raises(ValueError, match=r"clinician\.sections\[0\]\.citations: needs at least one citation"):
        build_topics(bad, "bad.toml")


def test_slug_must_match_file_name():
    data = dict(RAW["fracture-risk.toml"])
    with pytest.raises(ValueError, match="file name"):
        build_topics(data, "other-name.toml")


def test_last_reviewed_is_a_date_not_in_the_future():
    today = dt.date.today()
    for name, data in RAW.items():
        reviewed = data["last_reviewed"]
        assert isinstance(reviewed, dt.date) and not isinstance(reviewed, dt.datetime), name
        assert reviewed <= today, name
    for audience in AUDIENCES:
        for t in catalogue(audience):
            assert t.last_reviewed <= today


def test_tags_are_known_and_cover_recommendation_needs():
    used = set()
    for audience in AUDIENCES:
        for t in catalogue(audience):
            assert set(t.tags) <= TAGS, t.slug
            used |= set(t.tags)
    for needed in (
        "baseline",
        "dxa",
        "calcium",
        "vitamin-d",
        "exercise",
        "smoking",
        "alcohol",
        "bone-agents",
        "severe-osteoporosis",
    ):
        assert needed in used


_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def _words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10 - 2] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])
    return " ".join(_ONES[int(d)] for d in str(n))


def spelled(text: str) -> str:
    """Decimals read aloud ("2.5" -> "two point five"): textstat would count "2.5" as two sentences."""
    return re.sub(r"(\d+)\.(\d+)", lambda m: f"{_words(int(m[1]))} point {' '.join(_ONES[int(d)] for d in m[2])}", text)


def reading_grade(text: str) -> float:
    """The Flesch-Kincaid grade of a text with its decimals spelled out."""
    return textstat.flesch_kincaid_grade(spelled(text))


def test_decimals_are_spelled_out_before_measuring():
    assert spelled("down 2.4 to 3.5 %, 0.72") == "down two point four to three point five %, zero point seven two"
    assert textstat.sentence_count(spelled("It fell 2.5 %.")) == 1


@pytest.mark.parametrize("slug", PATIENT_SLUGS)
def test_patient_reading_grade(slug):
    grade = reading_grade(_text(topic(slug, "patient")))
    assert grade <= MAX_PATIENT_GRADE, f"{slug}: Flesch-Kincaid grade {grade}"


def test_patient_texts_use_plain_name_for_dxa():
    for t in catalogue("patient"):
        text = _text(t)
        if "DXA" in text:
            assert "bone density scan (DXA)" in text, t.slug


def test_patient_texts_point_to_the_care_team():
    for t in catalogue("patient"):
        assert "care team" in _text(t), t.slug


def test_denosumab_sections_also_mention_stopping():
    for audience in AUDIENCES:
        for t in catalogue(audience):
            for s in t.sections:
                body = s.body.lower()
                if "denosumab" in body:
                    assert re.search(r"\bstop", body), f"{t.slug}/{audience}: {s.heading}"


# The facts each topic must carry in both audiences (numbers from the guidance, as docs/guidance.md lists them).
KEY_FACTS = {
    "why-exemestane-affects-bone": [
        "2.4",
        "3.5",
        "0.5",
        "1.8",
        "4.6",
        "0.6",
        "2.6",
        "4.2",
        "7",
        "8",
    ],
    "bone-density-monitoring": ["2 years", "1 year"],
    "calcium-and-vitamin-d": [
        "1000",
        "1200",
        "800",
        "40 %",
        "21 %",
        "500 mg",
        "2000 mg",
        "4000 IU",
        "40 IU",
    ],
    "exercise-for-bone-health": ["150", "2"],
    "smoking-and-alcohol": ["7", "3"],
    "bone-protecting-medicines": [
        "2.5",
        "20 %",
        "3 %",
        "alendronate",
        "risedronate",
        "zoledronic acid",
        "denosumab",
    ],
    "fracture-risk": ["149", "143", "FRAX", "US"],
    "when-bones-are-very-fragile": ["4", "2", "tamoxifen", "raloxifene"],
}


@pytest.mark.parametrize("slug", sorted(KEY_FACTS))
def test_key_facts_present(slug):
    for audience in AUDIENCES:
        text = _text(topic(slug, audience))
        for fact in KEY_FACTS[slug]:
            assert fact in text, f"{slug}/{audience} lacks {fact!r}"
    clin = _text(topic("fracture-risk", "clinician"))
    assert "7.1" in clin and "5.4" in clin
    assert "1.45" in clin and "1.13–1.87" in clin and "0.72" in clin


def test_unknown_audience_and_slug():
    with pytest.raises(ValueError):
        catalogue("doctor")
    with pytest.raises(ValueError):
        topic("fracture-risk", "doctor")
    assert topic("no-such-topic", "patient") is None


def test_topics_are_frozen_and_cached():
    t = topic("fracture-risk", "patient")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.title = "x"  # type: ignore[misc]
    assert isinstance(t.sections, tuple) and isinstance(t.sections[0].citations, tuple)
    assert load_topics() is load_topics()


# The safety content of the second round, per audience: (slug, audience) -> phrases it must carry.
SAFETY_FACTS = {
    ("fracture-risk", "patient"): [
        "about 7 on exemestane",
        "about 5 in 100",
        "not made for women who have had cancer",
        "US version",
        "scan result went into it",
    ],
    ("fracture-risk", "clinician"): [
        "not validated in cancer survivors",
        "US adaptation",
        "frax_with_bmd",
        "7.1 %",
        "5.4 %",
    ],
    ("starting-a-bone-medicine", "patient"): [
        "dentist",
        "kidneys",
        "plain water",
        "30 minutes",
        "calcium at another time",
        "thigh or groin",
        "never stop",
    ],
    ("starting-a-bone-medicine", "clinician"): [
        "osteonecrosis of the jaw",
        "eGFR",
        "35 mL/min",
        "hypocalcaemia",
        "upright",
        "both femurs",
        "follow-on agent",
    ],
    ("when-bones-are-very-fragile", "patient"): ["past menopause", "not a treatment for breast cancer"],
    ("when-bones-are-very-fragile", "clinician"): ["premenopausal", "does not treat breast cancer", "risk-reduction"],
    ("smoking-and-alcohol", "patient"): ["US standard drink", "UK", "units"],
    ("smoking-and-alcohol", "clinician"): ["14 g", "8 g", "1.75 UK units", "FRAX"],
}


@pytest.mark.parametrize(("slug", "audience"), sorted(SAFETY_FACTS))
def test_safety_content_present(slug, audience):
    text = _text(topic(slug, audience))
    for phrase in SAFETY_FACTS[slug, audience]:
        assert phrase in text, f"{slug}/{audience} lacks {phrase!r}"


def test_patients_read_rounded_figures_not_decimals_of_a_percent():
    text = _text(topic("fracture-risk", "patient"))
    assert "7.1" not in text and "5.4" not in text
