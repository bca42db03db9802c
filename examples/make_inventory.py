"""Make examples/inventory.xlsx: the inventory template filled in for a small invented group, the way a DPO
would fill it in (a processor, a sub-processor, their contracts and the flows between them).

    python examples/make_inventory.py            # writes examples/inventory.xlsx
    flowreg import examples/inventory.xlsx --dry-run

tests/inventory/test_example.py checks that the committed workbook holds exactly what this script makes.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.inventory import template
from registry.model import Registry

OUT = Path(__file__).resolve().parent / "inventory.xlsx"


def example_registry() -> Registry:
    return Registry.model_validate({
        "organisation": {"id": "example-group", "name": "Example Group", "dpo": "Dana Privacy, dpo@example.com"},
        "countries_of_operation": ["JP", "LU"],
        "group_companies": [
            {"id": "hq", "name": "Example Group Inc.", "country": "JP", "region": "APAC", "bcr_bound": True},
            {"id": "eu-sales", "name": "Example Group Europe S.A.", "country": "LU", "region": "EMEA",
             "bcr_bound": True},
        ],
        "processors": [
            {"id": "mailer", "name": "Mail Delivery Ltd", "country": "US", "dpa_signed": date(2024, 3, 1),
             "dpf_certified": True, "contact": "privacy@mailer.example"},
            {"id": "mailer-support-in", "name": "Mail Delivery Support Pvt Ltd", "country": "IN",
             "parent": "mailer", "dpa_signed": date(2024, 3, 1)},
        ],
        "data_subject_groups": [
            {"id": "eu-customers", "name": "Customers in the EEA", "regions": ["EEA"]},
            {"id": "jp-customers", "name": "Customers in Japan", "regions": ["JP"]},
        ],
        "data_categories": [
            {"id": "user.contact.email", "name": "Email address"},
            {"id": "user.contact.postal_address", "name": "Postal address"},
            {"id": "user.profile.name", "name": "Name"},
        ],
        "purposes": [
            {"id": "newsletter", "name": "Send the newsletter", "legal_basis": "consent",
             "necessary_categories": ["user.contact.email", "user.profile.name"], "retention": "P2Y"},
        ],
        "safeguards": [
            {"id": "scc-mailer", "kind": "scc_2021", "module": 2, "effective": date(2024, 3, 1),
             "reference": "contracts/mailer-dpa.pdf", "parties": ["eu-sales", "mailer"]},
            {"id": "group-bcr", "kind": "bcr", "effective": date(2019, 1, 1), "parties": ["hq", "eu-sales"]},
        ],
        "flows": [
            {"id": "f1-eu-to-hq", "from": "eu-sales", "to": "hq", "subjects": ["eu-customers"],
             "categories": ["user.contact.email", "user.profile.name"], "purpose": "newsletter",
             "safeguards": ["group-bcr"], "encrypted_in_transit": True, "source": "policy 4-2"},
            {"id": "f2-eu-to-mailer", "from": "eu-sales", "to": "mailer", "subjects": ["eu-customers"],
             "categories": ["user.contact.email", "user.profile.name"], "purpose": "newsletter",
             "safeguards": ["scc-mailer"], "encrypted_in_transit": True, "tia": "tia/mailer-2024.pdf",
             "start": date(2024, 3, 1), "source": "policy 4-2"},
            {"id": "f3-mailer-to-support", "from": "mailer", "to": "mailer-support-in",
             "subjects": ["eu-customers"], "categories": ["user.contact.email", "user.contact.postal_address"],
             "purpose": "newsletter", "encrypted_in_transit": True, "source": "policy 4-2"},
        ],
    })


def main() -> None:
    OUT.write_bytes(template.workbook_bytes(example_registry()))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
