{#-
  on-run-start / on-run-end hooks (dbt_project.yml): every dbt invocation that writes tables (build, run, seed,
  snapshot) leaves a `start` row and, when it finishes, a row with its outcome in the warehouse's state ledger
  `audit.state_log`, also when it was started by hand outside the pipeline. A killed invocation leaves only its
  `start` row. Publication only publishes a warehouse whose last writing invocation is a finished whole-project
  `dbt build` without errors, failed tests or skipped nodes, at the run's peildatum (docs/publication.md). The
  pipeline adds its run id and the seeds/code fingerprint to the rows after dbt has finished.
-#}
{% macro _ledger_ready() %}
    {{- return(execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot')
               and adapter.get_relation(database=target.database, schema='audit', identifier='state_log')) -}}
{% endmacro %}

{% macro record_invocation_start() %}
    {%- if _ledger_ready() -%}
        insert into audit.state_log (event, name, peildatum, passed, detail)
        values ('dbt', 'start', date '{{ var("peildatum") }}', false,
                '{{ tojson({"invocation_id": invocation_id, "command": flags.WHICH}) }}')
    {%- endif -%}
{% endmacro %}

{% macro record_invocation(results) %}
    {%- if _ledger_ready() -%}
        {%- set bad = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
        {%- set selection = invocation_args_dict.get('select') or [] -%}
        {%- set selection = [selection] if selection is string else selection | list -%}
        {#- a build of every node, except unit tests (they test the SQL, not the data; the pipeline leaves them out) -#}
        {%- set only_types = invocation_args_dict.get('resource_types') or [] -%}
        {%- set excluded_types = invocation_args_dict.get('exclude_resource_types') or [] -%}
        {%- set whole = (selection | reject('in', ['fqn:*']) | list | length == 0)
                        and not invocation_args_dict.get('exclude')
                        and (only_types | length == 0)
                        and (excluded_types | reject('in', ['unit_test']) | list | length == 0) -%}
        {%- set detail = {'invocation_id': invocation_id, 'select': selection,
                          'exclude': invocation_args_dict.get('exclude'), 'nodes': results | length,
                          'not_ok': bad | map(attribute='node.unique_id') | list} -%}
        insert into audit.state_log (event, name, peildatum, passed, detail)
        values ('dbt', '{{ flags.WHICH }}', date '{{ var("peildatum") }}',
                {{ 'true' if (flags.WHICH == 'build' and whole and bad | length == 0) else 'false' }},
                '{{ tojson(detail) | replace("'", "''") }}')
    {%- endif -%}
{% endmacro %}
