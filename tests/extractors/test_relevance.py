"""hj_relevance: custodial healthcare is relevant; look-alikes are not; the score means something."""

from __future__ import annotations

import pytest

from tests.extractors.pipelines import only


@pytest.fixture(scope="module")
def nlp():
    return only("hj_relevance")


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
    strict = only()
    strict.add_pipe("hj_relevance", config={"threshold": 0.999})
    assert strict(RELEVANT[4])._.relevant is False


# --- round 2: kinds missed on the held-out set -------------------------------------------

JUDGMENT = (
    "IN THE HIGH COURT OF JUSTICE\n"
    "BUSINESS AND PROPERTY COURTS OF ENGLAND AND WALES\n"
    "TECHNOLOGY AND CONSTRUCTION COURT (KBD)\n\n"
    "1. The Defendant applies to lift the automatic suspension under regulation 95.\n"
    "2. The procurement concerned contracts for healthcare services in ten prisons.\n"
    "3. The Claimant, an unsuccessful bidder, alleges breaches of the duty of transparency.\n"
    "4. Damages would be an adequate remedy and the balance of convenience favours lifting it.\n"
    "5. The Technology and Construction Court will list a hearing in due course.\n"
)

INSPECTION = (
    "Report on an unannounced inspection of HMP Ford\n\n"
    "Health, well-being and social care\n\n"
    "4.1 Health services were commissioned by NHS England South East. A national company was the "
    "lead provider of primary care, and an NHS trust delivered mental health services.\n\n"
    "4.2 Patients could see a GP within a week. Nurses triaged applications every day.\n\n"
    "4.3 Medicines were given out from the pharmacy. The mental health team offered therapies.\n"
)

HOSPITAL_STAFFING = (
    "Nursing shortage at county hospital\n\n"
    "Nurses say staffing in the emergency department is unsafe. Patients waited twelve hours for "
    "treatment. The trust is recruiting more nurses and doctors. Mental health patients waited "
    "longest. One patient had been brought in from HMP Lewes. The clinical director said "
    "treatment times would improve.\n"
)

CATERING_TITLED = (
    "HMP Leeds kitchen contract\n\n"
    "The prison kitchen will be refurbished and a new catering contractor will serve meals. "
    "Menus are checked by a dietitian and nurses advise on medical diets. Learners gain food "
    "hygiene skills and catering qualifications.\n"
)


def test_court_name_is_not_another_service(nlp):
    features = nlp.get_pipe("hj_relevance").features(nlp(JUDGMENT))
    assert features["other_share"] == 0.0


def test_judgment_on_prison_healthcare_contracts_is_relevant(nlp):
    assert nlp(JUDGMENT)._.relevant


def test_construction_works_still_count_as_another_service(nlp):
    features = nlp.get_pipe("hj_relevance").features(nlp("Construction works at HMP Leeds."))
    assert features["other_share"] > 0


def test_inspection_health_section_is_relevant(nlp):
    assert nlp(INSPECTION)._.relevant


def test_title_scope_needs_health_to_dominate(nlp):
    assert not nlp(CATERING_TITLED)._.relevant


def test_hospital_story_naming_a_prison_once_is_not_relevant(nlp):
    assert not nlp(HOSPITAL_STAFFING)._.relevant


def test_prison_and_health_in_adjacent_sentences_count(nlp):
    scorer = nlp.get_pipe("hj_relevance")
    near = scorer.features(nlp("The provider takes over at HMP Lewes in April. It will run primary care."))
    apart = scorer.features(nlp("The provider takes over at HMP Lewes in April.\n\nIt will run primary care."))
    assert near["co_adjacent"] == 1
    assert apart["co_adjacent"] == 0


def test_secure_hospital_title_gets_no_scope(nlp):
    text = ("Rampton Secure Hospital and prison transfers\n\n"
            "The medium secure unit treats patients. Nurses, doctors and psychologists give therapy. "
            "Medicines are reviewed by the pharmacy. Mental health care is planned with patients.\n")
    assert not nlp(text)._.relevant
