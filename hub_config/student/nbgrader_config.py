"""nbgrader configuration of every student lab in the hub (read-only inside the lab).

Fetch, submit, list and feedback go to the grading service, which knows the student by
the lab's hub token: nothing here or in the student's own files can change who they are.
"""

from grading_service.lab_exchange import hub_exchange_config

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
hub_exchange_config(c)
