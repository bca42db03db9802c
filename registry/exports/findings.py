"""The findings table, and which findings concern a flow (what the other tables mark rows with)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from registry.checks.finding import Finding, worst_open
from registry.exports.table import Column, Kind, Record, Rows, Table, Tail
from registry.reference import regime_name

COLUMNS = (
    Column("id", "Finding", width=36),
    Column("problem", "Record at fault", width=28),
    Column("rule", "Rule", width=26),
    Column("severity", "Severity", width=10),
    Column("regime", "Regime", width=14),
    Column("reference", "Reference", width=30),
    Column("reason", "Reason", width=60),
    Column("fix", "Suggested fix", width=50),
    Column("flows", "Flows", Kind.LIST, width=30),
    Column("path", "Path", Kind.LIST, width=30),
    Column("safeguards", "Safeguards", Kind.LIST, width=26),
    Column("countries", "Countries", Kind.LIST, width=12),
    Column("categories", "Data categories", Kind.LIST, width=30),
    Column("entities", "Entities", Kind.LIST, width=24),
    Column("purposes", "Purposes", Kind.LIST, width=18),
    Column("acknowledged", "Acknowledged", Kind.BOOL, width=13),
    Column("acknowledgement", "Acknowledgement reason", width=36),
    Column("acknowledged_until", "Acknowledged until", Kind.DATE, width=14),
)


def findings_table(findings: Sequence[Finding]) -> Table:
    def walk() -> Iterator[Record]:
        for finding in findings:
            evidence = finding.evidence
            acknowledgement = finding.acknowledgement
            yield (finding.id, finding.problem, finding.rule, finding.severity.value, regime_name(finding.regime),
                   finding.reference, finding.reason, finding.fix, list(evidence.flows), list(evidence.path),
                   list(evidence.safeguards), list(evidence.countries), list(evidence.categories),
                   list(evidence.entities), list(evidence.purposes), finding.acknowledged,
                   acknowledgement.reason if acknowledgement else None,
                   acknowledgement.until if acknowledgement else None), Tail.EMPTY[worst_open([finding])]

    return Table("findings", "Findings", COLUMNS, Rows(len(findings), walk))


class FindingsByFlow:
    """Findings looked up by the flows at fault (an onward gap: its later hop only); a finding with no regime
    concerns every regime."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self._by_flow: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            # An onward gap is the later hop's fault: the flows before it are the path, not flagged themselves.
            at_fault = [finding.problem] if finding.evidence.path and finding.problem else finding.evidence.flows
            for flow in dict.fromkeys(at_fault):
                self._by_flow[flow].append(finding)

    def of(self, flows: Iterable[str], regime: str | None = None) -> list[Finding]:
        found: dict[str, Finding] = {}
        for flow in flows:
            for finding in self._by_flow.get(flow, []):
                if regime is None or finding.regime is None or finding.regime == regime:
                    found.setdefault(finding.id, finding)
        return sorted(found.values(), key=lambda f: f.sort_key)


def rule_ids(findings: Iterable[Finding]) -> list[str]:
    return sorted({f.rule for f in findings})
