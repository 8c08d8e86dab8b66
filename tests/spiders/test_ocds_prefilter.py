"""The relevance pre-filter: broad, but the bulk of unrelated notices is dropped."""

from __future__ import annotations

import json

import pytest

from hjwatch.spiders.prefilter import CUSTODY_RE, prefilter, prison_name_regex


def release(title="", description="", cpv="", buyer="", lots=()):
    tender = {"title": title, "description": description, "lots": [dict(l) for l in lots]}
    if cpv:
        tender["classification"] = {"scheme": "CPV", "id": cpv}
    out = {"tender": tender}
    if buyer:
        out["buyer"] = {"name": buyer}
    return out


def test_health_cpv_with_prison_term_kept():
    keep, reasons = prefilter(release("Healthcare services for people in prison", cpv="85100000"))
    assert keep and "health_cpv+custody" in reasons


def test_health_cpv_without_custody_term_dropped():
    assert prefilter(release("Occupational health for council staff", cpv="85147000")) == (False, [])


def test_health_and_justice_buyer_kept_whatever_the_cpv():
    keep, reasons = prefilter(release("Courier services", cpv="64120000",
                                      buyer="NHS England - North West (Health and Justice Team)"))
    assert keep and "health_and_justice_buyer" in reasons


def test_named_prison_kept():
    keep, reasons = prefilter(release("Acoustic panels at HMP Channings Wood", cpv="44112600"))
    assert keep and reasons == ["named_prison"]


def test_bare_town_name_is_not_a_prison():
    assert prefilter(release("Bristol city centre cycle lanes", cpv="45233000"))[0] is False


def test_irc_named_in_description_kept():
    assert prefilter(release("Primary care", "Services at Brook House IRC", cpv="85120000"))[0]


@pytest.mark.parametrize("text", [
    "police custody suites", "Sexual Assault Referral Centre", "secure children's home",
    "young offender institution", "immigration removal centre", "liaison and diversion",
])
def test_custody_settings_recognised(text):
    assert CUSTODY_RE.search(text)


@pytest.mark.parametrize("text", ["secure IT network", "secure car park", "custodian bank"])
def test_secure_alone_is_not_custody(text):
    assert CUSTODY_RE.search(text) is None


def test_health_terms_and_custody_without_cpv_kept():
    keep, reasons = prefilter(release("Pharmacy services for prisoners", cpv="33600000"))
    assert keep and "health_terms+custody" in reasons


def test_lot_text_counts():
    assert prefilter(release("Healthcare framework", cpv="85000000",
                             lots=[{"title": "Lot 3: secure hospitals"}]))[0]


def test_malformed_release_is_dropped_not_raised():
    assert prefilter({"tender": "not an object", "parties": [None, 3], "awards": "x"}) == (False, [])


def test_non_dict_is_dropped():
    assert prefilter(None) == (False, [])


def test_gazetteer_regex_loads():
    assert prison_name_regex().search("care at HMP Belmarsh today")


def test_real_contracts_finder_page_mostly_dropped(shared_dir):
    page = json.loads((shared_dir / "fixtures" / "contracts_finder_ocds_search_sample.json").read_text("utf-8"))
    kept = [r["tender"]["title"] for r in page["releases"] if prefilter(r)[0]]
    # 100 real releases of one January evening: a prison works notice and a sexual violence
    # service (SARC wording) pass; parking, software and the rest do not.
    assert "HMP Channings Wood - Acoustic Panels" in kept
    assert len(kept) <= 5
