"""A patient's export: everything held about her, as one JSON document or as a FHIR R4 bundle."""
