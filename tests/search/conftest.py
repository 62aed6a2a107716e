import pytest


@pytest.fixture
def make_account():
    """``make_account(user, name, **fields)`` creates an account through the action runner."""
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    def make(user, name, **fields):
        return create_record(get_entity("accounts"), {"name": name, **fields}, ActionContext(user=user, channel="api")).record

    return make


@pytest.fixture
def quick_find():
    """``quick_find(user, text, set_name="accounts")``: names of the readable records quick find returns."""
    from rapport.core.entities import get_entity
    from rapport.core.listing import base_queryset
    from rapport.core.search import quick_find_q

    def find(user, text, set_name="accounts"):
        spec = get_entity(set_name)
        return {str(r) for r in base_queryset(spec, user, quick_find_q(spec, user, text))}

    return find


def _holding_own_records(user):
    """Give an ordinary user every privilege on the records they own (user depth).

    Before security roles existed every ordinary user held these; with roles (SEC-4) a user
    holds only what a role grants, so the search tests grant it explicitly.
    """
    try:
        from rapport.security.models import Role
    except ImportError:
        return user
    from rapport.core.entities import all_entities
    from rapport.core.permissions.filter import PRIVILEGES
    from rapport.security.models import root_business_unit

    privileges = {spec.set_name: {p: "user" for p in PRIVILEGES} for spec in all_entities()}
    role, _created = Role.objects.get_or_create(name="Search tests: own records", business_unit=root_business_unit(),
                                                defaults={"privileges": privileges})
    user.roles.add(role)
    forget = getattr(user, "forget_security_cache", None)
    if forget is not None:
        forget()
    return user


@pytest.fixture
def alice(make_user):
    return _holding_own_records(make_user("alice"))


@pytest.fixture
def bob(make_user):
    return _holding_own_records(make_user("bob"))
