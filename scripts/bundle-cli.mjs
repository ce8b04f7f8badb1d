// Bundles the CLI after tsc has type-checked and compiled it: start-up then reads a few files
// instead of hundreds (the OpenSearch client alone is ~550 modules). ES modules so each command,
// loaded on demand, is its own chunk; `bin` stays dist/cli/flowdex.js, a stub importing the bundle.
import { build } from 'esbuild';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// At the depth of dist/cli/commands, so paths the sources resolve from __dirname still hold.
const out = path.join(root, 'dist/cli/bundle');

rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // The receive thread's code sits beside the chunks, where src/collect/receiver.ts looks first.
  entryPoints: { flowdex: 'cli/flowdex.ts', 'receiver-worker': 'src/collect/receiver-worker.ts' },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
  // CommonJS code in the bundle (the sources, most dependencies) expects these.
  banner: {
    js: [
      "import { createRequire as __flowdexRequire } from 'node:module';",
      "import { fileURLToPath as __flowdexPath } from 'node:url';",
      'const require = __flowdexRequire(import.meta.url);',
      'const __filename = __flowdexPath(import.meta.url);',
      "const __dirname = __flowdexPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
});
writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
const bin = path.join(root, 'dist/cli/flowdex.js');
writeFileSync(bin, "#!/usr/bin/env node\n'use strict';\nimport('./bundle/flowdex.js');\n");
chmodSync(bin, 0o755);
