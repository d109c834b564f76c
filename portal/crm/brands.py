"""Car brands and models in English and Chinese, as Chinese dealers and buyers name them.

Records keep the English names (``Vehicle.brand`` "Toyota", ``model`` "Camry"); search and
the pages use this table to find and show the Chinese ones (丰田, 凯美瑞) beside them.
A brand or model missing here is still found by the name it was recorded under.
"""

from django.utils.translation import get_language

# English brand: (Chinese brand, {English model: Chinese model}). Models whose Chinese
# name is the English one (RAV4, X3, GL8) are listed with that name.
BRANDS: dict[str, tuple[str, dict[str, str]]] = {
    "Toyota": ("丰田", {"Camry": "凯美瑞", "Corolla": "卡罗拉", "RAV4": "RAV4荣放", "Highlander": "汉兰达"}),
    "Honda": ("本田", {"Accord": "雅阁", "Civic": "思域", "CR-V": "CR-V", "Odyssey": "奥德赛"}),
    "Volkswagen": ("大众", {"Passat": "帕萨特", "Tiguan": "途观", "Lavida": "朗逸", "Magotan": "迈腾"}),
    "BYD": ("比亚迪", {"Han": "汉", "Tang": "唐", "Song": "宋", "Qin": "秦"}),
    "BMW": ("宝马", {"3 Series": "3系", "5 Series": "5系", "X3": "X3"}),
    "Mercedes-Benz": ("奔驰", {"C-Class": "C级", "E-Class": "E级", "GLC": "GLC"}),
    "Audi": ("奥迪", {"A4L": "A4L", "A6L": "A6L", "Q5L": "Q5L"}),
    "Buick": ("别克", {"GL8": "GL8", "LaCrosse": "君越", "Regal": "君威"}),
    "Nissan": ("日产", {"Sylphy": "轩逸", "Teana": "天籁", "X-Trail": "奇骏"}),
    "Geely": ("吉利", {"Emgrand": "帝豪", "Boyue": "博越", "Xingyue": "星越"}),
    "Changan": ("长安", {"CS75": "CS75", "Eado": "逸动", "UNI-K": "UNI-K"}),
    "Haval": ("哈弗", {"H6": "H6", "Jolion": "初恋"}),
    "Tesla": ("特斯拉", {"Model 3": "Model 3", "Model Y": "Model Y"}),
}

_BRAND_BY_NAME = {name.casefold(): english for english, (chinese, _) in BRANDS.items() for name in (english, chinese)}


def brand_english(name: str) -> str:
    """The English name of a brand given in either language ("丰田" -> "Toyota"); unknown names as given."""
    return _BRAND_BY_NAME.get(name.strip().casefold(), name.strip())


def brand_chinese(brand: str) -> str:
    """The Chinese name of a brand ("Toyota" -> "丰田"), or "" if it has none here."""
    entry = BRANDS.get(brand_english(brand))
    return entry[0] if entry else ""


def model_chinese(brand: str, model: str) -> str:
    """The Chinese name of a model ("Toyota", "Camry" -> "凯美瑞"), or "" if it has none here."""
    entry = BRANDS.get(brand_english(brand))
    return entry[1].get(model.strip(), "") if entry else ""


def brand_names(brand: str) -> list[str]:
    """Every name of a brand: English and Chinese (one if it is unknown here)."""
    english = brand_english(brand)
    return [name for name in dict.fromkeys((english, brand_chinese(english))) if name]


def model_names(brand: str, model: str) -> list[str]:
    return [name for name in dict.fromkeys((model.strip(), model_chinese(brand, model))) if name]


def english_for(text: str) -> tuple[set[str], set[str]]:
    """The English brands and (brand, model) pairs ``text`` names in either language, exactly."""
    wanted = text.strip().casefold()
    brands: set[str] = set()
    models: set[str] = set()
    for english, (chinese, names) in BRANDS.items():
        if wanted in (english.casefold(), chinese.casefold()):
            brands.add(english)
        for model_en, model_zh in names.items():
            if wanted in (model_en.casefold(), model_zh.casefold()):
                models.add(model_en)
    return brands, models


def car_name(brand: str, model: str) -> str:
    """A car as the reader names it: 丰田 凯美瑞 on a Chinese page, Toyota Camry on an English one (a brand or
    model this table does not know keeps the name it was recorded under)."""
    if get_language() and get_language().startswith("zh"):
        brand, model = brand_chinese(brand) or brand, model_chinese(brand, model) or model
    return f"{brand} {model}".strip()
