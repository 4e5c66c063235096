"""Supplement and dietary intake of calcium and vitamin D."""
