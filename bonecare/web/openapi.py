"""How marshmallow schemas become OpenAPI 3.0.3, written so that client generators read it plainly."""

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter

from bonecare.web.schemas import Strict

# The schema of null alone, in OpenAPI 3.0.3's terms: `nullable` adds null to the `type` beside it (any type would
# do), and the enum allows nothing else. Generated clients read it as None / null, with no class of its own.
NULL = {"type": "string", "nullable": True, "enum": [None]}


class Converter(OpenAPIConverter):
    """apispec's converter with three conventions of ours: a nullable reference is `anyOf` the reference and NULL
    (apispec's `anyOf` with an empty object gives generated clients an empty class, and `nullable` beside an
    `allOf` has no `type` to act on), no null inside an enum (`nullable` says it), and every field of an output
    schema (one that is not `Strict`, so never loaded) required, as a dump writes every field, null or not, unless
    the schema marks which fields are always there (the problem's)."""

    def field2nullable(self, field: ma.fields.Field, ret) -> dict:
        """A nullable field: `nullable: true` beside its type; a reference (bare, or in the `allOf` apispec wraps
        one with a description in) becomes `anyOf` it and NULL; an untyped field allows null already."""
        if not field.allow_none:
            return {}
        if "$ref" in ret:
            return {"anyOf": [{"$ref": ret.pop("$ref")}, dict(NULL)]}
        if "allOf" in ret:
            return {"anyOf": [*ret.pop("allOf"), dict(NULL)]}
        return {"nullable": True} if "type" in ret else {}

    def field2choices(self, field: ma.fields.Field, **kwargs) -> dict:
        """The choices of a field, without the null that `nullable` already allows."""
        return _without_null(super().field2choices(field, **kwargs))

    def enum2properties(self, field, **kwargs) -> dict:
        """An Enum field's values, without the null that `nullable` already allows."""
        return _without_null(super().enum2properties(field, **kwargs))

    def schema2jsonschema(self, schema) -> dict:
        """A schema's JSON Schema; an output schema that marks no field required lists every field it dumps."""
        jsonschema = super().schema2jsonschema(schema)
        if not isinstance(schema, Strict) and "required" not in jsonschema:
            dumped = [field.data_key or name for name, field in schema.fields.items() if not field.load_only]
            if dumped:
                jsonschema["required"] = dumped
        return jsonschema


def _without_null(attributes: dict) -> dict:
    if None in attributes.get("enum", ()):
        attributes["enum"] = [choice for choice in attributes["enum"] if choice is not None]
    return attributes


def plugin() -> MarshmallowPlugin:
    """A MarshmallowPlugin with our Converter (one per app: a plugin keeps its spec)."""
    marshmallow = MarshmallowPlugin()
    marshmallow.Converter = Converter
    return marshmallow
