"""The pieces of live ingestion that need no server: fault specs, queries, backoff, settings."""

import random

import pytest

from pipelines.sources.emulator.faults import FaultPlan, parse_faults
from pipelines.sources.emulator.servicenow import parse_query, shape
from pipelines.sources.jira import jql
from pipelines.sources.servicenow import keyset_query
from pipelines.sources.transport import PullError, RetryPolicy, settings_from_env


def test_a_fault_plan_counts_each_endpoint_on_its_own():
    plan = FaultPlan(parse_faults("429:every=3:offset=1:after=2,short:every=2"))
    kinds = [[f.kind for f in plan.next_for("a", None)] for _ in range(6)]
    assert kinds == [["429"], ["short"], [], ["429"], [], ["short"]]  # the first fault that hits wins
    assert [f.kind for f in plan.next_for("b", None)] == ["429"]  # b starts its own count
    assert plan.faults[0].after == 2.0
    assert [f.kind for f in plan.next_for("a", "drop")] == ["drop"]  # the header's wish wins


@pytest.mark.parametrize("spec", ["teapot", "429:every=0", "503:often=2", "slow:secs"])
def test_a_bad_fault_spec_is_refused(spec):
    with pytest.raises(ValueError):
        parse_faults(spec)


def test_servicenow_keyset_query_reads_back_as_an_or_of_two_groups():
    query = keyset_query("incident", "2026-01-01 00:00:00", {"stamp": "2026-01-02 10:00:00", "sys_id": "abc"})
    groups, order = parse_query(query)
    assert groups == [[("sys_updated_on", ">", "2026-01-02 10:00:00")],
                      [("sys_updated_on", "=", "2026-01-02 10:00:00"), ("sys_id", ">", "abc")]]
    assert order == ["sys_updated_on", "sys_id"]
    assert keyset_query("sys_audit", "2026-01-01 00:00:00", None) == (
        "sys_created_on>=2026-01-01 00:00:00^ORDERBYsys_created_on^ORDERBYsys_id")


SYS = "5" * 32
STORED = {"sys_id": SYS, "state": "6", "company": {"value": "c" * 32, "display_value": "Acme"},
          "caller_id": {"value": "d" * 32, "link": "https://old/api/now/table/sys_user/" + "d" * 32}}


@pytest.mark.parametrize(("display", "exclude_link", "expected"), [
    # false: values; a reference is {link, value} (the extract's link where it has one)
    ("false", False, {"sys_id": SYS, "state": "6",
                      "company": {"link": "https://usm-emulator.service-now.com/api/now/table/company/" + "c" * 32,
                                  "value": "c" * 32},
                      "caller_id": {"link": "https://old/api/now/table/sys_user/" + "d" * 32, "value": "d" * 32}}),
    ("false", True, {"sys_id": SYS, "state": "6", "company": "c" * 32, "caller_id": "d" * 32}),
    # all: every field {display_value, value}; a display the extract does not hold is the value,
    # or "" for a reference (the emulator knows no name for it)
    ("all", True, {"sys_id": {"display_value": SYS, "value": SYS}, "state": {"display_value": "6", "value": "6"},
                   "company": {"display_value": "Acme", "value": "c" * 32},
                   "caller_id": {"display_value": "", "value": "d" * 32}}),
    ("true", False, {"sys_id": SYS, "state": "6", "company": "Acme", "caller_id": ""}),
])
def test_servicenow_display_value_shapes_a_record_as_an_instance_would(display, exclude_link, expected):
    assert shape(STORED, display, exclude_link) == expected


def test_jira_jql_is_bounded_and_floored_to_the_minute():
    assert jql("2026-01-05 13:47:59") == 'updated >= "2026-01-05 13:47" ORDER BY updated ASC, id ASC'
    assert jql(None).startswith('updated >= "2000-01-01 00:00"')


def test_backoff_grows_with_jitter_and_stops_at_the_cap():
    policy, rng = RetryPolicy(base_seconds=1, max_seconds=8), random.Random(1)
    for retry, step in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        waits = [policy.backoff(retry, rng) for _ in range(50)]
        assert all(step / 2 <= w <= step for w in waits) and len(set(waits)) > 1


def test_settings_name_the_missing_variables_and_never_their_values():
    with pytest.raises(PullError) as failure:
        settings_from_env("jira", {"USM_JIRA_URL": "http://x", "USM_JIRA_TOKEN": "s3cret"})
    assert "USM_JIRA_EMAIL" in str(failure.value) and "s3cret" not in str(failure.value)


def test_the_vendor_apis_resource_binds_every_variable_of_a_configured_vendor_and_no_other():
    """The Dagster resource's settings and the environment variables `usm pull` reads are one list:
    a vendor's settings are bound (as dg.EnvVar, never values) when its URL variable is set."""
    import dagster as dg

    from pipelines.defs.ingestion.vendor_apis import API_CONFIGS, vendor_apis_from_environment
    from pipelines.sources.transport import ENVIRONMENT

    for system, config in API_CONFIGS.items():
        assert set(config.model_fields) == set(ENVIRONMENT[system]), system
    apis = vendor_apis_from_environment({"USM_JIRA_URL": "https://example.atlassian.net"})
    assert apis.configured() == ["jira"]
    assert apis.jira.token == dg.EnvVar("USM_JIRA_TOKEN")  # the variable's name, resolved at run start
    with pytest.raises(dg.Failure, match="USM_NINJAONE_URL"):
        apis.connection("ninjaone")
