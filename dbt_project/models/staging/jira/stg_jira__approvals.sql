-- One row per approval of an issue, from the approvals custom field.
with source as (
    {{ current_records(source('raw_jira', 'issues')) }}
),

approvals as (
    select
        record_id as issue_id,
        record->>'$.key' as issue_key,
        unnest(try_cast(record->'$.fields'->'{{ var("jira_approvals_field") }}' as json[])) as approval,
        generate_subscripts(
            try_cast(record->'$.fields'->'{{ var("jira_approvals_field") }}' as json[]), 1
        ) as approval_position
    from source
),

renamed as (
    select
        issue_id,
        issue_key,
        approval_position,
        approval->>'$.id' as approval_id,
        approval->>'$.name' as approval_name,
        approval->>'$.finalDecision' as final_decision,
        {{ jira_date_object("(approval->'$.createdDate')") }} as created_at,
        {{ jira_date_object("(approval->'$.completedDate')") }} as completed_at
    from approvals
)

select * from renamed
