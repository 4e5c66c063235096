"""Courses of bone-modifying agents: a clinician records them, the assessment reads them."""
