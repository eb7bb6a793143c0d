"""`routes`: (prefix, viewset, basename) for the v1 router."""

routes: list = []
