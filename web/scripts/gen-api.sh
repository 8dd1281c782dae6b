#!/bin/sh
# Generate src/api/schema.d.ts from the back end's OpenAPI schema, without starting a server.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-../.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=/work/main/.venv/bin/python
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
npx --no-install openapi-typescript "$tmp/openapi.json" -o src/api/schema.d.ts
