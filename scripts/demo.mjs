#!/usr/bin/env node
// `npm run demo`: the main job on the bundled defaults. Today: generate a CodeSearchNet-like sample,
// then ingest it. Later stages (embed, select, generate) extend this.
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
process.stderr.write(`\ndemo done: pairs in ${join(out, 'ingest', 'pairs.arrow')}, bad lines in ${join(out, 'ingest', 'rejects.jsonl')}, provenance in ${join(out, 'ingest', 'manifest.json')}\n`);
