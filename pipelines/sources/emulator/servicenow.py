"""ServiceNow Table API under `/api/now/table/<table>`.

Basic auth; `sysparm_query` encoded queries (`field>=value`, `>`, `=`, `<`, `<=`, `!=`, `^` for
AND, `^NQ` for OR of whole groups, `^ORDERBY<field>`), `sysparm_limit`, `sysparm_offset`,
`sysparm_fields`, `sysparm_display_value` (records are served as the extracts hold them: a
reference is a sys_id, `{"link", "value"}` or `{"display_value", "value"}`). `{"result": [...]}`;
a page may come back shorter than asked (access rules), so clients stop only on an empty one.
"""

from __future__ import annotations

import re

from pipelines.sources.emulator.common import Reply, Request, basic_credentials, error, page_limit
from pipelines.sources.emulator.store import Store

PREFIX = "api/now/table/"
TABLES = ("core_company", "cmdb_ci_computer", "incident", "sc_req_item", "sys_audit", "task_sla")
CONDITION = re.compile(r"^(?P<field>[a-z_0-9.]+)(?P<op>>=|<=|!=|>|<|=)(?P<value>.*)$")
DATE_GENERATE = re.compile(r"^javascript:gs\.dateGenerate\('(?P<d>[^']+)','(?P<t>[^']+)'\)$")


def _value(record: dict, name: str) -> str:
    value = record.get(name)
    if isinstance(value, dict):
        value = value.get("value")
    return "" if value is None else str(value)


def _compare(left: str, op: str, right: str) -> bool:
    return {
        ">=": left >= right, "<=": left <= right, ">": left > right,
        "<": left < right, "=": left == right, "!=": left != right,
    }[op]


def parse_query(query: str) -> tuple[list[list[tuple[str, str, str]]], list[str]] | str:
    """(OR-groups of AND-conditions, order-by fields), or the reason it cannot be read."""
    groups, order = [], []
    for group_text in query.split("^NQ") if query else []:
        group = []
        for part in group_text.split("^"):
            if not part:
                continue
            if part.startswith("ORDERBYDESC"):
                return "ORDERBYDESC is not supported by this emulator"
            if part.startswith("ORDERBY"):
                order.append(part[len("ORDERBY"):])
                continue
            match = CONDITION.match(part)
            if not match:
                return f"cannot read the condition {part!r}"
            value = match["value"]
            if generated := DATE_GENERATE.match(value):
                value = f"{generated['d']} {generated['t']}"
            group.append((match["field"], match["op"], value))
        if group:
            groups.append(group)
    return groups, order


def handle(store: Store, request: Request, credentials: dict | None) -> Reply:
    if not request.path.startswith(PREFIX):
        return error(404, "not a Table API path")
    creds = basic_credentials(request)
    if creds is None or (credentials and creds != (credentials["user"], credentials["password"])):
        return error(401, "User Not Authenticated")
    table = request.path[len(PREFIX):]
    if table not in TABLES:
        return error(404, f"Invalid table {table}")
    parsed = parse_query(request.query.get("sysparm_query", ""))
    if isinstance(parsed, str):
        return error(400, parsed)
    groups, order = parsed
    records = [
        r for r in store.get("servicenow", table).records
        if not groups or any(all(_compare(_value(r, f), op, v) for f, op, v in g) for g in groups)
    ]
    if order:
        records.sort(key=lambda r: tuple(_value(r, f) for f in order))
    limit = page_limit(request, "sysparm_limit", 10000, 10000)
    if isinstance(limit, Reply):
        return limit
    offset = int(request.query.get("sysparm_offset", 0))
    total = len(records)
    page = records[offset:offset + limit]
    fields = [f for f in request.query.get("sysparm_fields", "").split(",") if f]
    if fields:
        page = [{f: r[f] for f in fields if f in r} for r in page]
    return Reply(200, {"result": page}, {"X-Total-Count": str(total)})
