"""Deterministic synthetic registries for benchmarks and scale tests.

Sizes: S (20 companies, 200 processors, 2,000 flows), M (10x flows), L (200 companies, 5,000
processors, 100,000 flows). Sub-processor chains up to depth 3, 60 countries across the four regimes,
and a realistic mix of gaps (missing, expired and out-of-scope safeguards, excess categories, missing
DPAs and TIAs) so that every rule fires somewhere. The same size and seed always give the same registry.

    python benchmarks/generate.py --size S --out registry-s.yaml
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run as a script from a checkout

from registry import manifest as manifests  # noqa: E402
from registry.model import Registry  # noqa: E402


@dataclass(frozen=True)
class Size:
    companies: int
    processors: int
    flows: int
    recipients: int


SIZES = {
    "XS": Size(companies=5, processors=20, flows=200, recipients=3),
    "S": Size(companies=20, processors=200, flows=2_000, recipients=10),
    "10K": Size(companies=100, processors=1_000, flows=10_000, recipients=25),  # the Neo4j sync acceptance size
    "M": Size(companies=200, processors=2_000, flows=20_000, recipients=50),
    "L": Size(companies=200, processors=5_000, flows=100_000, recipients=100),
}

EEA = ["DE", "FR", "IE", "NL", "LU", "BE", "ES", "IT", "PL", "SE", "DK", "FI", "AT", "PT", "CZ", "NO", "IS"]
ADEQUATE = ["GB", "CH", "JP", "US", "CA", "KR", "NZ", "IL", "AR", "UY", "JE", "GG", "IM"]
ELSEWHERE = ["IN", "SG", "BR", "CN", "PH", "MX", "ZA", "AU", "ID", "VN", "TH", "MY", "TR", "AE", "SA",
             "EG", "NG", "KE", "CO", "CL", "PE", "UA", "PK", "BD", "HK", "TW", "RS", "MA", "GH", "LK"]
COUNTRIES = EEA + ADEQUATE + ELSEWHERE  # 60
REGIONS = {"APAC": ["JP", "KR", "SG", "IN", "AU", "PH", "CN", "HK", "TW"], "EMEA": [*EEA, "GB", "CH", "AE", "ZA"],
           "Americas": ["US", "CA", "BR", "MX", "AR", "CO"]}
CATEGORY_TREE = {
    "user.account": ["member_id", "login_email", "password_hash", "created_at"],
    "user.contact": ["email", "phone", "postal_address"],
    "user.name": ["given", "family"],
    "user.campaign": ["entry", "answers", "prize_choice", "winner_status"],
    "user.advertising": ["ad_id", "consent", "interests", "segments"],
    "user.device": ["ip_address", "cookie_id", "user_agent", "os_version"],
    "user.payment": ["card_token", "billing_country"],
    "user.support": ["ticket_text", "call_recording"],
    "user.fraud": ["risk_score", "device_fingerprint"],
}


def generate(size_name: str = "S", seed: int = 20261124) -> dict[str, Any]:
    """A manifest document (plain data) of the given size."""
    size, rng = SIZES[size_name], random.Random(f"{size_name}:{seed}")
    pick = rng.choice

    def chance(p: float) -> bool:
        return rng.random() < p

    def a_date(start: date, days: int) -> str:
        return (start + timedelta(days=rng.randrange(days))).isoformat()

    categories = [{"id": f"{parent}.{leaf}", "name": f"{parent.split('.')[-1]} {leaf}".replace("_", " ")}
                  for parent, leaves in CATEGORY_TREE.items() for leaf in leaves]
    category_ids = [c["id"] for c in categories]
    purposes = []
    for index in range(20):
        parents = rng.sample(sorted(CATEGORY_TREE), k=rng.randint(1, 3))
        necessary = [f"{p}.{leaf}" for p in parents for leaf in rng.sample(CATEGORY_TREE[p], k=2)]
        purposes.append({"id": f"purpose-{index:02d}", "name": f"Purpose {index}", "necessary_categories": necessary,
                         "legal_basis": pick(["contract", "consent", "legitimate_interests", "legal_obligation"]),
                         "retention": pick(["P1Y", "P3Y", "P6M", "per the cookie policy"]), "source": "policy 3-1"})
    groups = [{"id": "users-eea", "name": "EEA users", "regions": ["EEA"]},
              {"id": "users-jp", "name": "Japanese users", "regions": ["JP"]},
              {"id": "users-world", "name": "Users worldwide", "regions": ["EEA", "GB", "CH", "JP", "US", "BR"]},
              {"id": "staff", "name": "Staff", "regions": ["JP", "US", "DE"]}]

    companies = [{"id": "hq", "name": "Group HQ", "country": "JP", "region": "APAC", "bcr_bound": True,
                  "role": "controller", "source": "policy 1"}]
    for index in range(1, size.companies):
        region = pick(sorted(REGIONS))
        companies.append({"id": f"gc-{index:04d}", "name": f"Group company {index}", "country": pick(REGIONS[region]),
                          "region": region, "bcr_bound": chance(0.9), "role": pick(["controller", "processor"]),
                          "source": "policy 4-1"})
    processors: list[dict[str, Any]] = []
    depth: dict[str, int] = {}
    for index in range(size.processors):
        processor_id = f"proc-{index:05d}"
        country = pick(COUNTRIES)
        record: dict[str, Any] = {"id": processor_id, "name": f"Processor {index}", "country": country,
                                  "processing_countries": rng.sample(COUNTRIES, k=rng.randint(1, 2))
                                  if chance(0.3) else [country], "source": "policy 4-2"}
        if chance(0.95):
            record["dpa_signed"] = a_date(date(2019, 1, 1), 2_000)
        if country == "US" and chance(0.7):
            record["dpf_certified"] = True
        parents = [p["id"] for p in processors[-50:] if depth[p["id"]] < 3]
        if parents and chance(0.4):
            record["parent"] = pick(parents)
            depth[processor_id] = depth[record["parent"]] + 1
        else:
            depth[processor_id] = 1
        processors.append(record)
    recipients = [{"id": f"rcp-{index:03d}", "name": f"Recipient {index}", "country": pick(COUNTRIES),
                   "kind": pick(["law_enforcement", "regulator", "auditor", "fraud_prevention", "acquirer"]),
                   "source": "policy 4-2"} for index in range(size.recipients)]

    safeguards: list[dict[str, Any]] = [{"id": "group-bcr", "kind": "bcr", "effective": "2018-05-25",
                                         "reference": "bcr/group-bcr.pdf", "source": "policy 7"}]

    off_the_dpf_list = {e["id"] for e in [*processors, *recipients]
                        if e["country"] == "US" and not e.get("dpf_certified")}

    def contract_for(sender: str, receiver: str, sub: bool) -> list[str]:
        roll = rng.random()
        safeguard_id = f"sg-{len(safeguards):06d}"
        if roll < 0.70:
            effective = date(2021, 9, 27) + timedelta(days=rng.randrange(1_200))
            term = timedelta(days=rng.randrange(365, 1_500))
            safeguards.append({"id": safeguard_id, "kind": "scc_2021", "module": 3 if sub else 2,
                               "effective": effective.isoformat(),
                               **({"expires": (effective + term).isoformat()} if chance(0.2) else {}),
                               "parties": [sender, receiver], "reference": f"contracts/{safeguard_id}.pdf"})
        elif roll < 0.78:
            safeguards.append({"id": safeguard_id, "kind": "scc_legacy", "effective": a_date(date(2016, 1, 1), 2_000),
                               "parties": [sender, receiver], "reference": f"contracts/{safeguard_id}.pdf"})
        elif roll < 0.86:
            safeguards.append({"id": safeguard_id, "kind": "appi_equivalent_system",
                               "effective": a_date(date(2020, 1, 1), 1_500), "parties": [sender, receiver]})
        elif roll < 0.90:
            safeguards.append({"id": safeguard_id, "kind": "derogation_49", "letter": pick("abce"),
                               "parties": [sender, receiver]})
        elif roll < 0.95 or receiver in off_the_dpf_list:
            # Adequacy claimed: out of scope for a US receiver off the DPF List, no decision at all elsewhere.
            safeguards.append({"id": safeguard_id, "kind": "adequacy", "parties": [sender, receiver]})
        else:
            return []  # no transfer tool at all
        return [safeguard_id]

    processor_ids = [p["id"] for p in processors]
    sub_processors = [p for p in processors if "parent" in p]
    company_ids = [c["id"] for c in companies]
    contracts: dict[tuple[str, str], list[str]] = {}
    flows = []
    for index in range(size.flows):
        roll = rng.random()
        if roll < 0.55:
            sender, receiver, sub = pick(company_ids), pick(processor_ids), False
        elif roll < 0.80 and sub_processors:
            child = pick(sub_processors)
            sender, receiver, sub = child["parent"], child["id"], True
        elif roll < 0.95:
            sender, receiver, sub = pick(company_ids), pick(company_ids), False
            if sender == receiver:
                sender, receiver = "hq", pick(company_ids[1:]) if len(company_ids) > 1 else pick(processor_ids)
        else:
            sender, receiver, sub = pick(company_ids), pick([r["id"] for r in recipients]), False
        if sender == receiver:
            continue
        purpose = pick(purposes)
        carried = rng.sample(purpose["necessary_categories"], k=rng.randint(1, len(purpose["necessary_categories"])))
        if chance(0.05):
            carried.append(pick([c for c in category_ids if c not in carried]))
        if receiver.startswith("gc-") or receiver == "hq":
            flow_safeguards = ["group-bcr"] if chance(0.95) else []
        else:
            if (sender, receiver) not in contracts:
                contracts[(sender, receiver)] = contract_for(sender, receiver, sub)
            flow_safeguards = contracts[(sender, receiver)]
        flow: dict[str, Any] = {
            "id": f"flow-{index:06d}", "from": sender, "to": receiver,
            "subjects": rng.sample([g["id"] for g in groups], k=rng.randint(1, 2)), "categories": carried,
            "purpose": purpose["id"], "safeguards": flow_safeguards,
            "frequency": "occasional" if receiver.startswith("rcp-") or chance(0.05) else "systematic",
            "encrypted_in_transit": chance(0.97),
        }
        if chance(0.8):
            flow["tia"] = f"tia/{sender}-{receiver}.pdf"
        if chance(0.97):
            flow["source"] = pick(["policy 4-1", "policy 4-2"])
        if chance(0.1):
            flow["retention"] = pick(["P1Y", "P5Y", "P3Y"])
        flows.append(flow)
    return {
        "version": 1,
        "organisation": {"id": "synthetic-group", "name": f"Synthetic Group ({size_name})"},
        "countries_of_operation": sorted({c["country"] for c in companies}),
        "group_companies": companies, "processors": processors, "recipients": recipients,
        "data_subject_groups": groups, "data_categories": categories, "purposes": purposes,
        "safeguards": safeguards, "flows": flows,
    }


def generate_registry(size_name: str = "S", seed: int = 20261124) -> Registry:
    return Registry.model_validate(generate(size_name, seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
    parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    args = parser.parse_args()
    text = manifests.dump(generate_registry(args.size, args.seed), args.format)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
