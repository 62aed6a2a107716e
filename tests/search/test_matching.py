"""What quick find and global search find: Chinese, scripts, width, case and accents (PLT-6)."""

import pytest

from rapport.core.search.normalize import cjk_grams, normalize, parse_query

pytestmark = pytest.mark.django_db


def test_normalize_folds_script_width_case_and_accents():
    assert normalize("華為機械股份有限公司") == "华为机械股份有限公司"
    assert normalize("Győr") == normalize("GYOR") == "gyor"
    assert normalize("ＡＢＣ　Ｔｒａｄｉｎｇ") == "abc trading"
    assert normalize("Ёлка") == "елка"
    assert normalize("Straße") == "strasse"
    assert {"华为", "华", "为"} <= cjk_grams(normalize("北京華為科技"))
    assert [t.kind for t in parse_query("华为 華 Győr hp")] == ["gram", "gram", "substring", "short"]


def test_a_two_character_brand_inside_a_company_name_is_found(alice, make_account, quick_find):
    make_account(alice, "北京华为科技有限公司")
    make_account(alice, "上海中联重工有限公司")
    assert quick_find(alice, "华为") == {"北京华为科技有限公司"}
    assert quick_find(alice, "华") == {"北京华为科技有限公司"}
    assert quick_find(alice, "重工") == {"上海中联重工有限公司"}
    assert quick_find(alice, "有限公司") == {"北京华为科技有限公司", "上海中联重工有限公司"}


def test_traditional_finds_simplified_and_back(alice, make_account, quick_find):
    make_account(alice, "北京华为科技有限公司")
    make_account(alice, "臺北遠大機械股份有限公司")
    assert quick_find(alice, "華為") == {"北京华为科技有限公司"}
    assert quick_find(alice, "華為科技") == {"北京华为科技有限公司"}
    assert quick_find(alice, "远大") == {"臺北遠大機械股份有限公司"}
    assert quick_find(alice, "台北远大机械") == {"臺北遠大機械股份有限公司"}


def test_accents_case_and_full_width_fold(alice, make_account, quick_find):
    make_account(alice, "Győri Építőipari Kft.")
    make_account(alice, "ＡＢＣ Trading")
    make_account(alice, "Ёлкин и партнёры")
    assert quick_find(alice, "gyori") == {"Győri Építőipari Kft."}
    assert quick_find(alice, "GYŐRI epitoipari") == {"Győri Építőipari Kft."}
    assert quick_find(alice, "abc") == {"ＡＢＣ Trading"}
    assert quick_find(alice, "ＴＲＡＤＩＮＧ") == {"ＡＢＣ Trading"}
    assert quick_find(alice, "елкин партнеры") == {"Ёлкин и партнёры"}


def test_substrings_of_three_or_more_characters_in_any_quick_find_field(alice, make_account, quick_find):
    make_account(alice, "Northwind Traders Ltd", email="sales@northwind.example", city="Manchester", phone="+44 161 555 0100")
    make_account(alice, "Contoso Mining", city="Chicago")
    assert quick_find(alice, "thwin") == {"Northwind Traders Ltd"}
    assert quick_find(alice, "wind trad") == {"Northwind Traders Ltd"}
    assert quick_find(alice, "chester") == {"Northwind Traders Ltd"}
    assert quick_find(alice, "555 0100") == {"Northwind Traders Ltd"}
    assert quick_find(alice, "sales@north") == {"Northwind Traders Ltd"}
    assert quick_find(alice, "wind chicago") == set()  # every word must match
    assert quick_find(alice, "100%") == set()  # LIKE wildcards are literal


def test_short_latin_terms_match_the_start_of_the_name_or_narrow_other_terms(alice, make_account, quick_find):
    make_account(alice, "HP Inc.")
    make_account(alice, "Ship Holdings")
    assert quick_find(alice, "hp") == {"HP Inc."}
    assert quick_find(alice, "hp inc") == {"HP Inc."}
    assert quick_find(alice, "ip holdings") == {"Ship Holdings"}


def test_contacts_are_found_by_name_and_e_mail(alice, quick_find):
    from rapport.core.actions.base import ActionContext
    from rapport.core.actions.crud import create_record
    from rapport.core.entities import get_entity

    create_record(get_entity("contacts"), {"first_name": "偉", "last_name": "張", "email": "zhang.wei@example.cn"},
                  ActionContext(user=alice, channel="api"))
    found = quick_find(alice, "张伟", "contacts") | quick_find(alice, "伟", "contacts")
    assert len(found) == 1
    assert len(quick_find(alice, "zhang.wei", "contacts")) == 1


def test_global_search_ranks_the_exact_name_first(alice, make_account):
    from rapport.core.search.service import global_search

    make_account(alice, "北京华为科技有限公司")
    make_account(alice, "华为")
    make_account(alice, "华为技术有限公司")
    make_account(alice, "Huawei", city="華為")
    names = [r["name"] for r in global_search(alice, "華為")]
    assert names[:3] == ["华为", "华为技术有限公司", "北京华为科技有限公司"]
    assert names[3] == "Huawei"


def test_global_search_ranks_within_a_bounded_candidate_set(alice, make_account):
    from rapport.core.search.service import global_search

    for number in range(30):
        make_account(alice, f"Alpine Equipment {number}")
    make_account(alice, "Alpine")
    results = global_search(alice, "alpine", ["accounts"], limit=5, candidates=10)
    assert len(results) == 5
    assert results[0]["name"] == "Alpine"  # the prefix candidates come first, whatever the match count

