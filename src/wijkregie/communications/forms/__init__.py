"""Forms of communications (forms/newsletters.py)."""
