{#- Adapter layer (README.md in this folder): connected components of a graph. DuckDB and
    PostgreSQL walk it with a recursive CTE whose UNION drops the pairs already reached, which
    ends on cycles. Spark's recursive CTEs take only UNION ALL, which would walk a cycle for
    ever: its variant spreads the smallest member id along the edges, a fixed number of rounds
    (a first and 8 more: 9 links across, where a ticket, its alert, the incident and the Jira
    issue are 3), and fails the build if a component would need more
    rather than split it. Spark plans every round in one
    query, so each round costs planning time (32 rounds took 130 s on a small world).

    edges: from_id, to_id, with both directions of every link.
    Returns member_id, component_id (the smallest member id reachable) for every member with an
    edge. -#}
{% macro graph_components(edges) -%}
    {{ return(adapter.dispatch('graph_components')(edges)) }}
{%- endmacro %}

{% macro duckdb__graph_components(edges) -%}
    {{ _recursive_graph_components(edges) }}
{%- endmacro %}

{% macro default__graph_components(edges) -%}
    {{ _recursive_graph_components(edges) }}
{%- endmacro %}

{% macro _recursive_graph_components(edges) -%}
    select member_id, min(reached_id) as component_id
    from (
        with recursive walk (member_id, reached_id) as (
            select distinct from_id, from_id from {{ edges }}
            union
            select walk.member_id, {{ edges }}.to_id
            from walk
            inner join {{ edges }} on walk.reached_id = {{ edges }}.from_id
        )

        select * from walk
    ) as walked
    group by member_id
{%- endmacro %}

{#- Each round, a member takes the smallest id among its own and its neighbours': after n rounds
    every member holds the smallest id within n links. Each round reads the one before once, so
    the plan grows with the rounds, not with their product. -#}
{% macro spark__graph_components(edges, rounds=8) -%}
    select member_id, component_id from (
    with gc_neighbours as (
        select from_id, to_id from {{ edges }}
        union
        select from_id, from_id from {{ edges }}
    ),

    gc_round_0 as (
        select from_id as member_id, min(to_id) as component_id from gc_neighbours group by from_id
    ),

    {% for round in range(1, rounds + 1) -%}
    gc_round_{{ round }} as (
        select gc_neighbours.from_id as member_id, min(gc_round_{{ round - 1 }}.component_id) as component_id
        from gc_neighbours
        inner join gc_round_{{ round - 1 }} on gc_neighbours.to_id = gc_round_{{ round - 1 }}.member_id
        group by gc_neighbours.from_id
    ),
    {% endfor -%}

    gc_unsettled as (
        select count(*) as links
        from {{ edges }}
        inner join gc_round_{{ rounds }} as gc_from on {{ edges }}.from_id = gc_from.member_id
        inner join gc_round_{{ rounds }} as gc_to on {{ edges }}.to_id = gc_to.member_id
        where gc_from.component_id <> gc_to.component_id
    )

    select
        gc_round_{{ rounds }}.member_id,
        case when gc_unsettled.links = 0 then gc_round_{{ rounds }}.component_id
            else raise_error('graph_components: a component is more than {{ rounds + 1 }} links across') end
            as component_id
    from gc_round_{{ rounds }}
    cross join gc_unsettled
    ) as gc_components
{%- endmacro %}
