"""excess-disclosure: a flow carries data categories its purpose does not need (minimum necessity)."""

from __future__ import annotations

from collections.abc import Iterator

from registry.checks.finding import Finding, Severity
from registry.checks.rule import CheckContext, Rule


def covered(category: str, necessary: list[str]) -> bool:
    """A parent key (user.contact) stands for every category below it."""
    return any(category == key or category.startswith(key + ".") for key in necessary)


def evaluate(rule: Rule, context: CheckContext) -> Iterator[Finding]:
    purposes = context.registry.purposes_by_id
    for analysis in context.analyses:
        flow = analysis.flow
        purpose = purposes[flow.purpose]
        excess = sorted(c for c in set(flow.categories) if not covered(c, purpose.necessary_categories))
        if excess:
            yield rule.finding(
                context, f"{flow.id} discloses {', '.join(excess)} to {flow.receiver}, beyond what purpose "
                f"{purpose.id} needs", flows=[flow.id], categories=excess, purposes=[purpose.id],
                entities=[flow.sender, flow.receiver])


RULE = Rule(
    id="excess-disclosure", severity=Severity.MEDIUM,
    title="a flow carries categories beyond its purpose's necessary_categories (minimum necessity)",
    reference="GDPR Art. 5(1)(c); APPI Art. 18; policy 4-2",
    fix="Stop sending the excess categories, or record why the purpose needs them in its necessary_categories.",
    judge=evaluate)
