"""Daily targets (SAL-23): the personal KPI panel on the home page and the manager's report."""

import pytest

from rapport.core.actions.base import ActionContext


def log_contact(create, user, account, **extra):
    return create(user, "contact-logs", regarding={"entity": "accounts", "id": str(account.pk)}, method="phone",
                  notes="Called", **extra)


def test_the_home_page_shows_todays_figures_against_the_targets(signed_in, make, create, seller, admin_user):
    from rapport.pool.actions import set_pool_rule

    set_pool_rule(ActionContext(user=admin_user), capacity=130, return_after_days=30, daily_new_customers=2,
                  daily_effective_contacts=2)
    first = make(seller, "accounts", name="Tianjin Port Machinery")
    make(seller, "accounts", name="Qingdao Cranes")
    log_contact(create, seller, first, maturity=2)
    log_contact(create, seller, first, maturity=0)  # maturity 0 is not an effective contact
    html = signed_in(seller).get("/").content.decode()
    assert 'id="kpi-panel"' in html
    new = html.split('id="kpi-new"')[1].split("</div>")[0]
    contacts = html.split('id="kpi-contacts"')[1].split("</div>")[0]
    assert "2 of 2" in new and "kpi-met" in html.split('id="kpi-new"')[0][-40:]
    assert "1 of 2" in contacts


def test_a_manager_sees_the_figures_of_their_people_and_a_salesperson_does_not(signed_in, make, create, seller,
                                                                               other_seller, far_seller, manager):
    from rapport.security.models import BusinessUnit

    manager.managed_business_units.add(BusinessUnit.objects.get(pk=seller.business_unit_id))
    account = make(seller, "accounts", name="Weifang Engines")
    log_contact(create, seller, account, maturity=3)
    html = signed_in(manager).get("/pool/targets/").content.decode()
    assert f'data-user="{seller.username}"' in html and f'data-user="{other_seller.username}"' in html
    assert f'data-user="{far_seller.username}"' not in html
    row = html.split(f'data-user="{seller.username}"')[1].split("</tr>")[0]
    assert "1 of 3" in row and "1 of 35" in row
    alone = signed_in(far_seller).get("/pool/targets/").content.decode()
    assert "Nobody reports to you" in alone


@pytest.mark.parametrize("value", ["-1", "x", "1001"])
def test_targets_are_validated(admin_user, value):
    from rapport.core.errors import RecordValidationError
    from rapport.pool.actions import set_pool_rule

    with pytest.raises(RecordValidationError) as problem:
        set_pool_rule(ActionContext(user=admin_user), capacity=130, return_after_days=30, daily_new_customers=value)
    assert "daily_new_customers" in problem.value.errors


def test_the_home_page_tiles_are_the_users_own_work_records(signed_in, make, seller):
    make(seller, "accounts", name="Harbin Boilers")
    html = signed_in(seller).get("/").content.decode()
    assert "My accounts" in html and "My leads" in html
    assert "My duplicate detection rules" not in html and "My sales stages" not in html
