"""Hypothesis strategies for whole, consistent registries (every reference resolves)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from registry.model import (
    AUTHORITY_KINDS,
    Frequency,
    LegalBasis,
    RecipientKind,
    Registry,
    Role,
    SafeguardKind,
    Sector,
    Sensitivity,
)

COUNTRIES = ["JP", "US", "DE", "FR", "LU", "NO", "GB", "CH", "CA", "IN", "SG", "BR", "KR", "AR", "CN", "AU"]
identifiers = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,11}", fullmatch=True)
# Any printable text: names may be in any script, but never hold control characters or bidi overrides.
names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"),
                                       exclude_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
                min_size=1, max_size=30)
segment = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
category_ids = st.lists(segment, min_size=1, max_size=3).map(".".join)
countries = st.sampled_from(COUNTRIES)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))
optional_dates = st.none() | dates


@st.composite
def registries(draw: st.DrawFn, max_records: int = 6) -> Registry:
    used: set[str] = set()

    def fresh_ids(n: int) -> list[str]:
        ids = draw(st.lists(identifiers.filter(lambda i: i not in used), min_size=n, max_size=n, unique=True))
        used.update(ids)
        return ids

    def entity(entity_id: str) -> dict[str, Any]:
        return {
            "id": entity_id, "name": draw(names), "country": draw(countries),
            "processing_countries": draw(st.lists(countries, max_size=3, unique=True)),
            "sector": draw(st.sampled_from(list(Sector))).value, "dpf_certified": draw(st.booleans()),
            "source": draw(st.none() | st.just("policy 4-2")), "example": draw(st.booleans()),
        }

    companies = [
        {**entity(i), "region": draw(st.sampled_from(["APAC", "EMEA", "Americas"])),
         "bcr_bound": draw(st.booleans()), "role": draw(st.sampled_from(list(Role))).value}
        for i in fresh_ids(draw(st.integers(1, max_records)))
    ]
    processor_ids = fresh_ids(draw(st.integers(0, max_records)))
    processors = []
    for index, processor_id in enumerate(processor_ids):
        parent = draw(st.none() | st.sampled_from(processor_ids[:index])) if index else None
        processors.append({**entity(processor_id), "dpa_signed": draw(optional_dates),
                           **({"parent": parent} if parent else {})})
    recipients = [{**entity(i), "kind": draw(st.sampled_from(list(RecipientKind))).value}
                  for i in fresh_ids(draw(st.integers(0, 3)))]
    # A public authority's sector is public (the model refuses another).
    recipients = [r | {"sector": Sector.PUBLIC.value} if r["kind"] in AUTHORITY_KINDS else r for r in recipients]
    # Some recipients are international organisations: a key and no country.
    recipients = [{key: value for key, value in r.items() if key not in ("country", "processing_countries")}
                  | {"international_organisation": draw(st.sampled_from(["epo", "un-agency"]))}
                  if draw(st.integers(0, 3)) == 0 else r for r in recipients]
    category_list = draw(st.lists(category_ids, min_size=1, max_size=max_records, unique=True))
    categories = [{"id": c, "name": draw(names), "sensitivity": draw(st.sampled_from(list(Sensitivity))).value}
                  for c in category_list]
    groups = [{"id": i, "name": draw(names), "regions": draw(st.lists(countries | st.just("EEA"), min_size=1,
                                                                       max_size=3, unique=True))}
              for i in fresh_ids(draw(st.integers(1, 3)))]
    purposes = [{"id": i, "name": draw(names), "legal_basis": draw(st.sampled_from(list(LegalBasis))).value,
                 "necessary_categories": draw(st.lists(st.sampled_from(category_list), max_size=3, unique=True)),
                 "retention": draw(st.none() | st.sampled_from(["P3Y", "P30D", "per the cookie policy"]))}
                for i in fresh_ids(draw(st.integers(1, 3)))]
    safeguards = []
    for safeguard_id in fresh_ids(draw(st.integers(0, max_records))):
        kind = draw(st.sampled_from(list(SafeguardKind)))
        effective = draw(optional_dates)
        expires = draw(st.dates(min_value=effective, max_value=date(2040, 1, 1))) if effective else None
        letter = draw(st.sampled_from("abcdefg")) if kind is SafeguardKind.DEROGATION_49 else None
        item = draw(st.sampled_from(["i", "ii", "iii", "iv"])) if kind is SafeguardKind.APPI_EXCEPTION else None
        safeguards.append({
            "id": safeguard_id, "kind": kind.value, "effective": effective,
            **({"module": draw(st.integers(1, 4))} if kind is SafeguardKind.SCC_2021 else {}),
            **({"letter": letter} if letter else {}), **({"item": item} if item else {}),
            # Whose law a public interest or a Japanese "laws and regulations" case rests on, when recorded.
            **({"law_of": draw(st.sampled_from(["EU", *COUNTRIES]))}
               if (letter == "d" or item == "i") and draw(st.booleans()) else {}),
            **({"expires": expires} if expires and draw(st.booleans()) else {}),
            "reference": draw(st.none() | names),
        })
    entity_ids = [e["id"] for e in companies + processors + recipients]
    flows = []
    if len(entity_ids) >= 2:
        for flow_id in fresh_ids(draw(st.integers(0, max_records))):
            sender, receiver = draw(st.lists(st.sampled_from(entity_ids), min_size=2, max_size=2, unique=True))
            flows.append({
                "id": flow_id, "from": sender, "to": receiver,
                "subjects": draw(st.lists(st.sampled_from([g["id"] for g in groups]), min_size=1, unique=True)),
                "categories": draw(st.lists(st.sampled_from(category_list), min_size=1, unique=True)),
                "purpose": draw(st.sampled_from([p["id"] for p in purposes])),
                "safeguards": draw(st.lists(st.sampled_from([s["id"] for s in safeguards]), unique=True))
                if safeguards else [],
                "frequency": draw(st.sampled_from(list(Frequency))).value,
                "encrypted_in_transit": draw(st.none() | st.booleans()),
                "tia": draw(st.none() | names), "retention": draw(st.none() | st.just("P1Y")),
                # Some happen only on an event (a sale of the business), from a day or, with none, never yet.
                **({"contingent": True, "effective": draw(optional_dates)} if draw(st.integers(0, 4)) == 0 else {}),
            })
    return Registry.model_validate({
        "organisation": {"id": draw(identifiers.filter(lambda i: i not in used)), "name": draw(names),
                         "promises_encryption_in_transit": draw(st.booleans())},
        "countries_of_operation": sorted(draw(st.lists(countries, max_size=4, unique=True))),
        "group_companies": companies, "processors": processors, "recipients": recipients,
        "data_subject_groups": groups, "data_categories": categories, "purposes": purposes,
        "safeguards": safeguards, "flows": flows,
    })


def canonical(registry: Registry) -> Registry:
    """The form a store hands back: each section ordered by id."""
    data = registry.model_dump(by_alias=True)
    for section, items in data.items():
        if isinstance(items, list) and items and isinstance(items[0], dict):
            data[section] = sorted(items, key=lambda r: str(r.get("finding", r.get("id"))))
    return Registry.model_validate(data)
