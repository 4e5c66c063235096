"""How marshmallow schemas become OpenAPI 3.0.3, written so that client generators read it plainly."""

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter

from bonecare.web.schemas import Strict

# What the request parser refuses in any string of a body (parser.py), as a pattern: NUL. (The unpaired surrogates
# it refuses too are no Unicode text, so no JSON Schema string holds one.)
NO_NUL = "^[^\\x00]*$"


class Converter(OpenAPIConverter):
    """apispec's converter with four conventions of ours: nullable references as `allOf` + `nullable` (apispec's
    `anyOf` with an empty object gives generated clients an empty class), no null inside an enum (`nullable` says
    it), every field of an output schema (one that is not `Strict`, so never loaded) required, as a dump
    writes every field, null or not, unless the schema marks which fields are always there (the problem's), and
    each field a client sends states the pattern its value must match (`input_patterns`)."""

    def init_attribute_functions(self):
        super().init_attribute_functions()
        self.attribute_functions.insert(-1, self.input_patterns)  # before field2nullable, which may move a $ref

    def init_parameter_attribute_functions(self) -> None:
        super().init_parameter_attribute_functions()
        self.parameter_attribute_functions.append(self.parameter_not_null)

    def parameter_not_null(self, field: ma.fields.Field, ret) -> dict:
        """A parameter is text in a URL, never null: one left out takes its default, so its schema is not nullable
        (a query field that defaults to None is, to marshmallow)."""
        schema = dict(ret["schema"])
        if not schema.pop("nullable", False):
            return {}
        if schema.get("default", ...) is None:
            del schema["default"]
        if len(schema.get("allOf", ())) == 1 and "$ref" not in schema["allOf"][0]:
            schema.update(schema.pop("allOf")[0])
        return {"schema": schema}

    def input_patterns(self, field: ma.fields.Field, ret) -> dict:
        """A field of a schema that is loaded (`Strict`) states what it reads: the pattern of its class (a date, an
        instant), or else, for free text, that it holds no NUL."""
        if not isinstance(field.root, Strict) or "pattern" in ret:
            return {}
        if pattern := getattr(field, "input_pattern", None):
            return {"pattern": pattern}
        if ret.get("type") == "string" and not {"format", "enum"} & set(ret):
            return {"pattern": NO_NUL}
        return {}

    def field2nullable(self, field: ma.fields.Field, ret) -> dict:
        """A nullable field: `nullable: true`, around an `allOf` when it is a reference, or when it is a choice a
        client sends: by OpenAPI 3.0.3 an `enum` beside `nullable` still refuses null (a validator of requests such
        as schemathesis reads it so), and null is no choice to put in it."""
        if not field.allow_none:
            return {}
        if "$ref" in ret:
            return {"allOf": [{"$ref": ret.pop("$ref")}], "nullable": True}
        if "enum" in ret and isinstance(field.root, Strict):
            return {"allOf": [{"type": ret.pop("type"), "enum": ret.pop("enum")}], "nullable": True}
        return {"nullable": True}

    def field2choices(self, field: ma.fields.Field, **kwargs) -> dict:
        """The choices of a field, without the null that `nullable` already allows."""
        return _without_null(super().field2choices(field, **kwargs))

    def enum2properties(self, field, **kwargs) -> dict:
        """An Enum field's values, without the null that `nullable` already allows."""
        return _without_null(super().enum2properties(field, **kwargs))

    def schema2jsonschema(self, schema) -> dict:
        """A schema's JSON Schema, with the keywords its Meta.spec_keywords adds (a rule over its fields, such as
        minProperties); an output schema that marks no field required lists every field it dumps."""
        jsonschema = super().schema2jsonschema(schema)
        jsonschema.update(getattr(getattr(schema, "Meta", None), "spec_keywords", {}))
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
