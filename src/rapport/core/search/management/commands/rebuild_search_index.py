"""``rebuild_search_index [entity ...]`` — reload the search index after a bulk load."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Command(BaseCommand):
    help = gettext_lazy("Rebuild the search index of every indexed entity set (or of the sets given).")

    def add_arguments(self, parser):
        parser.add_argument("entities", nargs="*", help=gettext_lazy("entity sets, e.g. accounts contacts (default: all)"))

    def handle(self, *args, entities=None, **options):
        from rapport.core.search.service import indexed_entities, rebuild_index

        known = {spec.set_name for spec in indexed_entities()}
        unknown = [name for name in entities or [] if name not in known]
        if unknown:
            raise CommandError(_("Unknown entity set \"%(set)s\".") % {"set": unknown[0]})
        started = time.perf_counter()
        counts = rebuild_index(entities or None)
        for set_name, count in counts.items():
            self.stdout.write(_("%(set)s: %(count)d records") % {"set": set_name, "count": count})
        self.stdout.write(_("%(count)d records indexed in %(seconds).1f s") % {
            "count": sum(counts.values()), "seconds": time.perf_counter() - started})
