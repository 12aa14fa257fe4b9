{#- A teaching assistant's submissions page: no autograde or feedback column (instructors
    run those from the dashboard); staff.js drops the same columns from each row. -#}
{%- extends 'manage_submissions.tpl' -%}

{%- block messages -%}
{%- endblock -%}

{%- block table_header -%}
<tr>
  <th>Student Name</th>
  <th class="text-center">Student ID</th>
  <th class="text-center">Timestamp</th>
  <th class="text-center">Status</th>
  <th class="text-center">Score</th>
</tr>
{%- endblock -%}

{%- block table_body -%}
<tr><td>Loading, please wait...</td><td></td><td></td><td></td><td></td></tr>
{%- endblock -%}
