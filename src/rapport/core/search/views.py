"""The search page ``/search/?q=``: global search, results grouped by entity set."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rapport.core.entities import get_entity
from rapport.core.query import QueryError
from rapport.core.search.service import global_search, parse_entity_sets

PAGE_LIMIT = 50


@login_required
def search_page(request):
    text = (request.GET.get("q") or "").strip()
    error = None
    groups = []
    total = 0
    if text:
        try:
            specs = parse_entity_sets(request.GET.get("entities"))
        except QueryError as problem:
            specs, error = [], problem.detail
        results = global_search(request.user, text, [spec.set_name for spec in specs], limit=PAGE_LIMIT) if specs else []
        total = len(results)
        by_set: dict[str, dict] = {}
        # Groups in the order of their best result; results keep their rank inside a group.
        for result in results:
            group = by_set.get(result["entity"])
            if group is None:
                group = by_set[result["entity"]] = {"spec": get_entity(result["entity"]), "results": []}
                groups.append(group)
            group["results"].append({**result, "url": f"/{result['entity']}/{result['id']}/"})
    return render(request, "search/search.html", {"q": text, "groups": groups, "total": total, "error": error,
                                                  "limit": PAGE_LIMIT})
