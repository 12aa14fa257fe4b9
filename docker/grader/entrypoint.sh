#!/bin/sh
# The grader image's command: `web` (the grading service, an external service of the hub)
# or `runner` (the job runner, which grades each submission in a container of its own).
set -eu
python="${TITO_PYTHON:-python}"
state="${TITO_HUB_STATE:-/srv/tinytorch}"
role="${1:-}"
[ $# -gt 0 ] && shift
# Both work in the course directory, as the hub's managed services do: formgrader reads the
# course's nbgrader_config.py (its gradebook, its exchange) from where it runs.
cd "${TITO_COURSE_DIR:?the grader image sets TITO_COURSE_DIR}" 2>/dev/null || {
    echo "error: no course directory at $TITO_COURSE_DIR: start the hub first, it prepares the course" >&2
    exit 1
}
case "$role" in
web)
    # The hub and the service share this token (a Compose secret).
    token_file="${TITO_GRADER_TOKEN_FILE:-/run/secrets/grader_token}"
    if [ ! -r "$token_file" ]; then
        echo "error: the grading service's hub token $token_file is missing: set TITO_GRADER_TOKEN (docker/make-env.sh writes docker/.env)" >&2
        exit 1
    fi
    JUPYTERHUB_API_TOKEN="$(cat "$token_file")"
    export JUPYTERHUB_API_TOKEN
    exec "$python" -m grading_service --state "$state/grader" "$@"
    ;;
runner)
    config="$TITO_COURSE_DIR/nbgrader_config.py"
    if [ ! -f "$config" ]; then
        echo "error: no course directory at $TITO_COURSE_DIR (no nbgrader_config.py): start the hub first, it prepares the course" >&2
        exit 1
    fi
    # The course grades in containers: its nbgrader_config.py loads the Compose sandbox
    # settings (once; an instructor's own lines stay).
    marker="# Compose: grade each submission in its own container"
    if ! grep -qF "$marker" "$config"; then
        printf '\n%s (docker/grader/entrypoint.sh)\nload_subconfig(%s)\n' \
            "$marker" "'${TITO_SANDBOX_CONFIG:-/opt/tinytorch/grader/nbgrader_docker.py}'" >> "$config"
    fi
    exec "$python" -m grading_service.core.runner --jobs "$state/grader/jobs.sqlite" \
        --logs "$state/runner/logs" "$@"
    ;;
*)
    echo "usage: entrypoint.sh web|runner [ARGS...]" >&2
    exit 2
    ;;
esac
