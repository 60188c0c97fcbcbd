"""Jira Cloud REST API v3: `/rest/api/3/search/jql` (GET or POST).

Basic auth `email:api_token`; `jql` with an optional `updated >= "yyyy-MM-dd HH:mm"` (UTC
here) and an `ORDER BY` that this emulator always reads as `updated ASC, id ASC`;
`maxResults`, `nextPageToken` (opaque: the last issue served), `fields` (only `id` unless
asked, as the real endpoint does; `*all` for everything) and `expand=changelog`.
`{"issues": [...], "nextPageToken": ..., "isLast": ...}`.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime

from pipelines.sources.emulator.common import Reply, Request, basic_credentials, error, page_limit
from pipelines.sources.emulator.store import Store, id_order

PATH = "rest/api/3/search/jql"
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
    if request.path != PATH:
        return error(404, "not a Jira path this emulator serves")
    creds = basic_credentials(request)
    if creds is None or (credentials and creds != (credentials["email"], credentials["token"])):
        return error(401, "Client must be authenticated to access this resource.")
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
            issue["changelog"] = record["changelog"]
        issues.append(issue)
    is_last = len(keyed) <= len(page)
    body = {"issues": issues, "isLast": is_last}
    if not is_last and page:
        body["nextPageToken"] = _token(page[-1][0], str(page[-1][1]["id"]))
    return Reply(200, body)
