{%- set custom = "record->'$.fields'->'" -%}
with source as (
    {{ current_records(source('raw_jira', 'issues')) }}
),

renamed as (
    select
        record_id as issue_id,
        record->>'$.key' as issue_key,
        record->>'$.fields.project.key' as project_key,
        record->>'$.fields.project.name' as project_name,
        record->>'$.fields.issuetype.name' as issue_type_name,
        record->>'$.fields.summary' as summary,
        record->>'$.fields.status.name' as status_name,
        record->>'$.fields.status.statusCategory.key' as status_category_key,
        record->>'$.fields.priority.name' as priority_name,
        record->>'$.fields.reporter.accountId' as reporter_account_id,
        -- personal data: stays in staging; the marts carry a pseudonymous key (int_ticket_requesters)
        record->>'$.fields.reporter.displayName' as reporter_name,
        record->>'$.fields.reporter.emailAddress' as reporter_email,
        record->>'$.fields.assignee.accountId' as assignee_account_id,
        -- site-specific custom fields: which customfield_NNNNN holds which is a var
        {{ custom }}{{ var('jira_request_type_field') }}'->>'$.requestType.name' as request_type_name,
        {{ custom }}{{ var('jira_organizations_field') }}'->>'$[0].id' as organization_id,
        {{ custom }}{{ var('jira_organizations_field') }}'->>'$[0].name' as organization_name,
        {{ jira_stamp("record->>'$.fields.created'") }} as created_at,
        {{ jira_stamp("record->>'$.fields.resolutiondate'") }} as resolved_at,
        -- child arrays, flattened in their own staging models
        {{ custom }}{{ var('jira_organizations_field') }}' as organizations,
        {{ custom }}{{ var('jira_approvals_field') }}' as approvals,
        {{ custom }}{{ var('jira_sla_response_field') }}' as sla_response,
        {{ custom }}{{ var('jira_sla_resolution_field') }}' as sla_resolution,
        record->'$.changelog.histories' as changelog_histories,
        {{ lineage_columns() }}
    from source
)

select * from renamed
