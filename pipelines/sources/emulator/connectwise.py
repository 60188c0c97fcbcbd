"""ConnectWise PSA REST API v3.0 under `/v4_6_release/apis/3.0/`.

Basic auth `company+publicKey:privateKey`, a `clientId` header, a pinned version in
`Accept: application/vnd.connectwise.com+json; version=...`; `conditions=lastUpdated>=[stamp]`;
`page`/`pageSize`, or forward-only pagination (`pagination-type: forward-only`, `pageId` = the
last id seen, ordered by id) with the next page in the `Link` header. Bare JSON arrays.
An SLA's targets per priority are its sub-resource `service/SLAs/<id>/priorities`, as a holiday
list's holidays are `schedule/holidayLists/<id>/holidays`.
`PATCH service/tickets/<id>` (a JSON Patch array) and `POST service/tickets/<id>/notes` change
a ticket (closure sync).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from pipelines.sources.emulator.common import Reply, Request, basic_credentials, error, page_limit
from pipelines.sources.emulator.store import Store, id_order, json_path, parse_stamp

PREFIX = "v4_6_release/apis/3.0/"
PATHS = {
    "company/companies": "companies",
    "finance/agreements": "agreements",
    "service/SLAs": "slas",
    "schedule/calendars": "calendars",
    "service/tickets": "tickets",
    "time/entries": "time_entries",
    "finance/invoices": "invoices",
}
HOLIDAYS = re.compile(r"^schedule/holidayLists/(?P<list>\d+)/holidays$")
SLA_PRIORITIES = re.compile(r"^service/SLAs/(?P<sla>\d+)/priorities$")
TICKET = re.compile(r"^service/tickets/(?P<id>\d+)$")
TICKET_NOTES = re.compile(r"^service/tickets/(?P<id>\d+)/notes$")
CONDITION = re.compile(r"^\s*lastUpdated\s*(?P<op>>=|>)\s*\[(?P<stamp>[^\]]+)\]\s*$")


def _authorized(request: Request, credentials: dict | None) -> Reply | None:
    creds = basic_credentials(request)
    if creds is None:
        return error(401, "Basic authentication as company+publicKey:privateKey is required")
    if not request.headers.get("clientid"):
        return error(401, "the clientId header is required")
    accept = request.headers.get("accept", "")
    if "application/vnd.connectwise.com+json" not in accept or "version=" not in accept:
        return error(400, "pin the API version: Accept: application/vnd.connectwise.com+json; version=...")
    if credentials:
        expected = (f"{credentials['company']}+{credentials['public_key']}", credentials["private_key"])
        if creds != expected or request.headers["clientid"] != credentials["client_id"]:
            return error(401, "invalid credentials")
    elif "+" not in creds[0]:
        return error(401, "the user name must be company+publicKey")
    return None


def handle(store: Store, request: Request, credentials: dict | None) -> Reply:
    if not request.path.startswith(PREFIX):
        return error(404, "not a ConnectWise path")
    refused = _authorized(request, credentials)
    if refused:
        return refused
    path = request.path[len(PREFIX):]
    if match := TICKET.match(path):
        return _ticket(store, request, match["id"])
    if match := TICKET_NOTES.match(path):
        return _notes(store, request, match["id"])
    holidays = store.get("connectwise", "holidays")
    if path == "schedule/holidayLists":
        lists = {}
        for record in holidays.records:
            ref = record.get("holidayList") or {}
            lists[ref.get("id")] = ref
        records = [lists[k] for k in sorted(lists, key=id_order)]
    elif match := HOLIDAYS.match(path):
        records = [r for r in holidays.records if str((r.get("holidayList") or {}).get("id")) == match["list"]]
    elif match := SLA_PRIORITIES.match(path):
        priorities = store.get("connectwise", "sla_priorities").records
        records = [r for r in priorities if str((r.get("sla") or {}).get("id")) == match["sla"]]
    elif path in PATHS:
        records = list(store.get("connectwise", PATHS[path]).records)
    else:
        return error(404, f"no such endpoint: {path}")

    conditions = request.query.get("conditions")
    if conditions:
        match = CONDITION.match(conditions)
        since = parse_stamp(match["stamp"], "iso8601") if match else None
        if since is None:
            return error(400, f"unsupported conditions: {conditions}")
        inclusive = match["op"] == ">="
        stamps = [(parse_stamp(json_path(r, "$._info.lastUpdated"), "iso8601"), r) for r in records]
        records = [r for s, r in stamps if s is not None and (s >= since if inclusive else s > since)]

    limit = page_limit(request, "pageSize", 25, 1000)
    if isinstance(limit, Reply):
        return limit
    records.sort(key=lambda r: id_order(r.get("id")))
    forward_only = request.headers.get("pagination-type", "").lower() == "forward-only"
    if forward_only:
        after = request.query.get("pageId")
        if after:
            records = [r for r in records if id_order(r.get("id")) > id_order(after)]
        page = records[:limit]
        more = len(records) > len(page)
        next_query = {**request.query, "pageId": str(page[-1]["id"])} if page else None
    else:
        number = max(1, int(request.query.get("page", 1)))
        full = page_limit(Request(**{**request.__dict__, "short": False}), "pageSize", 25, 1000)
        page = records[(number - 1) * full:(number - 1) * full + limit]
        more = len(records) > number * full
        next_query = {**request.query, "page": str(number + 1)}
    headers = {}
    if more and next_query:
        headers["Link"] = f'<{request.base_url}/{request.path}?{urlencode(next_query)}>; rel="next"'
    return Reply(200, page, headers)


def _apply_patch(record: dict, operations: list[dict]) -> str | None:
    """JSON Patch `replace`/`add`/`remove` on `a/b` paths, as ConnectWise takes them."""
    for operation in operations:
        op, parts = operation.get("op"), [p for p in str(operation.get("path", "")).split("/") if p]
        if op not in {"replace", "add", "remove"} or not parts:
            return f"unsupported patch operation {operation!r}"
        target = record
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if op == "remove":
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = operation.get("value")
    return None


def _ticket(store: Store, request: Request, ticket_id: str) -> Reply:
    if request.method == "GET":
        record = store.find("connectwise", "tickets", ticket_id)
        return Reply(200, record) if record else error(404, f"ticket {ticket_id} not found")
    if request.method != "PATCH":
        return error(405, "GET or PATCH")
    try:
        operations = json.loads(request.body or b"[]")
    except ValueError:
        return error(400, "the body is not JSON")
    if not isinstance(operations, list):
        return error(400, "PATCH takes a JSON Patch array")
    problem: list[str] = []

    def mutate(record: dict, now) -> None:
        before_closed = bool(record.get("closedFlag"))
        failure = _apply_patch(record, operations)
        if failure:
            problem.append(failure)
        if record.get("closedFlag") and not before_closed:
            record.setdefault("closedDate", now.strftime("%Y-%m-%dT%H:%M:%SZ"))

    record = store.update("connectwise", "tickets", ticket_id, mutate)
    if record is None:
        return error(404, f"ticket {ticket_id} not found")
    return error(400, problem[0]) if problem else Reply(200, record)


def _notes(store: Store, request: Request, ticket_id: str) -> Reply:
    if store.find("connectwise", "tickets", ticket_id) is None:
        return error(404, f"ticket {ticket_id} not found")
    notes = [n for n in store.journal if n.get("ticketId") == int(ticket_id)]
    if request.method == "GET":
        return Reply(200, notes)
    if request.method != "POST":
        return error(405, "GET or POST")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return error(400, "the body is not JSON")
    if not body.get("text"):
        return error(400, "a note needs text")
    note = store.add_note({"ticketId": int(ticket_id), "text": body["text"],
                           "detailDescriptionFlag": bool(body.get("detailDescriptionFlag")),
                           "internalAnalysisFlag": bool(body.get("internalAnalysisFlag")),
                           "dateCreated": store.now.strftime("%Y-%m-%dT%H:%M:%SZ")})
    return Reply(201, note)
