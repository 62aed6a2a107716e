"""Realistic data at scale, loaded through bulk paths (not the per-record actions).

Multilingual company and person names (Chinese in both scripts, Russian, Hungarian, English),
owners with a Zipf-like skew, modification dates spread over three years. Deterministic for a
given seed, so a cached data set can be reused.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

CN_REGIONS = ["北京", "上海", "天津", "重庆", "辽宁", "沈阳", "大连", "广州", "深圳", "杭州", "南京", "武汉", "成都", "西安", "青岛"]
CN_BRANDS = ["华为", "中联", "三一", "徐工", "柳工", "山河", "龙工", "临工", "恒立", "海天", "金风", "远大", "正泰", "德力", "宏达",
             "鑫源", "瑞丰", "天成", "永盛", "新华", "长城", "东方", "宝利", "安信", "汇通", "鼎盛", "嘉禾", "同创", "中科", "博远"]
CN_TRADES = ["科技", "机械", "重工", "贸易", "建设", "矿业", "物流", "电子", "能源", "工程"]
CN_FORMS = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]
TW_MAP = str.maketrans({"华": "華", "为": "為", "联": "聯", "机": "機", "械": "械", "贸": "貿", "设": "設", "业": "業",
                        "东": "東", "长": "長", "电": "電", "远": "遠", "鑫": "鑫", "龙": "龍", "宝": "寶", "汇": "匯"})
RU_WORDS = ["Сибирская", "Уральская", "Северная", "Волжская", "Горная", "Строительная", "Торговая", "Промышленная",
            "Транспортная", "Энергетическая", "Инженерная", "Металлургическая"]
RU_NOUNS = ["компания", "группа", "техника", "логистика", "сталь", "машиностроение"]
HU_CITIES = ["Győri", "Budapesti", "Debreceni", "Szegedi", "Pécsi", "Miskolci", "Kecskeméti", "Székesfehérvári"]
HU_WORDS = ["Építőipari", "Gépipari", "Kereskedelmi", "Szállítmányozási", "Mezőgazdasági", "Bányászati", "Műszaki"]
HU_FORMS = ["Kft.", "Zrt.", "Bt."]
EN_WORDS = ["Northwind", "Contoso", "Fabrikam", "Litware", "Adventure", "Blue Yonder", "Coho", "Tailspin", "Wingtip",
            "Proseware", "Lucerne", "Margie", "Fourth Coffee", "Alpine", "Humongous", "Trey", "Woodgrove", "Relecloud"]
EN_TRADES = ["Traders", "Mining", "Construction", "Equipment", "Logistics", "Industries", "Holdings", "Engineering"]
EN_FORMS = ["Ltd", "Inc.", "LLC", "Corp.", "GmbH", "AG"]
CITIES = {
    "zh": ["北京", "上海", "沈阳", "大连", "广州", "深圳"], "tw": ["臺北", "臺中", "高雄"],
    "ru": ["Москва", "Новосибирск", "Екатеринбург", "Красноярск"], "hu": ["Győr", "Budapest", "Debrecen", "Pécs"],
    "en": ["London", "Manchester", "Chicago", "Denver", "Sydney"],
}
INDUSTRIES = ["construction", "mining", "manufacturing", "logistics", "energy", "wholesale", "technology", "agriculture"]


def company_name(rng: random.Random) -> tuple[str, str, str]:
    """(name, city, country) in one of the five scripts/languages."""
    roll = rng.random()
    if roll < 0.40:
        name = rng.choice(CN_REGIONS) + rng.choice(CN_BRANDS) + rng.choice(CN_TRADES) + rng.choice(CN_FORMS)
        return name, rng.choice(CITIES["zh"]), "China"
    if roll < 0.50:
        name = (rng.choice(CN_BRANDS) + rng.choice(CN_TRADES) + "股份有限公司").translate(TW_MAP)
        return name, rng.choice(CITIES["tw"]), "Taiwan"
    if roll < 0.65:
        name = f"ООО «{rng.choice(RU_WORDS)} {rng.choice(RU_NOUNS)} {rng.randint(1, 999)}»"
        return name, rng.choice(CITIES["ru"]), "Russia"
    if roll < 0.78:
        name = f"{rng.choice(HU_CITIES)} {rng.choice(HU_WORDS)} {rng.randint(1, 99)} {rng.choice(HU_FORMS)}"
        return name, rng.choice(CITIES["hu"]), "Hungary"
    name = f"{rng.choice(EN_WORDS)} {rng.choice(EN_TRADES)} {rng.randint(1, 9999)} {rng.choice(EN_FORMS)}"
    return name, rng.choice(CITIES["en"]), "United Kingdom"


def ensure_users(count: int = 50):
    """Bench users (salespeople); the first is also the measuring salesperson."""
    from rapport.security.models import User, root_business_unit

    unit = root_business_unit()
    existing = {u.username: u for u in User.objects.filter(username__startswith="bench")}
    missing = [User(username=f"bench{i:03d}", full_name=f"Bench User {i}", business_unit=unit, password="!")
               for i in range(count) if f"bench{i:03d}" not in existing]
    User.objects.bulk_create(missing)
    return list(User.objects.filter(username__startswith="bench").order_by("username"))


def generate_accounts(total: int, *, seed: int = 7, batch: int = 5000) -> int:
    """Insert accounts until there are ``total``; returns how many were added."""
    from rapport.customers.models import Account

    have = Account.objects.count()
    if have >= total:
        return 0
    users = ensure_users()
    rng = random.Random(seed + have)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(users))]  # a few salespeople own most
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    added = 0
    while have + added < total:
        rows = []
        for _ in range(min(batch, total - have - added)):
            owner = rng.choices(users, weights)[0]
            name, city, country = company_name(rng)
            moment = now - dt.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
            rows.append(Account(
                id=uuid.UUID(int=rng.getrandbits(128), version=4), name=name, city=city, country=country,
                industry=rng.choice(INDUSTRIES), phone=f"+86 10 {rng.randint(10000000, 99999999)}",
                state="active" if rng.random() < 0.9 else "inactive", owner_user_id=owner.pk,
                owning_business_unit_id=owner.business_unit_id, created_on=moment, modified_on=moment,
                created_by_id=owner.pk, modified_by_id=owner.pk, currency="CNY",
            ))
        Account.objects.bulk_create(rows, batch_size=batch)
        added += len(rows)
    return added


def rebuild_search_index() -> bool:
    """Rebuild the search index after a bulk load, when the search service provides one."""
    try:
        from rapport.core.search.service import rebuild_index
    except ImportError:
        return False
    rebuild_index()
    return True


def analyze(*tables: str) -> None:
    """PostgreSQL: fresh planner statistics after a bulk load (autovacuum would take its time).

    SQLite is left without ANALYZE, as the search module found: statistics taken while tables are
    small later steer its planner away from the indexes.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
