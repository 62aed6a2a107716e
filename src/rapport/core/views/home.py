"""The signed-in user's home page (the dashboard arrives with analytics)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rapport.core.entities import all_entities
from rapport.core.registry import registry


@login_required
def home(request):
    counts = []
    for spec in all_entities():
        # "My …" tiles: the records people own in the work areas (not settings, not sub-records).
        if spec.is_owned and spec.area not in ("", "settings", "related"):
            counts.append({"spec": spec, "url": f"/{spec.set_name}/",
                           "mine": spec.model.objects.for_user(request.user, "read").filter(
                               **({"owner_user_id": request.user.pk} if spec.is_owned else {})).count()})
    panels = [html for html in (panel(request) for panel in registry["home_panels"].values()) if html]
    return render(request, "core/home.html", {"tiles": counts, "panels": panels})
