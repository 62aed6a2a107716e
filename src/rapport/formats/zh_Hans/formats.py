"""Django's zh_Hans formats, with numbers grouped by thousands (see rapport/formats/__init__.py)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 (every other format stays Django's)

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
