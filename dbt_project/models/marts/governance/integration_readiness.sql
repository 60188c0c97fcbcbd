-- A readiness verdict per integration path of step 1 (RMM to PSA, PSA to ITSM, ITSM to ESM),
-- with the reason in a sentence. A path carries records of the first system into the second:
--   linkable_records  records of the first system that should reach the second
--   linked_records    those tied to a record of the second system (same work item)
--   dangling_keys     keys that name a record the second system does not have
-- plus the friction of both systems from marts.system_map. Verdicts:
--   not_ready         nothing is linked, or more than var readiness_max_dangling_pct of the
--                     keys dangle: the systems do not share a working key yet
--   ready_with_gaps   linked, but with duplicates, orphans, dangling keys or unmapped values
--                     to clean up first
--   ready             linked, and none of the above
with members as (
    select * from {{ ref('int_work_items_linked') }}
),

tickets as (
    select * from {{ ref('int_tickets_mapped') }}
),

alerts as (
    select * from {{ ref('stg_ninjaone__alerts') }}
),

system_map as (
    select * from {{ ref('system_map') }}
),

paths as (
    select * from (values
        (1, 'RMM to PSA', 'ninjaone', 'connectwise'),
        (2, 'PSA to ITSM', 'connectwise', 'servicenow'),
        (3, 'ITSM to ESM', 'servicenow', 'jira')
    ) as paths (path_order, integration_path, from_system, to_system)
),

member_reach as (
    select
        members.member_id,
        members.source_system,
        bool_or(others.source_system = 'connectwise') as reaches_connectwise,
        bool_or(others.source_system = 'servicenow') as reaches_servicenow,
        bool_or(others.source_system = 'jira') as reaches_jira
    from members
    left join members as others
        on members.work_item_id = others.work_item_id
        and members.member_id <> others.member_id
    group by members.member_id, members.source_system
),

-- RMM to PSA: the alerts that opened a PSA ticket (psaTicketId) should reach it.
rmm_to_psa as (
    select
        'RMM to PSA' as integration_path,
        count(*) as linkable_records,
        count(*) filter (where member_reach.reaches_connectwise) as linked_records,
        count(*) filter (
            where not exists (
                select 1 from tickets
                where tickets.ticket_id = 'connectwise:' || alerts.psa_ticket_id
            )
        ) as dangling_keys
    from alerts
    inner join member_reach
        on member_reach.member_id = 'ninjaone:' || alerts.alert_uid
    where alerts.psa_ticket_id is not null
),

-- PSA to ITSM: the PSA tickets that mirror an incident (externalXRef) or share an alert
-- with one should reach it.
psa_to_itsm as (
    select
        'PSA to ITSM' as integration_path,
        count(*) as linkable_records,
        count(*) filter (where member_reach.reaches_servicenow) as linked_records,
        count(*) filter (
            where tickets.external_xref is not null
                and not exists (
                    select 1 from tickets as incidents
                    where incidents.ticket_id = 'servicenow:' || tickets.external_xref
                )
        ) as dangling_keys
    from tickets
    inner join member_reach
        on member_reach.member_id = tickets.ticket_id
    where tickets.source_system = 'connectwise'
        and (tickets.external_xref is not null or member_reach.reaches_servicenow)
),

-- ITSM to ESM: every ServiceNow record could hand over to Jira; no key ties them today
-- unless a work item already spans both.
itsm_to_esm as (
    select
        'ITSM to ESM' as integration_path,
        count(*) as linkable_records,
        count(*) filter (where member_reach.reaches_jira) as linked_records,
        0 as dangling_keys
    from member_reach
    where member_reach.source_system = 'servicenow'
),

measured as (
    select * from rmm_to_psa
    union all
    select * from psa_to_itsm
    union all
    select * from itsm_to_esm
),

friction as (
    select
        paths.integration_path,
        sum(system_map.duplicates) as duplicates,
        sum(system_map.orphans) as orphans,
        sum(system_map.unmapped_values) as unmapped_values
    from paths
    inner join system_map
        on system_map.system in (paths.from_system, paths.to_system)
    group by paths.integration_path
),

judged as (
    select
        paths.path_order,
        paths.integration_path,
        paths.from_system,
        paths.to_system,
        measured.linkable_records,
        measured.linked_records,
        {{ round_places('100.0 * measured.linked_records / nullif(measured.linkable_records, 0)', 2) }} as linked_pct,
        measured.dangling_keys,
        {{ round_places('100.0 * measured.dangling_keys / nullif(measured.linkable_records, 0)', 2) }} as dangling_pct,
        friction.duplicates,
        friction.orphans,
        friction.unmapped_values
    from paths
    inner join measured
        on paths.integration_path = measured.integration_path
    inner join friction
        on paths.integration_path = friction.integration_path
),

final as (
    select
        integration_path,
        from_system,
        to_system,
        linkable_records,
        linked_records,
        linked_pct,
        dangling_keys,
        duplicates,
        orphans,
        unmapped_values,
        case
            when linked_records = 0
                or coalesce(dangling_pct, 0) > {{ var('readiness_max_dangling_pct') }} then 'not_ready'
            when dangling_keys + duplicates + orphans + unmapped_values > 0 then 'ready_with_gaps'
            else 'ready'
        end as readiness,
        case
            when linked_records = 0 then
                'No ' || from_system || ' record is tied to a ' || to_system
                || ' record: the two systems share no key yet.'
            when coalesce(dangling_pct, 0) > {{ var('readiness_max_dangling_pct') }} then
                dangling_keys || ' of ' || linkable_records || ' ' || from_system || ' keys name a '
                || to_system || ' record that does not exist.'
            when dangling_keys + duplicates + orphans + unmapped_values > 0 then
                linked_records || ' of ' || linkable_records || ' records linked (' || {{ float_text('linked_pct') }} || ' %); to fix first: '
                || concat_ws(', ',
                    case when dangling_keys > 0 then dangling_keys || ' dangling keys' end,
                    case when duplicates > 0 then duplicates || ' duplicate tickets' end,
                    case when orphans > 0 then orphans || ' orphan billing records' end,
                    case when unmapped_values > 0 then unmapped_values || ' unmapped values' end
                ) || '.'
            else linked_records || ' of ' || linkable_records || ' records linked, no friction found.'
        end as reason,
        path_order
    from judged
)

select * from final
order by path_order
