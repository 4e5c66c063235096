"""The one-page PDF report of a patient's record for a period."""
