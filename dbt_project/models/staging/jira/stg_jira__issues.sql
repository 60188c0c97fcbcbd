{{ incremental_staging_config('issue_id') }}

with source as (
    {{ current_records(source('raw_jira', 'issues')) }}
),

renamed as (
    select
        record_id as issue_id,
        {{ json_text('record', 'key') }} as issue_key,
        {{ json_text('record', 'fields.project.key') }} as project_key,
        {{ json_text('record', 'fields.project.name') }} as project_name,
        {{ json_text('record', 'fields.issuetype.name') }} as issue_type_name,
        {{ json_text('record', 'fields.summary') }} as summary,
        {{ json_text('record', 'fields.status.name') }} as status_name,
        {{ json_text('record', 'fields.status.statusCategory.key') }} as status_category_key,
        {{ json_text('record', 'fields.priority.name') }} as priority_name,
        -- a person's key: Cloud's accountId, else Data Center's (and API v2's) key, else its name
        coalesce(
            {{ json_text('record', 'fields.reporter.accountId') }},
            {{ json_text('record', 'fields.reporter.key') }},
            {{ json_text('record', 'fields.reporter.name') }}
        ) as reporter_account_id,
        -- personal data: stays in staging; the marts carry a pseudonymous key (int_ticket_requesters)
        {{ json_text('record', 'fields.reporter.displayName') }} as reporter_name,
        {{ json_text('record', 'fields.reporter.emailAddress') }} as reporter_email,
        coalesce(
            {{ json_text('record', 'fields.assignee.accountId') }},
            {{ json_text('record', 'fields.assignee.key') }},
            {{ json_text('record', 'fields.assignee.name') }}
        ) as assignee_account_id,
        -- site-specific custom fields: which customfield_NNNNN holds which is a var
        {{ json_text('record', 'fields.' ~ var('jira_request_type_field') ~ '.requestType.name') }} as request_type_name,
        {{ json_text('record', 'fields.' ~ var('jira_organizations_field') ~ '[0].id') }} as organization_id,
        {{ json_text('record', 'fields.' ~ var('jira_organizations_field') ~ '[0].name') }} as organization_name,
        {{ read_field('jira.issues', 'fields.created') }} as created_at,
        {{ read_field('jira.issues', 'fields.resolutiondate') }} as resolved_at,
        -- child arrays, flattened in their own staging models
        {{ json_get('record', 'fields.' ~ var('jira_organizations_field')) }} as organizations,
        {{ json_get('record', 'fields.' ~ var('jira_approvals_field')) }} as approvals,
        {{ json_get('record', 'fields.' ~ var('jira_sla_response_field')) }} as sla_response,
        {{ json_get('record', 'fields.' ~ var('jira_sla_resolution_field')) }} as sla_resolution,
        {{ json_get('record', 'changelog.histories') }} as changelog_histories,
        {{ lineage_columns() }}
    from source
)

select * from renamed
