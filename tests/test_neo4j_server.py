"""The Neo4j the suite provisions is real, reachable with the given login, and a 5.26 LTS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import neo4j
import pytest

from tests.neo4j_fixture import Neo4jConnection, neo4j_server  # noqa: F401

pytestmark = pytest.mark.neo4j


@pytest.fixture
def driver(neo4j_server: Neo4jConnection) -> Iterator[neo4j.Driver]:  # noqa: F811
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password)) as driver:
        yield driver


def test_cypher_round_trip(driver: neo4j.Driver) -> None:
    # A run-unique tag keeps this test harmless on a shared server named by NEO4J_URI.
    tag = f"probe-{uuid.uuid4()}"
    try:
        driver.execute_query(
            "UNWIND range(1, 3) AS i CREATE (:FlowregProbe {tag: $tag, i: i})-[:NEXT]->(:FlowregProbe {tag: $tag})",
            tag=tag,
        )
        records, _, _ = driver.execute_query(
            "MATCH (a:FlowregProbe {tag: $tag})-[:NEXT]->(b:FlowregProbe) RETURN a.i AS i ORDER BY i", tag=tag
        )
        assert [record["i"] for record in records] == [1, 2, 3]
        count = driver.execute_query(
            "MATCH (n:FlowregProbe {tag: $tag}) RETURN count(n) AS n", tag=tag, result_transformer_=neo4j.Result.single
        )
        assert count is not None and count["n"] == 6
    finally:
        driver.execute_query("MATCH (n:FlowregProbe {tag: $tag}) DETACH DELETE n", tag=tag)


def test_server_is_neo4j_5_26(driver: neo4j.Driver) -> None:
    records, _, _ = driver.execute_query("CALL dbms.components() YIELD name, versions, edition")
    kernel = next(record for record in records if record["name"] == "Neo4j Kernel")
    assert kernel["versions"][0].startswith("5.26."), kernel["versions"]


def test_wrong_password_is_refused(neo4j_server: Neo4jConnection) -> None:  # noqa: F811
    with (
        neo4j.GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, "not-the-password")) as driver,
        pytest.raises(neo4j.exceptions.AuthError),
    ):
        driver.verify_connectivity()
