"""nbgrader configuration of every student lab in the hub (read-only inside the lab).

Fetch, submit, list and feedback go to the grading service, which knows the student by
the lab's hub token: nothing here or in the student's own files can change who they are.
"""

import os

from grading_service.lab_exchange import hub_exchange_config
from grading_service.lab_exchange.client import TOKEN_VARIABLE, URL_VARIABLE
from tito.project import Paths

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
# The lab's environment (the hub's spawner sets it) is read here, once, and passed down.
paths = Paths.from_env()
hub_exchange_config(c, grader_url=os.environ.get(URL_VARIABLE, ""),
                    api_token=os.environ.get(TOKEN_VARIABLE, ""),
                    workspace=paths.workspace, course_toml=paths.course_toml)
