"""extractors/ocds.py: text, notice fields and structured values read from one release."""

from __future__ import annotations

import json

import pytest

from hjwatch.extractors.ocds import (
    decode_json_bytes, events, fix_text, iso_date, loads_release_package, money, months_between,
    notice_fields, notice_type, procedure, release_spans, release_to_text, resolve_name, structured_fields,
)
from tests.spiders.ocds_helpers import recording


def releases(name):
    return loads_release_package(recording(name))["releases"]


R1, R2, R3 = releases("fts_2025-03-03_page1.json")
R4, R5 = releases("fts_2025-03-03_page2.json")
R6, R7 = releases("fts_2025-03-03_page3.json")
R8, _ = releases("fts_2025-03-04_page1.json")
C1, C2, C3 = releases("cf_2025-01-21_page1.json")


# --- parsing ---------------------------------------------------------------------------------

def test_1e9999_parses_to_none():
    assert R3["tender"]["value"]["amount"] is None


def test_nan_and_infinity_literals_parse_to_none():
    assert loads_release_package(b'{"a": NaN, "b": -Infinity}') == {"a": None, "b": None}


def test_malformed_json_raises_valueerror():
    with pytest.raises(ValueError):
        loads_release_package(recording("fts_2025-03-04_truncated.json"))


def test_utf8_wins_over_a_latin1_declaration():
    assert decode_json_bytes("Â£".encode("utf-8")) == ("Â£", "utf-8")


def test_invalid_utf8_falls_back_to_cp1252():
    assert decode_json_bytes(b'"\x93quoted\x94"')[1] == "cp1252"


def test_release_spans_are_the_exact_text():
    text = recording("fts_2025-03-03_page1.json").decode("utf-8")
    spans = release_spans(text, 3)
    assert [json.loads(s.replace("1e9999", "0"))["id"] for s in spans] == ["007001-2025", "007002-2025", "007003-2025"]
    assert "1e9999" in spans[2]


def test_release_spans_refuse_a_count_mismatch():
    assert release_spans('{"releases": [{"id": 1}]}', 2) is None


# --- small readers ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ({"amount": 85000000, "currency": "GBP"}, (85000000, "GBP")),
    ({"amount": 1234.6, "currency": "gbp"}, (1235, "GBP")),
    ({"amount": 0, "currency": "GBP"}, (None, "GBP")),
    ({"amount": -5, "currency": "GBP"}, (None, "GBP")),
    ({"amount": None, "currency": "GBP"}, (None, "GBP")),
    ({"amount": "85000000", "currency": "GBP"}, (None, "GBP")),
    ({"amount": True}, (None, None)),
    ("85m", (None, None)),
])
def test_money(value, expected):
    assert money(value) == expected


def test_iso_date_keeps_the_local_date():
    assert iso_date("2032-09-30T23:59:59+01:00") == "2032-09-30"


def test_iso_date_rejects_impossible_dates():
    assert iso_date("2025-02-30T00:00:00Z") is None


def test_months_between_seven_years():
    assert months_between("2025-10-01", "2032-09-30") == 84


def test_months_between_reversed_is_none():
    assert months_between("2026-01-01", "2025-01-01") is None


def test_fix_text_repairs_mojibake():
    assert fix_text("contractâ€™s value is Â£4.2m") == "contract’s value is £4.2m"


def test_fix_text_leaves_clean_text_alone():
    assert fix_text("Café “quoted” £5") == "Café “quoted” £5"


def test_resolve_company_alias():
    assert resolve_name("PRACTICE PLUS GROUP HEALTH AND REHABILITATION SERVICES LIMITED", "companies") == "Practice Plus Group"


def test_resolve_unknown_name_is_none():
    assert resolve_name("Example Telehealth Ltd", "companies") is None


# --- notice type, procedure, events ----------------------------------------------------------

def test_notice_type_uk4():
    assert notice_type(R1) == "UK4"


def test_notice_type_from_award_documents():
    assert notice_type(R8) == "UK6"


def test_notice_type_absent():
    assert notice_type(R5) is None


def test_notice_type_from_shared_record(shared_dir):
    package = json.loads((shared_dir / "fixtures/api/fts_ocds_record_package_ocds-h6vhtk-0525b3.json").read_text())
    assert notice_type(package["records"][0]["compiledRelease"]) == "UK7"


def test_psr_detected_with_its_process():
    proc = procedure(R5)
    assert proc["psr"] is True and proc["psr_process"] == "direct_award_c"


def test_open_procedure_is_not_psr():
    assert procedure(R1)["psr"] is False


def test_psr_intention_to_award_event():
    assert events(R5) == ["intention_to_award", "award"]


def test_uk3_planning_events():
    assert events(R3) == ["prior_information"]


def test_events_from_tag_only():
    assert events({"tag": ["tenderCancellation"]}) == ["withdrawal"]


# --- release_to_text ---------------------------------------------------------------------------

def test_text_starts_with_the_title():
    assert release_to_text(R1).startswith("NHSE1201 - Healthcare Services at HMP Belmarsh")


def test_text_has_lots_buyer_and_suppliers():
    text = release_to_text(R8)
    assert "Buyer: NHS England - London (Health and Justice Team)" in text
    assert "Suppliers: PRACTICE PLUS GROUP HEALTH AND REHABILITATION SERVICES LIMITED" in text
    assert "Lot 1: Integrated healthcare, south east London prisons." in release_to_text(R1)


def test_text_is_repaired():
    assert "contract’s value is £4.2m" in release_to_text(C1)


def test_text_of_garbage_is_empty():
    assert release_to_text({"tender": [], "awards": "x", "parties": [1]}) == ""


# --- notice_fields ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def n1():
    return notice_fields(R1)


def test_notice_ocid(n1):
    assert n1["ocid"] == "ocds-h6vhtk-0fa001"


def test_notice_release_id(n1):
    assert n1["release_id"] == "007001-2025"


def test_notice_date(n1):
    assert n1["date"] == "2025-03-03"


def test_notice_title(n1):
    assert n1["title"] == "NHSE1201 - Healthcare Services at HMP Belmarsh, HMP Thameside and HMP Isis"


def test_notice_buyer(n1):
    assert n1["buyer"] == "NHS England - London (Health and Justice Team)"


def test_notice_value_and_currency(n1):
    assert (n1["value"], n1["currency"]) == (85000000, "GBP")


def test_notice_contract_period(n1):
    assert (n1["contract_start"], n1["contract_end"], n1["duration_months"]) == ("2025-10-01", "2032-09-30", 84)


def test_notice_cpv_is_a_list_main_first(n1):
    assert n1["cpv"] == ["85100000"] and n1["cpv_main"] == "85100000"


def test_notice_lots(n1):
    assert n1["lots"][0]["title"] == "Integrated healthcare, south east London prisons"
    assert n1["lots"][0]["value"] == 85000000


def test_notice_procedure_is_text(n1):
    assert n1["procedure"] == "Open procedure"


def test_notice_psr_procedure_label():
    assert notice_fields(R5)["procedure"] == "Provider Selection Regime (direct award c): Provider Selection Regime - direct award process C"


def test_notice_infinite_value_is_missing():
    assert notice_fields(R3)["value"] is None


def test_notice_zero_value_is_missing():
    assert notice_fields(R4)["value"] is None


def test_notice_other_currency_kept_with_its_currency():
    assert (notice_fields(R7)["value"], notice_fields(R7)["currency"]) == (250000, "EUR")


def test_notice_fields_are_json_serialisable():
    for r in (R1, R3, R5, R7, R8, C1):
        json.dumps(notice_fields(r), allow_nan=False)


# --- structured_fields -----------------------------------------------------------------------

def test_structured_values_gbp_only():
    assert structured_fields(R7)["values_gbp"] == []


def test_structured_infinite_value_dropped():
    assert structured_fields(R3)["values_gbp"] == []


def test_structured_award_values_and_duration():
    s = structured_fields(R8)
    assert s["values_gbp"] == [85000000] and s["durations_months"] == [84]


def test_structured_supplier_resolves_to_canonical_company():
    assert structured_fields(R8)["companies"] == ["Practice Plus Group"]


def test_structured_buyer_resolves_to_canonical_commissioner():
    assert structured_fields(R1)["buyers"] == ["NHS England London Health and Justice"]


def test_structured_events():
    assert structured_fields(R8)["events"] == ["award"]


def test_structured_contract_dates_prefer_the_award():
    s = structured_fields(C1)
    assert (s["contract_start"], s["contract_end"]) == ("2025-04-01", "2030-03-31")


def test_structured_real_contracts_finder_page_never_fails(shared_dir):
    page = loads_release_package((shared_dir / "fixtures" / "contracts_finder_ocds_search_sample.json").read_bytes())
    for r in page["releases"]:
        s = structured_fields(r)
        assert all(isinstance(v, int) and v > 0 for v in s["values_gbp"])
        json.dumps(notice_fields(r), allow_nan=False)
