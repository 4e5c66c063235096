"""What a clinical reviewer reads: the education topics (``topics/*.toml``) and the flags' wording (``flags.toml``).

Pure Python: no Flask, no database. This module is the topics' public face; :mod:`.loader` reads and
validates them, :mod:`.recommend` ranks them for a patient's flags.
"""

from bonecare.guidance.content.loader import AUDIENCES, TAGS, Section, Topic, load_topics


def _check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}")


def catalogue(audience: str) -> list[Topic]:
    """All topics for an audience in reading order; clinician-only topics are absent for patients.

    Raises ValueError for an unknown audience.
    """
    _check_audience(audience)
    return list(load_topics()[audience].values())


def topic(slug: str, audience: str) -> Topic | None:
    """One topic for an audience, or None if there is no such topic for that audience.

    Raises ValueError for an unknown audience.
    """
    _check_audience(audience)
    return load_topics()[audience].get(slug)


def slugs() -> list[str]:
    """Every topic slug, in reading order (every topic has a clinician version)."""
    return list(load_topics()["clinician"])


__all__ = ["AUDIENCES", "TAGS", "Section", "Topic", "catalogue", "slugs", "topic"]
