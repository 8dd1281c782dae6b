#!/bin/sh
# Generate src/api/schema.d.ts from the back end's OpenAPI schema, without starting a server.
# `gen-api.sh --check` only compares: it fails when the committed types are out of date.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${STARGUIDE_PYTHON:-../.venv/bin/python}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
PYTHONPATH=../src STARGUIDE_GEN_TMP="$tmp" "$PYTHON" - > "$tmp/openapi.json" <<'PY'
import json, os
from pathlib import Path
from starguide.app import create_app
from starguide.config import Settings

tmp = Path(os.environ["STARGUIDE_GEN_TMP"])
settings = Settings(data_dir=tmp, secret_key="schema-dump-" + "k" * 40, encryption_key="schema-dump-" + "e" * 40)
print(json.dumps(create_app(settings, background=False).openapi(), indent=2, sort_keys=True))
PY
npx --no-install openapi-typescript "$tmp/openapi.json" --default-non-nullable false -o "$tmp/schema.d.ts" >/dev/null 2>&1
if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$tmp/schema.d.ts" src/api/schema.d.ts; then
    echo "src/api/schema.d.ts is out of date with the API: run 'npm run gen:api' and commit it." >&2
    exit 1
  fi
  echo "API types are up to date with the OpenAPI schema."
else
  cp "$tmp/schema.d.ts" src/api/schema.d.ts
  echo "Wrote src/api/schema.d.ts"
fi
