"""The demo organisation of the seeds: loaded twice, present once; its users reach what their roles say."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_security_demo_is_idempotent_and_its_salespeople_see_their_own_accounts(api_client):
    from rapport.core.actions.base import ActionContext
    from rapport.core.entities import get_entity
    from rapport.core.testing.factories import create_for
    from rapport.security.actions import create_user
    from rapport.security.demo import DEMO_PASSWORD, USERS, load_security_demo
    from rapport.security.models import BusinessUnit, User

    admin = create_user(ActionContext(user=None), username="admin", password=None, is_superuser=True)
    for _ in range(6):
        create_for(get_entity("accounts"), admin)
    ctx = ActionContext(user=admin, channel="system")
    first = load_security_demo(ctx)
    assert first["users"] == len(USERS) and first["business_units"] == 6 and first["assignments"] == 6
    counts = (User.objects.count(), BusinessUnit.objects.count())
    second = load_security_demo(ctx)
    assert second == {"business_units": 0, "users": 0, "teams": 0, "assignments": 0}
    assert (User.objects.count(), BusinessUnit.objects.count()) == counts
    zhao = User.objects.get(username="zhao.lei")
    assert zhao.check_password(DEMO_PASSWORD)
    own = api_client(zhao).get("/api/v1/accounts/").json()["results"]
    assert own and all(row["owner"] == str(zhao.pk) for row in own)
    director = api_client(User.objects.get(username="zhang.wei")).get("/api/v1/accounts/?count=true").json()
    assert director["count"] == 6  # the managed branches hold every handed-out account
