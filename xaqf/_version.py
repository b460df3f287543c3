"""The version of xaqf (read by the build backend and written into model files and stores)."""

__version__ = "0.1.0"
