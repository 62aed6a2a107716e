"""The one search module behind quick find, the API's ``q``, lookups and global search (PLT-6)."""


def quick_find_q(spec, user, text: str):
    """Records of ``spec`` matching ``text`` in its quick-find fields (see ``service.quick_find_q``)."""
    # Imported on call: Django imports this package to find the app before models can load.
    from rapport.core.search.service import quick_find_q as find

    return find(spec, user, text)
