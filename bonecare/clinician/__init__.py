"""The clinician's panel: adherence and the guidance's flags for every patient on her care teams."""
