#!/bin/sh
# PostgreSQL's first start (the official image runs /docker-entrypoint-initdb.d/*.sh once,
# on an empty data volume): the hub's database and the gradebook, both owned by
# $POSTGRES_USER. psql reads the server from the environment (PGHOST, PGPORT, ...) when given.
set -eu
for database in ${TITO_DATABASES:-jupyterhub gradebook}; do
    psql --quiet -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
        --set=db="$database" --set=owner="${POSTGRES_USER:-postgres}" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
    echo "database $database ready"
done
