#!/usr/bin/env node
// `npm run demo`: the whole pipeline on the bundled defaults (examples/demo.json): a CodeSearchNet-like
// sample -> ingest -> embed (hashing) -> select -> generate (against the SCRIPTED stand-in for an LLM,
// not a model) -> decontam (against benchmark look-alikes) -> export (Alpaca) -> report (HTML).
// Rerunning it skips every stage that is up to date.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
// TIDEPOOL_DEMO_OUT redirects the work folder (the tests use it to keep the work tree clean).
const work = process.env.TIDEPOOL_DEMO_OUT ?? join(root, 'demo-output');
const args = ['run', join(root, 'examples', 'demo.json'), '--work', work];
process.stderr.write(
  `$ tidepool ${args.join(' ')}\n` +
    '*** The generate stage talks to a SCRIPTED stand-in for an LLM (`"llm": "scripted"` in examples/demo.json):\n' +
    '*** its answers are assembled from the prompts to show the pipeline working; they are not model output.\n' +
    '*** Point generate.llm at a real endpoint ({"baseURL", "model"}) to use a model.\n',
);
const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
process.stderr.write(`\ndemo done: every stage's output is in ${work}/<stage>/ with a manifest.json; open ${join(work, 'report', 'report.html')} in a browser\n`);
