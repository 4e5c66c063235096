"""Fuzzing bonecare with schemathesis, and the small world of records it runs against."""
