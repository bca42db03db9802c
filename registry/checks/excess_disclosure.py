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
            names = [context.registry.categories_by_id[c].name if c in context.registry.categories_by_id else c
                     for c in excess]
            yield rule.finding(
                context, f"{context.party(flow.sender)} discloses {', '.join(names)} to "
                f"{context.party(flow.receiver)}, which the purpose {purpose.name} does not need.",
                judged_by=analysis.judging, flows=[flow.id], categories=excess, purposes=[purpose.id],
                entities=[flow.sender, flow.receiver])


RULE = Rule(
    id="excess-disclosure", severity=Severity.MEDIUM,
    title="a flow carries categories beyond its purpose's necessary_categories (minimum necessity)",
    fix="Stop sending the excess categories, or record why the purpose needs them in its necessary_categories.",
    judge=evaluate, regime_less=True)
