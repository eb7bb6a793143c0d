"""API of responsibilities, leading groups and commendations.
`routes`: (prefix, viewset, basename) for the v1 router."""

routes = []
