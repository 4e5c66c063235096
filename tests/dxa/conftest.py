"""A DXA test's world: a patient and a clinician on her care team."""

import pytest


@pytest.fixture
def care(auth, clock):
    """A patient in Los Angeles and a clinician on her care team, on 2026-03-08."""
    clock.set("2026-03-08T12:00:00Z")
    return auth.care_team("America/Los_Angeles")
