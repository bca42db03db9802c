"""Generated manifests, valid and corrupted, fed to import: success, or an error listing the bad
records; never a traceback, never a partial write."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.sqlite import SQLiteStore
from registry import manifest as manifests
from registry.errors import InvalidInput
from registry.model import Registry
from registry.service import Service
from tests.conftest import EXAMPLE_MANIFEST
from tests.strategies import registries

BILLION_LAUGHS = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document that holds a value."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.append((*prefix, index))
            found += _paths(value, (*prefix, index))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        document = document[step]
    return document


def corrupt(document: dict[str, Any], how: str, rng: random.Random) -> bytes:
    paths = _paths(document)
    if how == "wrong-type" and paths:
        path = rng.choice(paths)
        _parent(document, path)[path[-1]] = rng.choice([12345, 3.5, True, None, ["x"], {"k": "v"}, "🙂"])
    elif how == "missing-key":
        keyed = [p for p in paths if isinstance(p[-1], str)]
        if keyed:
            path = rng.choice(keyed)
            del _parent(document, path)[path[-1]]
    elif how == "unknown-key":
        dicts = [p for p in paths if isinstance(_parent(document, (*p, None)), dict)] or [()]
        target = _parent(document, (*rng.choice(dicts), None)) if dicts != [()] else document
        target["surprise_" + str(rng.randint(0, 99))] = "value"
    elif how == "dangling-reference" and document.get("flows"):
        flow = rng.choice(document["flows"])
        flow[rng.choice(["from", "to", "purpose"])] = "no-such-record"
    elif how == "huge-string" and paths:
        path = rng.choice(paths)
        _parent(document, path)[path[-1]] = "x" * 2_000_000
    elif how == "deep-nesting":
        document["processors"] = "DEEP-NESTING-HERE"
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    # Written as text: the dumper itself cannot represent 5,000 levels.
    text = text.replace("DEEP-NESTING-HERE", "[" * 5_000 + "]" * 5_000)
    data = text.encode("utf-8")
    if how == "non-utf8":
        spot = rng.randrange(len(data) + 1)
        data = data[:spot] + b"\xff\xfe\xc3" + data[spot:]
    elif how == "alias-bomb":
        data = BILLION_LAUGHS.encode() + b"\n" + data
    elif how == "truncated":
        data = data[: rng.randrange(len(data) + 1)]
    elif how == "byte-flip" and data:
        spot = rng.randrange(len(data))
        data = data[:spot] + bytes([rng.randrange(256)]) + data[spot + 1 :]
    return data


CORRUPTIONS = ["none", "wrong-type", "missing-key", "unknown-key", "dangling-reference", "huge-string",
               "deep-nesting", "non-utf8", "alias-bomb", "truncated", "byte-flip"]
OUTCOMES: dict[str, int] = {}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(registry=registries(max_records=4), how=st.sampled_from(CORRUPTIONS), seed=st.integers(0, 2**32))
def test_import_succeeds_or_lists_bad_records_and_writes_nothing(registry: Registry, how: str, seed: int) -> None:
    document = manifests.to_document(registry)
    data = corrupt(document, how, random.Random(seed))
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "s.sqlite")
        try:
            service = Service(store, actor="fuzz")
            baseline = Path(folder) / "baseline.yaml"
            baseline.write_text(EXAMPLE_MANIFEST, encoding="utf-8")
            service.import_file(baseline)
            before = (store.revision(), list(store.read()))
            path = Path(folder) / "input.yaml"
            path.write_bytes(data)
            try:
                service.import_file(path)
                outcome = "imported"
            except InvalidInput as error:
                outcome = "refused"
                assert error.problems, "a refusal must say what is wrong"
                assert all(p.file == str(path) for p in error.problems)
                assert all(p.message for p in error.problems)
                assert (store.revision(), list(store.read())) == before, "a refused import wrote something"
        finally:
            store.close()
    if how == "none":
        assert outcome == "imported"
    if how in ("alias-bomb", "deep-nesting", "non-utf8"):
        assert outcome == "refused"
    OUTCOMES[f"{how}:{outcome}"] = OUTCOMES.get(f"{how}:{outcome}", 0) + 1


@pytest.fixture(scope="module", autouse=True)
def report_outcomes() -> Any:
    yield
    if OUTCOMES:
        print("\nfuzz outcomes:", dict(sorted(OUTCOMES.items())))
