"""Education use cases: the catalogue and topics (static content) and a patient's recommended topics."""

from datetime import datetime

from bonecare.accounts.access import open_record
from bonecare.assessment.service import facts_for
from bonecare.errors import NotFound
from bonecare.guidance import content
from bonecare.guidance.content import Topic
from bonecare.guidance.content.recommend import recommend
from bonecare.guidance.rules import assess
from bonecare.web.paging import page_of_list

_RESOURCE = "education"


def catalogue(query: dict) -> dict:
    """A page of the audience's topics, in reading order."""
    return page_of_list(content.catalogue(query["audience"]), query)


def topic(slug: str, audience: str) -> Topic:
    """One topic as written for the audience; 404 if there is none (clinician-only topics for patients)."""
    found = content.topic(slug, audience)
    if found is None:
        raise NotFound(f"No education topic {slug!r} for {audience}s.")
    return found


def recommended(session, caller, pid, query: dict, now: datetime) -> dict:
    """A page of topics ranked for the patient's flags, worded for the caller's audience."""
    access = open_record(session, caller, pid, resource=_RESOURCE, now=now)
    flags = assess(facts_for(session, access.patient, now), access.audience).flags
    session.commit()
    return page_of_list(recommend([f.code for f in flags], access.audience), query)
