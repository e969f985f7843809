#!/usr/bin/env node
// `npm run demo`: the main job on the bundled defaults: generate a CodeSearchNet-like sample, ingest it,
// embed every pair with the built-in hashing embedder, select a diverse coreset, and write instruction
// data from the first coreset rows. Without a configured LLM endpoint the generate stage talks to
// `tidepool llm-sim`, the project's SCRIPTED stand-in for an LLM (it is not a model).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;
// TIDEPOOL_DEMO_OUT redirects the output (the tests use it to keep the work tree clean).
const out = process.env.TIDEPOOL_DEMO_OUT ?? join(root, 'demo-output');
const cli = join(root, 'bin', 'tidepool.js');
// Rows of the coreset the generate stage uses (4 tasks each).
const generateRows = process.env.TIDEPOOL_DEMO_GENERATE_ROWS ?? '100';

function tidepool(...args) {
  process.stderr.write(`\n$ tidepool ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Starts `tidepool llm-sim` on a free port and resolves to its base URL and a stop function. */
function startScriptedServer() {
  const child = spawn(process.execPath, [cli, 'llm-sim', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`tidepool llm-sim exited with ${code} before listening`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const { baseURL } = JSON.parse(line);
      resolve({ baseURL, stop: () => child.kill('SIGTERM') });
    });
  });
}

tidepool('sample', '--rows', '20000', '--out', join(out, 'sample.jsonl.gz'), '--bad-line-rate', '0.002');
tidepool('ingest', join(out, 'sample.jsonl.gz'), '--out', join(out, 'ingest'));
tidepool('embed', '--data', join(out, 'ingest'), '--model', 'hashing', '--out', join(out, 'embed'));
tidepool('select', '--embeddings', join(out, 'embed', 'embeddings.arrow'), '--k', '1000', '--out', join(out, 'select'));

const model = process.env.TIDEPOOL_MODEL;
const real = model !== undefined && model !== '' && ((process.env.OPENAI_BASE_URL ?? '') !== '' || (process.env.OPENAI_API_KEY ?? '') !== '');
const generate = ['generate', '--data', join(out, 'ingest'), '--coreset', join(out, 'select'), '--out', join(out, 'generate'), '--limit', generateRows];
if (real) {
  process.stderr.write(`\ngenerate: using the configured endpoint ${process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1'} with model ${model}\n`);
  tidepool(...generate, '--model', model);
} else {
  process.stderr.write(
    '\n*** SCRIPTED LLM: no endpoint configured (set TIDEPOOL_MODEL plus OPENAI_BASE_URL and/or OPENAI_API_KEY to use one).\n' +
      '*** The generate stage below talks to `tidepool llm-sim`, a scripted stand-in that assembles answers from the\n' +
      '*** prompts; the data it writes shows the pipeline working, it is not model output.\n',
  );
  const server = await startScriptedServer();
  try {
    tidepool(...generate, '--model', 'scripted', '--base-url', server.baseURL, '--api-key', 'scripted');
  } finally {
    server.stop();
  }
}
process.stderr.write(
  `\ndemo done: pairs in ${join(out, 'ingest', 'pairs.arrow')} (bad lines in rejects.jsonl), embeddings in ${join(out, 'embed', 'embeddings.arrow')}, ` +
    `coreset in ${join(out, 'select', 'coreset.arrow')}, instruction data in ${join(out, 'generate', 'instructions.jsonl')} ` +
    `(rejected samples with reasons in rejected.jsonl${real ? '' : '; SCRIPTED answers, not a model'}); each folder has a manifest.json\n`,
);
