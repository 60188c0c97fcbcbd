-- Every source value that the mapping rules could not place or staging could not read, with
-- how many current records carry it, a few of them, and the first and last extract dates on
-- which such a record arrived.
with gathered as (
    select
        *,
        row_number() over (
            partition by system, entity, field, raw_value, reason order by record_key
        ) as record_rank
    from {{ ref('int_normalization_exceptions_gathered') }}
),

final as (
    select
        system,
        entity,
        field,
        raw_value,
        reason,
        count(*) as occurrences,
        {{ dbt.listagg("case when record_rank <= 5 then record_key end", "', '", "order by record_key") }} as sample_record_keys,
        min(_first_extract_date) as first_seen_at,
        max(_extract_date) as last_seen_at
    from gathered
    group by system, entity, field, raw_value, reason
)

select * from final
