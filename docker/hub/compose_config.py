"""The hub's settings in the Compose deployment, loaded after the course's own
(``python -m hub_config --config`` this file; docker/hub/entrypoint.sh): labs in
containers, the grading service external. The databases' URLs reach the launcher as
TITO_HUB_DB_URL and TITO_GRADEBOOK_URL."""

import os
from pathlib import Path

from hub_config.docker import configure

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
configure(
    c,
    lab_image=os.environ.get("TITO_LAB_IMAGE", "tinytorch/lab:0.1.0"),
    network=os.environ.get("TITO_NETWORK", "tinytorch"),
    hub_host=os.environ.get("TITO_HUB_HOST", "hub"),
    grader_url=os.environ.get("TITO_GRADER_URL", "http://grader:8090"),
    grader_token=Path(os.environ.get("TITO_GRADER_TOKEN_FILE", "/run/secrets/grader_token")
                      ).read_text(encoding="utf-8").strip(),
    releases_volume=os.environ.get("TITO_RELEASES_VOLUME", "tinytorch-releases"),
    mem_limit=os.environ.get("TITO_LAB_MEMORY", "2G"),
    cpu_limit=float(os.environ.get("TITO_LAB_CPUS", "1.0")),
)
