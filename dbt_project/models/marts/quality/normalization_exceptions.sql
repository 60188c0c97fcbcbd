-- Every source value that the mapping rules could not place, with how many current
-- records carry it and the first and last extract dates on which such a record arrived.
with gathered as (
    select * from {{ ref('int_normalization_exceptions_gathered') }}
),

final as (
    select
        system,
        entity,
        field,
        raw_value,
        reason,
        count(*) as occurrences,
        min(_first_extract_date) as first_seen_at,
        max(_extract_date) as last_seen_at
    from gathered
    group by system, entity, field, raw_value, reason
)

select * from final
