"""Privacy: the marts and the evidence packets carry no personal data by default. People are
stable pseudonymous keys (the same person, the same key); names, e-mail addresses and free
text stay in raw and staging; dbt var reveal_personal_data shows names for authorised use.
The generator's people.csv and requesters.csv say who was injected where."""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict

import duckdb
import pytest
from conftest import World, dbt

pytestmark = pytest.mark.slow


def _personal_data(world: World) -> re.Pattern:
    people = world.truth_rows("people.csv")
    assert people, "the generator injected no people"
    values = {p["full_name"] for p in people} | {p["email"] for p in people}
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))


def _string_values(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, set[str]]:
    columns = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? and data_type = 'VARCHAR'",
        [schema],
    ).fetchall()
    values: dict[str, set[str]] = defaultdict(set)
    for table, column in columns:
        sql = f'select distinct "{column}" from {schema}."{table}" where "{column}" is not null'
        for (value,) in con.execute(sql).fetchall():
            values[f"{table}.{column}"].add(value)
    return values


def test_the_marts_hold_no_name_e_mail_or_free_text(world: World):
    pattern = _personal_data(world)
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        values = _string_values(con, "marts")
    leaks = {column: sorted(v for v in vs if pattern.search(v))[:3] for column, vs in values.items()}
    assert {column: found for column, found in leaks.items() if found} == {}
    # The data is there to protect: raw holds it.
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        (raw_hits,) = con.execute(
            "select count(*) from raw_jira.issues where record->>'$.fields.reporter.emailAddress' is not null"
        ).fetchone()
    assert raw_hits > 0


def test_requester_keys_group_tickets_exactly_as_the_people_who_asked(world: World):
    person_of = {r["ticket_id"]: r["person_id"] for r in world.truth_rows("requesters.csv")}
    keys = dict(world.query("select ticket_id, requester_key from marts.fct_tickets"))
    assert set(keys) == set(person_of)
    for system in ("connectwise", "servicenow", "jira"):
        tickets = [t for t in keys if t.startswith(system + ":")]
        by_key, by_person = defaultdict(set), defaultdict(set)
        for ticket in tickets:
            by_key[keys[ticket]].add(ticket)
            by_person[person_of[ticket]].add(ticket)
        assert sorted(map(sorted, by_key.values())) == sorted(map(sorted, by_person.values())), system
    assert all(re.fullmatch(r"person:[0-9a-f]{16}", k) for k in keys.values())


def test_evidence_packets_hold_no_personal_data(packets: World):
    pattern = _personal_data(packets)
    leaks = []
    for path in sorted((packets.output / "evidence").rglob("*")):
        if path.suffix in (".csv", ".md", ".html"):
            leaks += [(path, m) for m in set(pattern.findall(path.read_text(encoding="utf-8")))]
        elif path.suffix == ".parquet":
            with duckdb.connect() as con:
                text = " ".join(
                    str(v) for row in con.execute("select * from read_parquet(?)", [str(path)]).fetchall() for v in row
                )
            leaks += [(path, m) for m in set(pattern.findall(text))]
    assert leaks == []


def test_reveal_personal_data_shows_who_asked_for_authorised_use(world: World, tmp_path):
    warehouse = tmp_path / "revealed.duckdb"
    shutil.copy(world.warehouse, warehouse)
    dbt("run", "--select", "fct_tickets", "--vars", json.dumps({"reveal_personal_data": True}), warehouse=warehouse)
    people = {p["person_id"]: p for p in world.truth_rows("people.csv")}
    person_of = {r["ticket_id"]: r["person_id"] for r in world.truth_rows("requesters.csv")}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select ticket_id, requester_name, requester_email from marts.fct_tickets").fetchall()
    assert rows
    for ticket, name, email in rows:
        person = people[person_of[ticket]]
        if ticket.startswith("jira:") or ticket.startswith("connectwise:"):
            assert (name, email) == (person["full_name"], person["email"]), ticket
        elif name is not None:  # ServiceNow shows the caller's name where the record carries a display value
            assert name == person["full_name"], ticket
