"""hj_gazetteer: prisons, trusts, companies and buyers in short texts written for these tests."""

from __future__ import annotations

import pytest

from tests.extractors.gazetteer_helpers import entity_nlp, names


def prisons(text):
    return names(text, "PRISON")


def trusts(text):
    return names(text, "TRUST")


def companies(text):
    return names(text, "COMPANY")


def buyers(text):
    return names(text, "BUYER")


# -- prisons: prefixes and suffixes ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Healthcare at HMP Belmarsh is changing.", "HMP Belmarsh"),
        ("A new wing at HMP/YOI Doncaster opened.", "HMP Doncaster"),
        ("Inspectors visited HMP & YOI Altcourse.", "HMP Altcourse"),
        ("Boys held at HMYOI Wetherby were moved.", "HMYOI Wetherby"),
        ("His Majesty's Prison Frankland holds 800 men.", "HMP Frankland"),
        ("Her Majesty's Prison Durham was inspected.", "HMP Durham"),
        ("Mental health care at Liverpool prison is poor.", "HMP Liverpool"),
        ("Wakefield Prison has a high profile.", "HMP Wakefield"),
        ("Detainees at Brook House IRC complained.", "Brook House IRC"),
        ("Yarl's Wood Immigration Removal Centre reopened.", "Yarl's Wood IRC"),
        ("Oakhill Secure Training Centre stays open.", "Oakhill STC"),
        ("GP in-reach for Aycliffe SCH continues.", "Aycliffe Secure Children's Home"),
        ("Swinderby Immigration Centre is next door.", "Swinderby STHF"),
    ],
)
def test_prison_forms(text, expected):
    assert prisons(text) == [expected]


def test_closed_prison_resolves_to_its_own_row():
    assert prisons("Before it closed, HMP Holloway held women.") == ["HMP Holloway"]


def test_welsh_name_of_a_prison():
    assert prisons("Gwasanaethau iechyd yn Carchar Caerdydd.") == ["HMP Cardiff"]
    assert prisons("Sefydliad Troseddwyr Ifanc y Parc") == ["HMP Parc"]


def test_prison_not_in_gazetteer_is_reported_as_written():
    assert prisons("The contract covers HMP Nowhereshire.") == ["HMP Nowhereshire"]


def test_known_prison_with_capitalised_word_after_is_not_unknown():
    assert prisons("HMP Whatton Inspection Report") == ["HMP Whatton"]


# -- prisons: lists that carry the prefix once ------------------------------------------------


def test_list_after_one_prefix_names_five_prisons():
    text = "Mental Health Services within HMP Liverpool, Haverigg, Buckley Hall, Hindley and Manchester."
    assert prisons(text) == ["HMP Liverpool", "HMP Haverigg", "HMP Buckley Hall", "HMP Hindley", "HMP Manchester"]


def test_plural_prefix_list():
    assert prisons("Dental care at HMPs Highpoint and Hollesley Bay.") == ["HMP Highpoint", "HMP Hollesley Bay"]


def test_hm_prisons_plural_prefix():
    assert prisons("HM Prisons Usk & Prescoed, Monmouthshire") == ["HMP Usk", "HMP Prescoed"]


def test_list_after_plural_noun_and_dash():
    text = "IAPT in Norfolk's three prisons – Bure, Norwich and Wayland – stays with the trust."
    assert prisons(text) == ["HMP Bure", "HMP Norwich", "HMP Wayland"]


def test_shared_suffix_list_of_removal_centres():
    text = "Healthcare for Campsfield House and Haslar Immigration Removal Centres (IRCs)."
    assert prisons(text) == ["Campsfield House IRC", "Haslar IRC"]


def test_shared_suffix_list_of_secure_childrens_homes():
    text = "Health services in Secure Children's Homes for Barton Moss and Marydale."
    assert prisons(text) == ["Barton Moss Secure Children's Home", "Marydale Secure Children's Home"]


def test_list_stops_at_a_longer_proper_name():
    text = "Care at HMP Liverpool and Manchester University NHS Foundation Trust staff."
    assert prisons(text) == ["HMP Liverpool"]
    assert trusts(text) == ["Manchester University NHS Foundation Trust"]


# -- prisons: bare names only in context -------------------------------------------------------


def test_bare_city_names_are_not_prisons():
    assert prisons("The trust has offices in Leeds and Manchester.") == []


def test_bare_city_name_is_not_a_prison_even_in_a_prison_text():
    assert prisons("Prisoners from Leeds were moved to HMP Wealstun.") == ["HMP Wealstun"]


def test_distinctive_bare_name_in_a_prison_text():
    text = "The video link extends to Parkhurst on the Isle of Wight, one of the jails on the island."
    assert prisons(text) == ["HMP Isle of Wight"]


def test_distinctive_bare_name_without_prison_context():
    assert prisons("Parkhurst Road is closed for repairs.") == []


def test_removal_centres_by_place_name_in_an_irc_text():
    text = "Healthcare in the Heathrow IRCs is delivered on 2 sites, Harmondsworth and Colnbrook."
    assert set(prisons(text)) >= {"Harmondsworth IRC", "Colnbrook IRC"}


def test_common_word_prison_names_need_a_prefix():
    assert prisons("Send the report to the Mount by Ford. Prisoners wrote.") == []
    assert prisons("Prisoners at HMP Send and HMP Ford.") == ["HMP Send", "HMP Ford"]


# -- trusts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Oxleas NHS Foundation Trust runs the service.", "Oxleas NHS Foundation Trust"),
        ("Oxleas Foundation Trust lost the contract.", "Oxleas NHS Foundation Trust"),
        ("the contracts Oxleas won last year", "Oxleas NHS Foundation Trust"),
        ("AWP ran four of the ten contracts.", "Avon and Wiltshire Mental Health Partnership NHS Trust"),
        ("Avon and Wiltshire Partnership Trust won.", "Avon and Wiltshire Mental Health Partnership NHS Trust"),
        ("Norfolk and Suffolk NHS Trust (NSFT) was chosen.", "Norfolk and Suffolk NHS Foundation Trust"),
        ("Writing to Lancashire Care, the consultant warned.", "Lancashire & South Cumbria NHS Foundation Trust"),
        ("the Tees, Esk and Wear Valley Foundation Trust (TEWV)", "Tees, Esk and Wear Valleys NHS Foundation Trust"),
        ("Velindre University NHS Trust hosts the partnership.", "Velindre NHS Trust"),
        ("Swansea Bay University Health Board meets the cost.", "Swansea Bay University Health Board"),
    ],
)
def test_trust_forms(text, expected):
    assert trusts(text) == [expected]


def test_trust_not_in_gazetteer_is_reported_as_written():
    doc = entity_nlp()("Borsetshire Community NHS Foundation Trust won the bid.")
    spans = [s for s in doc.spans["hj_entities"] if s.label_ == "TRUST"]
    assert [(s.text, s.id_) for s in spans] == [("Borsetshire Community NHS Foundation Trust", "")]


def test_place_only_short_name_is_not_a_trust():
    assert trusts("The service runs across Norfolk and Suffolk.") == []
    assert trusts("Swansea Bay is beautiful.") == []


def test_ambiguous_acronym_alone_is_not_resolved():
    assert trusts("NHFT said it would withdraw.") == []


def test_acronym_defined_in_the_text_resolves():
    text = ("Nottinghamshire Healthcare NHS Foundation Trust (NHFT) runs seven jails. "
            "NHFT has served notice.")
    doc = entity_nlp()(text)
    nhft = [s for s in doc.spans["hj_entities"] if s.text == "NHFT"]
    assert [s.id_ for s in nhft] == ["Nottinghamshire Healthcare NHS Foundation Trust"] * 2


def test_the_trust_is_a_mention_when_one_trust_is_in_play():
    text = "Oxleas NHS Foundation Trust won. The trust said it was pleased."
    doc = entity_nlp()(text)
    refs = [s for s in doc.spans["hj_entities"] if s.text.lower() == "trust"]
    assert [s.id_ for s in refs] == ["Oxleas NHS Foundation Trust"]
    assert trusts(text) == ["Oxleas NHS Foundation Trust"]


def test_the_trust_is_not_resolved_when_two_trusts_are_in_play():
    text = "Oxleas NHS Foundation Trust took over from AWP. The trust said it was pleased."
    doc = entity_nlp()(text)
    assert not [s for s in doc.spans["hj_entities"] if s.text.lower() == "trust"]


def test_the_trust_alone_adds_no_trust():
    assert trusts("The trust said it was pleased.") == []


# -- companies ---------------------------------------------------------------------------------


def test_known_provider_and_acronym():
    assert companies("PPG is taking legal action. Practice Plus Group said so.") == ["Practice Plus Group"]


def test_unknown_supplier_in_a_notice_block():
    text = "five.2.3) Name and address of the contractor/concessionaire\n\nMountain Healthcare Limited\n"
    assert companies(text) == ["Mountain Healthcare Limited"]


def test_unknown_supplier_awarded_to():
    assert companies("The contract was awarded to Riverside Clinical Services Ltd in May.") == [
        "Riverside Clinical Services Ltd"]


def test_unknown_supplier_by_legal_form():
    assert companies("Bridgeway Dental CIC will deliver the service.") == ["Bridgeway Dental CIC"]


def test_subject_of_has_won_is_a_supplier():
    assert companies("Weston College has won three major contracts.") == ["Weston College"]


def test_law_firm_is_not_a_supplier():
    assert companies("Counsel, instructed by Hill Dickinson LLP, acted for the claimant.") == []


def test_legal_name_of_a_known_provider():
    assert companies("Care UK Health & Rehabilitation Services Ltd will run it.") == ["Care UK"]


def test_renamed_company_is_one_company():
    text = ("The provider Care UK Clinical Services Limited (Co Regn No 03462881) becomes Practice Plus "
            "Group Health and Rehabilitation Services Limited (Co Regn No 10498997).")
    assert companies(text) == ["Practice Plus Group"]


def test_incumbent_provider_appositive():
    text = "Norfolk Deaf Association (NDA), one of four incumbent providers, bid but lost."
    assert companies(text) == ["Norfolk Deaf Association"]


def test_publisher_line_is_not_a_supplier():
    assert companies("Chemist+Druggist is published by Pharma Intelligence UK Limited.\n") == []


# -- buyers ------------------------------------------------------------------------------------


def test_contracting_authority_block_names_an_open_set_buyer():
    text = "Section one: Contracting authority\n\none.1) Name and addresses\n\nThames Valley Police\n\nKidlington\n"
    assert buyers(text) == ["Thames Valley Police"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("the procurement for NHS England and NHS Improvement North West Health and Justice team.",
         "NHS England and NHS Improvement North West Health and Justice team"),
        ("Buyer: NHS England - North East & Yorkshire", "NHS England North East and Yorkshire"),
        ("Bids were invited for NHS England (Midlands) (the Contracting Authority).", "NHS England Midlands"),
        ("NHS South, Central and West Commissioning Support Unit (SCW) ran this procurement.",
         "South Central and West Commissioning Support Unit (SCW)"),
        ("In future this will be commissioned by the NHS CB.", "NHS England"),
    ],
)
def test_buyer_forms(text, expected):
    assert buyers(text) == [expected]


def test_hmpps_as_partner_is_not_a_buyer():
    assert buyers("Her Majesty's Prison and Probation Service (HMPPS) is a partner in this work.") == []


def test_hmpps_in_a_buyer_block_is_a_buyer():
    assert buyers("Contracting authority: HM Prison and Probation Service\n") == ["HM Prison and Probation Service"]


def test_nhsei_said_loosely_is_the_regional_team_of_the_text():
    text = ("A project is launched by NHS England and NHS Improvement South West. "
            "NHS England and NHS Improvement and HMPPS are committed to it.")
    assert buyers(text) == ["NHS England and NHS Improvement South West"]


def test_footer_service_line_is_not_a_buyer():
    assert buyers("Notice text.\n\nSell2Wales is a Welsh Government service.\nHelp | Contact us\n") == []


def test_ccg_short_and_long_forms_are_one_buyer():
    text = ("The Vale of York Clinical Commissioning Group decided. Vale of York CCG made its choice "
            "after the contract review.")
    assert buyers(text) == ["Vale of York Clinical Commissioning Group"]


def test_police_force_buying_a_contract():
    assert buyers("Leicestershire Police has given Mitie a new £2.4m contract.") == ["Leicestershire Police"]


def test_police_force_in_passing_is_not_a_buyer():
    assert buyers("Leicestershire Police said the man was arrested.") == []


def test_police_and_crime_commissioner_official_form():
    assert buyers("Cleveland Police and Crime Commissioner approved the contract award.") == [
        "Police and Crime Commissioner for Cleveland"]


def test_icb_gets_its_official_nhs_prefix():
    assert buyers("Norfolk & Waveney Integrated Care Board (the ICB) ran a procurement.") == [
        "NHS Norfolk and Waveney Integrated Care Board"]


def test_welsh_health_board_is_a_trust_and_in_a_notice_a_buyer():
    text = "Published by:\nNWSSP\n\nAneurin Bevan University Health Board wants the garden regenerated."
    assert trusts(text) == ["Aneurin Bevan University Health Board"]
    assert "Aneurin Bevan University Health Board" in buyers(text)


# -- spans ---------------------------------------------------------------------------------------


def test_span_offsets_point_into_the_text():
    text = "Oxleas Foundation Trust lost HMP Belmarsh and HMP Thameside to PPG (Practice Plus Group)."
    doc = entity_nlp()(text)
    for span in doc.spans["hj_entities"]:
        assert text[span.start_char:span.end_char] == span.text
        assert span.label_ in {"PRISON", "TRUST", "COMPANY", "BUYER"}


@pytest.mark.parametrize("text", ["", "   \n\n ", "\x00\x01\x02", "£££ (((( ))))", "HMP", "the trust"])
def test_odd_input_gives_no_entities_and_no_error(text):
    doc = entity_nlp()(text)
    assert list(doc.spans["hj_entities"]) == [] or all(s.label_ for s in doc.spans["hj_entities"])


def test_establishment_not_in_gazetteer_is_reported_as_written():
    assert prisons("Children at Foxglove Secure Children's Home get GP care.") == [
        "Foxglove Secure Children's Home"]


def test_law_firm_acting_for_a_party_is_not_a_supplier():
    assert companies("Mills & Reeve LLP acted for the commissioner.") == []


def test_place_based_prefix_is_not_part_of_a_supplier_name():
    assert companies("Medway-based Integrated Care 24 Ltd has lost the contract.") == ["Integrated Care 24 Ltd"]


def test_navigation_lines_are_not_content():
    text = "Home | News | NHS England | Contact\nHMP Leeds gets a new provider.\n"
    assert buyers(text) == []
    assert prisons(text) == ["HMP Leeds"]


def test_surname_that_names_a_prison_is_not_a_prison_alone():
    assert prisons("Prisons minister Lynne Featherstone replied in the debate on prison healthcare.") == []


def test_appositive_charity_is_a_provider():
    assert companies("The trust works with Julian Support, a Norwich charity, in the prison.") == ["Julian Support"]


def test_apostrophe_less_trust_name_resolves():
    assert trusts("NHS England commissions Kings College Foundation Trust to run the Havens.") == [
        "King's College Hospital NHS Foundation Trust"]


def test_list_directly_after_plural_noun_needs_two_names():
    text = "Bids may be made to run the publicly run prisons Birmingham, Buckley Hall and Wellingborough."
    assert prisons(text) == ["HMP Birmingham", "HMP Buckley Hall", "HMP Wellingborough"]
    assert prisons("Ministers visited prisons Monday and spoke about Birmingham.") == []


def test_buyer_named_by_what_it_does():
    text = "West Yorkshire Combined Authority has awarded the Healthcare in Custody contract to Mitie."
    assert buyers(text) == ["West Yorkshire Combined Authority"]


def test_person_announcing_a_contract_is_not_a_buyer():
    assert buyers("John Smith announced the new contract on Monday.") == []


def test_partners_are_not_buyers():
    text = "NHS England has built strategic partnerships with the Home Office and the Ministry of Justice."
    assert buyers(text) == ["NHS England"]


def test_group_name_after_subsidiary_is_the_subsidiary():
    text = "Care is provided by G4S Health Services. Existing G4S staff could move to the council."
    assert companies(text) == ["G4S Health Services"]


def test_group_name_before_subsidiary_is_the_group():
    text = "HMP Parc is operated by G4S. Primary care is delivered through a contract with G4S Medical."
    assert companies(text) == ["G4S", "G4S Health Services"]


def test_nhs_area_commissioner():
    assert buyers("Nicholas Watkin, lead commissioner at NHS Kent and Medway, said so.") == ["NHS Kent and Medway"]
    assert buyers("Prisons in NHS Scotland receive medicines.") == []


@pytest.mark.parametrize("text, label, expected", [
    ("The service was run by PPG.", "COMPANY", "Practice Plus Group"),
    ("Four contracts went to AWP.", "TRUST", "Avon and Wiltshire Mental Health Partnership NHS Trust"),
    ("Procurement support came from NHSE/I.", "BUYER", "NHS England and NHS Improvement"),
])
def test_acronym_at_the_end_of_a_sentence(text, label, expected):
    assert names(text, label) == [expected]


def test_police_force_working_with_a_healthcare_provider_is_a_buyer():
    text = ("Durham Constabulary has worked in partnership with County Durham and Darlington NHS Foundation "
            "Trust, providing safe healthcare across our custody facilities.")
    assert buyers(text) == ["Durham Constabulary"]


def test_trust_in_a_supplier_block_is_a_trust():
    text = "Supplier\n- BORSETSHIRE COMMUNITY NHS TRUST\n"
    assert companies(text) == []
    assert trusts(text) == ["BORSETSHIRE COMMUNITY NHS TRUST"]


def test_contracts_finder_buyer_line_above_the_published_date():
    text = ("Contracts Finder\nBack to search results\n\nCustody healthcare services\n\n"
            "WEST MIDLANDS POLICE\n\nPublished date: 1 May 2024\n")
    assert buyers(text) == ["WEST MIDLANDS POLICE"]
