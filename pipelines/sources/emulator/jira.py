"""Jira Cloud REST API v3: `/rest/api/3/search/jql` (GET or POST).

Basic auth `email:api_token`; `jql` with an optional `updated >= "yyyy-MM-dd HH:mm"` (UTC
here) and an `ORDER BY` that this emulator always reads as `updated ASC, id ASC`;
`maxResults`, `nextPageToken` (opaque: the last issue served), `fields` (only `id` unless
asked, as the real endpoint does; `*all` for everything) and `expand=changelog`.
`{"issues": [...], "nextPageToken": ..., "isLast": ...}`.

As the real endpoint, search results carry at most 40 histories of an issue's changelog (its
first 40, with `total` counting all); `/rest/api/3/issue/{idOrKey}/changelog` pages the whole of
it, oldest first (`startAt`, `maxResults` up to 100; `{"values": [...], "total", "isLast"}`).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime

from pipelines.sources.emulator.common import Reply, Request, basic_credentials, error, page_limit
from pipelines.sources.emulator.store import Store, id_order

PATH = "rest/api/3/search/jql"
CHANGELOG = re.compile(r"^rest/api/3/issue/(?P<issue>[^/]+)/changelog$")
SEARCH_HISTORIES = 40
"""The histories of an issue's changelog a search result carries (Atlassian's cap on /search/jql)."""
UPDATED = re.compile(r'updated\s*(?P<op>>=|>)\s*"(?P<stamp>\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?)"', re.IGNORECASE)


def _token(stamp: datetime, issue_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([stamp.isoformat(), issue_id]).encode()).decode()


def _untoken(token: str) -> tuple[datetime, str] | None:
    try:
        stamp, issue_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        return datetime.fromisoformat(stamp), issue_id
    except (ValueError, TypeError):
        return None


def handle(store: Store, request: Request, credentials: dict | None) -> Reply:
    changelog = CHANGELOG.match(request.path)
    if request.path != PATH and not changelog:
        return error(404, "not a Jira path this emulator serves")
    creds = basic_credentials(request)
    if creds is None or (credentials and creds != (credentials["email"], credentials["token"])):
        return error(401, "Client must be authenticated to access this resource.")
    if changelog:
        return _changelog(store, request, changelog["issue"])
    params = dict(request.query)
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return error(400, "the body is not JSON")
        params.update({k: (",".join(v) if isinstance(v, list) else str(v)) for k, v in body.items()})
    data = store.get("jira", "issues")
    keyed = [(data.stamp(r), r) for r in data.records]
    match = UPDATED.search(params.get("jql", ""))
    if match:
        text = match["stamp"] if " " in match["stamp"] else match["stamp"] + " 00:00"
        since = datetime.strptime(text, "%Y-%m-%d %H:%M")
        keyed = [(s, r) for s, r in keyed if s is not None and (s >= since if match["op"] == ">=" else s > since)]
    keyed.sort(key=lambda pair: (pair[0], id_order(pair[1]["id"])))
    if params.get("nextPageToken"):
        after = _untoken(params["nextPageToken"])
        if after is None:
            return error(400, "The provided next page token is invalid or expired.")
        keyed = [(s, r) for s, r in keyed if (s, id_order(r["id"])) > (after[0], id_order(after[1]))]
    limit = page_limit(request if not params.get("maxResults") else
                       Request(**{**request.__dict__, "query": params}), "maxResults", 50, 5000)
    if isinstance(limit, Reply):
        return limit
    page = keyed[:limit]
    fields = [f for f in params.get("fields", "id").split(",") if f]
    expand = params.get("expand", "")
    issues = []
    for _, record in page:
        issue = {k: v for k, v in record.items() if k != "changelog"}
        if "*all" not in fields and "*navigable" not in fields:
            issue = {k: v for k, v in issue.items() if k in ("id", "key", "self", "expand")} | {
                "fields": {f: record.get("fields", {}).get(f) for f in fields if f != "id"}
            }
        if "changelog" in expand and "changelog" in record:
            histories = record["changelog"].get("histories", [])
            issue["changelog"] = {
                "startAt": 0, "maxResults": SEARCH_HISTORIES, "total": len(histories),
                "histories": histories[:SEARCH_HISTORIES],
            }
        issues.append(issue)
    is_last = len(keyed) <= len(page)
    body = {"issues": issues, "isLast": is_last}
    if not is_last and page:
        body["nextPageToken"] = _token(page[-1][0], str(page[-1][1]["id"]))
    return Reply(200, body)


def _changelog(store: Store, request: Request, issue: str) -> Reply:
    """GET /rest/api/3/issue/{idOrKey}/changelog: the issue's whole changelog, a page at a time."""
    data = store.get("jira", "issues")
    record = next((r for r in data.records if str(r.get("id")) == issue or r.get("key") == issue), None)
    if record is None:
        return error(404, "Issue does not exist or you do not have permission to see it.")
    limit = page_limit(request, "maxResults", 100, 100)
    if isinstance(limit, Reply):
        return limit
    try:
        start = int(request.query.get("startAt", 0))
    except ValueError:
        return error(400, "startAt must be a number")
    histories = (record.get("changelog") or {}).get("histories", [])
    values = histories[start:start + limit]
    return Reply(200, {
        "startAt": start, "maxResults": limit, "total": len(histories),
        "isLast": start + len(values) >= len(histories), "values": values,
    })
