"""What two company names, phone numbers or e-mail addresses have in common (SAL-20, PLT-15).

``company_core`` reduces a company name to the part that names the business: width and script
folded (full-width → half-width, Traditional → Simplified, case, accents — the search module's
``normalize``), administrative-division prefixes (北京市, 朝阳区, 廣東省 …) and legal-form and
business-type suffixes (有限公司, 集团, Ltd, GmbH, Kft., ООО …) removed, then punctuation and
spaces. ``similarity`` compares two cores (rapidfuzz); ``block_keys`` are the indexed keys that
find the candidates to compare, so a check never scans the records.
"""

from __future__ import annotations

import re
from functools import cache

from django.conf import settings

from rapport.core.search.normalize import normalize

# --- Chinese administrative divisions ------------------------------------------------------------

PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 "
    "贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
CITIES = (
    "石家庄 唐山 秦皇岛 邯郸 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁 "
    "呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 "
    "葫芦岛 长春 四平 辽源 通化 白山 松原 白城 延边 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 "
    "黑河 绥化 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 "
    "衢州 舟山 台州 丽水 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 福州 厦门 "
    "莆田 三明 泉州 漳州 南平 龙岩 宁德 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛 淄博 枣庄 "
    "东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 "
    "漯河 三门峡 南阳 商丘 信阳 周口 驻马店 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 长沙 株洲 湘潭 "
    "衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 "
    "汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 "
    "崇左 海口 三亚 成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 贵阳 "
    "六盘水 遵义 安顺 昆明 曲靖 玉溪 保山 昭通 丽江 拉萨 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛 兰州 嘉峪关 "
    "金昌 白银 天水 西宁 银川 石嘴山 吴忠 乌鲁木齐 克拉玛依 喀什 伊犁 台北 高雄 台中 台南 新竹 基隆 桃园"
).split()
DISTRICTS = (
    "东城 西城 朝阳 海淀 丰台 石景山 通州 顺义 昌平 大兴 房山 门头沟 怀柔 平谷 密云 延庆 黄浦 徐汇 长宁 静安 普陀 虹口 "
    "杨浦 闵行 宝山 嘉定 浦东 浦东新 金山 松江 青浦 奉贤 崇明 天河 越秀 荔湾 海珠 白云 黄埔 番禺 花都 南沙 从化 增城 "
    "福田 罗湖 南山 盐田 宝安 龙岗 龙华 坪山 光明 和平 沈河 皇姑 大东 铁西 浑南 于洪 沈北 苏家屯 中山 西岗 沙河口 "
    "甘井子 旅顺口 金州 滨海新 南开 河西 河东 河北 红桥 东丽 西青 津南 北辰 武清 宝坻 渝中 江北 沙坪坝 九龙坡 南岸 "
    "渝北 巴南 锦江 青羊 金牛 武侯 成华 高新 经开 开发"
).split()
COUNTRIES = {"中国", "中國", "china", "prc", "hk", "hong kong"}
_DIVISION_SUFFIX = "特别行政区|自治区|自治州|自治县|新区|地区|省|市|区|县|州|盟|旗|镇|乡"
_PLACES = sorted(set(PROVINCES + CITIES + DISTRICTS), key=len, reverse=True)
# A known place with or without its division character, at the start of the name (repeatedly:
# 广东省深圳市南山区 …), and any unknown 2–4 character name followed by 省/市/自治区 (a province or
# city we do not list; 区 and 县 alone are too common inside brand names to strip blindly).
_LEADING_PLACE = re.compile(
    f"^(?:(?:{'|'.join(map(re.escape, _PLACES))})(?:{_DIVISION_SUFFIX})?|[\u4e00-\u9fff]{{2,4}}?(?:省|市|自治区|特别行政区))")
_BRACKETED = re.compile(r"[(\[（【〔]([^)\]）】〕]*)[)\]）】〕]")

# --- legal forms and business types ------------------------------------------------------------

# Legal and organisational forms: they never tell two companies apart.
CJK_FORMS = (
    "股份有限公司 有限责任公司 有限公司 分公司 子公司 总公司 公司 集团股份 集团 控股 企业 商行 商店 门市部 经营部 "
    "工作室 事务所 厂 工厂 制造厂 加工厂 代表处 办事处 中心 中国 实业 发展 国际 投资 咨询 服务"
).split()
# Lines of business that follow the brand (科技 in 华为科技): removed from the core, but two names in
# different lines (中联贸易 / 中联能源) are different companies. Words of one group are one line.
INDUSTRY_GROUPS = {
    "tech": "科技发展 科技 技术 网络科技 网络技术 网络 信息技术 信息",
    "electronics": "电子 电器",
    "machinery": "机械设备 机械 设备 工程机械",
    "construction": "工程 建设 建筑",
    "trade": "贸易 商贸 工贸 国际贸易 进出口",
    "logistics": "物流 物资",
    "materials": "材料 化工",
    "energy": "能源 电力",
    "pharma": "制药 医药",
    "food": "食品",
    "media": "传媒 文化",
    "property": "置业 地产 房地产",
}
INDUSTRY = {word: group for group, words in INDUSTRY_GROUPS.items() for word in words.split()}
CJK_SUFFIXES = sorted([*CJK_FORMS, *INDUSTRY], key=len, reverse=True)
_DIVISION_TAIL = re.compile(f"(?:{_DIVISION_SUFFIX})$")
LATIN_SUFFIXES = (
    # English
    "limited liability company", "public limited company", "limited", "ltd", "llc", "llp", "plc", "inc",
    "incorporated", "corporation", "corp", "company", "co", "group", "holdings", "holding", "international", "intl",
    # German
    "gmbh & co kg", "gmbh co kg", "gmbh", "mbh", "ag", "kg", "ohg", "ug", "se", "e v", "ev",
    # Hungarian
    "kft", "zrt", "nyrt", "rt", "bt", "kkt", "ev", "egyeni vallalkozo", "korlatolt felelossegu tarsasag",
    # Russian (after accent folding: й → и)
    "ооо", "оао", "зао", "пао", "нао", "ао", "ип", "тоо", "чп", "общество с ограниченнои ответственностью",
    "акционерное общество", "публичное акционерное общество", "закрытое акционерное общество", "группа компании",
    "компания", "корпорация", "холдинг",
)
_LATIN_FORMS = sorted(LATIN_SUFFIXES, key=len, reverse=True)
_LATIN_EDGE = re.compile(
    r"(?:^|\s)(?:" + "|".join(re.escape(f) for f in _LATIN_FORMS) + r")\s*$")
_LATIN_HEAD = re.compile(r"^(?:" + "|".join(re.escape(f) for f in _LATIN_FORMS if not f.isascii()) + r")\s+")
_THE = re.compile(r"^(?:the|a|az|die|der|das)\s+")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")

MIN_CORE = 2


def _strip_cjk(text: str, places: set, lines: set) -> str:
    """Remove leading places and trailing legal forms/business types, keeping at least two characters.

    The places and lines of business removed are added to ``places`` and ``lines``.
    """
    changed = True
    while changed:
        changed = False
        match = _LEADING_PLACE.match(text)
        if match and len(text) - match.end() >= MIN_CORE:
            places.add(_DIVISION_TAIL.sub("", match.group(0)) or match.group(0))
            text = text[match.end():]
            changed = True
        for suffix in CJK_SUFFIXES:
            if text.endswith(suffix) and len(text) - len(suffix) >= MIN_CORE:
                if suffix in INDUSTRY:
                    lines.add(INDUSTRY[suffix])
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def _strip_latin(text: str) -> str:
    text = _THE.sub("", text)
    changed = True
    while changed:
        changed = False
        for pattern in (_LATIN_EDGE, _LATIN_HEAD):
            stripped = pattern.sub(" ", text).strip()
            if stripped != text and len(_PUNCT.sub("", stripped)) >= MIN_CORE:
                text = stripped
                changed = True
    return text


@cache
def _company_core(name: str) -> str:
    text = normalize(name)
    if not text:
        return ""
    # Quotes and brackets: ООО «Ромашка» → ромашка; 华为（深圳）→ 华为 when the bracket is a place.
    text = re.sub(r"[«»\"“”„'‘’「」『』]", " ", text)

    places: set = set()
    lines: set = set()

    def bracket(match):
        inner = match.group(1).strip()
        if inner in COUNTRIES or not inner:
            return " "
        if _LEADING_PLACE.fullmatch(inner) or inner in _PLACES:
            places.add(_DIVISION_TAIL.sub("", inner) or inner)
            return " "
        return f" {inner} "

    text = _BRACKETED.sub(bracket, text)
    # Dots and commas inside legal forms ("co., ltd.", "k.f.t.") go before the suffixes are read.
    text = re.sub(r"[.,;:·/&+\-–—]", " ", text)
    text = " ".join(_unmix(word) for word in text.split(" "))
    text = re.sub(r"\s+", " ", text).strip()
    # Spaces between Chinese characters carry nothing (华为 （深圳） 科技 → 华为科技).
    text = re.sub(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])", "", text)
    text = _strip_latin(text)
    parts = []
    for piece in re.split(r"(\s+)", text):
        parts.append(_strip_cjk(piece, places, lines) if _CJK.search(piece) else piece)
    text = "".join(parts)
    words = " ".join(t for t in (_PUNCT.sub("", word) for word in text.split(" ")) if t)[:150]
    if not words:
        return ""
    if not places and not lines:
        return words
    return f"{words}{SEP}{','.join(sorted(places))[:30]}{SEP}{','.join(sorted(lines))}"


SEP = "\x1f"


def company_text(name) -> str:
    """The normalized words of a company name, legal forms and places removed ('' for a blank name),
    followed — when the name had them — by the places and lines of business it named (after ``SEP``)."""
    if not name:
        return ""
    return _company_core(str(name)[:300])


def words_of(text: str) -> str:
    """The words of a ``company_text`` (without its places and lines of business)."""
    return text.split(SEP, 1)[0]


def core_of(text: str) -> str:
    """The words of a ``company_text`` run together: what the block keys are made of."""
    return words_of(text).replace(" ", "")


def company_core(name) -> str:
    """The normalized core of a company name: its words run together."""
    return core_of(company_text(name))


def _qualifiers(text: str) -> tuple[set, set]:
    parts = text.split(SEP)
    if len(parts) < 3:
        return set(), set()
    return {p for p in parts[1].split(",") if p}, {p for p in parts[2].split(",") if p}


def _differ(a: set, b: set) -> bool:
    return bool(a) and bool(b) and not (a & b)


SHORT_WORD = 5


def similarity(a: str, b: str) -> float:
    """0–100: how alike two normalized company texts (``company_text``) are.

    Names that both name a place, or a line of business, and share none are different companies
    (branches in other cities are other customers). Otherwise rapidfuzz's normalized Indel
    similarity of the cores, except that names of as many words
    whose differing words are short are different names, not typos (Acme/Acne, Deutsche
    Bank/Bahn, Sany/Sanyo, 京东/京北): a typo in a short word is rarer than another company.
    """
    if not a or not b:
        return 0.0
    (places_a, lines_a), (places_b, lines_b) = _qualifiers(a), _qualifiers(b)
    if _differ(places_a, places_b) or _differ(lines_a, lines_b):
        return 0.0  # 苏州中联贸易 and 深圳中联能源: other city, other line of business
    a, b = words_of(a), words_of(b)
    core_a, core_b = a.replace(" ", ""), b.replace(" ", "")
    if core_a == core_b:
        return 100.0
    words_a, words_b = a.split(" "), b.split(" ")
    if len(words_a) == len(words_b):
        for x, y in zip(words_a, words_b, strict=True):
            if x != y and min(len(x), len(y)) <= SHORT_WORD:
                return 0.0
    from rapidfuzz import fuzz

    return fuzz.ratio(core_a, core_b)


# Latin letters that look like Cyrillic ones, typed into Cyrillic words (ООО «Ромашкa»).
_HOMOGLYPHS = str.maketrans("aeopcxykmthb", "аеорсхукмтнв")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _unmix(word: str) -> str:
    if _CYRILLIC.search(word) and re.search("[a-z]", word):
        return word.translate(_HOMOGLYPHS)
    return word


def block_keys(core: str) -> list[str]:
    """The indexed keys of a core: itself, its start and its end (2 characters in Chinese, 3 otherwise).

    Two names that differ by a typo share their start or their end, so the candidates for the
    similarity check are the records that share a key — found through an index, never a scan.
    """
    if not core:
        return []
    width = 2 if _CJK.match(core) else 3
    keys = [f"={core[:190]}"]
    if len(core) > width:
        keys.append(f"<{core[:width]}")
        keys.append(f">{core[-width:]}")
    return keys


# --- phones and e-mail ---------------------------------------------------------------------------

_DIGITS = re.compile(r"\D+")


def default_region() -> str:
    return getattr(settings, "RAPPORT_PHONE_REGION", "CN")


@cache
def _phone_parts(raw: str, region: str) -> tuple[str, str]:
    import phonenumbers

    digits = _DIGITS.sub("", raw)
    if len(digits) < 5:
        return "", ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return digits, digits[-8:]
    national = str(number.national_number)
    if not national:
        return digits, digits[-8:]
    area = 0
    try:
        area = phonenumbers.length_of_geographical_area_code(number)
    except Exception:  # noqa: BLE001 - metadata gaps: treat as no area code
        area = 0
    # A local number typed without its area code parses as a short national number: it is the subscriber.
    subscriber = national[area:] if area and len(national) - area >= 5 else national
    return f"{number.country_code}:{national}", subscriber


def phone_key(raw) -> str:
    """Country code and national number ('86:1062345678'), so +86 10 6234 5678 equals 010-62345678."""
    if not raw:
        return ""
    return _phone_parts(str(raw)[:60], default_region())[0]


def subscriber_key(raw) -> str:
    """The number without country and area code (landlines and faxes typed with or without it)."""
    if not raw:
        return ""
    return _phone_parts(str(raw)[:60], default_region())[1]


def email_key(raw) -> str:
    return str(raw or "").strip().lower()[:200]
