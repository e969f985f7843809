#!/usr/bin/env node
// Writes the project's own embedding model, native-models/tidepool-mini-bert/ (random weights: for
// tests, the demo and speed figures only), from the compiled builder in dist/. Run `npm run build`
// first. The output is byte-identical on every run; tests/unit/embed/native-model-files.test.ts pins
// its digest. Usage: node scripts/build-native-models.mjs [OUT_DIR]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'devkit', 'native-model', 'index.js');
if (!existsSync(entry)) {
  process.stderr.write(`build-native-models: ${entry} is missing; run \`npm run build\` first.\n`);
  process.exit(1);
}
const { NATIVE_MODEL_NAME, writeNativeModel } = await import(pathToFileURL(entry).href);
const out = process.argv[2] ?? join(root, 'native-models', NATIVE_MODEL_NAME);
const started = performance.now();
const files = await writeNativeModel(out);
for (const file of files) process.stderr.write(`${join(out, file.path)}  ${file.bytes.length} bytes\n`);
const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
process.stderr.write(`wrote ${files.length} files, ${(total / 1e6).toFixed(1)} MB, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
