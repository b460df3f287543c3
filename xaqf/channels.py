"""Placeholder: being written by its owner."""
