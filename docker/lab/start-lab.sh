#!/bin/sh
# The lab container's command; DockerSpawner appends the single-user server's arguments.
# tito prepares the home (a named volume per student) as a workspace with the student's own
# rights (released notebooks copied in, never over the student's), then runs JupyterHub's
# single-user server in the same process.
set -eu
releases="${TITO_RELEASES:-/srv/releases}"
home="${HOME:?HOME must name the student home}"
if [ ! -d "$home" ] || [ ! -w "$home" ]; then
    echo "error: the home $home is not a folder uid $(id -u) can write: mount the student's volume there (docker/compose.yaml, c.DockerSpawner.volumes)" >&2
    exit 1
fi
if [ ! -d "$releases" ]; then
    echo "error: no released notebooks at $releases: mount the course's releases there or rebuild the lab image" >&2
    exit 1
fi
mkdir -p "${JUPYTER_RUNTIME_DIR:-/tmp/jupyter-runtime}"
cd "$home"
export TITO_WORKSPACE="$home"
# -P: the home must not come first on sys.path (a course.py of the student's would stop the lab).
exec "${TITO_PYTHON:-python}" -P -m tito lab --releases "$releases" --singleuser "$@"
