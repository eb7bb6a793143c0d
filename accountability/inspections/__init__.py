"""Inspections and spot-checks (document 4)."""
