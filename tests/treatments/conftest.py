"""A treatment test's world: a patient and a clinician on her care team."""

import pytest


@pytest.fixture
def care(auth, clock):
    """A patient in New York and a clinician on her care team, on 2026-03-08."""
    clock.set("2026-03-08T17:00:00Z")
    return auth.care_team("America/New_York")
