"""Real places of the China - Central Asia cooperation (shared/REAL-WORLD.md) for generated data.

Each city: (English, Chinese, Russian, ISO country, latitude, longitude). Coordinates are the
approximate ones of REAL-WORLD.md where it gives them; the others are the cities' usual ones.
"""

CITIES = [
    ("Xi'an", "西安", "Сиань", "CN", 34.34, 108.94),
    ("Urumqi", "乌鲁木齐", "Урумчи", "CN", 43.83, 87.62),
    ("Kashgar", "喀什", "Кашгар", "CN", 39.47, 75.99),
    ("Khorgos", "霍尔果斯", "Хоргос", "CN", 44.21, 80.41),
    ("Beijing", "北京", "Пекин", "CN", 39.90, 116.40),
    ("Chengdu", "成都", "Чэнду", "CN", 30.66, 104.07),
    ("Shanghai", "上海", "Шанхай", "CN", 31.23, 121.47),
    ("Almaty", "阿拉木图", "Алматы", "KZ", 43.24, 76.89),
    ("Astana", "阿斯塔纳", "Астана", "KZ", 51.17, 71.45),
    ("Turkistan", "突厥斯坦", "Туркестан", "KZ", 43.30, 68.25),
    ("Tashkent", "塔什干", "Ташкент", "UZ", 41.30, 69.24),
    ("Samarkand", "撒马尔罕", "Самарканд", "UZ", 39.65, 66.96),
    ("Bukhara", "布哈拉", "Бухара", "UZ", 39.77, 64.42),
    ("Fergana", "费尔干纳", "Фергана", "UZ", 40.39, 71.78),
    ("Margilan", "马尔吉兰", "Маргилан", "UZ", 40.47, 71.72),
    ("Kokand", "浩罕", "Коканд", "UZ", 40.53, 70.94),
    ("Bishkek", "比什凯克", "Бишкек", "KG", 42.87, 74.59),
    ("Dushanbe", "杜尚别", "Душанбе", "TJ", 38.56, 68.79),
    ("Ashgabat", "阿什哈巴德", "Ашхабад", "TM", 37.96, 58.33),
]

COUNTRIES = ("CN", "KZ", "KG", "TJ", "TM", "UZ")
CURRENCIES = {"CN": "CNY", "KZ": "KZT", "KG": "KGS", "TJ": "TJS", "TM": "TMT", "UZ": "UZS"}
LANGUAGES = {"CN": "zh", "KZ": "kk", "KG": "ky", "TJ": "tg", "TM": "tk", "UZ": "uz"}
BORDER_CROSSINGS = ["Khorgos", "Alashankou", "Torugart", "Irkeshtam", "Kulma"]

# What a project of each category is called, in (en, zh, ru).
CATEGORY_NOUNS = {
    "tourism_train": ("cultural tourism train", "文旅专列", "культурно-туристический поезд"),
    "tourism_route": ("Silk Road tourism route", "丝路旅游线路", "туристический маршрут"),
    "cross_border_driving": ("cross-border self-drive route", "跨境自驾线路", "автомаршрут"),
    "heritage_site": ("Silk Road heritage site programme", "丝路遗产项目", "программа наследия"),
    "event_festival": ("culture and tourism festival", "文化旅游节", "фестиваль культуры"),
    "visa_facilitation": ("visa facilitation scheme", "签证便利计划", "визовое упрощение"),
    "air_route": ("direct air route", "直航航线", "прямой авиарейс"),
    "infrastructure": ("tourism infrastructure", "旅游基础设施", "туристическая инфраструктура"),
    "insurance_product": ("travel insurance product", "旅游保险产品", "туристическая страховка"),
    "brand_promotion": ("Cultural Silk Road brand campaign", "文化丝路品牌推广", "бренд"),
    "other": ("cooperation project", "合作项目", "проект сотрудничества"),
}

TAGS = [
    "silk-road",
    "summit-2023",
    "astana-2025",
    "heritage",
    "rail",
    "visa-free",
    "border-tourism",
    "sister-cities",
    "culture",
    "youth",
]
