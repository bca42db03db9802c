"""The Cypher queries README.md gives DPOs run against the seed in a real Neo4j and return the right rows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from graph.neo4j import Neo4jStore
from graph.sqlite import SQLiteStore
from registry.mapping import LABELS
from registry.service import Service
from tests.neo4j_fixture import Neo4jConnection

pytestmark = pytest.mark.neo4j
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_queries() -> list[tuple[dict[str, Any], str]]:
    blocks = re.findall(r"```cypher\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    queries = []
    for block in blocks:
        parameters: dict[str, Any] = {}
        match = re.match(r"// :param (\{.*\})\n", block)
        if match:
            parameters = json.loads(re.sub(r"(\w+):", r'"\1":', match.group(1).replace("'", '"')))
        queries.append((parameters, block))
    return queries


@pytest.fixture(scope="module")
def seeded(neo4j_server: Neo4jConnection, tmp_path_factory: pytest.TempPathFactory) -> Any:
    source = Service(SQLiteStore(tmp_path_factory.mktemp("seed") / "s.sqlite"), actor="readme-test")
    source.seed()
    target = Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, labels=LABELS)
    target.drop_everything()
    source.sync_to(target)
    yield source.registry(), target
    target.close()


def run(store: Neo4jStore, query: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    records, _, _ = store._driver.execute_query(query, parameters)
    return [record.data() for record in records]


def test_readme_has_the_five_queries() -> None:
    assert len(readme_queries()) == 5


def test_transfers_of_a_category_out_of_the_eea(seeded: Any) -> None:
    registry, store = seeded
    parameters, query = readme_queries()[0]
    rows = run(store, query, parameters)
    eea = set(parameters["eea"])
    def about_eea(flow: Any) -> bool:
        regions = {r for g in flow.subjects for r in registry.subject_groups_by_id[g].regions}
        return bool(regions & (eea | {"EEA"})) or bool(set(registry.entities[flow.sender].where_processed) & eea)

    expected = sorted(
        f.id for f in registry.flows if parameters["category"] in f.categories and about_eea(f)
        and any(c not in eea for c in registry.entities[f.receiver].where_processed))
    assert [row["flow"] for row in rows] == expected and expected


def test_processors_in_a_country(seeded: Any) -> None:
    registry, store = seeded
    parameters, query = readme_queries()[1]
    expected = sorted(p.id for p in registry.processors
                      if parameters["country"] in {p.country, *p.processing_countries})
    assert [row["processor"] for row in run(store, query, parameters)] == expected and expected


def test_subprocessor_chain(seeded: Any) -> None:
    _, store = seeded
    parameters, query = readme_queries()[2]
    rows = run(store, query, parameters)
    assert [(row["subprocessor"], row["depth"]) for row in rows] == [("cloud-ops-us", 1), ("cloud-ops-in", 2)]
    assert rows[-1]["path"] == ["cloud-host-jp", "cloud-ops-us", "cloud-ops-in"]


def test_flows_with_no_safeguard(seeded: Any) -> None:
    registry, store = seeded
    parameters, query = readme_queries()[3]
    assert [row["flow"] for row in run(store, query, parameters)] == sorted(
        f.id for f in registry.flows if not f.safeguards)


def test_flows_per_purpose(seeded: Any) -> None:
    registry, store = seeded
    parameters, query = readme_queries()[4]
    rows = run(store, query, parameters)
    assert {row["purpose"]: row["flows"] for row in rows} == {
        p.id: n for p in registry.purposes if (n := sum(f.purpose == p.id for f in registry.flows))}
