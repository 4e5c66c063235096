"""The flags' wording file: what a clinical reviewer edits is checked, and a slip names its place."""

import copy

import pytest

from bonecare.guidance.content.loader import read_toml
from bonecare.guidance.wording import FLAG_CODES, WORDING, build_wording

FLAGS = read_toml("flags.toml")


def test_the_file_loads_and_every_variant_is_raised_under_a_known_code():
    build_wording(FLAGS, "flags.toml")
    assert {w.code for w in WORDING.values()} == set(FLAG_CODES)
    assert WORDING["VITAMIN_D_DEFICIENT_SEVERE"].code == "VITAMIN_D_DEFICIENT"
    assert WORDING["SMOKER"].citation == "Exemestane bone-health guidance; ASCO 2019 rec. 3.3"


def _broken(change) -> dict:
    data = copy.deepcopy(FLAGS)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["flag"]["SMOKER"].update(severity="grave"), r"flag\.SMOKER\.severity: Must be one of"),
        (lambda d: d["flag"]["SMOKER"].update(citations=["nope:p. 1"]), r"flag\.SMOKER\.citations\[0\]: .*'nope'"),
        (lambda d: d["flag"]["SMOKER"].update(citations=[]), r"flag\.SMOKER\.citations: needs at least one citation"),
        (lambda d: d["flag"]["SMOKER"].update(patient="You smoke {cigarettes"), r"flag\.SMOKER\.patient: malformed"),
        (lambda d: d["flag"]["SMOKER"].pop("clinician"), r"flag\.SMOKER\.clinician: Missing data"),
        (lambda d: d["flag"]["SMOKER"].update(patient="  "), r"flag\.SMOKER\.patient: must not be empty"),
        (lambda d: d["flag"]["SMOKER"].update(audience="nurse"), r"flag\.SMOKER\.audience: Unknown field"),
        (lambda d: d["plain_names"]["agents"].pop("denosumab"), r"plain_names\.agents: must name exactly"),
        (lambda d: d["phrases"].pop("denosumab_warning_patient"), r"phrases\.denosumab_warning_patient: Missing"),
    ],
)
def test_a_slip_in_the_file_is_refused_naming_its_place(change, message):
    with pytest.raises(ValueError, match=r"^flags\.toml: .*" + message):
        build_wording(_broken(change), "flags.toml")
