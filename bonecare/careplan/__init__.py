"""The patient's targets, with defaults from the guidance."""
