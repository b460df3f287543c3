"""Placeholder: being written by its owner."""
DEFAULT_FLOOR = 1e-6
