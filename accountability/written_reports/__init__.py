"""Annual written reports (document 4)."""
