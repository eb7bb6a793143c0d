"""API of inspections and spot-checks.
`routes`: (prefix, viewset, basename) for the v1 router."""

routes = []
