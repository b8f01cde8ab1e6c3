"""The hsw2v version (files it writes record it)."""
__version__ = "0.1.0"
