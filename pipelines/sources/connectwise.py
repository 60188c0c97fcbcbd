"""ConnectWise PSA REST API client (v3.0 paths, a pinned API version).

Basic auth as `company+publicKey:privateKey` with the integration's `clientId` header, the
version pinned in `Accept`, `conditions=lastUpdated>=[...]` for increments, and forward-only
pagination (`pagination-type: forward-only`, `pageSize`, the next page's `pageId` from the
`Link` header), which stays right while records change under the pull.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx

from pipelines.sources.pull import Page, Stream
from pipelines.sources.transport import RetryPolicy, Transport, settings_from_env

API_VERSION = "2025.1"
ENDPOINTS = {
    "companies": "company/companies",
    "agreements": "finance/agreements",
    "slas": "service/SLAs",
    "calendars": "schedule/calendars",
    "tickets": "service/tickets",
    "time_entries": "time/entries",
    "invoices": "finance/invoices",
}
NEXT_LINK = re.compile(r'<(?P<url>[^>]+)>\s*;\s*rel="next"')


def _next_page_id(response: httpx.Response) -> str | None:
    match = NEXT_LINK.search(response.headers.get("Link", ""))
    if not match:
        return None
    values = parse_qs(urlsplit(match["url"]).query).get("pageId")
    return values[0] if values else None


class ConnectWiseClient:
    system = "connectwise"

    def __init__(self, settings: dict[str, str], policy: RetryPolicy | None = None):
        self.transport = Transport(
            self.system, settings["url"],
            auth=(f"{settings['company']}+{settings['public_key']}", settings["private_key"]),
            headers={"clientId": settings["client_id"],
                     "Accept": f"application/vnd.connectwise.com+json; version={API_VERSION}"},
            policy=policy,
        )

    @classmethod
    def from_env(cls, policy: RetryPolicy | None = None) -> ConnectWiseClient:
        return cls(settings_from_env(cls.system), policy)

    def close(self) -> None:
        self.transport.close()

    def streams(self) -> list[Stream]:
        # Holidays and an SLA's targets per priority are sub-resources: one stream per parent.
        lists, _ = self.transport.get_json("schedule/holidayLists", params={"pageSize": 1000})
        holiday_lists = [Stream("holidays", f"holidays/list-{entry['id']}") for entry in lists]
        slas, _ = self.transport.get_json("service/SLAs", params={"pageSize": 1000, "fields": "id"})
        sla_priorities = [Stream("sla_priorities", f"sla_priorities/sla-{entry['id']}") for entry in slas]
        reference = [Stream(entity, entity) for entity in ("companies", "agreements", "slas", "calendars")]
        work = [Stream(entity, entity) for entity in ("tickets", "time_entries", "invoices")]
        return reference + sla_priorities + holiday_lists + work

    def _path(self, stream: Stream) -> str:
        parent = stream.key.rsplit("-", 1)[-1]
        if stream.entity == "holidays":
            return f"schedule/holidayLists/{parent}/holidays"
        if stream.entity == "sla_priorities":
            return f"service/SLAs/{parent}/priorities"
        return ENDPOINTS[stream.entity]

    def pages(self, stream: Stream, since: str | None, resume: dict | None, page_size: int) -> Iterator[Page]:
        path = self._path(stream)
        params: dict[str, str | int] = {"pageSize": page_size}
        if since:
            params["conditions"] = f"lastUpdated>=[{datetime.fromisoformat(since).isoformat()}Z]"
        page_id = (resume or {}).get("pageId")
        while True:
            query = {**params, **({"pageId": page_id} if page_id else {})}
            records, response = self.transport.get_json(
                path, params=query, headers={"pagination-type": "forward-only"},
                cursor={"since": since, "pageId": page_id},
            )
            page_id = _next_page_id(response)
            yield Page(records, {"pageId": page_id} if page_id else None)
            if not page_id:
                return

    def get_ticket(self, ticket_id: int | str) -> dict:
        ticket, _ = self.transport.get_json(f"service/tickets/{ticket_id}", cursor={"ticket": ticket_id})
        return ticket

    def update_ticket(self, ticket_id: int | str, operations: list[dict]) -> dict:
        """PATCH a ticket with JSON Patch operations, e.g. `{"op": "replace", "path": "status/name", ...}`."""
        response = self.transport.request("PATCH", f"service/tickets/{ticket_id}", json=operations,
                                          cursor={"ticket": ticket_id})
        return response.json()

    def ticket_notes(self, ticket_id: int | str) -> list[dict]:
        notes, _ = self.transport.get_json(f"service/tickets/{ticket_id}/notes", cursor={"ticket": ticket_id})
        return notes

    def add_ticket_note(self, ticket_id: int | str, text: str, internal: bool = True) -> dict:
        response = self.transport.request(
            "POST", f"service/tickets/{ticket_id}/notes", cursor={"ticket": ticket_id}, idempotent=False,
            json={"text": text, "detailDescriptionFlag": not internal, "internalAnalysisFlag": internal},
        )
        return response.json()
