#!/usr/bin/env bash
# The interop tests against js-libp2p's framing (it-length-prefixed, it-length-prefixed-stream):
# installs the Node peer's pinned packages with npm ci, then vets and tests the interop module.
# Fails, saying why, when Node or npm is missing: these tests are never skipped.
set -euo pipefail
cd "$(dirname "$0")"

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "interop: $tool is not on PATH; the interop tests need Node.js 20 or later with npm" >&2
		exit 1
	fi
done

echo "== interop: npm ci (node $(node --version), npm $(npm --version))"
(cd node && npm ci --no-audit --no-fund)

echo "== interop: go vet"
go vet ./...

echo "== interop: go test -race"
go test -race ./...
