#!/bin/sh
# The hub container's command: prepare the state volume as `make hub` does (secrets, the
# roster's accounts, the course generated and released; the first passwords printed, see
# `docker compose logs hub`), bring both databases to the current schema, then run the hub.
set -eu
python="${TITO_PYTHON:-python}"
state="${TITO_HUB_STATE:-/srv/tinytorch}"
set -- --state "$state" --ip 0.0.0.0 --port "${TITO_PORT:-8000}" --hub-port 8081 \
    --proxy-api-port 8001 --grader-port 8090 \
    --config "${TITO_HUB_CONFIG:-/opt/tinytorch/hub/compose_config.py}" "$@"
"$python" -m hub_config "$@" --prepare-only
# nbgrader's and JupyterHub's own migrations, on TITO_GRADEBOOK_URL and TITO_HUB_DB_URL.
"$python" -m tito nbgrader db-upgrade --course-dir "$state/course"
exec "$python" -m hub_config "$@"
