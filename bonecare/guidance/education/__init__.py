"""Educational topics for patients and clinicians, loaded from the TOML files in this package.

Pure Python: no Flask, no database. The content lives in one TOML file per topic,
``<slug>.toml``, next to this module::

    slug = "calcium-and-vitamin-d"    # must equal the file name without ".toml"
    order = 40                        # reading order in the catalogue (unique, ascending)
    last_reviewed = 2026-11-27        # a TOML local date
    clinician_only = true             # optional, default false: no [patient] table then
    tags = ["calcium", "vitamin-d"]   # from TAGS, most central first; see recommend.py

    [patient]
    title = "..."

    [[patient.sections]]
    heading = "..."
    body = '''plain text or light markdown'''
    citations = ["guidance", "asco-2019:rec. 3.1"]

    [clinician]
    title = "..."
    [[clinician.sections]]
    ...

Citation format: ``"<source key>"`` or ``"<source key>:<detail>"``, where the key is one
of :data:`bonecare.guidance.sources.SOURCES` and the optional detail (after the first
colon) names the place in that source, e.g. ``"asco-2019:rec. 3.1"``. The loader checks
every key at load time and raises :class:`ValueError` for an unknown one, or for any
other malformed file. :attr:`Section.citations` holds the citations rendered for
display, as the API serves them: the source label followed by the detail, e.g.
``"ASCO 2019 rec. 3.1"`` (see :func:`render_citation`).
"""

from __future__ import annotations

import datetime as _dt
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from bonecare.guidance.sources import SOURCES, cite

AUDIENCES: tuple[str, ...] = ("patient", "clinician")

#: The tags a topic may carry, most central first; :mod:`.recommend` selects topics by these.
TAGS: frozenset[str] = frozenset(
    {
        "bone-loss",
        "baseline",
        "dxa",
        "calcium",
        "vitamin-d",
        "exercise",
        "smoking",
        "alcohol",
        "bone-agents",
        "bone-agent-safety",
        "denosumab",
        "fracture-risk",
        "severe-osteoporosis",
        "pitfalls",
    }
)


@dataclass(frozen=True)
class Section:
    """One section of a topic; ``citations`` are display strings, e.g. ``"ASCO 2019 rec. 3.1"``."""

    heading: str
    body: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """One topic as written for one audience."""

    slug: str
    title: str
    audience: str
    sections: tuple[Section, ...]
    last_reviewed: _dt.date
    tags: tuple[str, ...]


def parse_citation(ref: str) -> tuple[str, str]:
    """Split ``"key:detail"`` (or a bare ``"key"``) into ``(key, detail)``; raise ValueError for an unknown key."""
    key, _, detail = (ref if isinstance(ref, str) else "").partition(":")
    key, detail = key.strip(), detail.strip()
    if key not in SOURCES:
        raise ValueError(f"unknown source key {key!r} in citation {ref!r}")
    return key, detail


def render_citation(ref: str) -> str:
    """The readable form of a citation: the source label, then the detail if any."""
    key, detail = parse_citation(ref)
    return cite(key, detail=detail)


def _require(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise ValueError(f"{where}: {message}")


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _build_sections(raw: Any, where: str) -> tuple[Section, ...]:
    _require(isinstance(raw, list) and len(raw) > 0, where, "needs at least one section")
    sections = []
    for i, sec in enumerate(raw):
        w = f"{where}.sections[{i}]"
        _require(isinstance(sec, dict), w, "must be a table")
        unknown = set(sec) - {"heading", "body", "citations"}
        _require(not unknown, w, f"unknown keys {sorted(unknown)}")
        _require(_nonempty_str(sec.get("heading")), w, "needs a non-empty heading")
        _require(_nonempty_str(sec.get("body")), w, "needs a non-empty body")
        cites = sec.get("citations")
        _require(isinstance(cites, list) and len(cites) > 0, w, "needs at least one citation")
        try:
            rendered = tuple(render_citation(c) for c in cites)
        except ValueError as exc:
            raise ValueError(f"{w}: {exc}") from None
        sections.append(Section(sec["heading"].strip(), sec["body"].strip(), rendered))
    return tuple(sections)


def build_topics(data: dict[str, Any], filename: str) -> dict[str, Topic]:
    """Validate one parsed TOML file and return its topic per audience (raises ValueError)."""
    where = filename
    known = {"slug", "order", "last_reviewed", "clinician_only", "tags", *AUDIENCES}
    unknown = set(data) - known
    _require(not unknown, where, f"unknown keys {sorted(unknown)}")
    slug = data.get("slug")
    _require(_nonempty_str(slug), where, "needs a slug")
    _require(filename == f"{slug}.toml", where, f"slug {slug!r} does not match the file name")
    order = data.get("order")
    _require(
        isinstance(order, int) and not isinstance(order, bool),
        where,
        "needs an integer order",
    )
    reviewed = data.get("last_reviewed")
    _require(
        isinstance(reviewed, _dt.date) and not isinstance(reviewed, _dt.datetime),
        where,
        "last_reviewed must be a TOML date (YYYY-MM-DD)",
    )
    clinician_only = data.get("clinician_only", False)
    _require(isinstance(clinician_only, bool), where, "clinician_only must be true or false")
    tags = data.get("tags")
    _require(
        isinstance(tags, list) and all(isinstance(t, str) for t in tags),
        where,
        "tags must be a list of strings",
    )
    bad = [t for t in tags if t not in TAGS]
    _require(not bad, where, f"unknown tags {bad}")

    wanted = ("clinician",) if clinician_only else AUDIENCES
    if clinician_only:
        _require(
            "patient" not in data,
            where,
            "a clinician_only topic has no [patient] table",
        )
    topics = {}
    for audience in wanted:
        part = data.get(audience)
        w = f"{where} [{audience}]"
        _require(isinstance(part, dict), w, "missing")
        unknown = set(part) - {"title", "sections"}
        _require(not unknown, w, f"unknown keys {sorted(unknown)}")
        _require(_nonempty_str(part.get("title")), w, "needs a title")
        topics[audience] = Topic(
            slug=slug,
            title=part["title"].strip(),
            audience=audience,
            sections=_build_sections(part.get("sections"), w),
            last_reviewed=reviewed,
            tags=tuple(tags),
        )
    return topics


@functools.cache
def _load() -> dict[str, dict[str, Topic]]:
    """audience -> slug -> Topic, in reading order; read and validated once."""
    entries = []
    for res in resources.files(__name__).iterdir():
        if not res.name.endswith(".toml"):
            continue
        with res.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{res.name}: {exc}") from None
        entries.append((data.get("order"), res.name, build_topics(data, res.name)))
    orders = [o for o, _, _ in entries]
    dup = sorted({o for o in orders if orders.count(o) > 1})
    if dup:
        raise ValueError(f"education topics share an order value: {dup}")
    entries.sort(key=lambda e: e[0])
    out: dict[str, dict[str, Topic]] = {a: {} for a in AUDIENCES}
    for _, _, by_audience in entries:
        for audience, t in by_audience.items():
            out[audience][t.slug] = t
    return out


def _check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, got {audience!r}")


def catalogue(audience: str) -> list[Topic]:
    """All topics for an audience in reading order; clinician-only topics are absent for patients.

    Raises ValueError for an unknown audience.
    """
    _check_audience(audience)
    return list(_load()[audience].values())


def topic(slug: str, audience: str) -> Topic | None:
    """One topic for an audience, or None if there is no such topic for that audience.

    Raises ValueError for an unknown audience.
    """
    _check_audience(audience)
    return _load()[audience].get(slug)


def slugs() -> list[str]:
    """Every topic slug, in reading order (every topic has a clinician version)."""
    return list(_load()["clinician"])


__all__ = [
    "AUDIENCES",
    "TAGS",
    "Section",
    "Topic",
    "build_topics",
    "catalogue",
    "parse_citation",
    "render_citation",
    "slugs",
    "topic",
]
