"""Manifests: every bad record reported at once, with file, line, id and field; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry import manifest as manifests
from registry.errors import InvalidInput
from registry.service import Service

THREE_GOOD_TWO_BAD = """\
version: 1
group_companies:
  - {id: hq, name: HQ, country: JP, region: APAC}
processors:
  - {id: good-1, name: Good One, country: DE}
  - {id: bad-country, name: Bad Country, country: uk}
  - {id: good-2, name: Good Two, country: FR}
  - id: bad-key
    name: Bad Key
    country: US
    dpa_sigend: 2024-01-01
"""


def test_three_good_two_bad_writes_nothing_and_lists_both(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(THREE_GOOD_TWO_BAD, encoding="utf-8")
    before = service.store.revision()
    with pytest.raises(InvalidInput) as caught:
        service.import_file(path)
    rendered = caught.value.render()
    assert [p.record_id for p in caught.value.problems] == ["bad-country", "bad-key"]
    bad_country, bad_key = caught.value.problems
    assert (bad_country.file, bad_country.line, bad_country.field) == (str(path), 6, "country")
    assert (bad_key.line, bad_key.field) == (11, "dpa_sigend")
    assert "did you mean 'GB'" in rendered and "nothing was written" in rendered
    assert service.store.revision() == before
    assert service.store.counts() == {}


def test_schema_and_reference_problems_are_reported_together(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_text(
        "processors:\n  - {id: p, name: P, country: XX}\n"
        "flows:\n  - {id: f, from: p, to: nowhere, subjects: [s], categories: [a.b], purpose: q}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        service.import_file(path)
    fields = [(p.record_id, p.field) for p in caught.value.problems]
    assert ("p", "country") in fields
    assert ("f", "to") in fields and ("f", "purpose") in fields and ("f", "subjects") in fields


def test_duplicate_ids_in_one_manifest(tmp_path: Path) -> None:
    data = b"data_categories:\n  - {id: a.b, name: A}\n  - {id: a.b, name: B}\n"
    manifest = manifests.parse(data, "dup.yaml")
    [problem] = manifest.problems
    assert (problem.index, problem.line, problem.field) == (1, 3, "id")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"version: 1\nprocessors: [\n", "not valid YAML"),
        (b"- just\n- a list\n", "a manifest is a mapping"),
        (b"\xff\xfe bad bytes", "not UTF-8"),
        (b"a: &x [1, 2]\nb: *x\n", "anchors and aliases"),
        (b"{" * 5000, "not valid YAML"),
    ],
)
def test_unreadable_input_is_refused_clearly(data: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        manifests.parse(data, "in.yaml")
    assert fragment in caught.value.render()
    assert "in.yaml" in caught.value.render()


def test_json_manifests_read_and_report_lines() -> None:
    good = manifests.parse(b'{"version": 1, "data_categories": [{"id": "a.b", "name": "A"}]}', "m.json")
    assert good.fragment.data_categories[0].id == "a.b"
    with pytest.raises(InvalidInput) as caught:
        manifests.parse(b'{"version": 1,\n "data_categories": [}', "m.json")
    assert caught.value.problems[0].line == 2


def test_unknown_top_level_key_and_wrong_version() -> None:
    manifest = manifests.parse(b"version: 2\nprocesors: []\n", "m.yaml")
    assert {p.field for p in manifest.problems} == {"version", "procesors"}
    assert {p.line for p in manifest.problems} == {1, 2}


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        manifests.load(tmp_path / "absent.yaml")
    assert "cannot read the file" in caught.value.render()


def test_fragment_resolves_against_the_store(service: Service, example_manifest: Path, tmp_path: Path) -> None:
    service.import_file(example_manifest)
    fragment = tmp_path / "fragment.yaml"
    fragment.write_text(
        "processors:\n  - {id: cdn, name: CDN Co, country: SG, dpa_signed: 2025-01-01}\n"
        "flows:\n  - {id: f2, from: hq, to: cdn, subjects: [entrants], categories: [user.contact.email],"
        " purpose: campaign, safeguards: [scc-mailer]}\n",
        encoding="utf-8",
    )
    result = service.import_file(fragment)
    assert (result.created, result.updated, result.deleted) == (2, 0, 0)
    registry = service.registry()
    assert {f.id for f in registry.flows} == {"f1", "f2"}
    assert registry.entities["cdn"].country == "SG"


def test_replace_deletes_what_the_manifest_lacks_and_logs_it(
    service: Service, example_manifest: Path, tmp_path: Path
) -> None:
    service.import_file(example_manifest)
    smaller = tmp_path / "smaller.yaml"
    text = example_manifest.read_text(encoding="utf-8")
    smaller.write_text(text[: text.index("safeguards:")], encoding="utf-8")
    result = service.import_file(smaller, replace=True)
    assert result.deleted == 2  # the flow and its safeguard
    deletions = [c for c in service.store.changes() if c.operation == "delete"]
    assert {(c.label, c.key) for c in deletions} == {("Flow", "f1"), ("Safeguard", "scc-mailer")}
    assert all(c.context and "--replace" in c.context and c.actor == "tester" for c in deletions)
    assert service.registry().flows == []


def test_a_reimport_changes_nothing(service: Service, example_manifest: Path) -> None:
    first = service.import_file(example_manifest)
    revision = service.store.revision()
    second = service.import_file(example_manifest)
    assert first.created > 0 and second.created == second.updated == 0
    assert second.unchanged == first.created
    assert service.store.revision() == revision


def test_export_then_import_elsewhere_gives_the_same_registry(
    service: Service, example_manifest: Path, tmp_path: Path
) -> None:
    service.import_file(example_manifest)
    for fmt in ("yaml", "json"):
        out = tmp_path / f"backup.{fmt}"
        out.write_text(service.export_manifest(fmt), encoding="utf-8")
        from graph.sqlite import SQLiteStore

        other = Service(SQLiteStore(tmp_path / f"other-{fmt}.sqlite"), actor="restore")
        other.import_file(out)
        assert other.registry() == service.registry()
