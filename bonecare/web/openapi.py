"""How marshmallow schemas become OpenAPI 3.0.3, written so that client generators read it plainly."""

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter

from bonecare.web.schemas import Strict

# The schema of null alone, in OpenAPI 3.0.3's terms: `nullable` adds null to the `type` beside it (any type would
# do), and the enum allows nothing else. Generated clients read it as None / null, with no class of its own.
NULL = {"type": "string", "nullable": True, "enum": [None]}
# What the request parser refuses in any string of a body (parser.py), as a pattern: NUL. (The unpaired surrogates
# it refuses too are no Unicode text, so no JSON Schema string holds one.)
NO_NUL = "^[^\\x00]*$"


class Converter(OpenAPIConverter):
    """apispec's converter with four conventions of ours: a nullable reference, or a nullable choice a client
    sends, is `anyOf` it and NULL (apispec's `anyOf` with an empty object gives generated clients an empty class,
    `nullable` beside an `allOf` has no `type` to act on, and by 3.0.3 an `enum` beside `nullable` still refuses
    null), no null inside an enum, every field of an output schema (one that is not `Strict`, so never loaded)
    required, as a dump writes every field, null or not, unless the schema marks which fields are always there
    (the problem's), and each field a client sends states the pattern its value must match (`input_patterns`)."""

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
        choices = [option for option in schema.get("anyOf", ()) if option != NULL]
        if not schema.pop("nullable", False) and len(choices) == len(schema.get("anyOf", ())):
            return {}
        if schema.get("default", ...) is None:
            del schema["default"]
        if "anyOf" in schema and len(choices) == 1:
            del schema["anyOf"]
            schema.update(choices[0])
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
        """A nullable field: `nullable: true` beside its type; a reference (bare, or in the `allOf` apispec wraps
        one with a description in), or a choice a client sends, becomes `anyOf` it and NULL; an untyped field
        allows null already."""
        if not field.allow_none:
            return {}
        if "$ref" in ret:
            return {"anyOf": [{"$ref": ret.pop("$ref")}, dict(NULL)]}
        if "allOf" in ret:
            return {"anyOf": [*ret.pop("allOf"), dict(NULL)]}
        if "enum" in ret and isinstance(field.root, Strict):
            return {"anyOf": [self._named_choice(field, {"type": ret.pop("type"), "enum": ret.pop("enum")}), NULL]}
        return {"nullable": True} if "type" in ret else {}

    def _named_choice(self, field: ma.fields.Field, choice: dict) -> dict:
        """A reference to the choice as a schema of its own, named after its field (`SmokingStatus`; its schema's
        name first if another choice has that name), so that a generated client gives it one enum class."""
        schemas = self.spec.components.schemas
        name = "".join(part.title() for part in field.name.split("_"))
        if schemas.get(name, choice) != choice:
            name = type(field.root).__name__ + name
        if name not in schemas:
            self.spec.components.schema(name, choice)
        return {"$ref": f"#/components/schemas/{name}"}

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
