"""The enrich stage: where an article is about, its summary and its reading time."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from importlib import resources
from typing import Any

import pytest

from newsdesk.ingest.enrich import enrich
from newsdesk.ingest.places import (
    all_countries,
    countries_in_region,
    country_mentions,
    country_name,
    country_regions,
    region_names,
)

TERM_FIELDS = ("names", "demonyms", "capitals", "aliases")


def places_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("newsdesk.ingest").joinpath("places.json").read_text("utf-8")
    )
    return data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Missiles were launched from Pyongyang on Friday.", ("KP",)),
        ("The DPRK said the test was a success.", ("KP",)),
        ("Officials in Guinea-Bissau postponed the vote.", ("GW",)),
        ("Officials in Guinea Bissau postponed the vote.", ("GW",)),
        ("Oil output rose in Equatorial Guinea.", ("GQ",)),
        ("Papua New Guinea held elections.", ("PG",)),
        ("Guinea's junta spoke.", ("GN",)),
        ("A Nigerian court ruled on Monday.", ("NG",)),
        ("A court in Niger ruled on Monday.", ("NE",)),
        ("Troops left the Niger Delta.", ("NG",)),
        ("Diplomats of the People’s Republic of China met.", ("CN",)),
        ("Diplomats of the People's Republic of China met.", ("CN",)),
        ("Diplomats of the Republic of China met.", ("TW",)),
        ("Talks in Côte d’Ivoire ended.", ("CI",)),
        ("Rain fell on the Democratic Republic of the Congo.", ("CD",)),
        ("Rain fell on the Republic of the Congo.", ("CG",)),
        ("Belfast and Northern Ireland voted.", ("GB",)),
        ("Drought in New South Wales deepened.", ("AU",)),
        ("The U.S. and the UK signed.", ("US", "GB")),
        ("Talks with the US, UK and EU resumed.", ("US", "GB")),  # abbreviations side by side
        ("An oil spill in the Niger delta.", ("NG",)),  # Nigeria's, not Niger's
        ("United states officials met.", ("US",)),
        ("Tourists flocked to the US Virgin Islands.", ("VI",)),
        ("Sales rose in South Sudan and Sudan.", ("SS", "SD")),
        ("The Kremlin denied it.", ("RU",)),
    ],
)
def test_countries_found_by_any_name(text: str, expected: tuple[str, ...]) -> None:
    assert enrich(title="", text=text).countries == expected


@pytest.mark.parametrize(
    "text",
    [
        "We served turkey on fine china, counted each hanging chad, fed the guinea pig.",
        "Growth slowed across Latin America and the Americas.",
        "A storm crossed the Gulf of Mexico.",
        "Explorers mapped New Guinea.",
        "Congo's army said the attack was repelled.",  # CG or CD: ambiguous
        "Washington said the deal was close.",  # state, person or capital
        "The bond raised US$5 billion.",
        "A Korean pop star toured.",
        "Uhuru Kenyatta met Indiana voters.",  # a name must end where the word ends
        "Guinea Pig Café Opens In Leeds",  # a phrase to ignore, in a headline's capitals
        "Gulf Of Mexico Storm Season Begins",
        "Ships crossed the Indian ocean.",
        "FOLLOW US ON INSTAGRAM for more events.",  # a pronoun in capitals, not a country
        "Tickets are going fast: JOIN US at the pier.",
    ],
)
def test_no_country_for_words_that_only_look_like_one(text: str) -> None:
    assert enrich(title="", text=text).countries == ()


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Michael Jordan returns to Chicago", "Michael Jordan spoke to reporters about his team."),
        ("Chad Smith wins drumming award", "Drummer Chad Smith accepted the award on Friday."),
        ("Paris Hilton launches a perfume", "Paris Hilton said the scent goes on sale next month."),
        ("Thanksgiving Turkey Recipes For A Crowd", "Roast the turkey and rest it before carving."),
        ("Atlanta voters head to the polls", "Voters in Atlanta, Georgia lined up early."),
        ("Wellington boots are back", "Wellington boots sold out in a week, the shop said."),
    ],
)
def test_a_country_name_that_is_also_a_person_or_a_dish_files_no_country(title: str,
                                                                           text: str) -> None:
    assert enrich(title=title, text=text).countries == ()


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Storm hits Paris", "Heavy rain flooded streets in Paris on Monday.", ("FR",)),
        ("Jordan's king opens hospital wing", "King Abdullah cut the ribbon in Amman.", ("JO",)),
        ("Refugees Flee To Jordan From Syria", "Families crossed the border at night.",
         ("JO", "SY")),
        ("Aid reaches Chad", "Trucks crossed into Chad from Sudan on Sunday.", ("TD", "SD")),
        ("Georgia votes", "Voters in Tbilisi queued from dawn.", ("GE",)),
        ("Turkey raises interest rates", "The Turkish central bank surprised markets.", ("TR",)),
    ],
)
def test_such_a_name_counts_where_the_text_places_it_or_names_the_country_otherwise(
    title: str, text: str, expected: tuple[str, ...]
) -> None:
    assert enrich(title=title, text=text).countries == expected


def test_dprk_article_is_about_north_korea_and_mentions_its_neighbours() -> None:
    result = enrich(
        title="Kim Jong-un’s DPRK fires missile into the sea",
        text=(
            "Pyongyang launched a ballistic missile on Tuesday, South Korea's military said. "
            "Seoul and the U.S. condemned the launch, which came days after joint drills."
        ),
    )
    assert result.primary_country == "KP"
    assert {"KR", "US"} <= set(result.countries)
    assert result.regions[0] == "asia"
    assert result.regions == ("asia", "americas")


def test_title_mention_outweighs_body_mentions() -> None:
    body = "Uganda and its neighbours met. Uganda's president spoke first."
    assert enrich(title="Kenya hosts regional summit", text=body).primary_country == "KE"
    assert enrich(title="Regional summit", text=f"Kenya hosts. {body}").primary_country == "UG"


def test_countries_ordered_by_weight_then_first_appearance() -> None:
    result = enrich(title="", text="Peru, then Chile, then Chile again, then Bolivia and Peru.")
    assert result.countries == ("PE", "CL", "BO")


def test_regions_start_with_primary_countrys_primary_region_then_defaults() -> None:
    result = enrich(
        title="Egypt reopens crossing",
        text="Egypt said trucks from Kenya and Uganda and Tanzania would pass.",
        default_regions=("europe", "africa"),
    )
    assert result.regions == ("middle-east", "africa", "europe")


@pytest.mark.parametrize(
    ("defaults", "default_regions", "countries", "regions"),
    [
        (("KE", "UG"), (), ("KE", "UG"), ("africa",)),
        (("GB",), ("europe", "oceania"), ("GB",), ("europe", "oceania")),
        ((), ("asia",), (), ("asia",)),
    ],
)
def test_article_without_places_gets_the_source_defaults(
    defaults: tuple[str, ...],
    default_regions: tuple[str, ...],
    countries: tuple[str, ...],
    regions: tuple[str, ...],
) -> None:
    result = enrich(
        title="Markets close higher",
        text="Shares rose on Tuesday as investors cheered earnings.",
        default_countries=defaults,
        default_regions=default_regions,
    )
    assert result.countries == countries
    assert result.primary_country == (countries[0] if countries else "")
    assert result.regions == regions


def test_defaults_do_not_override_countries_found() -> None:
    result = enrich(title="", text="Chileans voted.", default_countries=("KE",))
    assert (result.primary_country, result.countries) == ("CL", ("CL",))


def test_summary_cut_at_word_boundary_with_ellipsis() -> None:
    text = "word " * 30 + "unbreakable"
    hint = "The finance minister announced sweeping reforms to the national pension system " * 5
    summary = enrich(title="", text=text, summary_hint=hint, summary_chars=100).summary
    assert summary.endswith("…")
    assert len(summary) <= 100
    assert hint.startswith(summary[:-1])
    assert hint[len(summary) - 1] == " "  # the cut fell between two words


def test_summary_strips_html_and_folds_whitespace() -> None:
    hint = "<p>Rates&nbsp;rose <b>again</b>.</p>\n<p>Markets   fell.</p><script>x()</script>"
    assert enrich(title="", text="", summary_hint=hint).summary == "Rates rose again. Markets fell."


def test_summary_falls_back_to_first_sentences_of_text() -> None:
    text = (
        "Mr. Ruto arrived in Nairobi on Monday.  He met ministers.\n\n"
        "The talks ran late into the night and covered trade, security and the weather."
    )
    summary = enrich(title="", text=text, summary_hint="<p> </p>", summary_chars=70).summary
    assert summary == "Mr. Ruto arrived in Nairobi on Monday. He met ministers."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Crowds cheered in Kisumu when Mr. Odinga arrived at the rally on Saturday afternoon.",
            "Crowds cheered in Kisumu when Mr. Odinga arrived at the…",
        ),
        (
            "Trade negotiators representing the U.S. and the European Union met in Geneva.",
            "Trade negotiators representing the U.S. and the European…",
        ),
    ],
)
def test_summary_not_cut_after_an_abbreviation(text: str, expected: str) -> None:
    assert enrich(title="", text=text, summary_chars=60).summary == expected


def test_short_summary_kept_whole() -> None:
    assert enrich(title="", text="", summary_hint="Short and sweet").summary == "Short and sweet"


@pytest.mark.parametrize(
    ("words", "words_per_minute", "minutes"),
    [(1150, 230, 5), (1151, 230, 6), (0, 230, 1), (100, 230, 1), (600, 200, 3)],
)
def test_reading_minutes(words: int, words_per_minute: int, minutes: int) -> None:
    text = " ".join(["word"] * words)
    assert enrich(title="", text=text, words_per_minute=words_per_minute).reading_minutes == minutes


@pytest.mark.parametrize(("text", "minutes"), [
    ("東京都は月曜日、新しい防災計画を発表した。" * 200, 10),  # 3,800 characters, no spaces
    ("กรุงเทพฯ ประกาศแผนรับมือน้ำท่วมฉบับใหม่ " * 100, 10),  # Thai: spaces end phrases, not words
    ("서울시는 월요일 새로운 방재 계획을 발표했다. " * 150, 4),  # Korean spaces its words
])
def test_reading_minutes_of_scripts_without_spaces_count_characters(text: str,
                                                                    minutes: int) -> None:
    assert enrich(title="", text=text).reading_minutes == minutes


def test_a_summary_in_chinese_or_japanese_ends_after_a_sentence() -> None:
    text = "東京都は月曜日、新しい防災計画を発表した。" * 20
    assert enrich(title="", text=text, summary_chars=50).summary == (
        "東京都は月曜日、新しい防災計画を発表した。東京都は月曜日、新しい防災計画を発表した。")


def test_enriching_a_thousand_word_article_is_fast() -> None:
    sentence = "Officials in Nairobi met Ugandan and Tanzanian envoys to discuss tea exports. "
    text = sentence * 84  # 1,008 words
    enrich(title="Kenya", text=text)  # load and compile the gazetteer once
    start = time.perf_counter()
    for _ in range(20):
        enrich(title="Kenya and Uganda agree", text=text)
    assert (time.perf_counter() - start) / 20 < 0.005


def test_every_country_has_a_unique_code_and_known_regions() -> None:
    data = places_data()
    slugs = {region["slug"] for region in data["regions"]}
    codes = [country["iso2"] for country in data["countries"]]
    assert len(codes) == len(set(codes))
    assert len(codes) >= 195
    for country in data["countries"]:
        assert re.fullmatch(r"[A-Z]{2}", country["iso2"]), country
        assert country["regions"] and set(country["regions"]) <= slugs, country
        assert all(isinstance(country[field], list) for field in TERM_FIELDS), country


def test_no_term_names_two_countries_unless_ignored() -> None:
    data = places_data()
    owners: dict[str, set[str]] = defaultdict(set)
    for country in data["countries"]:
        for term in (country["name"], *(t for f in TERM_FIELDS for t in country[f])):
            owners[term].add(country["iso2"])
    shared = {term for term, codes in owners.items() if len(codes) > 1}
    assert shared <= set(data["ignore"])
    assert shared == {"Congo", "Congolese"}


def test_every_country_is_found_by_its_own_name() -> None:
    missed = {
        iso2: name for iso2, name in all_countries().items() if country_mentions(name) != [iso2]
    }
    assert missed == {}


def test_place_lookups() -> None:
    assert list(region_names().items()) == [
        ("africa", "Africa"),
        ("americas", "Americas"),
        ("asia", "Asia"),
        ("europe", "Europe"),
        ("middle-east", "Middle East"),
        ("oceania", "Oceania"),
    ]
    assert country_name("KP") == "North Korea"
    assert all_countries()["US"] == "United States"
    assert country_regions("EG") == ("middle-east", "africa")
    assert country_regions("TR") == ("europe", "middle-east")
    assert country_regions("RU") == ("europe", "asia")
    assert {"EG", "TR", "IL", "PS"} <= set(countries_in_region("middle-east"))
    assert {"EG", "KE", "NG"} <= set(countries_in_region("africa"))
    assert {"AU", "NZ", "FJ"} <= set(countries_in_region("oceania"))
    with pytest.raises(KeyError):
        country_name("ZZ")
    with pytest.raises(KeyError):
        countries_in_region("antarctica")
