"""Conventions that are checks (ANCHORS §3.17): layering and the one record filter."""

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parent.parent / "src" / "rapport"
DOMAIN_APPS = {"customers", "sales", "catalog", "activities", "marketing", "service", "automation", "analytics"}


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_core_and_security_import_no_domain_app():
    offenders = []
    for folder in ("core", "security"):
        for path in (SRC / folder).rglob("*.py"):
            for name in _imports(path):
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "rapport" and parts[1] in DOMAIN_APPS:
                    offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_the_check_catches_a_domain_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from rapport.customers.models import Account\n")
    assert "rapport.customers.models" in list(_imports(bad))


def _entity_model_names():
    import django

    django.setup()
    from rapport.core.entities import all_entities

    return {spec.model.__name__ for spec in all_entities()}


READ_PATH_FILES = ("views.py", "api.py", "forms.py")


def _direct_queries(path: pathlib.Path, model_names: set[str]) -> list[str]:
    """``<EntityModel>.objects.<anything but for_user>`` in a read path (ANCHORS §3.7)."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "objects" and isinstance(node.value.value, ast.Name)
                and node.value.value.id in model_names and node.attr != "for_user"):
            found.append(f"{path.name}:{node.lineno} {node.value.value.id}.objects.{node.attr}")
        # Generic code reaches the model through its spec: ``spec.model.objects.<x>``.
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "objects" and isinstance(node.value.value, ast.Attribute)
                and node.value.value.attr == "model" and node.attr not in {"for_user", "all", "none"}):
            found.append(f"{path.name}:{node.lineno} model.objects.{node.attr}")
    return found


def _read_path_files():
    for path in SRC.rglob("*.py"):
        if path.name in READ_PATH_FILES or path.parent.name in {"views", "api"}:
            yield path


def test_views_api_and_forms_read_entities_only_through_the_record_filter():
    model_names = _entity_model_names()
    offenders = []
    for path in _read_path_files():
        offenders += _direct_queries(path, model_names)
    assert offenders == []


def test_the_record_filter_check_catches_a_direct_query(tmp_path):
    bad = tmp_path / "views.py"
    bad.write_text("def v(request):\n    return Account.objects.filter(name='x')\n")
    good = tmp_path / "api.py"
    good.write_text("def v(request):\n    return Account.objects.for_user(request.user, 'read')\n")
    assert _direct_queries(bad, {"Account"}) == ["views.py:2 Account.objects.filter"]
    assert _direct_queries(good, {"Account"}) == []
