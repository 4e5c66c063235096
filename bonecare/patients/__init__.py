"""The patient's profile: time zone, smoking status, quiet hours."""
