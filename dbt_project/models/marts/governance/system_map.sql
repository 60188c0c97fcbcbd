-- The integration map (step 1): for each system and entity, its current records, how many
-- are tied to a record of another system, and the friction that stands in the way of
-- integrating it: duplicates, orphans and values no mapping places.
--   tickets, incidents, requested items, issues, alerts: linked when their work item
--     reaches another system (int_work_items_linked)
--   devices and CMDB computers: linked when the same asset is in the other system
--   company and organization records: linked when their alias maps to a client that some
--     other system's record also maps to
--   time entries and invoices: billing records tie within the PSA, so records_linked and
--     linked_pct are null; their friction is the orphans of reconciliation
with members as (
    select * from {{ ref('int_work_items_linked') }}
),

devices as (
    select * from {{ ref('int_devices_matched') }}
),

client_records as (
    select * from {{ ref('int_client_aliases_mapped') }}
),

time_entries as (
    select * from {{ ref('stg_connectwise__time_entries') }}
),

invoices as (
    select * from {{ ref('stg_connectwise__invoices') }}
),

recon_exceptions as (
    select * from {{ ref('recon_exceptions') }}
),

normalization_exceptions as (
    select * from {{ ref('normalization_exceptions') }}
),

work_item_systems as (
    select
        work_item_id,
        count(distinct source_system) as systems
    from members
    group by work_item_id
),

work_records as (
    select
        members.source_system as system,
        coalesce(tickets.source_entity, 'alerts') as entity,
        count(*) as records,
        count(*) filter (where work_item_systems.systems > 1) as records_linked,
        count(*) filter (where members.is_duplicate) as duplicates
    from members
    inner join work_item_systems
        on members.work_item_id = work_item_systems.work_item_id
    left join {{ ref('int_tickets_mapped') }} as tickets
        on members.ticket_id = tickets.ticket_id
    group by 1, 2
),

asset_systems as (
    select
        asset_id,
        count(distinct system) as systems
    from devices
    group by asset_id
),

device_records as (
    select
        devices.system,
        devices.entity,
        count(*) as records,
        count(*) filter (where asset_systems.systems > 1) as records_linked,
        0 as duplicates
    from devices
    inner join asset_systems
        on devices.asset_id = asset_systems.asset_id
    group by devices.system, devices.entity
),

client_systems as (
    select
        client_id,
        count(distinct system) as systems
    from client_records
    where client_id is not null
    group by client_id
),

company_records as (
    select
        client_records.system,
        case client_records.system
            when 'connectwise' then 'companies'
            when 'servicenow' then 'core_company'
            when 'jira' then 'organizations'
            when 'ninjaone' then 'organizations'
        end as entity,
        count(*) as records,
        count(*) filter (where client_systems.systems > 1) as records_linked,
        0 as duplicates
    from client_records
    left join client_systems
        on client_records.client_id = client_systems.client_id
    group by 1, 2
),

billing_records as (
    select
        'connectwise' as system,
        'time_entries' as entity,
        count(*) as records,
        cast(null as bigint) as records_linked,
        0 as duplicates
    from time_entries

    union all

    select
        'connectwise' as system,
        'invoices' as entity,
        count(*) as records,
        cast(null as bigint) as records_linked,
        0 as duplicates
    from invoices
),

entity_records as (
    select * from work_records
    union all
    select * from device_records
    union all
    select * from company_records
    union all
    select * from billing_records
),

orphans as (
    select
        'connectwise' as system,
        case entity_type when 'time_entry' then 'time_entries' else 'invoices' end as entity,
        count(*) as orphans
    from recon_exceptions
    where exception_type in ('orphan_time_entry', 'orphan_invoice')
    group by 1, 2
),

unmapped as (
    select
        system,
        entity,
        count(*) as unmapped_values,
        sum(occurrences) as unmapped_records
    from normalization_exceptions
    group by system, entity
),

final as (
    select
        entity_records.system,
        entity_records.entity,
        entity_records.records,
        entity_records.records_linked,
        round(100.0 * entity_records.records_linked / nullif(entity_records.records, 0), 2) as linked_pct,
        entity_records.duplicates,
        coalesce(orphans.orphans, 0) as orphans,
        coalesce(unmapped.unmapped_values, 0) as unmapped_values,
        coalesce(unmapped.unmapped_records, 0) as unmapped_records
    from entity_records
    left join orphans
        on entity_records.system = orphans.system and entity_records.entity = orphans.entity
    left join unmapped
        on entity_records.system = unmapped.system and entity_records.entity = unmapped.entity
)

select * from final
