#!/usr/bin/env node
// `npm run demo`: the whole pipeline on the bundled defaults (examples/demo.json): a CodeSearchNet-like
// sample -> ingest -> embed (hashing) -> select -> generate -> decontam (against benchmark look-alikes)
// -> export (Alpaca) -> report (HTML). Rerunning it skips every stage that is up to date.
// The generate stage uses a real endpoint when one is configured (TIDEPOOL_MODEL plus OPENAI_BASE_URL
// and/or OPENAI_API_KEY), and otherwise the project's SCRIPTED stand-in for an LLM, which is not a model.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
// TIDEPOOL_DEMO_OUT redirects the work folder (the tests use it to keep the work tree clean).
const work = process.env.TIDEPOOL_DEMO_OUT ?? join(root, 'demo-output');
const model = process.env.TIDEPOOL_MODEL ?? '';
const real = model !== '' && ((process.env.OPENAI_BASE_URL ?? '') !== '' || (process.env.OPENAI_API_KEY ?? '') !== '');

let pipeline = join(root, 'examples', 'demo.json');
if (real) {
  // Same pipeline, with generate pointed at the configured endpoint (written beside the original so its relative paths hold).
  const config = JSON.parse(readFileSync(pipeline, 'utf8'));
  config.generate.llm = { model, ...(process.env.OPENAI_BASE_URL ? { baseURL: process.env.OPENAI_BASE_URL } : {}), apiKeyEnv: 'OPENAI_API_KEY' };
  pipeline = join(root, 'examples', '.demo-endpoint.json');
  writeFileSync(pipeline, `${JSON.stringify(config, null, 2)}\n`);
  process.stderr.write(`generate: using the configured endpoint ${process.env.OPENAI_BASE_URL || 'https://api.openai.com/v1'} with model ${model}\n`);
} else {
  process.stderr.write(
    '*** SCRIPTED LLM: no endpoint configured (set TIDEPOOL_MODEL plus OPENAI_BASE_URL and/or OPENAI_API_KEY to use one).\n' +
      '*** The generate stage talks to a scripted stand-in (`"llm": "scripted"` in examples/demo.json): its answers are\n' +
      '*** assembled from the prompts to show the pipeline working; they are not model output.\n',
  );
}
const args = ['run', pipeline, '--work', work];
process.stderr.write(`$ tidepool ${args.join(' ')}\n`);
const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
process.stderr.write(`\ndemo done: every stage's output is in ${work}/<stage>/ with a manifest.json; open ${join(work, 'report', 'report.html')} in a browser\n`);
