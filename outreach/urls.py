"""Serving the masses (document 2)."""

from . import urls_care, urls_cases, urls_commitments, urls_research

app_name = "outreach"
urlpatterns = [
    *urls_commitments.urlpatterns,  # commitments, the public board, service posts
    *urls_care.urlpatterns,  # households, pairings, volunteering, care for members
    *urls_research.urlpatterns,  # contact points, research days, the member's record
    *urls_cases.urlpatterns,  # service stations, reception, cases of the public
]
