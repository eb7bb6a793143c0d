"""Responsibilities, leading groups and commendations (document 4)."""
