"""hj_gazetteer round 2: buyers and suppliers named by a page's layout or a phrase's role.

Each kind below was missed on a held-out set; the texts here are short ones written for these
tests (bodies and prisons are real names, the wording is ours).
"""

from __future__ import annotations

from hjwatch.extractors.ocds import release_to_text
from tests.extractors.gazetteer_helpers import names


def buyers(text):
    return names(text, "BUYER")


def companies(text):
    return names(text, "COMPANY")


def prisons(text):
    return names(text, "PRISON")


# -- kind 1: a Contracts Finder page, the buyer alone on the line under the title ---------------

CF_PAGE = (
    "Healthcare and forensic medical services in police custody\n"
    "Cumbria Office of the Police, Fire and Crime Commissioner\n"
    "Published date: 2 June 2025\n"
    "Healthcare for detainees in custody suites across the county.\n"
)


def test_cf_buyer_line_open_set_pfcc_office():
    assert buyers(CF_PAGE) == ["Cumbria Office of the Police, Fire and Crime Commissioner"]


def test_cf_title_line_is_not_a_buyer():
    assert "Healthcare and forensic medical services in police custody" not in buyers(CF_PAGE)


def test_cf_title_directly_above_published_date_is_not_a_buyer():
    # A reprint with no buyer line: the title itself ends in no organisation word.
    text = "Healthcare Services at Heathrow Immigration Removal Centres\nPublished date: 16 September 2021\n"
    assert buyers(text) == []


def test_pfcc_named_in_a_sentence():
    text = "North Yorkshire Police, Fire and Crime Commissioner procured custody healthcare services."
    assert buyers(text) == ["North Yorkshire Police, Fire and Crime Commissioner"]


def test_pcc_office_with_area_after_still_works():
    text = "The Office of the Police and Crime Commissioner for Kent awarded the custody healthcare contract."
    assert buyers(text) == ["Office of the Police and Crime Commissioner for Kent"]


# -- kind 2: a Procurement Act notice page (UK4/UK6), the authority under the title ------------

def test_procurement_act_page_police_force_line():
    text = ("Custody healthcare services\nWest Yorkshire Police\n"
            "UK4: Tender notice - Procurement Act 2023 - view information about notice types\n"
            "Notice identifier: 2025/S 000-012345\n")
    assert buyers(text) == ["West Yorkshire Police"]


def test_procurement_act_page_dashed_authority_line():
    text = ("Custody healthcare services\n- Humberside Police\n"
            "UK6: Contract award notice - Procurement Act 2023\n")
    assert buyers(text) == ["Humberside Police"]


def test_plain_line_above_uk_line_without_org_word_is_not_a_buyer():
    text = "Custody healthcare services\nLot one and lot two\nUK4: Tender notice - Procurement Act 2023\n"
    assert buyers(text) == []


# -- kind 3: the Welsh Government as commissioner in a board paper ------------------------------

def test_agreement_with_welsh_government_for_services():
    text = ("The board noted the agreement with the Welsh Government for primary care and "
            "mental health services at HMP Cardiff.")
    assert buyers(text) == ["Welsh Government"]


def test_welsh_government_in_passing_is_not_a_buyer():
    text = "Ministers in the Welsh Government said prisons in Wales were overcrowded."
    assert buyers(text) == []


# -- kind 4: the body that manages a contract is its buyer --------------------------------------

def test_contract_managed_by_hmpps():
    text = "Education at HMP Lewes is delivered under a contract managed by HM Prison and Probation Service."
    assert buyers(text) == ["HM Prison and Probation Service"]


def test_service_managed_by_a_trust_is_not_a_buyer():
    text = "Healthcare at HMP Lewes is managed by Sussex Partnership NHS Foundation Trust."
    assert buyers(text) == []


def test_hmpps_in_passing_is_not_a_buyer():
    text = "HM Prison and Probation Service said the prison was overcrowded."
    assert buyers(text) == []


# -- kind 5: "provided by X under a contract" names a supplier ----------------------------------

def test_provided_by_open_set_supplier_under_a_contract():
    text = "Education at HMP Lewes is provided by Novus under a contract with the prison service."
    assert companies(text) == ["Novus"]


def test_delivered_by_supplier_under_the_contract():
    text = "The courses are delivered by Milton Keynes College under the current contract."
    assert companies(text) == ["Milton Keynes College"]


def test_provided_by_without_contract_is_not_a_supplier_cue():
    text = "Lunch was provided by Greggs at the open day."
    assert companies(text) == []


# -- a prison name does not run into the next word or the next line -----------------------------

def test_unknown_prison_stops_at_line_break():
    assert prisons("Services at HMP Newtown\n\nPsychosocial services for men.") == ["HMP Newtown"]


def test_unknown_prison_drops_a_service_word_after_it():
    assert prisons("Services at HMP Newtown Psychosocial services.") == ["HMP Newtown"]


def test_unknown_two_word_prison_kept():
    assert prisons("A visit to HMP Foo Bar last week.") == ["HMP Foo Bar"]


def test_known_prison_then_description_in_a_release():
    release = {"tender": {"title": "Substance misuse services HMP Altcourse",
                          "description": "Psychosocial and clinical substance misuse services."}}
    text = release_to_text(release)
    assert "Altcourse\n\nPsychosocial" in text
    assert prisons(text) == ["HMP Altcourse"]


# -- kind 4b: a written answer's answering department is not by itself a buyer ------------------

WRITTEN_ANSWER = (
    "Question for Ministry of Justice\n"
    "To ask the Secretary of State for Justice, who provides education at HMP Lewes.\n"
    "Education at HMP Lewes is provided by Novus under a contract managed by HM Prison and "
    "Probation Service.\n"
)


def test_question_for_department_header_is_not_a_buyer():
    assert "Ministry of Justice" not in buyers(WRITTEN_ANSWER)


def test_written_answer_buyer_is_the_managing_body():
    assert buyers(WRITTEN_ANSWER) == ["HM Prison and Probation Service"]


def test_written_answer_supplier():
    assert companies(WRITTEN_ANSWER) == ["Novus"]


def test_department_acting_as_buyer_below_the_header_still_counts():
    text = "Question for Ministry of Justice\nThe Ministry of Justice awarded the contract for HMP Lewes.\n"
    assert buyers(text) == ["Ministry of Justice"]
