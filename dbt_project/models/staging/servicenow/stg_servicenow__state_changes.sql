-- The state history of incidents and requested items, from sys_audit.
with audit_entries as (
    select * from {{ ref('stg_servicenow__audit_entries') }}
),

state_changes as (
    select
        audit_sys_id,
        document_sys_id,
        table_name,
        old_value as from_state,
        new_value as to_state,
        changed_at
    from audit_entries
    where field_name = 'state'
)

select * from state_changes
