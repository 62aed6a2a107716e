"""The action runner and the generic actions (see ``base.py`` and ``crud.py``)."""
