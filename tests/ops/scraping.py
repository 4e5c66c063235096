"""Reading a /metrics scrape: one sample's value by its name and labels."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> list:
    """Every sample of a scrape."""
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value(text: str, name: str, **labels: str) -> float:
    """The value of the sample of this name whose labels include these; 0 when there is none (not counted yet)."""
    found = [s.value for s in samples(text) if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) <= 1, f"{name} {labels} matches {len(found)} samples"
    return found[0] if found else 0.0
