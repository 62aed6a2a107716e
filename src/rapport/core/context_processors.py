"""What every page's shell needs: the navigation from the registry."""

from rapport.core.navigation import navigation


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"navigation": navigation(user)}
