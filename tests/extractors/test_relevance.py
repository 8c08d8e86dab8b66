"""hj_relevance: custodial healthcare is relevant; look-alikes are not; the score means something."""

from __future__ import annotations

import pytest
import spacy

from hjwatch.extractors.components import register_extensions


@pytest.fixture(scope="module")
def nlp():
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("hj_relevance")
    return nlp


RELEVANT = [
    "NHS England has awarded the contract for primary care and mental health services at HMP Leeds "
    "and HMP Wealstun. The provider will run healthcare in both prisons from April.",
    "Mitie will provide a forensic medical service, assessing and treating people held in police "
    "custody, and examinations at the Sexual Assault Referral Centre (SARC).",
    "Integrated healthcare services for Campsfield House and Haslar Immigration Removal Centres: "
    "physical health, mental health and substance misuse services for detained adults.",
    "GP in-reach services for the children placed at Aycliffe Secure Children's Home and Kyloe House "
    "Secure Children's Home. Health services for the secure estate are commissioned by NHS England.",
    "Lloydspharmacy supplies pharmacy services to every one of Scotland's 15 prisons. Prisoners "
    "continued to receive their medicines.",
]

LOOK_ALIKES = [
    # prison education
    "Weston College has won three contracts to deliver education in 19 prisons. The college teaches "
    "courses in English, maths and catering to prison learners.",
    # prison catering
    "The Authority wants restaurants run inside HMP Styal and HMP Brixton. Prisoners work towards "
    "catering and hospitality qualifications in the kitchens.",
    # prison facilities management
    "Carillion will provide maintenance, cleaning and building services for about 50 prisons.",
    # community dental
    "Special-care community dental services for people in Essex whose needs mean local NHS dental "
    "services cannot treat them. The dental contract runs for one year.",
    # secure hospital works
    "Garden regeneration on a locked mental health rehabilitation ward at St Cadoc's Hospital. "
    "Patients with a psychiatric disorder move on from medium secure, low secure and prison settings.",
    # community mental health with no custodial setting
    "The trust has lost its £190 million contract for mental health and learning disability care in "
    "York to another NHS trust.",
    # hospital staffing story
    "The hospital is short of 50 nurses and relies on agency staff in its emergency department.",
    # parliamentary answer about prisons, no healthcare contract
    "To ask the Secretary of State for Justice how many prison officers are employed at HMP Five "
    "Wells. The Minister of State answered on 3 May: staffing levels at the prison are published.",
]


@pytest.mark.parametrize("text", RELEVANT)
def test_custodial_healthcare_is_relevant(nlp, text):
    assert nlp(text)._.relevant is True


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_relevant(nlp, text):
    assert nlp(text)._.relevant is False


def test_score_is_a_probability(nlp):
    for text in RELEVANT + LOOK_ALIKES + ["", "x"]:
        score = nlp(text)._.relevance_score
        assert isinstance(score, float) and 0.0 <= score <= 1.0


def test_score_orders_clear_cases(nlp):
    clear = nlp(RELEVANT[0])._.relevance_score
    look_alike = nlp(LOOK_ALIKES[0])._.relevance_score
    assert clear > 0.8 and look_alike < 0.2


def test_more_evidence_raises_the_score(nlp):
    one = nlp("The provider runs mental health services at the prison.")._.relevance_score
    more = nlp("The provider runs mental health services at the prison. Prison healthcare and "
               "substance misuse services for prisoners are commissioned by NHS England Health and "
               "Justice.")._.relevance_score
    assert more > one


def test_health_and_custody_never_meeting_stays_low(nlp):
    text = ("The prison holds 500 men and has a new gym. Separately, the hospital opened a new "
            "mental health ward in the city.")
    assert nlp(text)._.relevance_score < 0.2


def test_threshold_can_be_configured():
    register_extensions()
    strict = spacy.blank("en")
    strict.add_pipe("hj_relevance", config={"threshold": 0.999})
    assert strict(RELEVANT[4])._.relevant is False
