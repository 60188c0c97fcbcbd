"""NinjaOne public API v2.

`POST /ws/oauth/token` (form: `grant_type=client_credentials`, `client_id`, `client_secret`,
`scope`) gives a Bearer token; `/v2/organizations` and `/v2/devices` page by `pageSize` and
`after` (the last id seen); `/v2/alerts` is one array; `/v2/activities` pages by `pageSize`
and `newerThan` (an activity id), answering `{"lastActivityId": ..., "activities": [...]}`.
"""

from __future__ import annotations

import secrets
import threading
from urllib.parse import parse_qs

from pipelines.sources.emulator.common import Reply, Request, error, page_limit
from pipelines.sources.emulator.store import Store, id_order

_tokens: set[str] = set()
_lock = threading.Lock()


def _issue_token(request: Request, credentials: dict | None) -> Reply:
    if request.method != "POST":
        return error(405, "POST the client credentials")
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
    if form.get("grant_type") != "client_credentials":
        return Reply(400, {"error": "unsupported_grant_type"})
    if not form.get("client_id") or not form.get("client_secret") or (
        credentials and (form["client_id"], form["client_secret"])
        != (credentials["client_id"], credentials["client_secret"])
    ):
        return Reply(401, {"error": "invalid_client"})
    token = secrets.token_urlsafe(24)
    with _lock:
        _tokens.add(token)
    return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                       "scope": form.get("scope", "monitoring")})


def handle(store: Store, request: Request, credentials: dict | None) -> Reply:
    if request.path == "ws/oauth/token":
        return _issue_token(request, credentials)
    header = request.headers.get("authorization", "")
    with _lock:
        known = header.startswith("Bearer ") and header[7:] in _tokens
    if not known:
        return Reply(401, {"error": "invalid_token"})
    entity = {"v2/organizations": "organizations", "v2/devices": "devices",
              "v2/alerts": "alerts", "v2/activities": "activities"}.get(request.path)
    if entity is None:
        return error(404, f"no such endpoint: {request.path}")
    records = sorted(store.get("ninjaone", entity).records,
                     key=lambda r: id_order(r.get("uid") if entity == "alerts" else r.get("id")))
    if entity == "alerts":
        return Reply(200, records)
    limit = page_limit(request, "pageSize", 1000 if entity != "activities" else 200, 10000)
    if isinstance(limit, Reply):
        return limit
    if entity == "activities":
        newer = request.query.get("newerThan")
        if newer:
            records = [r for r in records if id_order(r["id"]) > id_order(newer)]
        page = records[:limit]
        last = page[-1]["id"] if page else (int(newer) if newer and newer.isdigit() else None)
        return Reply(200, {"lastActivityId": last, "activities": page})
    after = request.query.get("after")
    if after:
        records = [r for r in records if id_order(r["id"]) > id_order(after)]
    return Reply(200, records[:limit])
