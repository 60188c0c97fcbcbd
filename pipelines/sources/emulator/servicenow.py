"""ServiceNow Table API under `/api/now/table/<table>`.

Basic auth; `sysparm_query` encoded queries (`field>=value`, `>`, `=`, `<`, `<=`, `!=`, `^` for
AND, `^NQ` for OR of whole groups, `^ORDERBY<field>`), `sysparm_limit`, `sysparm_offset`,
`sysparm_fields`, `sysparm_display_value` and `sysparm_exclude_reference_link`, as an instance
answers them (`shape`). `{"result": [...]}`; a page may come back shorter than asked (access
rules), so clients stop only on an empty one.
`GET`, `PATCH` or `PUT /api/now/table/<table>/<sys_id>` read and change one record (closure sync).
"""

from __future__ import annotations

import json
import re

from pipelines.sources.emulator.common import Reply, Request, basic_credentials, error, page_limit
from pipelines.sources.emulator.store import Store
from pipelines.sources.records import field_text

PREFIX = "api/now/table/"
TABLES = ("core_company", "cmdb_ci_computer", "incident", "sc_req_item", "sys_audit", "task_sla")
CONDITION = re.compile(r"^(?P<field>[a-z_0-9.]+)(?P<op>>=|<=|!=|>|<|=)(?P<value>.*)$")
DATE_GENERATE = re.compile(r"^javascript:gs\.dateGenerate\('(?P<d>[^']+)','(?P<t>[^']+)'\)$")
SYS_ID = re.compile(r"^[0-9a-f]{32}$")
# A reference's link names one fixed instance, so that pages do not depend on the emulator's port.
INSTANCE = "https://usm-emulator.service-now.com"


def shape(record: dict, display: str, exclude_link: bool) -> dict:
    """A stored record as the Table API returns it for `sysparm_display_value`.

    `false` (the default): values; a reference is `{"link", "value"}` (a plain sys_id with
    `sysparm_exclude_reference_link=true`). `all`: every field `{"display_value", "value"}`, a
    reference with its `link` too. `true`: display values only. The emulator knows a display value
    only where the extract holds one; elsewhere a field displays as its value, and a reference
    as "" (an instance would show the referenced record's name).
    """
    out = {}
    for name, stored in record.items():
        value = field_text(record, name)
        given = stored.get("display_value") if isinstance(stored, dict) else None
        shown = given if given is not None else ("" if SYS_ID.match(value) and name != "sys_id" else value)
        reference = isinstance(stored, dict) and ("link" in stored or bool(SYS_ID.match(value)))
        link = {}
        if reference and not exclude_link:
            link = {"link": stored.get("link") or f"{INSTANCE}/{PREFIX}{name}/{value}"}
        if display == "all":
            out[name] = {"display_value": shown, **link, "value": value}
        elif display == "true":
            out[name] = shown
        else:
            out[name] = {**link, "value": value} if link else value
    return out


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
    table, _, sys_id = request.path[len(PREFIX):].partition("/")
    if table not in TABLES:
        return error(404, f"Invalid table {table}")
    if sys_id:
        return _one(store, request, table, sys_id)
    parsed = parse_query(request.query.get("sysparm_query", ""))
    if isinstance(parsed, str):
        return error(400, parsed)
    groups, order = parsed
    records = [
        r for r in store.get("servicenow", table).records
        if not groups or any(all(_compare(field_text(r, f), op, v) for f, op, v in g) for g in groups)
    ]
    if order:
        records.sort(key=lambda r: tuple(field_text(r, f) for f in order))
    limit = page_limit(request, "sysparm_limit", 10000, 10000)
    if isinstance(limit, Reply):
        return limit
    offset = int(request.query.get("sysparm_offset", 0))
    total = len(records)
    page = records[offset:offset + limit]
    fields = [f for f in request.query.get("sysparm_fields", "").split(",") if f]
    if fields:
        page = [{f: r[f] for f in fields if f in r} for r in page]
    page = [_shaped(r, request) for r in page]
    return Reply(200, {"result": page}, {"X-Total-Count": str(total)})


def _one(store: Store, request: Request, table: str, sys_id: str) -> Reply:
    """GET, PATCH or PUT one record. `work_notes` and `comments` go to the journal, as on an
    instance; other fields are set, `sys_updated_on` stamped, and a changed `state` audited."""
    if request.method == "GET":
        record = store.find("servicenow", table, sys_id)
        return Reply(200, {"result": _shaped(record, request)}) if record else error(404, "No Record found")
    if request.method not in {"PATCH", "PUT"}:
        return error(405, "GET, PATCH or PUT")
    try:
        changes = json.loads(request.body or b"{}")
    except ValueError:
        return error(400, "the body is not JSON")
    if not isinstance(changes, dict):
        return error(400, "the body must be a JSON object of fields")
    journal = {k: changes.pop(k) for k in ("work_notes", "comments") if k in changes}

    def mutate(record: dict, now) -> None:
        record.update({k: "" if v is None else str(v) for k, v in changes.items()})
        if str(record.get("state")) == "6" and not record.get("resolved_at"):
            record["resolved_at"] = now.strftime("%Y-%m-%d %H:%M:%S")

    record = store.update("servicenow", table, sys_id, mutate)
    if record is None:
        return error(404, "No Record found")
    for element, text in journal.items():
        store.add_note({"element_id": sys_id, "name": table, "element": element, "value": str(text),
                        "sys_created_on": record["sys_updated_on"]})
    return Reply(200, {"result": _shaped(record, request)})


def _shaped(record: dict, request: Request) -> dict:
    display = request.query.get("sysparm_display_value", "false").lower()
    exclude_link = request.query.get("sysparm_exclude_reference_link", "false").lower() == "true"
    return shape(record, display if display in {"true", "all"} else "false", exclude_link)
