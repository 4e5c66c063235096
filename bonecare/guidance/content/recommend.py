"""Which topics a patient should read next, ranked from her assessment flags (pure).

Each flag code points at tags (:data:`FLAG_TAGS`); a topic matches a flag when it carries
one of those tags. A topic lists its tags most central first, so the position of the
matched tag in the topic's list says how closely the topic answers the flag: a topic whose
first tag matches comes before one that only touches the subject. Among equally close
topics the more pressing flag wins (the order of :data:`FLAG_TAGS`), then reading order.
After the flagged topics come the :data:`ESSENTIALS` not already listed, which is also the
whole list for a patient with no flag at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bonecare.guidance.content import Topic, catalogue

#: Flag code -> the tags of the topics that explain it; the order is the flags' priority.
FLAG_TAGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("DENOSUMAB_DOSE_LATE", ("denosumab",)),
    ("DENOSUMAB_STOPPED", ("denosumab",)),
    ("SEVERE_OSTEOPOROSIS", ("severe-osteoporosis",)),
    ("BONE_AGENT_INDICATED", ("bone-agents",)),
    ("BONE_AGENT_NOT_STARTED", ("bone-agents",)),
    ("PRE_TREATMENT_CHECKS", ("bone-agent-safety",)),
    ("DENOSUMAB_DOSE_DUE", ("denosumab",)),
    ("BASELINE_DXA_MISSING", ("baseline",)),
    ("VITAMIN_D_DEFICIENT", ("vitamin-d",)),
    ("DXA_OVERDUE", ("dxa",)),
    ("EXCESS_CALCIUM", ("calcium",)),
    ("EXCESS_VITAMIN_D", ("vitamin-d",)),
    ("SMOKER", ("smoking",)),
    ("ALCOHOL_OVER_LIMIT", ("alcohol",)),
    ("LOW_CALCIUM_ADHERENCE", ("calcium",)),
    ("LOW_VITAMIN_D_ADHERENCE", ("vitamin-d",)),
    ("VITAMIN_D_UNKNOWN", ("vitamin-d",)),
    ("VITAMIN_D_OLD", ("vitamin-d",)),
    ("NEAR_THRESHOLD", ("dxa",)),
    ("EXERCISE_INCOMPLETE", ("exercise",)),
    ("ON_BONE_AGENT", ("bone-agent-safety",)),
)

#: The reason given for a topic recommended to everyone taking exemestane.
ESSENTIAL = "ESSENTIAL"

#: What everyone taking exemestane should read, in this order, whatever her state.
ESSENTIALS: tuple[str, ...] = (
    "why-exemestane-affects-bone",
    "calcium-and-vitamin-d",
    "exercise-for-bone-health",
    "bone-density-monitoring",
)

_PRIORITY = {code: i for i, (code, _) in enumerate(FLAG_TAGS)}
_TAGS = dict(FLAG_TAGS)


@dataclass(frozen=True)
class Recommendation:
    """A topic to read and why: flag codes, or :data:`ESSENTIAL`."""

    topic: Topic
    reasons: tuple[str, ...]


def _closeness(topic: Topic, code: str) -> int | None:
    """How central the flag's subject is to the topic (0 = its main subject), or None if absent."""
    positions = [topic.tags.index(tag) for tag in _TAGS[code] if tag in topic.tags]
    return min(positions) if positions else None


def recommend(flag_codes: Iterable[str], audience: str) -> list[Recommendation]:
    """The topics for this audience ranked for a patient with these flags (unknown codes are ignored).

    Raises ValueError for an unknown audience.
    """
    codes = sorted({c for c in flag_codes if c in _PRIORITY}, key=_PRIORITY.__getitem__)
    topics = catalogue(audience)
    ranked = []
    for order, topic in enumerate(topics):
        matches = [(close, _PRIORITY[c], c) for c in codes if (close := _closeness(topic, c)) is not None]
        if matches:
            ranked.append(((*min(matches)[:2], order), topic, tuple(c for _, _, c in sorted(matches))))
    ranked.sort(key=lambda entry: entry[0])
    out = [Recommendation(topic, reasons) for _, topic, reasons in ranked]
    listed = {r.topic.slug for r in out}
    by_slug = {t.slug: t for t in topics}
    out += [Recommendation(by_slug[s], (ESSENTIAL,)) for s in ESSENTIALS if s in by_slug and s not in listed]
    return out
