"""Backtest of the at-risk rule (README, "Service levels") on a warehouse's stopped clocks.

    python benchmarks/sla_at_risk_backtest.py [--db data/warehouse.duckdb]

Every stopped response and resolution clock of marts.ticket_sla is replayed at the
moments its running time reached 50, 60, 70, 80 and 90 % of its target, while it still ran
and had not breached. At each, the rule's verdict (the share of the target gone, and the
similar clocks that stopped before this one started and ran at least as long) is compared
with how the clock ended: breached or met. Precision: the share of at-risk flags that
breached; recall: the share of breaches flagged before they happened.
"""

from __future__ import annotations

import argparse
import os

import duckdb

SQL = """
with clocks as (
    select t.ticket_id, t.sla_metric, t.target_minutes, t.started_at, t.stopped_at,
        t.elapsed_business_minutes, t.is_breached, f.source_system, f.category, t.priority
    from marts.ticket_sla as t
    inner join marts.fct_tickets as f using (ticket_id)
    where t.stopped_at is not null and t.sla_metric in ('response', 'resolution')
),

checkpoints as (
    select clocks.*, share, share * target_minutes as elapsed_then
    from clocks, (values (0.5), (0.6), (0.7), (0.8), (0.9)) as s(share)
    where elapsed_business_minutes > share * target_minutes
),

similar_history as (
    select c.ticket_id, c.sla_metric, c.share,
        count(h.ticket_id) as similar_clocks,
        avg(cast(h.is_breached as integer)) as breached_share
    from checkpoints as c
    left join clocks as h
        on c.source_system = h.source_system
        and c.category is not distinct from h.category
        and c.priority is not distinct from h.priority
        and c.sla_metric = h.sla_metric
        and h.stopped_at < c.started_at
        and h.elapsed_business_minutes >= c.elapsed_then
    group by all
),

verdicts as (
    select c.is_breached,
        c.share >= 0.8 or (s.similar_clocks >= 5 and s.breached_share > 0.5) as is_at_risk
    from checkpoints as c
    inner join similar_history as s using (ticket_id, sla_metric, share)
)

select
    count(*) as checkpoints,
    count(*) filter (where is_at_risk and is_breached) as true_positives,
    count(*) filter (where is_at_risk and not is_breached) as false_positives,
    count(*) filter (where not is_at_risk and is_breached) as false_negatives
from verdicts
"""


def backtest(db: str) -> dict[str, float]:
    with duckdb.connect(db, read_only=True) as con:
        checkpoints, tp, fp, fn = con.execute(SQL).fetchone()
    return {
        "checkpoints": checkpoints,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("USM_DUCKDB_PATH", "data/warehouse.duckdb"))
    result = backtest(parser.parse_args().db)
    for key, value in result.items():
        print(f"{key:16} {value:.3f}" if isinstance(value, float) else f"{key:16} {value}")


if __name__ == "__main__":
    main()
