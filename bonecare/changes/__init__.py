"""A patient's changes feed: every record and tombstone of hers in version order, for phones that sync."""
