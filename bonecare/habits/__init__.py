"""Cigarettes and alcoholic drinks, one record per local day."""
