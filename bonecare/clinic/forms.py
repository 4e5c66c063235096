"""A posted form loaded through the API's own marshmallow schema, so that its messages are the API's."""

import marshmallow as ma

from bonecare.errors import DomainError


def _typed(field: ma.fields.Field, text: str):
    """A form's text as the JSON value the API would receive: numbers as numbers (what fails stays text, for the
    schema's own message), a ticked box as true."""
    if isinstance(field, ma.fields.Boolean):
        return text in ("on", "true", "1")
    if isinstance(field, ma.fields.Integer | ma.fields.Float):
        try:
            return float(text) if isinstance(field, ma.fields.Float) or "." in text else int(text)
        except ValueError:
            return text
    return text


def load(schema: ma.Schema, form, names: tuple, partial: bool = False, extra=None) -> tuple[dict | None, dict]:
    """(data, {}) or (None, field -> messages): the named fields (an empty one left out) and any extra values."""
    raw = {n: _typed(schema.fields[n], form.get(n, "").strip()) for n in names if form.get(n, "").strip()}
    raw.update(extra or {})
    for n in names:
        if isinstance(schema.fields[n], ma.fields.Boolean) and n not in raw:
            raw[n] = False
    try:
        return schema.load(raw, partial=partial), {}
    except ma.ValidationError as error:
        return None, messages(error.messages)


def messages(errors) -> dict:
    """field -> one line of messages, from a schema's errors or a service's DomainError."""
    if isinstance(errors, DomainError):
        return messages(errors.errors or {"_form": [errors.detail]})
    flat = {}
    for field, found in errors.items():
        if isinstance(found, dict):
            found = [m for sub in found.values() for m in (sub if isinstance(sub, list) else [sub])]
        flat[field] = " ".join(str(m) for m in found)
    return flat
