"""A deterministic synthetic corpus for the extraction speed benchmark.

Documents are about 600 words and mix the three kinds hjwatch reads: tender notices in form
layout (plain text), news stories (plain text) and news pages as HTML with navigation, a cookie
banner and a related-links box. Names come from the project's own gazetteers, so the
extractor's phrase matchers see realistic hits; figures, durations and dates use the forms the
extractor must parse ("£85m", "38 108 065.00 GBP", "PS9,020,153", "seven-year", "01 April
2026"). The text is template prose written for this benchmark: it measures speed, not quality
(quality is measured on ``tests/gold/``).

Same ``n`` and ``seed`` give byte-identical documents on every machine::

    >>> docs = generate(3, seed=7)
    >>> docs == generate(3, seed=7)
    True
    >>> [kind for kind, _ in docs]
    ['notice', 'news', 'html']
    >>> 450 < len(docs[1][1].split()) < 800
    True
"""

from __future__ import annotations

import csv
import html
import random
from pathlib import Path

GAZETTEERS = Path(__file__).resolve().parents[1] / "extractors" / "data" / "gazetteers"
SEED = 20261123
TARGET_WORDS = 600
KINDS = ("notice", "news", "html")


def _names(csv_name: str, where=lambda row: True) -> list[str]:
    with open(GAZETTEERS / csv_name, encoding="utf-8", newline="") as fh:
        return [row["name"] for row in csv.DictReader(fh) if where(row)]


class Names:
    """Gazetteer names the templates draw from (loaded once)."""

    def __init__(self) -> None:
        self.prisons = _names("prisons.csv", lambda r: r["name"].startswith("HMP "))
        self.other_sites = _names("prisons.csv", lambda r: not r["name"].startswith("HMP "))
        self.trusts = _names("nhs_trusts.csv", lambda r: r.get("country") == "England")
        self.companies = _names("providers.csv")
        self.buyers = _names("commissioners.csv")


# Background sentences: realistic filler, so documents reach ~600 words with the density of
# entities and figures that real notices and stories have (most sentences carry none).
FILLER = [
    "The service covers primary care, mental health, substance misuse and social care for people in custody.",
    "Providers are expected to work closely with the prison and with community services on release.",
    "Bidders should show how they will recruit and keep clinical staff in a secure environment.",
    "The specification follows the national service specification for health and justice settings.",
    "Patients should receive care equivalent to that available in the community.",
    "Reception screening must take place on the day of arrival, with a second assessment within seven days.",
    "Continuity of medication on transfer and release remains a priority for commissioners.",
    "The provider will report monthly against the key performance indicators in the contract.",
    "Staff must complete security training before working on the wings.",
    "Social value will be assessed as part of the quality evaluation.",
    "The commissioner held engagement events with providers, people with lived experience and prison staff.",
    "Clinical governance arrangements must meet the standards of the regulator.",
    "Telemedicine and remote consultations may be used where clinically appropriate.",
    "Mobilisation plans should set out how the transfer of staff under TUPE will be handled.",
    "The prison holds adult men, some of whom are serving long sentences.",
    "Waiting times for dental and optometry appointments have been a recurring concern.",
    "The inspection found that medicines management had improved since the last visit.",
    "Governors and healthcare managers meet every month to review the partnership.",
    "Data sharing between the prison and the health provider is governed by a local agreement.",
    "Interested organisations should register on the e-tendering portal to receive the documents.",
]

MONEY = ["£{m}m", "£{m} million", "£{full}", "GBP {full}", "{spaced}.00 GBP", "PS{full}", "Â£{m}m",
         "value excluding VAT: {full}", "£{b}bn"]
DURATION = ["a {w}-year contract", "an initial term of {n} years with the option to extend for up to {k} years",
            "{n} years and {mo} months", "a term of {n} years", "a {mm}-month extension"]
WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 10: "ten"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def _money(rng: random.Random) -> str:
    millions = rng.choice([1.2, 2.4, 4.04, 8.3, 17, 38.1, 85, 122.3, 236])
    full = int(millions * 1_000_000) + rng.randrange(0, 999) * 1000
    return rng.choice(MONEY).format(
        m=millions, full=f"{full:,}", spaced=f"{full:,}".replace(",", " "), b=rng.choice([1.1, 2.5]))


def _duration(rng: random.Random) -> str:
    n = rng.choice([2, 3, 4, 5, 6, 7])
    return rng.choice(DURATION).format(w=WORDS.get(n, n), n=n, k=rng.choice([1, 2, 3]),
                                       mo=rng.randrange(1, 12), mm=rng.choice([6, 12, 24]))


def _date(rng: random.Random) -> str:
    day, month, year = rng.randrange(1, 29), rng.choice(MONTHS), rng.randrange(2019, 2031)
    return rng.choice([f"{day} {month} {year}", f"{day:02d}/{MONTHS.index(month) + 1:02d}/{year}",
                       f"the {day:02d} {month} {year}", f"{month} {day}, {year}"])


def _prison_list(rng: random.Random, names: Names) -> str:
    picks = rng.sample(names.prisons, rng.randrange(2, 5))
    bare = [p[4:] for p in picks]
    style = rng.randrange(3)
    if style == 0:  # prefix once
        return "HMP " + ", ".join(bare[:-1]) + " and " + bare[-1]
    if style == 1:
        return "HMPs " + ", ".join(bare[:-1]) + " and " + bare[-1]
    return ", ".join(picks[:-1]) + " and " + picks[-1]


def _facts(rng: random.Random, names: Names) -> dict[str, str]:
    return {
        "prisons": _prison_list(rng, names),
        "site": rng.choice(names.other_sites),
        "trust": rng.choice(names.trusts),
        "company": rng.choice(names.companies),
        "buyer": rng.choice(names.buyers),
        "money": _money(rng),
        "money2": _money(rng),
        "duration": _duration(rng),
        "start": _date(rng),
        "end": _date(rng),
    }


def _pad(rng: random.Random, parts: list[str], words: int, first: int) -> list[str]:
    """Insert filler paragraphs (at ``first`` or later) until there are about ``words`` words."""
    out = list(parts)
    while sum(len(p.split()) for p in out) < words:
        para = " ".join(rng.sample(FILLER, 4))
        out.insert(rng.randrange(first, len(out) + 1), para)
    return out


def notice(rng: random.Random, names: Names) -> str:
    f = _facts(rng, names)
    head = [
        "Find a Tender",
        f"Integrated Healthcare Services at {f['prisons']}",
        f"Notice identifier: 2025/S 000-{rng.randrange(10000, 99999):06d}",
        "Section one: Contracting authority",
        f"one.1) Name and addresses\n{f['buyer']}\nLondon\nCountry: United Kingdom",
        "two.1.1) Title",
        f"Provision of healthcare services to {f['prisons']} and {f['site']}",
        "two.1.4) Short description",
        f"{f['buyer']} intends to award this contract. Term: {f['duration']}, commencing on {f['start']}.",
        f"two.1.7) Total value of the procurement (excluding VAT): {f['money']}",
        f"The incumbent, {f['company']}, has held the contract since {rng.randrange(2013, 2022)}.",
    ]
    tail = [
        f"five.2.3) Name and address of the contractor\n{f['company']}",
        f"five.2.4) Total value of the contract: {f['money2']}",
        f"Contract end date: {f['end']}",
        "six.4.1) Review body: High Court, Royal Courts of Justice, The Strand, London",
    ]
    return "\n".join(_pad(rng, head, TARGET_WORDS - 60, first=9) + tail)


def news(rng: random.Random, names: Names) -> str:
    f = _facts(rng, names)
    hedge = rng.choice([
        f"{f['company']} is taking legal action against {f['buyer']} over the award, lodging papers with the High Court.",
        "No legal challenge was received during the standstill period.",
        "The provider said it could face legal action if the decision stood.",
        "Staff described a challenging environment on the healthcare wing.",
    ])
    parts = [
        f"{f['trust']} loses {f['money']} prison healthcare contract",
        f"{f['trust']} has lost the contract to provide healthcare at {f['prisons']} to {f['company']}, "
        f"after a procurement run by {f['buyer']}.",
        f"The new contract, {f['duration']}, will start on {f['start']}, and the trust will hand over services over the summer.",
        hedge,
        f"The trust said it was proud of its staff at {f['site']} and would support a safe transfer.",
    ]
    return "\n\n".join(_pad(rng, parts, TARGET_WORDS, first=2))


def html_page(rng: random.Random, names: Names) -> str:
    body = news(rng, names).split("\n\n")
    title = html.escape(body[0])
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in body[1:])
    related = "".join(f'<li><a href="/news/{i}">{html.escape(rng.choice(FILLER))}</a></li>' for i in range(5))
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title>"
        f'<meta property="article:published_time" content="2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}T09:00:00+00:00">'
        "<link rel=\"canonical\" href=\"https://news.example.org/health/prison-contract\"></head><body>"
        "<header><nav><a href=\"/\">Home</a> | <a href=\"/news\">News</a> | <a href=\"/health\">Health</a>"
        " | <a href=\"/jobs\">Jobs</a></nav></header>"
        "<div class=\"cookie-banner\">We use cookies to improve your experience. Accept all | Manage</div>"
        f"<main><article><h1>{title}</h1><p class=\"byline\">By Health Correspondent</p>{paras}</article>"
        f"<aside class=\"related\"><h2>Related stories</h2><ul>{related}</ul></aside></main>"
        "<footer>&copy; Example News Ltd. Registered in England. Privacy | Terms</footer></body></html>"
    )


BUILDERS = {"notice": notice, "news": news, "html": html_page}


def generate(n: int, seed: int = SEED) -> list[tuple[str, str]]:
    """``n`` documents as ``(kind, content)``, kinds in rotation, reproducible from ``seed``."""
    rng = random.Random(seed)
    names = Names()
    return [(KINDS[i % 3], BUILDERS[KINDS[i % 3]](rng, names)) for i in range(n)]


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for kind, content in generate(count):
        print(f"===== {kind} ({len(content.split())} words)\n{content}\n")
