"""ServiceNow Table API client: keyset pagination on (update stamp, sys_id).

`sysparm_query` filters on the table's stamp (`sys_updated_on`; `sys_created_on` for the
immutable `sys_audit`) and orders by it, then `sys_id`; each next page asks for the records
after the last one seen. Access rules can shorten a page, so only an empty page ends a table.
`sysparm_limit` is the page size. `sysparm_display_value=all` asks for every field as
`{"display_value", "value"}`, and `sysparm_exclude_reference_link=true` leaves out the links
nothing reads. Staging reads the value, and the display value where it needs a name (a company
not in core_company, a state's label), which `false` would drop. The pages land as the instance
returned them; the loader reads the id and the stamp out of that shape too
(catalog.SourceEntity.wrapped_values).
"""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.sources.pull import Page, Stream
from pipelines.sources.records import field_text
from pipelines.sources.transport import RetryPolicy, Transport, settings_from_env

TABLES = ("core_company", "cmdb_ci_computer", "incident", "sc_req_item", "sys_audit", "task_sla")


def stamp_column(table: str) -> str:
    return "sys_created_on" if table == "sys_audit" else "sys_updated_on"


def keyset_query(table: str, since: str | None, after: dict | None) -> str:
    """The encoded query of one page: newer than `since`, after the last record seen, in order."""
    stamp = stamp_column(table)
    order = f"ORDERBY{stamp}^ORDERBYsys_id"
    if after:
        last, sys_id = after["stamp"], after["sys_id"]
        return f"{stamp}>{last}^NQ{stamp}={last}^sys_id>{sys_id}^{order}"
    if since:
        return f"{stamp}>={since}^{order}"
    return order


class ServiceNowClient:
    system = "servicenow"

    def __init__(self, settings: dict[str, str], policy: RetryPolicy | None = None):
        self.transport = Transport(self.system, settings["url"], auth=(settings["user"], settings["password"]),
                                   headers={"Accept": "application/json"}, policy=policy)

    @classmethod
    def from_env(cls, policy: RetryPolicy | None = None) -> ServiceNowClient:
        return cls(settings_from_env(cls.system), policy)

    def close(self) -> None:
        self.transport.close()

    def streams(self) -> list[Stream]:
        return [Stream(table, table) for table in TABLES]

    def pages(self, stream: Stream, since: str | None, resume: dict | None, page_size: int) -> Iterator[Page]:
        table, after = stream.entity, resume
        while True:
            query = keyset_query(table, since, after)
            body, _ = self.transport.get_json(
                f"api/now/table/{table}",
                params={"sysparm_query": query, "sysparm_limit": page_size, "sysparm_display_value": "all",
                        "sysparm_exclude_reference_link": "true"},
                cursor={"since": since, "after": after},
            )
            records = body.get("result", [])
            if not records:  # only an empty page ends the table
                yield Page([], None)
                return
            last = records[-1]
            after = {"stamp": field_text(last, stamp_column(table)), "sys_id": field_text(last, "sys_id")}
            yield Page(records, after)

    def get_record(self, table: str, sys_id: str) -> dict:
        body, _ = self.transport.get_json(f"api/now/table/{table}/{sys_id}", cursor={"sys_id": sys_id})
        return body["result"]

    def update_record(self, table: str, sys_id: str, fields: dict[str, str]) -> dict:
        """PATCH fields of one record; `work_notes` adds a work note (a PATCH of the same
        fields twice changes nothing the second time, but adds the note again)."""
        response = self.transport.request("PATCH", f"api/now/table/{table}/{sys_id}", json=fields,
                                          cursor={"sys_id": sys_id})
        return response.json()["result"]
