-- One row per approval of an issue, from the approvals custom field (kept as JSON by
-- stg_jira__issues).
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

approvals as (
    select
        issue_id,
        issue_key,
        unnest(try_cast(approvals as json[])) as approval,
        generate_subscripts(try_cast(approvals as json[]), 1) as approval_position
    from issues
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
