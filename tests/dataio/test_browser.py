"""Browser journey: the import wizard with mapping, option values and the downloadable row report.

Set ``RAPPORT_SCREENSHOTS=<folder>`` to also save each wizard page.
"""

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import new_context, shoot, sign_in  # noqa: F401 (shared fixtures)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_import_wizard_maps_columns_and_values_and_reports_bad_rows(live_server, new_context, sign_in, shoot,  # noqa: F811
                                                                     alice, tmp_path):
    from rapport.dataio.engine import run_import
    from rapport.dataio.models import Import
    from rapport.sales.models import Lead
    from rapport.security.models import Role, root_business_unit

    role = Role.objects.create(name="Importers", business_unit=root_business_unit(), privileges={}, misc_privileges=["import"])
    role.users.add(alice)
    data = tmp_path / "trade-show.csv"
    data.write_text("主题,Last name,Company,Rating,Employees\n"
                    "Two graders,Nagy,Alföldi Útépítő Kft.,Very hot,120\n"
                    "Port loaders,Wang,大连港务集团,warm,many\n"
                    '"=HYPERLINK(""http://x"",""y"")",Kiss,Kiss Bt,cold,3\n', encoding="utf-8")
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/leads/")
    page.click(".page-actions >> text=Import")
    expect(page.locator("#import-entity")).to_have_value("leads")
    page.set_input_files("#import-file", str(data))
    shoot(page, "import-1-upload")
    page.click("text=Next: columns")
    # auto-mapped by the Chinese label of Topic and by the English labels; "Company" needs a hand
    expect(page.locator("select[data-header='主题']")).to_have_value("topic")
    expect(page.locator("select[data-header='Last name']")).to_have_value("last_name")
    expect(page.locator("select[data-header='Rating']")).to_have_value("rating")
    page.select_option("select[data-header='Company']", "company_name")
    shoot(page, "import-2-mapping")
    page.click("text=Next: option values")
    expect(page.locator("label", has_text="Very hot")).to_be_visible()
    page.select_option("select[name='v-rating-0']", "hot")
    shoot(page, "import-3-values")
    page.click("text=Next: options")
    expect(page.locator("#dup-skip")).to_be_checked()
    shoot(page, "import-4-options")
    page.click("text=Start the import")
    expect(page.locator("#import-progress")).to_be_visible()
    run_import(Import.objects.get().pk)  # the worker's part, in this process
    expect(page.locator("#import-state")).to_have_text("Finished", timeout=15_000)
    expect(page.locator("#count-imported")).to_have_text("2")
    expect(page.locator("#count-failed")).to_have_text("1")
    expect(page.locator("#import-issues")).to_contain_text("Employees")
    shoot(page, "import-5-result")
    with page.expect_download() as download_info:
        page.click("#download-errors")
    report = download_info.value.path().read_text(encoding="utf-8-sig")
    assert report.splitlines()[1].startswith("3,Employees,employees,Error,")
    assert sorted(Lead.objects.values_list("rating", flat=True)) == ["cold", "hot"]
    assert Lead.objects.filter(topic='=HYPERLINK("http://x","y")').exists()
    # the list offers export, print and import of the current view
    page.goto(f"{live_server.url}/leads/")
    for label in ("Export to Excel", "Export to CSV", "Print", "Import"):
        expect(page.locator(".page-actions", has_text=label)).to_be_visible()
    shoot(page, "import-6-list-tools")
    with page.expect_download() as download_info:
        page.click(".page-actions >> text=Export to CSV")
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in exported and "Two graders" in exported


def test_bulk_edit_from_the_list(live_server, new_context, sign_in, shoot, alice):  # noqa: F811
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity
    from rapport.customers.models import Account

    for name in ("Dalian Port Works", "Alföldi Útépítő Kft."):
        create_record(get_entity("accounts"), {"name": name}, ActionContext(user=alice))
    page = sign_in(new_context(), alice)
    page.goto(f"{live_server.url}/accounts/")
    page.check("input[name=ids] >> nth=0")
    page.check("input[name=ids] >> nth=1")
    page.click(".bulk-actions >> text=Bulk edit")
    expect(page.locator("#bulk-edit-form")).to_be_visible()
    page.check("#change-city")
    page.fill("#bulk-id_city", "Szeged")
    shoot(page, "bulk-edit")
    page.click("text=Save changes")
    expect(page.locator("main")).to_contain_text("2 of 2 records succeeded")
    shoot(page, "bulk-edit-result")
    assert set(Account.objects.values_list("city", flat=True)) == {"Szeged"}
