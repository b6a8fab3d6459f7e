"""Every write of communications (services/newsletters.py)."""
