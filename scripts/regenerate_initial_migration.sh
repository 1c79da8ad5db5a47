#!/usr/bin/env bash
# Pre-release only: rebuild alembic/versions/0001_initial.py from the models.
# After the first release, add new revisions with `alembic revision --autogenerate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f alembic/versions/0001_initial.py
DATABASE_URL="sqlite:///$tmp/empty.db" alembic revision --autogenerate --rev-id 0001 -m "initial schema" >/dev/null
mv alembic/versions/0001_initial_schema.py alembic/versions/0001_initial.py
ruff format -q alembic/versions/0001_initial.py
ruff check -q --fix alembic/versions/0001_initial.py || true
rm -rf "$tmp"
echo "regenerated alembic/versions/0001_initial.py"
