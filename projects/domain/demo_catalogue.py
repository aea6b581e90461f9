"""The bulk of the demo (issue 18, "a demo that looks like the real cooperation").

Every record here restates a fact of ../shared/REAL-WORLD.md or of the public record: the direct
flights of Beijing, Xi'an, Chengdu and Urumqi to Central Asia, the cultural tourism trains, the
mutual visa exemptions, the sister-city links signed in Astana and Kashgar in 2025, the two
summits, the border crossings, the UNESCO heritage cities, and what the cooperation calls for
(zones, pilot areas, safety assistance, dispute resolution, insurance claims, shared standards,
the "Cultural Silk Road" brand). What is only called for is recorded as a proposal (lifecycle
"pipeline" or "planned"), never as done. Budgets and phone numbers are left out rather than made
up; contacts are reached at placeholder `.example` addresses. Publishing needs a planned start
(issue 20): a project's is the month its item stood in the public record this demo follows
(`ON_RECORD`, June 2025: the People's Daily article and the Astana summit), not a launch date.

Owners are only the organizations that have demo editors or admins (see projects/domain/demo.py);
the other cities take part as participants.
"""

from __future__ import annotations

# Approximate coordinates (lat, lon): REAL-WORLD.md, and the public record for the rest.
PLACES = {
    "Xi'an": (34.34, 108.94),
    "Urumqi": (43.83, 87.62),
    "Kashgar": (39.47, 75.99),
    "Almaty": (43.24, 76.89),
    "Astana": (51.17, 71.45),
    "Tashkent": (41.30, 69.24),
    "Samarkand": (39.65, 66.96),
    "Bukhara": (39.77, 64.42),
    "Bishkek": (42.87, 74.59),
    "Dushanbe": (38.56, 68.79),
    "Ashgabat": (37.96, 58.33),
    "Khorgos": (44.21, 80.41),
    "Beijing": (39.90, 116.40),
    "Chengdu": (30.57, 104.07),
    "Shanghai": (31.23, 121.47),
    "Alashankou": (45.17, 82.57),
    "Turkistan": (43.30, 68.27),
    "Khujand": (40.28, 69.62),
    "Fergana": (40.38, 71.79),
    "Margilan": (40.47, 71.72),
    "Kokand": (40.53, 70.94),
    "Kattakurgan": (39.90, 66.26),
}


def places(*names: str) -> list[dict]:
    return [{"name": name, "lat": PLACES[name][0], "lon": PLACES[name][1]} for name in names]


def area(lat: float, lon: float, half_lat: float, half_lon: float) -> dict:
    """An approximate area around a point: an octagon, GeoJSON (longitude first)."""
    points = [
        (lon - half_lon, lat - half_lat / 2),
        (lon - half_lon / 2, lat - half_lat),
        (lon + half_lon / 2, lat - half_lat),
        (lon + half_lon, lat - half_lat / 2),
        (lon + half_lon, lat + half_lat / 2),
        (lon + half_lon / 2, lat + half_lat),
        (lon - half_lon / 2, lat + half_lat),
        (lon - half_lon, lat + half_lat / 2),
    ]
    ring = [[round(x, 3), round(y, 3)] for x, y in points]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def code(place: str) -> str:
    """A place's name as it may stand in a ref: Xi'an -> XIAN."""
    return place.upper().replace("'", "").replace(" ", "-")


def text(en: str, zh: str, ru: str) -> dict:
    return {"en": en, "zh": zh, "ru": ru}


# --- Zones: (owner, ref, state, kind, lifecycle, countries, crossings, area, name, description)
ZONES = [
    (
        "urumqi", "ALASHANKOU", "published", "border_tourism_pilot_area", "planned",
        ["CN", "KZ"], ["Alashankou"], area(45.17, 82.57, 0.08, 0.12),
        text(
            "Alashankou border tourism pilot area (proposed)",
            "阿拉山口边境旅游试验区（拟建）",
            "Пилотная зона приграничного туризма Алашанькоу (предложение)",
        ),
        text(
            "Proposed around the Alashankou crossing between Xinjiang and Kazakhstan, as the "
            "cooperation calls for border tourism pilot areas.",
            "拟在新疆与哈萨克斯坦之间的阿拉山口口岸周边建设，响应设立边境旅游试验区的倡议。",
            "Предлагается вокруг перехода Алашанькоу между Синьцзяном и Казахстаном: "
            "сотрудничество призывает создавать пилотные зоны приграничного туризма.",
        ),
    ),
    (
        "urumqi", "KASHGAR", "published", "cross_border_tourism_zone", "planned",
        ["CN", "KG", "TJ", "UZ"], ["Torugart", "Irkeshtam", "Kulma"],
        area(39.47, 75.99, 0.15, 0.2),
        text(
            "Kashgar cross-border tourism cooperation zone (proposed)",
            "喀什跨境旅游合作区（拟建）",
            "Зона трансграничного туристического сотрудничества Кашгар (предложение)",
        ),
        text(
            "Kashgar hosts the Central and South Asia trade fair, where its sister-city links "
            "with Uzbekistan were signed in August 2025.",
            "喀什举办中国—中亚南亚商品博览会，2025年8月在此签署了与乌兹别克斯坦的友城协议。",
            "В Кашгаре проходит ярмарка Центральной и Южной Азии, где в августе 2025 года "
            "подписаны побратимские связи с Узбекистаном.",
        ),
    ),
    (
        "urumqi", "TORUGART", "published", "border_tourism_pilot_area", "suspended",
        ["CN", "KG"], ["Torugart"], area(40.55, 75.39, 0.06, 0.09),
        text(
            "Torugart border tourism pilot area (proposed)",
            "吐尔尕特边境旅游试验区（拟建）",
            "Пилотная зона приграничного туризма Торугарт (предложение)",
        ),
        text(
            "Proposed at the Torugart crossing between Xinjiang and Kyrgyzstan.",
            "拟设于新疆与吉尔吉斯斯坦之间的吐尔尕特口岸。",
            "Предлагается на переходе Торугарт между Синьцзяном и Кыргызстаном.",
        ),
    ),
    (
        "urumqi", "KULMA", "archived", "border_tourism_pilot_area", "closed",
        ["CN", "TJ"], ["Kulma"], area(38.08, 75.00, 0.06, 0.09),
        text(
            "Kulma border tourism pilot area (earlier proposal)",
            "卡拉苏（阔勒买）边境旅游试验区（早期提议）",
            "Пилотная зона приграничного туризма Кульма (прежнее предложение)",
        ),
        text(
            "An earlier proposal at the Kulma crossing between Xinjiang and Tajikistan.",
            "新疆与塔吉克斯坦之间卡拉苏（阔勒买）口岸的早期提议。",
            "Прежнее предложение на переходе Кульма между Синьцзяном и Таджикистаном.",
        ),
    ),
    (
        "samarkand", "Z-SILK-ROAD", "published", "other", "operational",
        ["UZ"], [], area(39.65, 66.96, 0.05, 0.07),
        text(
            "Samarkand heritage tourism area",
            "撒马尔罕遗产旅游区",
            "Зона наследия и туризма Самарканда",
        ),
        text(
            "Samarkand - Crossroad of Cultures is on the UNESCO World Heritage List.",
            "“撒马尔罕——文化交汇之地”列入联合国教科文组织《世界遗产名录》。",
            "«Самарканд — перекрёсток культур» включён в Список всемирного наследия ЮНЕСКО.",
        ),
    ),
]  # fmt: skip


# --- Projects: (owner, ref, state, category, lifecycle, countries, places, zones,
#                participants, title, summary)
C, P, N = True, None, False  # confirmed, pending, declined participations
PROJECTS = [
    # Direct flights: Beijing, Xi'an, Chengdu and Urumqi fly to Central Asia.
    *[
        (
            "urumqi", f"AIR-URUMQI-{city.upper()}", "published", "air_route", "implementation",
            ["CN", country], places("Urumqi", city), [], [(slug, "partner", answer)],
            text(
                f"Direct flights Urumqi-{city}", f"乌鲁木齐—{zh}直航", f"Прямые рейсы Урумчи — {ru}"
            ),
            text(
                f"Scheduled direct flights between Urumqi and {city}, one of Urumqi's air "
                "links to Central Asia.",
                f"乌鲁木齐与{zh}之间的定期直航，是乌鲁木齐通往中亚的航线之一。",
                f"Регулярные прямые рейсы между Урумчи и {ru_gen}, одна из авиасвязей Урумчи "
                "с Центральной Азией.",
            ),
        )
        for city, country, slug, answer, zh, ru, ru_gen in [
            ("Almaty", "KZ", "almaty", C, "阿拉木图", "Алматы", "Алматы"),
            ("Astana", "KZ", "astana", P, "阿斯塔纳", "Астана", "Астаной"),
            ("Tashkent", "UZ", "tashkent", C, "塔什干", "Ташкент", "Ташкентом"),
            ("Bishkek", "KG", "bishkek", P, "比什凯克", "Бишкек", "Бишкеком"),
            ("Dushanbe", "TJ", "dushanbe", N, "杜尚别", "Душанбе", "Душанбе"),
        ]
    ],
    *[
        (
            owner, f"AIR-{code(origin)}-{code(city)}", "published",
            "air_route", "implementation", ["CN", country], places(origin, city), [],
            [(partner, "partner", answer)],
            text(f"Direct flights {origin}-{city}", f"{zh_origin}—{zh}直航", f"Прямые рейсы {ru}"),
            text(
                f"{origin} is one of the Chinese cities with direct flights to Central Asia.",
                f"{zh_origin}是开通中亚直航的中国城市之一。",
                f"{ru_origin} — один из городов Китая с прямыми рейсами в Центральную Азию.",
            ),
        )
        for owner, origin, city, country, partner, answer, zh_origin, zh, ru, ru_origin in [
            ("almaty", "Xi'an", "Almaty", "KZ", "xian", C, "西安", "阿拉木图",
             "Сиань — Алматы", "Сиань"),
            ("almaty", "Beijing", "Almaty", "KZ", "beijing", P, "北京", "阿拉木图",
             "Пекин — Алматы", "Пекин"),
            ("tashkent", "Beijing", "Tashkent", "UZ", "beijing", C, "北京", "塔什干",
             "Пекин — Ташкент", "Пекин"),
            ("tashkent", "Chengdu", "Tashkent", "UZ", "chengdu", P, "成都", "塔什干",
             "Чэнду — Ташкент", "Чэнду"),
            ("samarkand", "Xi'an", "Samarkand", "UZ", "xian", C, "西安", "撒马尔罕",
             "Сиань — Самарканд", "Сиань"),
        ]
    ],
    # Sister-city and sister-province links (Astana summit, June 2025; Kashgar, August 2025).
    *[
        (
            owner, ref, "published", "other", "implementation", countries, places(*where), [],
            partners, text(*title),
            text(
                f"{title[0].split(': ')[1]}: signed {when_en}.",
                f"{title[1].split('：')[1]}：{when_zh}签署。",
                f"{title[2].split(': ')[1]}: подписано {when_ru}.",
            ),
        )
        for owner, ref, countries, where, partners, title, when_en, when_zh, when_ru in [
            (
                "urumqi", "SISTER-SAMARKAND", ["CN", "UZ"], ("Urumqi", "Samarkand"),
                [("samarkand", "partner", C)],
                ("Sister cities: Urumqi and Samarkand", "友好城市：乌鲁木齐与撒马尔罕",
                 "Города-побратимы: Урумчи и Самарканд"),
                "at the China-Central Asia Summit in Astana, June 2025",
                "2025年6月于阿斯塔纳中国—中亚峰会期间",
                "на саммите Китай — Центральная Азия в Астане в июне 2025 года",
            ),
            (
                "almaty", "SISTER-SHANGHAI", ["KZ", "CN"], ("Almaty", "Shanghai"), [],
                ("Sister cities: Almaty and Shanghai", "友好城市：阿拉木图与上海",
                 "Города-побратимы: Алматы и Шанхай"),
                "at the China-Central Asia Summit in Astana, June 2025",
                "2025年6月于阿斯塔纳中国—中亚峰会期间",
                "на саммите Китай — Центральная Азия в Астане в июне 2025 года",
            ),
            (
                "almaty", "SISTER-SHAANXI", ["KZ", "CN"], ("Almaty", "Xi'an"),
                [("xian", "partner", C)],
                ("Sister provinces: Almaty Region and Shaanxi Province",
                 "友好省州：阿拉木图州与陕西省",
                 "Побратимы: Алматинская область и провинция Шэньси"),
                "at the China-Central Asia Summit in Astana, June 2025",
                "2025年6月于阿斯塔纳中国—中亚峰会期间",
                "на саммите Китай — Центральная Азия в Астане в июне 2025 года",
            ),
            (
                "samarkand", "SISTER-KASHGAR", ["UZ", "CN"], ("Kattakurgan", "Kashgar"), [],
                ("Sister link: Kattakurgan District and Kashgar City",
                 "友好关系：卡塔库尔干区与喀什市",
                 "Побратимы: Каттакурганский район и город Кашгар"),
                "at the 15th Kashgar Central and South Asia trade fair, August 2025",
                "2025年8月第十五届喀什中亚南亚商品交易会期间",
                "на 15-й Кашгарской ярмарке Центральной и Южной Азии в августе 2025 года",
            ),
            (
                "samarkand", "SISTER-FERGANA", ["UZ", "CN"], ("Fergana", "Kashgar"), [],
                ("Sister cities: Fergana and Kashgar", "友好城市：费尔干纳与喀什",
                 "Города-побратимы: Фергана и Кашгар"),
                "at the 15th Kashgar Central and South Asia trade fair, August 2025",
                "2025年8月第十五届喀什中亚南亚商品交易会期间",
                "на 15-й Кашгарской ярмарке Центральной и Южной Азии в августе 2025 года",
            ),
            (
                "samarkand", "SISTER-MARGILAN", ["UZ", "CN"], ("Margilan", "Kashgar"), [],
                ("Sister link: Margilan and Shache (Yarkant) County",
                 "友好关系：马尔吉兰与莎车县",
                 "Побратимы: Маргилан и уезд Яркенд (Шаче)"),
                "at the 15th Kashgar Central and South Asia trade fair, August 2025",
                "2025年8月第十五届喀什中亚南亚商品交易会期间",
                "на 15-й Кашгарской ярмарке Центральной и Южной Азии в августе 2025 года",
            ),
            (
                "samarkand", "SISTER-KOKAND", ["UZ", "CN"], ("Kokand", "Kashgar"), [],
                ("Sister link: Kokand and Zepu County", "友好关系：浩罕与泽普县",
                 "Побратимы: Коканд и уезд Зепу"),
                "at the 15th Kashgar Central and South Asia trade fair, August 2025",
                "2025年8月第十五届喀什中亚南亚商品交易会期间",
                "на 15-й Кашгарской ярмарке Центральной и Южной Азии в августе 2025 года",
            ),
        ]
    ],
    # Summits and the programmes they named.
    (
        "almaty", "SUMMIT-ASTANA-2025", "published", "event_festival", "closed", ["KZ", "CN"],
        places("Astana"), [], [("astana", "partner", C)],
        text("Second China-Central Asia Summit, Astana", "第二届中国—中亚峰会（阿斯塔纳）",
             "Второй саммит Китай — Центральная Азия, Астана"),
        text(
            "Held in Astana in June 2025; China-Central Asia sister-city pairs passed 100 there.",
            "2025年6月在阿斯塔纳举行；中国与中亚友好城市在此突破100对。",
            "Прошёл в Астане в июне 2025 года; число пар городов-побратимов превысило 100.",
        ),
    ),
    (
        "silk-road-rail", "SUMMIT-XIAN-2023", "published", "event_festival", "closed",
        ["CN", "KZ", "KG", "TJ", "TM", "UZ"], places("Xi'an"), [], [("xian", "partner", C)],
        text("First China-Central Asia Summit, Xi'an", "首届中国—中亚峰会（西安）",
             "Первый саммит Китай — Центральная Азия, Сиань"),
        text(
            "Held in Xi'an in 2023; the cultural tourism trains are on its outcome list.",
            "2023年在西安举行；文旅专列列入峰会成果清单。",
            "Прошёл в Сиане в 2023 году; культурно-туристические поезда вошли в список его "
            "итогов.",
        ),
    ),
    (
        "tashkent", "CAPITAL-PROGRAMME", "published", "brand_promotion", "pipeline",
        ["UZ", "CN", "KZ", "KG", "TJ", "TM"], places("Tashkent"), [], [],
        text("China-Central Asia Cultural and Tourism Capital", "中国—中亚文化和旅游之都",
             "Столица культуры и туризма Китай — Центральная Азия"),
        text(
            "A programme the cooperation calls for: a city named each year for culture and "
            "tourism.",
            "合作倡议的项目：每年评选一座文化和旅游之都。",
            "Программа, к которой призывает сотрудничество: город культуры и туризма года.",
        ),
    ),
    (
        "samarkand", "CULTURAL-SILK-ROAD", "published", "brand_promotion", "implementation",
        ["UZ", "CN"], places("Samarkand", "Bukhara"), ["UZ-SAM-Z-SILK-ROAD"], [],
        text("Cultural Silk Road brand", "“文化丝路”品牌", "Бренд «Культурный Шёлковый путь»"),
        text(
            "The brand the cooperation calls for, joining the Silk Road heritage cities.",
            "合作倡议的品牌，串联丝绸之路遗产城市。",
            "Бренд, к которому призывает сотрудничество, объединяющий города наследия.",
        ),
    ),
    # Visa exemption (China with Kazakhstan and with Uzbekistan).
    (
        "almaty", "VISA-FREE-CN-KZ", "published", "visa_facilitation", "implementation",
        ["KZ", "CN"], places("Almaty"), [], [("xian", "partner", C), ("urumqi", "partner", P)],
        text("Mutual visa exemption China-Kazakhstan", "中哈互免签证",
             "Взаимный безвизовый режим Китай — Казахстан"),
        text(
            "China and Kazakhstan exempt each other's citizens from visas for short stays.",
            "中国与哈萨克斯坦公民短期停留互免签证。",
            "Граждане Китая и Казахстана освобождены от виз для краткосрочных поездок.",
        ),
    ),
    (
        "tashkent", "VISA-FREE-CN-UZ", "published", "visa_facilitation", "implementation",
        ["UZ", "CN"], places("Tashkent"), [], [("beijing", "partner", P)],
        text("Mutual visa exemption China-Uzbekistan", "中乌互免签证",
             "Взаимный безвизовый режим Китай — Узбекистан"),
        text(
            "China and Uzbekistan exempt each other's citizens from visas for short stays.",
            "中国与乌兹别克斯坦公民短期停留互免签证。",
            "Граждане Китая и Узбекистана освобождены от виз для краткосрочных поездок.",
        ),
    ),
    # Trains and routes.
    (
        "silk-road-rail", "TRAIN-XIAN-ALMATY-OPS", "published", "tourism_train", "implementation",
        ["CN", "KZ"], places("Xi'an", "Urumqi", "Almaty"), ["CN-URUMQI-KHORGOS"],
        [("xian", "lead", C), ("almaty", "partner", P)],
        text("Operating the Xi'an-Almaty cultural tourism train", "西安—阿拉木图文旅专列运营",
             "Эксплуатация туристического поезда Сиань — Алматы"),
        text(
            "The operator's record of the first China-Central Asia cultural tourism train.",
            "首趟中国—中亚文旅专列的运营记录。",
            "Запись оператора о первом культурно-туристическом поезде Китай — Центральная Азия.",
        ),
    ),
    *[
        (
            "silk-road-rail", f"TRAIN-{ref}", "published", "tourism_train", "pipeline",
            countries, places(*where), [], [], text(*title),
            text(
                "Proposed: a cross-border tourism train joining Silk Road heritage, as the "
                "cooperation calls for.",
                "拟议：连接丝路遗产的跨境旅游列车，响应合作倡议。",
                "Предложение: трансграничный туристический поезд по местам наследия Шёлкового "
                "пути, к которому призывает сотрудничество.",
            ),
        )
        for ref, countries, where, title in [
            ("XIAN-TASHKENT", ["CN", "KZ", "UZ"], ("Xi'an", "Almaty", "Tashkent"),
             ("Tourism train Xi'an-Tashkent (proposed)", "西安—塔什干旅游列车（拟议）",
              "Туристический поезд Сиань — Ташкент (предложение)")),
            ("URUMQI-SAMARKAND", ["CN", "KZ", "UZ"], ("Urumqi", "Almaty", "Samarkand"),
             ("Tourism train Urumqi-Samarkand (proposed)", "乌鲁木齐—撒马尔罕旅游列车（拟议）",
              "Туристический поезд Урумчи — Самарканд (предложение)")),
            ("HERITAGE-UZ", ["UZ"], ("Tashkent", "Samarkand", "Bukhara"),
             ("Heritage train Tashkent-Samarkand-Bukhara (proposed)",
              "塔什干—撒马尔罕—布哈拉遗产列车（拟议）",
              "Поезд наследия Ташкент — Самарканд — Бухара (предложение)")),
        ]
    ],
    *[
        (
            owner, ref, "published", category, lifecycle, countries, places(*where), zones,
            partners, text(*title), text(*summary),
        )
        for owner, ref, category, lifecycle, countries, where, zones, partners, title, summary
        in [
            (
                "steppe-voyages", "KHORGOS-TOURS", "tourism_route", "implementation",
                ["KZ", "CN"], ("Almaty", "Khorgos"), ["CN-URUMQI-KHORGOS"],
                [("almaty", "partner", C)],
                ("Tours to the Khorgos cooperation center", "霍尔果斯合作中心旅游线路",
                 "Туры в центр сотрудничества «Хоргос»"),
                ("Tours from Almaty to the China-Kazakhstan Horgos International Border "
                 "Cooperation Center.", "从阿拉木图前往中哈霍尔果斯国际边境合作中心的旅游线路。",
                 "Туры из Алматы в Международный центр приграничного сотрудничества «Хоргос»."),
            ),
            (
                "steppe-voyages", "HERITAGE-TOUR", "tourism_route", "implementation",
                ["KZ", "UZ"], ("Almaty", "Tashkent", "Samarkand", "Bukhara"), [],
                [("samarkand", "partner", P)],
                ("Silk Road heritage tour Almaty-Bukhara", "阿拉木图—布哈拉丝路遗产游",
                 "Тур по наследию Шёлкового пути Алматы — Бухара"),
                ("A co-developed route through Silk Road heritage cities.",
                 "串联丝绸之路遗产城市的共建线路。",
                 "Совместный маршрут по городам наследия Шёлкового пути."),
            ),
            (
                "steppe-voyages", "TRAIN-PACKAGES", "tourism_route", "finalisation",
                ["KZ", "CN"], ("Almaty", "Xi'an"), [], [("silk-road-rail", "partner", C)],
                ("Packages for the Xi'an-Almaty tourism train", "西安—阿拉木图旅游专列套餐",
                 "Пакеты для туристического поезда Сиань — Алматы"),
                ("Hotel and excursion packages in Almaty for passengers of the train.",
                 "为专列乘客提供阿拉木图住宿和游览套餐。",
                 "Гостиницы и экскурсии в Алматы для пассажиров поезда."),
            ),
            (
                "urumqi", "DRIVE-KHORGOS", "cross_border_driving", "pipeline", ["CN", "KZ"],
                ("Urumqi", "Khorgos", "Almaty"), ["CN-URUMQI-KHORGOS"], [("almaty", "partner", P)],
                ("Cross-border driving route Urumqi-Khorgos-Almaty (proposed)",
                 "乌鲁木齐—霍尔果斯—阿拉木图跨境自驾线路（拟议）",
                 "Автомаршрут Урумчи — Хоргос — Алматы (предложение)"),
                ("Cross-border driving routes are among what the cooperation calls for.",
                 "跨境自驾线路是合作倡议的内容之一。",
                 "Трансграничные автомаршруты входят в то, к чему призывает сотрудничество."),
            ),
            (
                "urumqi", "ROUTE-TORUGART", "tourism_route", "suspended", ["CN", "KG"],
                ("Kashgar", "Bishkek"), ["CN-URUMQI-TORUGART"], [("bishkek", "partner", N)],
                ("Route Kashgar-Torugart-Bishkek (proposed)", "喀什—吐尔尕特—比什凯克线路（拟议）",
                 "Маршрут Кашгар — Торугарт — Бишкек (предложение)"),
                ("A proposed route through the Torugart crossing; suspended until the pilot "
                 "area is agreed.", "经吐尔尕特口岸的拟议线路；试验区商定前暂停。",
                 "Предлагаемый маршрут через Торугарт; приостановлен до согласования зоны."),
            ),
            (
                "urumqi", "ROUTE-IRKESHTAM", "tourism_route", "cancelled", ["CN", "KG"],
                ("Kashgar",), [], [],
                ("Route Kashgar-Irkeshtam (earlier proposal)", "喀什—伊尔克什坦线路（早期提议）",
                 "Маршрут Кашгар — Иркештам (прежнее предложение)"),
                ("An earlier proposal, withdrawn in favour of the pilot area.",
                 "早期提议，已由试验区方案取代。",
                 "Прежнее предложение, заменённое пилотной зоной."),
            ),
            (
                "urumqi", "SAFETY-ASSISTANCE", "other", "pipeline", ["CN", "KZ", "KG", "TJ"],
                ("Urumqi",), [], [("almaty", "partner", P)],
                ("Cross-border tourism safety assistance system", "跨境旅游安全救助体系",
                 "Система помощи туристам в трансграничных поездках"),
                ("A system the cooperation calls for: help for travellers in trouble across "
                 "the border.", "合作倡议建立的体系：为跨境遇险游客提供救助。",
                 "Система, к которой призывает сотрудничество: помощь туристам за границей."),
            ),
            (
                "urumqi", "DISPUTE-RESOLUTION", "other", "pipeline", ["CN", "KZ"],
                ("Urumqi", "Almaty"), [], [("almaty", "partner", N)],
                ("Cross-border tourism dispute resolution", "跨境旅游纠纷解决机制",
                 "Урегулирование споров в трансграничном туризме"),
                ("A mechanism the cooperation calls for, to settle travellers' disputes.",
                 "合作倡议建立的机制，用于解决游客纠纷。",
                 "Механизм, к которому призывает сотрудничество, для споров туристов."),
            ),
            (
                "tashkent", "SERVICE-STANDARDS", "other", "pipeline", ["UZ", "CN", "KZ"],
                ("Tashkent",), [], [("almaty", "partner", P)],
                ("Shared tourism service standards", "共同旅游服务标准",
                 "Общие стандарты туристических услуг"),
                ("Standards for tourism services shared across the region, as called for.",
                 "按照合作倡议在区域内共享的旅游服务标准。",
                 "Общие для региона стандарты туристических услуг."),
            ),
            (
                "caravan-assurance", "CLAIMS-SYSTEM", "insurance_product", "implementation",
                ["UZ", "KZ", "CN"], ("Tashkent",), [], [("tashkent", "partner", C)],
                ("Cross-border travel insurance claims", "跨境旅游保险理赔",
                 "Урегулирование страховых случаев в поездках"),
                ("Claims for travel insurance handled across the border, as called for.",
                 "按照合作倡议跨境办理旅游保险理赔。",
                 "Страховые случаи урегулируются по обе стороны границы."),
            ),
            (
                "caravan-assurance", "TRAIN-COVER", "insurance_product", "implementation",
                ["UZ", "KZ", "CN"], ("Xi'an", "Almaty"), [],
                [("silk-road-rail", "insurer", P)],
                ("Travel insurance for tourism train passengers", "旅游专列乘客旅行保险",
                 "Страхование пассажиров туристических поездов"),
                ("Cover for passengers of the China-Central Asia cultural tourism trains.",
                 "为中国—中亚文旅专列乘客提供保障。",
                 "Страховка для пассажиров культурно-туристических поездов."),
            ),
            (
                "samarkand", "HERITAGE-SAMARKAND", "heritage_site", "implementation", ["UZ"],
                ("Samarkand",), ["UZ-SAM-Z-SILK-ROAD"], [],
                ("Samarkand - Crossroad of Cultures", "撒马尔罕——文化交汇之地",
                 "Самарканд — перекрёсток культур"),
                ("A UNESCO World Heritage site on the Silk Road.",
                 "丝绸之路上的联合国教科文组织世界遗产。",
                 "Объект всемирного наследия ЮНЕСКО на Шёлковом пути."),
            ),
            (
                "samarkand", "HERITAGE-BUKHARA", "heritage_site", "implementation", ["UZ"],
                ("Bukhara",), [], [],
                ("Historic Centre of Bukhara", "布哈拉历史中心", "Исторический центр Бухары"),
                ("A UNESCO World Heritage site on the Silk Road.",
                 "丝绸之路上的联合国教科文组织世界遗产。",
                 "Объект всемирного наследия ЮНЕСКО на Шёлковом пути."),
            ),
            (
                "almaty", "KHORGOS-CENTER", "infrastructure", "implementation", ["KZ", "CN"],
                ("Khorgos",), ["CN-URUMQI-KHORGOS"], [("urumqi", "partner", C)],
                ("Horgos International Border Cooperation Center",
                 "中哈霍尔果斯国际边境合作中心",
                 "Международный центр приграничного сотрудничества «Хоргос»"),
                ("The China-Kazakhstan cooperation center at the Khorgos crossing.",
                 "位于霍尔果斯口岸的中哈合作中心。",
                 "Китайско-казахстанский центр сотрудничества на переходе Хоргос."),
            ),
            (
                "almaty", "CULTURE-DAYS", "event_festival", "finalisation", ["KZ", "CN"],
                ("Almaty",), [], [("xian", "partner", P)],
                ("Reception of the cultural tourism train in Almaty", "阿拉木图迎接文旅专列",
                 "Встреча культурно-туристического поезда в Алматы"),
                ("Almaty's welcome for the first China-Central Asia cultural tourism train.",
                 "阿拉木图迎接首趟中国—中亚文旅专列。",
                 "Алматы встречает первый культурно-туристический поезд."),
            ),
            (
                "tashkent", "HOTLINE-CHINESE", "other", "implementation", ["UZ", "CN"],
                ("Tashkent",), [], [],
                ("Information for Chinese visitors in Tashkent", "塔什干中国游客信息服务",
                 "Информация для туристов из Китая в Ташкенте"),
                ("Visitor information in Chinese, following the visa exemption.",
                 "互免签证后为中国游客提供中文信息服务。",
                 "Информация на китайском языке после отмены виз."),
            ),
        ]
    ],
]  # fmt: skip


# --- Contacts: (owner, ref, state, kind, countries covered, languages, hours, name)
CONTACTS = [
    ("urumqi", "C-KHORGOS-HELP", "published", "safety_assistance", ["CN", "KZ"],
     ["zh", "ru", "kk"], "24/7",
     text("Khorgos visitor assistance", "霍尔果斯游客求助", "Помощь посетителям Хоргоса")),
    ("urumqi", "C-ALASHANKOU", "published", "tourist_hotline", ["CN", "KZ"], ["zh", "ru"],
     "Mon-Fri 09:00-18:00",
     text("Alashankou visitor information", "阿拉山口游客咨询",
          "Справки для туристов, Алашанькоу")),
    ("urumqi", "C-KASHGAR", "published", "tourist_hotline", ["CN", "KG", "TJ", "UZ"],
     ["zh", "ru", "uz"], "Mon-Sun 10:00-19:00",
     text("Kashgar visitor information", "喀什游客咨询", "Справки для туристов, Кашгар")),
    ("urumqi", "C-URUMQI-CONSULAR", "published", "consular", ["CN"], ["zh", "ru", "en"],
     "Mon-Fri 09:00-17:00",
     text("Help desk for Central Asian visitors, Urumqi", "乌鲁木齐中亚访客服务台",
          "Справочная для гостей из Центральной Азии, Урумчи")),
    ("urumqi", "C-TORUGART", "changes_requested", "safety_assistance", ["CN", "KG"],
     ["zh", "ky", "ru"], "24/7",
     text("Torugart crossing assistance", "吐尔尕特口岸求助", "Помощь на переходе Торугарт")),
    ("almaty", "C-HOTLINE", "published", "tourist_hotline", ["KZ"], ["kk", "ru", "zh", "en"],
     "24/7",
     text("Almaty tourist hotline", "阿拉木图旅游热线", "Туристическая горячая линия Алматы")),
    ("almaty", "C-VISA-INFO", "published", "consular", ["KZ", "CN"], ["kk", "ru", "zh"],
     "Mon-Fri 09:00-18:00",
     text("Visa-free travel questions, Almaty", "阿拉木图免签旅行咨询",
          "Вопросы о безвизовых поездках, Алматы")),
    ("almaty", "C-DISPUTES", "published", "dispute_resolution", ["KZ", "CN"], ["kk", "ru", "zh"],
     "Mon-Fri 09:00-18:00",
     text("Tourist complaints desk, Almaty", "阿拉木图游客投诉受理",
          "Приём жалоб туристов, Алматы")),
    ("tashkent", "C-HOTLINE", "published", "tourist_hotline", ["UZ"], ["uz", "ru", "zh", "en"],
     "24/7",
     text("Tashkent tourist hotline", "塔什干旅游热线", "Туристическая горячая линия Ташкента")),
    ("tashkent", "C-DISPUTES", "published", "dispute_resolution", ["UZ", "CN"], ["uz", "ru", "zh"],
     "Mon-Fri 09:00-18:00",
     text("Tourist complaints desk, Tashkent", "塔什干游客投诉受理",
          "Приём жалоб туристов, Ташкент")),
    ("samarkand", "C-HOTLINE", "published", "tourist_hotline", ["UZ"], ["uz", "ru", "zh", "en"],
     "Mon-Sun 09:00-20:00",
     text("Samarkand visitor information", "撒马尔罕游客咨询", "Справки для туристов, Самарканд")),
    ("samarkand", "C-SAFETY", "submitted", "safety_assistance", ["UZ"], ["uz", "ru", "en"],
     "24/7",
     text("Samarkand visitor safety", "撒马尔罕游客安全", "Безопасность туристов, Самарканд")),
    ("steppe-voyages", "C-BOOKINGS", "published", "other", ["KZ", "CN"], ["ru", "zh", "en"],
     "Mon-Fri 09:00-18:00",
     text("Tour bookings and changes", "旅游预订与变更", "Бронирование и изменение туров")),
    ("silk-road-rail", "C-PASSENGERS", "published", "tourist_hotline", ["CN", "KZ"],
     ["zh", "ru", "en"], "24/7",
     text("Tourism train passenger service", "旅游专列旅客服务",
          "Служба пассажиров туристических поездов")),
    ("caravan-assurance", "C-CLAIMS-KZ", "published", "insurance_claims", ["KZ"],
     ["ru", "kk", "zh"], "24/7",
     text("Insurance claims in Kazakhstan", "哈萨克斯坦保险理赔", "Страховые случаи в Казахстане")),
    ("caravan-assurance", "C-CLAIMS-CN", "archived", "insurance_claims", ["CN"], ["zh", "ru"],
     "Mon-Fri 09:00-18:00",
     text("Insurance claims in China (former desk)", "中国保险理赔（原服务台）",
          "Страховые случаи в Китае (прежняя служба)")),
]  # fmt: skip


def zone_specs(make) -> list:
    return [
        make(owner, ref, state, {
            "name": name, "description": description, "kind": kind, "countries": countries,
            "geometry": geometry, "border_crossings": crossings, "lifecycle_status": lifecycle,
        })
        for owner, ref, state, kind, lifecycle, countries, crossings, geometry, name, description
        in ZONES
    ]  # fmt: skip


# The month the public record of REAL-WORLD.md dates these items (see the docstring).
ON_RECORD = "2025-06-01"


def project_specs(make) -> list:
    specs = []
    for spec in PROJECTS:
        owner, ref, state, category, lifecycle, countries, where, zones, partners = spec[:9]
        title, summary = spec[9:]
        data = {
            "title": title, "summary": summary, "category": category,
            "lifecycle_status": lifecycle, "countries": countries, "locations": where,
            "planned_start": ON_RECORD,
        }  # fmt: skip
        if zones:
            data["zones"] = zones
        specs.append(make(owner, ref, state, data, partners))
    return specs


def contact_specs(make) -> list:
    return [
        make(owner, ref, state, {
            "kind": kind, "name": name, "countries_covered": covered, "languages": languages,
            "hours": hours, "email": f"{ref.lower()}@{owner}.example",
        })
        for owner, ref, state, kind, covered, languages, hours, name in CONTACTS
    ]  # fmt: skip
