"""API of annual written reports.
`routes`: (prefix, viewset, basename) for the v1 router."""

routes = []
