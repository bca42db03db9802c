"""A process killed with SIGKILL in the middle of a big import leaves all of it or none of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from graph.sqlite import SQLiteStore

FLOWS = 50_000
REPO = Path(__file__).resolve().parents[2]


def big_manifest(path: Path) -> None:
    document = {
        "version": 1,
        "group_companies": [{"id": "hq", "name": "HQ", "country": "JP", "region": "APAC"}],
        "processors": [{"id": f"p{i}", "name": f"P{i}", "country": "US"} for i in range(20)],
        "data_subject_groups": [{"id": "users", "name": "Users", "regions": ["EEA", "JP"]}],
        "data_categories": [{"id": "user.contact.email", "name": "Email"}],
        "purposes": [{"id": "run", "name": "Run", "legal_basis": "contract"}],
        "flows": [{"id": f"f{i}", "from": "hq", "to": f"p{i % 20}", "subjects": ["users"],
                   "categories": ["user.contact.email"], "purpose": "run"} for i in range(FLOWS)],
    }
    path.write_text(yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)), encoding="utf-8")


def flow_count(store_path: Path) -> int:
    store = SQLiteStore(store_path)
    try:
        flows = store.counts().get("Flow", 0)
        logged = len(store.changes(label="Flow"))
        assert logged == flows, "the change log and the data disagree"
        return flows
    finally:
        store.close()


def wal_bytes(store_path: Path) -> int:
    wal = store_path.with_name(store_path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def import_process(store_path: Path, manifest: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "--store", str(store_path), "import", str(manifest)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_sigkill_during_a_50000_flow_import_leaves_all_or_nothing(tmp_path: Path) -> None:
    manifest = tmp_path / "big.yaml"
    big_manifest(manifest)
    outcomes = []
    # Kill while parsing (a delay), and while the write transaction is open: the WAL file growing
    # past a size means rows are being written and not yet committed.
    for attempt, (delay, wal_threshold) in enumerate([(1.0, None), (None, 1 << 20), (None, 16 << 20),
                                                      (None, 48 << 20), (None, None)]):
        store_path = tmp_path / f"store-{attempt}.sqlite"
        process = import_process(store_path, manifest)
        wal_at_kill = 0
        if delay is not None:
            time.sleep(delay)
        elif wal_threshold is not None:
            deadline = time.monotonic() + 240
            while process.poll() is None and wal_bytes(store_path) < wal_threshold and time.monotonic() < deadline:
                time.sleep(0.005)
        if delay is None and wal_threshold is None:
            assert process.wait(timeout=300) == 0, process.stderr.read() if process.stderr else ""
        else:
            wal_at_kill = wal_bytes(store_path)
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        flows = flow_count(store_path)
        assert flows in (0, FLOWS), f"killed at attempt {attempt}: {flows} of {FLOWS} flows were written"
        outcomes.append((attempt, process.returncode, wal_at_kill, flows))
    killed_mid_write = [o for o in outcomes if o[1] == -signal.SIGKILL and o[2] >= 1 << 20]
    assert len(killed_mid_write) >= 2, f"no kill landed inside the write transaction: {outcomes}"
    assert all(flows == 0 for *_, flows in killed_mid_write)
    assert outcomes[-1][3] == FLOWS
    print("\n" + "\n".join(f"attempt {a}: exit {rc}, WAL {w >> 20} MiB at kill, {n} flows"
                            for a, rc, w, n in outcomes))
