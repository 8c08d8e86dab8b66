"""Documents written for the database tests, modelled on real notices and news (the names,
figures and dates are public facts; the wording is ours)."""

from __future__ import annotations

import json


STORY = (
    "Nottinghamshire Healthcare NHS Foundation Trust has served notice on its prison healthcare "
    "contracts, the trust confirmed on Tuesday. It currently provides primary care, mental health "
    "and substance misuse services at HMP Nottingham, HMP Ranby, HMP Lowdham Grange, HMP Fosse Way, "
    "HMP Lincoln, HMP Morton Hall and HMP North Sea Camp on behalf of NHS England. The board said it "
    "wanted to concentrate on the improvement plan that followed a critical review by the Care "
    "Quality Commission, and that recruitment into offender health posts had been hard to sustain. "
    "NHS England said it would work with the trust so that care continues safely until new "
    "providers are in place, and staff will transfer under TUPE once contracts are awarded. "
    "The contracts cover primary care, pharmacy, dental, mental health and substance misuse "
    "services, and were last tendered by NHS England's East Midlands commissioners in 2019. "
    "A spokesperson for the commissioners said a short procurement would follow under the "
    "Provider Selection Regime so that an interim provider can start before the notice period "
    "ends. Unions representing nurses and healthcare assistants working in the prisons said "
    "their members had been told little about the timetable and wanted assurances about pay, "
    "pensions and caseloads. The trust also runs the secure hospital at Rampton, which is not "
    "affected by the decision. Inspectors visiting HMP Nottingham last year found long waits "
    "for mental health assessments and a shortage of pharmacy staff, and recommended that the "
    "healthcare provider and the prison work together on safer medicines administration. Local "
    "MPs welcomed the trust's candour but asked NHS England to publish the procurement plan and "
    "the value of the new contracts, which together are thought to be worth more than thirty "
    "million pounds a year."
)


def news_doc(key="https://news.example.org/trust-quits-prison-contracts", text=STORY, **extra):
    doc = {
        "source": "news.example.org",
        "kind": "news",
        "key": key,
        "url": key,
        "canonical_url": key,
        "title": "Trust to quit prison health contracts",
        "published": "2025-02-11",
        "fetched_at": "2025-02-11T06:00:00+00:00",
        "body": f"<html><body><h1>Trust to quit prison health contracts</h1><p>{text}</p></body></html>".encode(),
        "content_type": "text/html; charset=utf-8",
        "text": text,
        "extraction": {
            "relevant": True,
            "trusts": ["Nottinghamshire Healthcare NHS Foundation Trust"],
            "prisons": ["HMP Nottingham", "HMP Ranby"],
            "buyers": ["NHS England"],
            "events": ["notice_served"],
            "relevance_score": 0.93,
            "mentions": [{"label": "TRUST", "text": "Nottinghamshire Healthcare NHS Foundation Trust",
                          "start": 0, "end": 47, "canonical": "Nottinghamshire Healthcare NHS Foundation Trust"}],
        },
        "extractor_version": "1.0",
    }
    doc.update(extra)
    return doc


def release(ocid="ocds-h6vhtk-058b19", release_id=None, tag="award", title="HMP Fosse Way - Integrated Healthcare Services",
            amount=38108065, end="2029-06-30"):
    return {
        "ocid": ocid,
        "id": release_id or f"{ocid}-{tag}",
        "date": "2025-08-20T10:20:00Z",
        "tag": [tag],
        "buyer": {"name": "NHS England"},
        "tender": {"title": title, "procurementMethodDetails": "Limited procedure",
                   "classification": {"id": "85100000"}},
        "awards": [{"suppliers": [{"name": "Practice Plus Group"}],
                    "value": {"amount": amount, "currency": "GBP"},
                    "contractPeriod": {"startDate": "2025-07-01T00:00:00Z", "endDate": f"{end}T23:59:59Z"}}],
    }


def notice_doc(rel=None, **extra):
    rel = rel or release()
    doc = {
        "source": "fts",
        "kind": "notice",
        "key": rel["id"],
        "url": f"https://www.find-tender.service.gov.uk/Notice/{rel['ocid']}",
        "title": rel["tender"]["title"],
        "published": rel["date"][:10],
        "fetched_at": "2025-08-21T02:00:00+00:00",
        "body": json.dumps(rel).encode(),
        "content_type": "application/json",
        "text": f"{rel['tender']['title']}. Awarded by NHS England to Practice Plus Group.",
        "release": rel,
        "notice": {"ocid": rel["ocid"], "release_id": rel["id"]},
        "extraction": {"relevant": True, "prisons": ["HMP Fosse Way"], "companies": ["Practice Plus Group"],
                       "buyers": ["NHS England"], "values_gbp": [rel["awards"][0]["value"]["amount"]],
                       "events": ["award"], "relevance_score": 0.97},
        "extractor_version": "1.0",
    }
    doc.update(extra)
    return doc
