{#- A teaching assistant's students page: no editing or adding students (the roster is
    the instructor's); staff.js drops the edit column from each row. -#}
{%- extends 'manage_students.tpl' -%}

{%- block table_header -%}
<tr>
  <th>Name</th>
  <th class="text-center">Student ID</th>
  <th class="text-center">Email</th>
  <th class="text-center">Overall Score</th>
</tr>
{%- endblock -%}

{%- block table_body -%}
<tr><td colspan="4">Loading, please wait...</td></tr>
{%- endblock -%}

{%- block table_footer -%}
{%- endblock -%}
