"""The engine's own entities: notes (PLT-9) and connections (PLT-17)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.entities import EntitySpec, Section, Tab, all_entities, register
from rapport.core.models import Connection, Note
from rapport.core.permissions.filter import NOTHING


def _owned_by(user) -> Q:
    condition = Q(owner_user_id=user.pk)
    if user.team_ids():
        condition |= Q(owner_team_id__in=user.team_ids())
    return condition


def _reference_readable(user, prefix: str, feature: str) -> Q:
    condition = NOTHING
    for spec in all_entities():
        if feature in spec.features:
            condition |= Q(**{f"{prefix}_entity": spec.set_name,
                              f"{prefix}_id__in": spec.model.objects.for_user(user, "read").values("pk")})
    return condition


def note_filter(user, privilege: str) -> Q:
    """A note is read by whoever reads its record, and changed by its owner."""
    condition = _reference_readable(user, "regarding", "notes")
    if privilege != "read":
        condition &= _owned_by(user)
    return condition


def connection_filter(user, privilege: str) -> Q:
    """A connection is read by whoever reads both of its records, and changed by its owner."""
    condition = _reference_readable(user, "record1", "connections") & _reference_readable(user, "record2", "connections")
    if privilege != "read":
        condition &= _owned_by(user)
    return condition


def connections_of_record(value) -> Q:
    """``?record=<id>``: a record's connections in both directions."""
    import uuid

    from rapport.core.query import QueryError

    try:
        pk = uuid.UUID(str(value))
    except ValueError:
        raise QueryError(_("\"record\" must be a record id."), "invalid-value", field="record")
    return Q(record1_id=pk) | Q(record2_id=pk)


def register_all():
    register(EntitySpec(
        set_name="notes",
        model=Note,
        label=_("Note"),
        label_plural=_("Notes"),
        primary_field="title",
        fields=["regarding", "title", "text", "file_name", "file_size", "file_content_type"],
        quick_find=["title", "text"],
        default_columns=["title", "regarding", "created_on"],
        default_ordering=["-created_on"],
        area="",
        features=frozenset({"audit"}),
        field_overrides={
            "file_name": {"read_only": True},
            "file_size": {"read_only": True},
            "file_content_type": {"read_only": True},
        },
        read_filter=note_filter,
        tabs=[Tab(_("Note"), [Section(_("Note"), ["regarding", "title", "text"])])],
    ))
    register(EntitySpec(
        set_name="connections",
        model=Connection,
        label=_("Connection"),
        label_plural=_("Connections"),
        primary_field="description",
        fields=["record1", "record2", "role1", "role2", "description", "effective_start", "effective_end"],
        quick_find=["description"],
        default_columns=["record1", "role1", "record2", "role2"],
        default_ordering=["-created_on"],
        area="",
        features=frozenset({"audit"}),
        field_overrides={"record1": {"required": True}, "record2": {"required": True}},
        read_filter=connection_filter,
        extra_list_params={"record": connections_of_record},
    ))
