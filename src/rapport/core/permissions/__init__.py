"""The one record filter (``filter.py``) and the one single-record access function (``access.py``)."""
