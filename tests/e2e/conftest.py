"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

The browser fixtures (``browser``, ``new_context``, ``sign_in``, ``shoot``) live in tests/conftest.py so
every folder shares one Chromium per test process. Set ``RAPPORT_SCREENSHOTS=<folder>`` to also save
screenshots of each page at desktop and phone widths (for review; not committed).
"""

from tests.conftest import DESKTOP, PASSWORD, PHONE, new_context, shoot, sign_in  # noqa: F401 (shared fixtures)
