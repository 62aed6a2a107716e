"""Translation catalogs (PLT-11): complete for everything shipped, no fuzzy entries, compiled and fresh.

For each language of ``settings.LANGUAGES`` but English:

* every message of ``src/rapport/locale/<locale>/LC_MESSAGES/*.po`` is translated (each plural form
  too), none is fuzzy, the plural forms are those of the language, and the placeholders are kept;
* the catalog is complete for the current code: ``makemessages`` is run on a copy of the source with
  a copy of the catalogs, and every message it finds must already be there, translated — so marking a
  new string without translating it fails this test;
* the compiled ``.mo`` (built by ``scripts/setup``) matches the ``.po``.

Fix a failure: ``cd src/rapport && DJANGO_SETTINGS_MODULE=rapport.settings PYTHONPATH=.. \\
../../.venv/bin/python -m django makemessages -l zh_Hans -l zh_Hant -l ru -l hu --no-obsolete \\
--no-location``, translate the new or fuzzy entries, then ``scripts/setup`` (or ``compilemessages``).
"""

from __future__ import annotations

import ast
import gettext
import os
import pathlib
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.utils.translation import to_locale

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "src" / "rapport"
LOCALE = PACKAGE / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
NPLURALS = {"zh_Hans": 1, "zh_Hant": 1, "ru": 3, "hu": 2}
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib", "msgfmt")


# --- a small .po reader (the project does not depend on polib) ---------------------------------

class Entry:
    def __init__(self):
        self.flags: set[str] = set()
        self.msgctxt: str | None = None
        self.msgid = ""
        self.msgid_plural: str | None = None
        self.msgstr: dict[int, str] = {}
        self.obsolete = False

    @property
    def key(self):
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def __repr__(self):
        return repr(self.msgid)


def read_po(path: pathlib.Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the messages of a .po file."""
    entries: list[Entry] = []
    entry = Entry()
    field: tuple[str, int] | None = None

    def flush():
        nonlocal entry, field
        if field is not None or entry.flags:
            entries.append(entry)
        entry, field = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line:
                continue
        elif line.startswith("#,"):
            if field is not None and entry.msgstr:
                flush()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        elif line.startswith("#"):
            if field is not None and entry.msgstr:
                flush()
            continue
        match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, literal = match.groups()
            if keyword == "msgid" and field is not None and entry.msgstr:
                flush()
            field = (keyword.split("[")[0], int(index or 0))
            text = ast.literal_eval(literal)
        elif line.startswith('"') and field is not None:
            text = ast.literal_eval(line)
        else:
            raise AssertionError(f"{path}: cannot read the line {raw!r}")
        name, index = field
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)
    flush()
    assert entries and entries[0].msgid == "", f"{path}: no header entry"
    return entries[0], [e for e in entries[1:] if not e.obsolete]


def nplurals(header: Entry) -> int:
    match = re.search(r"^Plural-Forms:.*nplurals\s*=\s*(\d+)", header.msgstr.get(0, ""), re.M)
    assert match, "the header has no Plural-Forms"
    return int(match.group(1))


def catalogs(language: str) -> list[pathlib.Path]:
    folder = LOCALE / to_locale(language) / "LC_MESSAGES"
    return sorted(folder.glob("*.po"))


NAMED = re.compile(r"%\((\w+)\)[-+ #0]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
POSITIONAL = re.compile(r"%(?!\()[-+ #0]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACED = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


def placeholders(text: str, entry: Entry) -> tuple:
    named = sorted(set(NAMED.findall(text))) if "python-format" in entry.flags else []
    positional = len(POSITIONAL.findall(text.replace("%%", ""))) if "python-format" in entry.flags else 0
    braced = sorted(set(BRACED.findall(text))) if "python-brace-format" in entry.flags else []
    return named, positional, braced


def problems_of(path: pathlib.Path, language: str) -> list[str]:
    header, entries = read_po(path)
    found = []
    if "fuzzy" in header.flags:
        found.append("the header is fuzzy (msgfmt would ignore it)")
    expected = NPLURALS.get(to_locale(language))
    forms = nplurals(header)
    if expected is not None and forms != expected:
        found.append(f"Plural-Forms has nplurals={forms}, {to_locale(language)} needs {expected}")
    for entry in entries:
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
            continue
        wanted = range(forms) if entry.msgid_plural is not None else range(1)
        missing = [i for i in wanted if not entry.msgstr.get(i)]
        if missing:
            found.append(f"untranslated: {entry.msgid!r}")
            continue
        if entry.msgid_plural is None:
            if placeholders(entry.msgstr[0], entry) != placeholders(entry.msgid, entry):
                found.append(f"placeholders differ: {entry.msgid!r} -> {entry.msgstr[0]!r}")
        else:
            for i in wanted:
                if placeholders(entry.msgstr[i], entry) != placeholders(entry.msgid_plural, entry):
                    found.append(f"placeholders differ: {entry.msgid_plural!r} -> [{i}] {entry.msgstr[i]!r}")
    return found


def need_gettext():
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"GNU gettext is missing ({', '.join(missing)}): run scripts/setup --test "
                    "(or apt-get install gettext)")


# --- the tests -------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    paths = catalogs(language)
    assert paths, f"no catalog for {language} in {LOCALE}"
    assert any(p.name == "django.po" for p in paths)
    problems = [f"{p.name}: {problem}" for p in paths for problem in problems_of(p, language)]
    assert not problems, f"{to_locale(language)}: {len(problems)} problem(s):\n" + "\n".join(problems[:50])


@pytest.mark.parametrize("language", LANGUAGES)
def test_gettext_accepts_the_catalogs(language, tmp_path):
    """msgfmt --check: the header, the plural forms and the format strings of every message."""
    need_gettext()
    for path in catalogs(language):
        result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "out.mo"), str(path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """makemessages over a copy of the shipped code, merged into a copy of the committed catalogs."""
    need_gettext()
    from django.core.management import call_command
    from django.test.utils import override_settings

    root = tmp_path_factory.mktemp("l10n") / "rapport"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "*.mo"))
    shutil.copytree(LOCALE, root / "locale", ignore=shutil.ignore_patterns("*.mo"))
    before = os.getcwd()
    os.chdir(root)
    try:
        with override_settings(LOCALE_PATHS=[str(root / "locale")]):
            for domain in ("django", "djangojs"):
                call_command("makemessages", locale=[to_locale(code) for code in LANGUAGES], domain=domain,
                             no_obsolete=True, no_location=True, verbosity=0)
    finally:
        os.chdir(before)
    return root / "locale"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_is_complete_for_the_current_code(language, regenerated):
    folder = regenerated / to_locale(language) / "LC_MESSAGES"
    generated = sorted(folder.glob("*.po"))
    assert generated, f"makemessages wrote nothing for {language}"
    committed = {p.name for p in catalogs(language)}
    problems = []
    for path in generated:
        _header, entries = read_po(path)
        if not entries:
            continue
        if path.name not in committed:
            problems.append(f"{path.name} is missing: the code marks {len(entries)} message(s) of this domain")
            continue
        problems += [f"{path.name}: {problem}" for problem in problems_of(path, language)]
    assert not problems, (
        f"{to_locale(language)}: the code has messages the catalog lacks or that changed "
        f"({len(problems)}):\n" + "\n".join(problems[:50]))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_fresh(language, tmp_path):
    """Django reads the .mo that scripts/setup compiles; it must say what the .po says."""
    need_gettext()
    for path in catalogs(language):
        compiled = path.with_suffix(".mo")
        assert compiled.exists(), f"{compiled} is missing: run scripts/setup (it compiles the catalogs)"
        fresh = tmp_path / compiled.name
        subprocess.run(["msgfmt", "-o", str(fresh), str(path)], check=True)
        with compiled.open("rb") as installed, fresh.open("rb") as expected:
            assert gettext.GNUTranslations(installed)._catalog == gettext.GNUTranslations(expected)._catalog, (
                f"{compiled} is stale: run scripts/setup (or compilemessages in src/rapport)")


def test_translations_are_used():
    """The catalogs are found through LOCALE_PATHS and switch the text (a message of the shell)."""
    from django.utils import translation

    expected = {"zh-hans": "语言和时区", "zh-hant": "語言和時區", "ru": "Язык и часовой пояс", "hu": "Nyelv és időzóna"}
    for language in LANGUAGES:
        with translation.override(language):
            assert translation.gettext("Language and time zone") == expected[language], language
