"""Likely duplicate organizations (issue 18): words that say *which* one weigh, words that say
*what kind* barely do.

Many members are city governments whose names share most of their words: "Xi'an Municipal
People's Government", "Beijing Municipal People's Government", "Chengdu Municipal People's
Government" are three cities, not one city three times. So each name is split into words
(Chinese, which has no spaces, into its generic suffixes and what stays), and each word weighs
1, except the generic words of `GENERIC` (kinds of government and legal forms, in English,
Chinese and Russian, and their Kazakh and Uzbek loans), which weigh `GENERIC_WEIGHT`. Two names
are alike by the weight of the words they share (a word matches a slightly different spelling,
"Xian" and "Xi'an"); two names made only of generic words say nothing.

Besides the names: the same registration number in one country is one legal person; the same
website (its domain, without "www.") is most likely one organization; a different country makes
a pair unlikely (names are compared only within one country).

`likely_duplicates(organizations)` lists the pairs a platform admin should look at (the admin's
duplicates page); `similar_to(profile, organizations)` the organizations an application may
duplicate (the platform admin's dashboard).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from accounts.domain.registration import normalize_registration_id

GENERIC_WEIGHT = 0.1
NAME_THRESHOLD = 0.8
WORD_MATCH = 0.85
SAME_REGISTRATION = 1.0
SAME_WEBSITE = 0.95

# Generic words, lower case, apostrophes removed (so "people's" is "peoples").
GENERIC_WORDS = frozenset(
    [
        "municipal",
        "municipality",
        "peoples",
        "people",
        "government",
        "governments",
        "city",
        "town",
        "county",
        "district",
        "province",
        "provincial",
        "region",
        "regional",
        "prefecture",
        "administration",
        "office",
        "committee",
        "council",
        "akimat",
        "akimiat",
        "hokimiyat",
        "khokimiyat",
        "hokimiyati",
        "mayor",
        "mayors",
        "of",
        "the",
        "and",
        "for",
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "llc",
        "llp",
        "ltd",
        "limited",
        "plc",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "group",
        "holding",
        "holdings",
        "too",
        "ooo",
        "ao",
        "mchj",
        "aj",
        "муниципальное",
        "муниципальный",
        "народное",
        "народного",
        "правительство",
        "правительства",
        "город",
        "города",
        "городской",
        "администрация",
        "администрации",
        "мэрия",
        "акимат",
        "акимата",
        "хокимият",
        "хокимията",
        "области",
        "область",
        "района",
        "район",
        "ооо",
        "тоо",
        "ао",
        "оао",
        "зао",
        "пао",
        "ип",
        "компания",
        "группа",
    ]
)
# Chinese generic endings, longest first: cut from the end of a name, one after another.
GENERIC_CHINESE = (
    "股份有限公司",
    "有限责任公司",
    "市人民政府",
    "人民政府",
    "有限公司",
    "市政府",
    "政府",
    "集团",
    "公司",
    "市",
    "省",
    "区",
    "县",
)
CJK = re.compile(r"[\u3400-\u9fff]")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"['’`ʼ]", "", text)


def _chinese_words(chunk: str) -> list[str]:
    """A run of Chinese characters: its generic endings (each a word) and the rest (one word)."""
    endings = []
    stripped = True
    while stripped and chunk:
        stripped = False
        for ending in GENERIC_CHINESE:
            if chunk.endswith(ending) and len(chunk) > len(ending):
                endings.append(ending)
                chunk = chunk[: -len(ending)]
                stripped = True
                break
    return [chunk, *endings] if chunk else endings


def words(text: str) -> list[str]:
    """The words of one name, in order; Chinese runs split by `_chinese_words`."""
    found = []
    for part in re.split(r"[\W_]+", _plain(text)):
        if not part:
            continue
        if CJK.search(part):
            found.extend(_chinese_words(part))
        else:
            found.append(part)
    return found


def weight(word: str) -> float:
    return GENERIC_WEIGHT if word in GENERIC_WORDS or word in GENERIC_CHINESE else 1.0


def _matches(word: str, others: list[str]) -> bool:
    return any(
        word == other or difflib.SequenceMatcher(None, word, other).ratio() >= WORD_MATCH
        for other in others
    )


def name_similarity(first: str, second: str) -> float:
    """0..1: the weight of the words each name shares with the other, over all their weight.

    Names made only of generic words compare as 0: they do not say which organization.
    """
    a, b = words(first), words(second)
    distinctive = [w for w in a if weight(w) == 1.0], [w for w in b if weight(w) == 1.0]
    if not distinctive[0] or not distinctive[1]:
        return 0.0
    shared = sum(weight(w) for w in a if _matches(w, b)) + sum(
        weight(w) for w in b if _matches(w, a)
    )
    total = sum(map(weight, a)) + sum(map(weight, b))
    return shared / total if total else 0.0


def domain_of(website: str) -> str:
    """The website's host without "www." ("" when there is none)."""
    website = (website or "").strip().lower()
    if not website:
        return ""
    if "//" not in website:
        website = "//" + website
    host = urlsplit(website).hostname or ""
    return host.removeprefix("www.")


@dataclass
class Profile:
    """What the finder compares, from an organization or an application."""

    names: list[str]
    country: str
    registration_id: str = ""
    website: str = ""
    source: object = None

    @classmethod
    def of(cls, item) -> Profile:
        names = [text for text in (item.name or {}).values() if isinstance(text, str)]
        country = str(item.country or "")
        return cls(
            names=names,
            country=country,
            registration_id=normalize_registration_id(country, item.registration_id or ""),
            website=domain_of(item.website or ""),
            source=item,
        )


@dataclass
class Likeness:
    score: float
    reasons: list[str] = field(default_factory=list)


def likeness(first: Profile, second: Profile) -> Likeness:
    """How likely two profiles are one organization, and why (in the reader's language)."""
    found = Likeness(0.0)
    same_country = first.country == second.country
    if same_country and first.registration_id and first.registration_id == second.registration_id:
        found.score = SAME_REGISTRATION
        found.reasons.append(
            _("same registration number %(number)s") % {"number": first.registration_id}
        )
    if first.website and first.website == second.website:
        found.score = max(found.score, SAME_WEBSITE)
        found.reasons.append(_("same website %(domain)s") % {"domain": first.website})
    if same_country:
        best = max((name_similarity(a, b) for a in first.names for b in second.names), default=0.0)
        if best >= NAME_THRESHOLD:
            found.score = max(found.score, best)
            found.reasons.append(
                _("similar names (%(percent)d%%)") % {"percent": round(best * 100)}
            )
    return found


@dataclass
class DuplicatePair:
    first: object
    second: object
    reasons: list[str]
    similarity: float


def likely_duplicates(organizations: Iterable) -> list[DuplicatePair]:
    """Pairs of (not merged) organizations that are likely one, most likely first."""
    profiles = [
        Profile.of(organization)
        for organization in organizations
        if organization.merged_into_id is None
    ]
    profiles.sort(key=lambda profile: profile.source.pk)
    by_country: dict[str, list[Profile]] = defaultdict(list)
    by_website: dict[str, list[Profile]] = defaultdict(list)
    for profile in profiles:
        by_country[profile.country].append(profile)
        if profile.website:
            by_website[profile.website].append(profile)
    candidates: set[tuple[int, int]] = set()
    pairs = []
    for group in (*by_country.values(), *by_website.values()):
        for index, first in enumerate(group):
            for second in group[index + 1 :]:
                key = (first.source.pk, second.source.pk)
                if key in candidates:
                    continue
                candidates.add(key)
                found = likeness(first, second)
                if found.reasons:
                    pairs.append(
                        DuplicatePair(first.source, second.source, found.reasons, found.score)
                    )
    pairs.sort(key=lambda pair: (-pair.similarity, -len(pair.reasons), pair.first.slug))
    return pairs


def similar_to(item, organizations: Iterable, limit: int = 5) -> list[tuple[object, Likeness]]:
    """The organizations `item` (an application) most likely duplicates, most likely first."""
    profile = Profile.of(item)
    found = []
    for organization in organizations:
        if organization.merged_into_id is not None:
            continue
        match = likeness(profile, Profile.of(organization))
        if match.reasons:
            found.append((organization, match))
    found.sort(key=lambda pair: (-pair[1].score, pair[0].slug))
    return found[:limit]
