-- The newest decision for an exception stands (docs/landing.md, "Reviews").
{{ incremental_staging_config('exception_id') }}

with source as (
    {{ current_records(source('raw_reviews', 'decisions')) }}
),

renamed as (
    select
        record_id as exception_id,
        lower(trim({{ json_text('record', 'decision') }})) as decision,
        {{ json_text('record', 'decided_by') }} as decided_by,
        updated_at as decided_at,
        {{ json_text('record', 'note') }} as note,
        {{ lineage_columns() }}
    from source
)

select * from renamed
