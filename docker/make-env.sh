#!/bin/sh
# Write docker/.env, the Compose deployment's secrets (the grading service's hub token and
# PostgreSQL's password), once: an existing file is kept, so restarts keep their databases.
set -eu
env_file="${1:-$(dirname "$0")/.env}"
if [ -e "$env_file" ]; then
    echo "$env_file exists: kept"
    exit 0
fi
umask 077
secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
{
    echo "TITO_GRADER_TOKEN=$(secret)"
    echo "POSTGRES_PASSWORD=$(secret)"
} > "$env_file"
echo "wrote $env_file"
