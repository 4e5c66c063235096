"""Education served over HTTP: the topic catalogue, one topic, and a patient's recommended reading."""
