-- One row per current record that carries a value no mapping places (README,
-- `marts.normalization_exceptions`): the record, the value, and why.
with client_records as (
    select * from {{ ref('int_client_aliases_mapped') }}
),

connectwise_companies as (
    select * from {{ ref('stg_connectwise__companies') }}
),

servicenow_companies as (
    select * from {{ ref('stg_servicenow__companies') }}
),

ninjaone_organizations as (
    select * from {{ ref('stg_ninjaone__organizations') }}
),

jira_organizations as (
    select * from {{ ref('stg_jira__issue_organizations') }}
),

declared_tickets as (
    select * from {{ ref('stg_declared__tickets') }}
),

client_aliases as (
    select * from {{ ref('stg_mappings__clients') }}
),

devices as (
    select * from {{ ref('int_devices_matched') }}
),

tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

time_entries as (
    select * from {{ ref('stg_connectwise__time_entries') }}
),

billing_codes as (
    select * from {{ ref('stg_mappings__billing_codes') }}
),

review_decisions as (
    select * from {{ ref('int_recon_decisions_current') }}
),

recon_findings as (
    select * from {{ ref('int_recon_findings_listed') }}
),

unreadable_values as (
    select * from {{ ref('int_unreadable_values_listed') }}
),

connectwise_tickets as (
    select * from {{ ref('stg_connectwise__tickets') }}
),

connectwise_invoices as (
    select * from {{ ref('stg_connectwise__invoices') }}
),

servicenow_incidents as (
    select * from {{ ref('stg_servicenow__incidents') }}
),

servicenow_requested_items as (
    select * from {{ ref('stg_servicenow__requested_items') }}
),

jira_issues as (
    select * from {{ ref('stg_jira__issues') }}
),

catalog_items as (
    select * from {{ ref('stg_mappings__catalog_items') }}
),

-- Work that names no client: a ticket, time entry or invoice whose company is empty, or is an id
-- that no company record of its system has (`raw_value` is the id, `(none)` when empty). Its
-- client is NULL in fct_tickets and `var('unassigned_client_id')` where money is counted.
-- A company that exists but is not in clients.csv is `unmapped_client`, on the company.
missing_clients as (
    select 'connectwise' as system, 'tickets' as entity, 'company' as field, records.ticket_id as record_key,
        records.company_id as company_key, records._extract_date, records._first_extract_date
    from connectwise_tickets as records
    where records.company_id is null or records.company_id not in (select company_id from connectwise_companies)

    union all

    select 'connectwise', 'time_entries', 'company', records.time_entry_id, records.company_id,
        records._extract_date, records._first_extract_date
    from time_entries as records
    where records.company_id is null or records.company_id not in (select company_id from connectwise_companies)

    union all

    select 'connectwise', 'invoices', 'company', records.invoice_id, records.company_id,
        records._extract_date, records._first_extract_date
    from connectwise_invoices as records
    where records.company_id is null or records.company_id not in (select company_id from connectwise_companies)

    union all

    select 'servicenow', 'incident', 'company', records.incident_sys_id, records.company_sys_id,
        records._extract_date, records._first_extract_date
    from servicenow_incidents as records
    where records.company_sys_id is null
        or records.company_sys_id not in (select company_sys_id from servicenow_companies)

    union all

    select 'servicenow', 'sc_req_item', 'company', records.requested_item_sys_id, records.company_sys_id,
        records._extract_date, records._first_extract_date
    from servicenow_requested_items as records
    where records.company_sys_id is null
        or records.company_sys_id not in (select company_sys_id from servicenow_companies)

    union all

    -- a Jira issue's client is its organization: none is missing
    select 'jira', 'issues', 'organization', issues.issue_id, cast(null as {{ dbt.type_string() }}), issues._extract_date, issues._first_extract_date
    from jira_issues as issues
    where not exists (
        select 1 from jira_organizations where jira_organizations.issue_id = issues.issue_id
            and jira_organizations.organization_name is not null
    )

    {%- for tool in declared_tools() if tool.columns.get('client') %}

    union all

    select '{{ tool.system }}', '{{ tool.entity }}', 'client', declared.record_id, cast(null as {{ dbt.type_string() }}),
        declared._extract_date, declared._first_extract_date
    from declared_tickets as declared
    where declared.source_system = '{{ tool.system }}' and declared.source_entity = '{{ tool.entity }}'
        and declared.client_alias is null
    {%- endfor %}
),

unmapped_system_keys as (
    select
        system,
        system_key
    from client_records
    where client_id is null
),

unmapped_clients as (
    select
        'connectwise' as system,
        'companies' as entity,
        'identifier' as field,
        companies.company_id as record_key,
        companies.company_identifier as raw_value,
        companies._extract_date,
        companies._first_extract_date
    from connectwise_companies as companies
    inner join unmapped_system_keys as unmapped
        on unmapped.system = 'connectwise'
        and companies.company_id = unmapped.system_key

    union all

    select
        'servicenow' as system,
        'core_company' as entity,
        'name' as field,
        companies.company_sys_id as record_key,
        companies.company_name as raw_value,
        companies._extract_date,
        companies._first_extract_date
    from servicenow_companies as companies
    inner join unmapped_system_keys as unmapped
        on unmapped.system = 'servicenow'
        and companies.company_sys_id = unmapped.system_key

    union all

    -- a Jira organization lives on its issues: each current issue carrying it counts
    select
        'jira' as system,
        'issues' as entity,
        'organization' as field,
        organizations.issue_id as record_key,
        organizations.organization_name as raw_value,
        organizations._extract_date,
        organizations._first_extract_date
    from jira_organizations as organizations
    left join client_aliases
        on client_aliases.system = 'jira'
        and {{ match_value('organizations.organization_name') }} = {{ match_value('client_aliases.alias') }}
    where client_aliases.alias is null

    union all

    -- a declared tool's client lives on its tickets, like a Jira organization
    select
        declared.source_system as system,
        declared.source_entity as entity,
        'client' as field,
        declared.record_id as record_key,
        declared.client_alias as raw_value,
        declared._extract_date,
        declared._first_extract_date
    from declared_tickets as declared
    left join client_aliases
        on declared.source_system = client_aliases.system
        and {{ match_value('declared.client_alias') }} = {{ match_value('client_aliases.alias') }}
    where client_aliases.alias is null

    union all

    select
        'ninjaone' as system,
        'organizations' as entity,
        'name' as field,
        organizations.organization_id as record_key,
        organizations.organization_name as raw_value,
        organizations._extract_date,
        organizations._first_extract_date
    from ninjaone_organizations as organizations
    inner join unmapped_system_keys as unmapped
        on unmapped.system = 'ninjaone'
        and organizations.organization_id = unmapped.system_key
),

exceptions as (
    select
        'unmapped_client' as reason,
        *
    from unmapped_clients
    where raw_value is not null

    union all

    select
        'nonconforming_asset_name' as reason,
        system,
        entity,
        case system when 'ninjaone' then 'systemName' else 'name' end as field,
        device_key as record_key,
        device_name as raw_value,
        _extract_date,
        _first_extract_date
    from devices
    where not name_conforms

    union all

    select
        'unmapped_category' as reason,
        source_system as system,
        source_entity as entity,
        'category' as field,
        source_record_id as record_key,
        source_category || coalesce(' / ' || source_subcategory, '') as raw_value,
        _extract_date,
        _first_extract_date
    from tickets
    where category is null and source_category is not null

    union all

    select
        'unknown_priority' as reason,
        source_system as system,
        source_entity as entity,
        'priority' as field,
        source_record_id as record_key,
        source_priority as raw_value,
        _extract_date,
        _first_extract_date
    from tickets
    where priority is null and source_priority is not null

    union all

    -- A state no row of states.csv places: the ticket has no clock and no status category.
    select
        'unknown_state' as reason,
        source_system as system,
        source_entity as entity,
        'state' as field,
        source_record_id as record_key,
        source_state as raw_value,
        _extract_date,
        _first_extract_date
    from tickets
    where not is_state_mapped and source_state is not null

    union all

    -- A billable option ConnectWise does not define (Billable, DoNotBill, NoCharge, NoDefault):
    -- reconciliation treats the time as not billable, so it must be visible.
    select
        'unknown_billable_option' as reason,
        'connectwise' as system,
        'time_entries' as entity,
        'billableOption' as field,
        time_entries.time_entry_id as record_key,
        time_entries.billable_option as raw_value,
        time_entries._extract_date,
        time_entries._first_extract_date
    from time_entries
    where time_entries.billable_option not in ('Billable', 'DoNotBill', 'NoCharge', 'NoDefault')

    union all

    select
        'unknown_billing_code' as reason,
        'connectwise' as system,
        'time_entries' as entity,
        'workType' as field,
        time_entries.time_entry_id as record_key,
        time_entries.work_type_name as raw_value,
        time_entries._extract_date,
        time_entries._first_extract_date
    from time_entries
    where time_entries.work_type_name is not null
        and not exists (
            select 1
            from billing_codes
            where {{ match_value('billing_codes.work_type') }} = {{ match_value('time_entries.work_type_name') }}
        )

    union all

    -- An analyst's decision about an exception id that no reconciliation finding has.
    select
        'unknown_exception_id' as reason,
        'reviews' as system,
        'decisions' as entity,
        'exception_id' as field,
        review_decisions.exception_id as record_key,
        review_decisions.exception_id as raw_value,
        review_decisions._extract_date,
        review_decisions._first_extract_date
    from review_decisions
    where not exists (
        select 1
        from recon_findings
        where recon_findings.exception_id = review_decisions.exception_id
    )

    union all

    select
        'missing_client' as reason,
        system,
        entity,
        field,
        record_key,
        coalesce(company_key, '(none)') as raw_value,
        _extract_date,
        _first_extract_date
    from missing_clients

    union all

    -- A requested item exported without display values whose catalog item (a bare sys_id) is
    -- not in catalog_items.csv: it has no category.
    select
        'unmapped_catalog_item' as reason,
        'servicenow' as system,
        'sc_req_item' as entity,
        'cat_item' as field,
        items.requested_item_sys_id as record_key,
        items.cat_item_sys_id as raw_value,
        items._extract_date,
        items._first_extract_date
    from servicenow_requested_items as items
    where items.cat_item_name is null and items.cat_item_sys_id is not null
        and lower(items.cat_item_sys_id) not in (
            select cat_item_sys_id from catalog_items where cat_item_sys_id is not null
        )

    union all

    -- A value staging could not read, or a stamp past the horizon: NULL in the marts.
    select * from unreadable_values
)

select * from exceptions
