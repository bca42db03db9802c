"""Every problem of a manifest in one pass: a record that fails its own validation still has its references
checked, and near misses come with a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry import manifest as manifests
from registry.errors import InvalidInput
from registry.service import Service
from registry.suggest import country_code

MANIFEST = """\
version: 1
group_companies:
  - {id: hq, name: HQ, country: JP, region: APAC}
processors:
  - {id: mailer, name: Mailer, country: India}
  - {id: host, name: Host, country: US, dpa_signed: 31/01/2026, paernt: mailer}
data_subject_groups:
  - {id: users, name: Users, regions: [JP]}
data_categories:
  - {id: user.contact.email, name: Email}
purposes:
  - {id: campaign, name: Campaign, legal_basis: contract}
flows:
  - {id: f1, from: hq, to: mailr, subjects: [users], purpose: campaign}
  - {id: f2, from: hq, to: mailer, subjects: [users], categories: [user.contact.email], purpose: campaing}
"""


def test_structure_and_reference_problems_come_together(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        service.import_manifest(manifests.load(path))
    text = raised.value.render()
    # f1 misses its categories, and its dangling 'to' is reported in the same run.
    assert "flows[0], id 'f1', field 'categories': required key is missing" in text
    assert "flows[0], id 'f1', field 'to': 'mailr' is not a known group company, processor or recipient id; " \
           "did you mean 'mailer'?" in text
    # A processor that failed validation is still a known id: f2's 'to: mailer' is not reported as dangling.
    assert "'mailer' is not a known" not in text
    assert "'campaing' is not a known purpose id; did you mean 'campaign'?" in text
    assert "'India' is not an ISO 3166-1 alpha-2 country code (two capital letters); did you mean 'IN'" in text
    assert "'31/01/2026' is not a date: write YYYY-MM-DD" in text
    assert "field 'paernt': unknown key (not part of the manifest format); did you mean 'parent'?" in text
    assert service.store.revision() == 0


@pytest.mark.parametrize(("text", "code"), [("India", "IN"), ("Inida", "IN"), ("Germny", "DE"), ("DEU", "DE"),
                                             ("United Kingdom", "GB"), ("XX", None), ("Narnia", None)])
def test_country_suggestions(text: str, code: str | None) -> None:
    assert country_code(text) == code
