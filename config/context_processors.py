"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject


def nav(request):
    """`nav_roles`: the roles the user holds now, for the navigation.

    Lazy, and read from the request's scope cache, so a page that looks at
    anything organisation-owned pays no extra query for it.
    """
    from branches import scoping

    def roles():
        return scoping.scope_for(getattr(request, "user", None), scoping.VIEW).roles

    return {"nav_roles": SimpleLazyObject(roles)}
