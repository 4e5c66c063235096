"""The education topics read from ``topics/<slug>.toml`` and validated by a schema, once.

One TOML file per topic::

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

Citation format: ``"<source key>"`` or ``"<source key>:<detail>"``, where the key is one of
:data:`bonecare.guidance.sources.SOURCES` and the optional detail (after the first colon) names the
place in that source. A malformed file, an unknown key among them, raises :class:`ValueError` naming
the file and the place. :attr:`Section.citations` holds the citations rendered for display, as the
API serves them: the source label followed by the detail, e.g. ``"ASCO 2019 rec. 3.1"``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

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


class Text(fields.String):
    """A string with something in it, stripped; required."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise ma.ValidationError("must not be empty")
        return text


class Citation(fields.String):
    """A ``"key"`` or ``"key:detail"`` citation, loaded as its display string."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        try:
            return render_citation(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from None


class Exactly(fields.Field):
    """A TOML value of exactly one Python type: TOML is typed, so nothing is coerced (true is not 1)."""

    def __init__(self, kind: type, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind, self.error = kind, error

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not self.kind:
            raise ma.ValidationError(self.error)
        return value


def citations() -> fields.List:
    """A non-empty list of citations."""
    return fields.List(Citation(), required=True, validate=validate.Length(min=1, error="needs at least one citation"))


class _Section(ma.Schema):
    heading = Text()
    body = Text()
    citations = citations()

    @ma.post_load
    def _make(self, data: dict, **kwargs) -> Section:
        return Section(data["heading"], data["body"], tuple(data["citations"]))


class _Part(ma.Schema):
    title = Text()
    sections = fields.List(
        fields.Nested(_Section), required=True, validate=validate.Length(min=1, error="needs at least one section")
    )


class _TopicFile(ma.Schema):
    slug = Text()
    order = Exactly(int, "needs an integer order", required=True)
    last_reviewed = Exactly(_dt.date, "must be a TOML date (YYYY-MM-DD)", required=True)
    clinician_only = Exactly(bool, "must be true or false", load_default=False)
    tags = fields.List(fields.String(validate=validate.OneOf(TAGS, error="unknown tag {input!r}")), required=True)
    patient = fields.Nested(_Part)
    clinician = fields.Nested(_Part, required=True)

    @ma.validates_schema
    def _audiences(self, data: dict, **kwargs) -> None:
        if data.get("clinician_only") and "patient" in data:
            raise ma.ValidationError("a clinician_only topic has no [patient] table", "patient")
        if not data.get("clinician_only") and "patient" not in data:
            raise ma.ValidationError("missing", "patient")


def _messages(errors: Any, where: str) -> Iterator[str]:
    """marshmallow's nested messages as 'place: message' lines (place as in TOML: a.b[0].c)."""
    if isinstance(errors, dict):
        for key, inner in errors.items():
            if isinstance(key, int):
                place = f"{where}[{key}]"
            elif key in (ma.exceptions.SCHEMA, "value"):  # the table itself; a fields.Dict entry's value
                place = where
            elif key == "key":  # a fields.Dict entry's name
                place = f"{where} (name)"
            else:
                place = f"{where}.{key}".lstrip(".")
            yield from _messages(inner, place)
    else:
        for message in errors:
            yield f"{where}: {message}" if where else message


def validated(schema: ma.Schema, data: dict, filename: str) -> Any:
    """``schema.load(data)``, or a ValueError naming the file and every place that is wrong."""
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        raise ValueError(f"{filename}: " + "; ".join(_messages(exc.messages, ""))) from None


def build_topics(data: dict[str, Any], filename: str) -> dict[str, Topic]:
    """Validate one parsed TOML file and return its topic per audience (raises ValueError)."""
    loaded = validated(_TopicFile(), data, filename)
    if filename != f"{loaded['slug']}.toml":
        raise ValueError(f"{filename}: slug {loaded['slug']!r} does not match the file name")
    return {
        audience: Topic(
            slug=loaded["slug"],
            title=loaded[audience]["title"],
            audience=audience,
            sections=tuple(loaded[audience]["sections"]),
            last_reviewed=loaded["last_reviewed"],
            tags=tuple(loaded["tags"]),
        )
        for audience in AUDIENCES
        if audience in loaded
    }


def read_toml(path: str) -> dict:
    """A TOML file of this package, by its path in it ("flags.toml", "topics/x.toml"); ValueError if malformed."""
    with resources.files(__package__).joinpath(path).open("rb") as fh:
        try:
            return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: {exc}") from None


@functools.cache
def load_topics() -> dict[str, dict[str, Topic]]:
    """audience -> slug -> Topic, in reading order; read and validated once."""
    entries = []
    for res in resources.files(__package__).joinpath("topics").iterdir():
        if res.name.endswith(".toml"):
            data = read_toml(f"topics/{res.name}")
            entries.append((data.get("order"), build_topics(data, res.name)))
    orders = [order for order, _ in entries]
    dup = sorted({o for o in orders if orders.count(o) > 1})
    if dup:
        raise ValueError(f"education topics share an order value: {dup}")
    entries.sort(key=lambda entry: entry[0])
    out: dict[str, dict[str, Topic]] = {a: {} for a in AUDIENCES}
    for _, by_audience in entries:
        for audience, t in by_audience.items():
            out[audience][t.slug] = t
    return out
