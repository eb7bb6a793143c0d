"""The outreach API routes, registered on the v1 router by config.urls."""

from . import api_care, api_cases, api_commitments, api_research

routes = [
    *api_commitments.routes,
    *api_care.routes,
    *api_research.routes,
    *api_cases.routes,
]
