"""Assessments (document 4)."""
