#!/usr/bin/env node
// `npm run demo`: the main job on the bundled defaults: generate a CodeSearchNet-like sample, ingest it,
// embed every pair with the built-in hashing embedder, and select a diverse coreset. Later stages
// (generate, decontam, export) extend this.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// TIDEPOOL_DEMO_OUT redirects the output (the tests use it to keep the work tree clean).
const out = process.env.TIDEPOOL_DEMO_OUT ?? join(root, 'demo-output');
const cli = join(root, 'bin', 'tidepool.js');

function tidepool(...args) {
  process.stderr.write(`\n$ tidepool ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

tidepool('sample', '--rows', '20000', '--out', join(out, 'sample.jsonl.gz'), '--bad-line-rate', '0.002');
tidepool('ingest', join(out, 'sample.jsonl.gz'), '--out', join(out, 'ingest'));
tidepool('embed', '--data', join(out, 'ingest'), '--model', 'hashing', '--out', join(out, 'embed'));
tidepool('select', '--embeddings', join(out, 'embed', 'embeddings.arrow'), '--k', '1000', '--out', join(out, 'select'));
process.stderr.write(
  `\ndemo done: pairs in ${join(out, 'ingest', 'pairs.arrow')} (bad lines in rejects.jsonl), embeddings in ${join(out, 'embed', 'embeddings.arrow')}, ` +
    `coreset in ${join(out, 'select', 'coreset.arrow')}; each folder has a manifest.json\n`,
);
