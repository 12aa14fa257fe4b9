{#- A teaching assistant's assignments page: no column, instruction or link for what only
    instructors do (edit, generate, release, collect, feedback, new assignments);
    staff.js drops the same columns from each row. -#}
{%- extends 'manage_assignments.tpl' -%}

{%- block messages -%}
<p>To grade, open the number of submissions of a module, or go to Manual Grading.</p>
{%- endblock -%}

{%- block table_header -%}
<tr>
  <th>Name</th>
  <th class="text-center">Due Date</th>
  <th class="text-center">Status</th>
  <th class="text-center no-sort">Preview</th>
  <th class="text-center"># Submissions</th>
</tr>
{%- endblock -%}

{%- block table_body -%}
<tr><td colspan="5">Loading, please wait...</td></tr>
{%- endblock -%}

{%- block table_footer -%}
{%- endblock -%}
