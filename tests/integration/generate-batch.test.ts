/**
 * `tidepool generate --batch` against the local Batch API stand-in (files, batches, scripted states)
 * on the scripted server, with the real `openai` client: a job completes with the records of a live
 * run given the same answers; kill -9 at upload, create, poll and download, then a rerun, sends no
 * request in two batches; an expired batch has only its unanswered requests sent again; --max-usd
 * stops before a batch that could pass it.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGenerate, type GenerateSummary } from '../../src/generate/run.js';
import type { GenerateOptions } from '../../src/generate/options.js';
import { planUnits } from '../../src/generate/units.js';
import { CODE_OCEAN_TASKS } from '../../src/generate/tasks.js';
import { scriptedModel } from '../../src/devkit/llm-sim/scripted-model.js';
import { startLlmServer } from '../../src/devkit/llm-sim/server.js';
import { startBatchServer, type BatchApiOptions, type BatchRoute, type BatchServer } from '../../src/devkit/llm-sim/batch-api.js';
import { CLI, runCli } from '../helpers/cli.js';
import { sharedGenerateFixture, type FixtureRow } from '../helpers/generate-fixture.js';

let dir: string;
let fixture: { data: string; coreset: string };
let rows: FixtureRow[];
const track = sharedGenerateFixture('generate-batch', 12, (made) => ({ dir, fixture, rows } = made));

const FAST: BatchApiOptions = { validatingMs: 10, inProgressMs: 20, finalizingMs: 10 };

async function batchServer(batch: BatchApiOptions = {}): Promise<BatchServer> {
  const server = await startBatchServer({ respond: scriptedModel(), batch: { ...FAST, ...batch } });
  return track(server);
}

const common = (limit: number): Partial<GenerateOptions> => ({ limit, poolEpoch: 8, model: 'scripted', apiKey: 'test-key' });

function run(out: string, baseURL: string, options: Partial<GenerateOptions> = {}): Promise<GenerateSummary> {
  return runGenerate({ ...fixture, out: join(dir, out), model: 'scripted', baseURL, apiKey: 'test-key', ...options });
}

/** The live run every batch run is compared with: same job, same scripted answers. */
async function liveReference(out: string, limit: number): Promise<void> {
  const live = track(await startLlmServer({ respond: scriptedModel() }));
  const summary = await run(out, live.baseURL, { ...common(limit), concurrency: 4 });
  expect(summary.complete).toBe(true);
}

/** An output file, line by line, without how many answers came from the cache (that depends on the run's history). */
const comparable = (out: string, file: string): string[] => readFileSync(join(dir, out, file), 'utf8').split('\n').map((line) => line.replace(/"cachedRequests":\d+/, ''));

function expectSameRecords(out: string, reference: string): void {
  for (const file of ['instructions.jsonl', 'rejected.jsonl']) expect(comparable(out, file), file).toEqual(comparable(reference, file));
}

/** Unit keys of the outputs, sorted. */
function outputKeys(out: string): string[] {
  return ['instructions.jsonl', 'rejected.jsonl'].flatMap((file) => readFileSync(join(dir, out, file), 'utf8').split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { id: string }).id)).sort();
}

function planKeys(limit: number): string[] {
  return planUnits(rows.slice(0, limit), { mode: 'codeocean', tasks: CODE_OCEAN_TASKS, seed: 0, translateTo: ['python', 'java', 'javascript', 'go', 'c++', 'rust'] }).map((unit) => unit.key).sort();
}

/** custom_ids sent in more than one batch. */
function sentTwice(server: BatchServer): string[] {
  const seen = new Map<string, number>();
  for (const request of server.batchApi.requests) seen.set(request.customId, (seen.get(request.customId) ?? 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}

const isVerdict = (body: unknown): boolean => JSON.stringify((body as { response_format?: unknown }).response_format ?? null).includes('tidepool_verdict');

describe('generate --batch', () => {
  it('completes a job through batches, generator requests before discriminator requests, with the records of the live run', async () => {
    await liveReference('live-4', 4);
    const server = await batchServer();
    const summary = await run('batch-4', server.baseURL, { ...common(4), batch: true, pollInterval: 0.02 });
    expect(server.errors).toEqual([]);
    expect(summary).toMatchObject({ complete: true, failed: 0, stopped: null });
    expect(outputKeys('batch-4')).toEqual(planKeys(4));
    expectSameRecords('batch-4', 'live-4');
    const { batches } = server.batchApi;
    expect(summary.batches).toMatchObject({ submitted: batches.length, inProgress: 0, done: batches.length, requests: server.batchApi.requests.length, answered: server.batchApi.requests.length });
    expect(summary.paidRequests).toBe(server.batchApi.requests.length);
    // 16 units in two epochs of 8: the first batch is the first epochs' generator requests alone.
    const first = server.batchApi.requests.filter((request) => request.batch === batches[0]!.id);
    expect(first.length).toBeGreaterThanOrEqual(8);
    expect(first.some((request) => isVerdict(request.body))).toBe(false);
    expect(server.batchApi.requests.some((request) => isVerdict(request.body))).toBe(true);
    expect(sentTwice(server)).toEqual([]);
    for (const batch of batches) expect(batch.status).toBe('completed');
    // A rerun of the finished job asks nothing.
    const again = await run('batch-4', server.baseURL, { ...common(4), batch: true, pollInterval: 0.02 });
    expect(again).toMatchObject({ complete: true, paidRequests: 0 });
    expect(server.batchApi.batches.length).toBe(batches.length);
  });

  it('resumes after kill -9 at upload, create, poll and download: no request in two batches, every unit once, the live run\'s records', async () => {
    await liveReference('live-6', 6);
    const server = await batchServer();
    const out = join(dir, 'killed');
    const args = ['generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', out, '--model', 'scripted', '--base-url', server.baseURL, '--limit', '6', '--pool-epoch', '8', '--batch', '--poll-interval', '0.02', '--json'];
    const env = { ...process.env, OPENAI_API_KEY: 'test-key' };
    /** Each run is killed at the first call of its route once the job has `after` batches. */
    const kills: [BatchRoute, number][] = [['upload', 1], ['create', 2], ['retrieve', 3], ['content', 3]];
    let killedStderr = '';
    for (const [route, after] of kills) {
      const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (chunk: Buffer) => (killedStderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => {
        resolve(signal);
      }));
      server.batchApi.options = {
        ...FAST,
        before: async (at, detail) => {
          const batches = server.batchApi.batches.length - (at === 'create' ? 1 : 0);
          const ready = at === route && batches >= after && (at !== 'retrieve' || detail.batch?.status === 'in_progress');
          if (!ready) return;
          child.kill('SIGKILL');
          await exited;
        },
      };
      expect(await exited, `killed at ${route}`).toBe('SIGKILL');
    }
    server.batchApi.options = FAST;
    const resumed = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => {
        resolve({ code, stdout, stderr });
      });
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({ complete: true });
    // The batch created by the run killed before it heard the id was found by its tag, not created again;
    // the file uploaded by the run killed before it heard the id was found by its name, not uploaded again.
    expect(killedStderr).toMatch(/found again batch b\d+ \(batch_\d+\)/);
    expect([...server.batchApi.files.values()].filter((file) => file.purpose === 'batch').length).toBe(server.batchApi.batches.length);
    expect(server.errors).toEqual([]);
    expect(sentTwice(server)).toEqual([]);
    // Every batch the stand-in holds was polled to its end by some run (none left behind, none paid twice).
    for (const batch of server.batchApi.batches) expect(batch.status).toBe('completed');
    expect(outputKeys('killed')).toEqual(planKeys(6));
    expectSameRecords('killed', 'live-6');
  });

  it('Ctrl-C stops waiting (exit 130) leaving the batch running; the same command polls it and finishes', async () => {
    const server = await batchServer({ inProgressMs: 300 });
    const args = ['generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', join(dir, 'interrupted'), '--model', 'scripted', '--base-url', server.baseURL, '--limit', '2', '--pool-epoch', '8', '--batch', '--poll-interval', '0.05'];
    const env = { ...process.env, OPENAI_API_KEY: 'test-key' };
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    server.batchApi.options = {
      ...FAST, inProgressMs: 300,
      before: (route, detail) => {
        if (route === 'retrieve' && detail.batch?.status === 'in_progress') child.kill('SIGINT');
      },
    };
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/rerun the same command to resume/);
    expect(server.batchApi.batches.length).toBe(1);
    server.batchApi.options = FAST;
    const finished = await runCli([...args, '--json'], { env: { OPENAI_API_KEY: 'test-key' } });
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.json).toMatchObject({ complete: true });
    expect(sentTwice(server)).toEqual([]);
    expect(outputKeys('interrupted')).toEqual(planKeys(2));
  });

  it('sends again only the requests an expired batch left unanswered', async () => {
    await liveReference('live-2', 2);
    const server = await batchServer({ fate: (index) => (index === 0 ? { outcome: 'expired', answered: 3 } : { outcome: 'completed' }) });
    const summary = await run('expired', server.baseURL, { ...common(2), batch: true, pollInterval: 0.02 });
    expect(summary).toMatchObject({ complete: true, failed: 0 });
    const [expired, next] = server.batchApi.batches;
    expect(expired!.status).toBe('expired');
    const answered = expired!.customIds.slice(0, 3);
    const unanswered = expired!.customIds.slice(3);
    expect(unanswered.length).toBeGreaterThan(0);
    // The next batch holds exactly the unanswered ones (the discriminator requests of the answered three wait for it).
    expect(next!.customIds.filter((id) => expired!.customIds.includes(id)).sort()).toEqual([...unanswered].sort());
    expect(sentTwice(server).sort()).toEqual([...unanswered].sort());
    for (const id of answered) expect(server.batchApi.requests.filter((request) => request.customId === id).length).toBe(1);
    expect(outputKeys('expired')).toEqual(planKeys(2));
    expectSameRecords('expired', 'live-2');
  });

  it('--max-usd stops before a batch that could pass it, counting each batch at its most; a larger budget finishes the job', async () => {
    // $1 per completion token at batch prices, prompts free: a request can cost at most its max_tokens in dollars.
    const prices = join(dir, 'prices.json');
    writeFileSync(prices, JSON.stringify({ scripted: { input: 5, output: 5, batchInput: 0, batchOutput: 1_000_000 } }));
    const server = await batchServer();
    // Execution checks off: a sample whose tests fail is rejected before its discriminator request, which
    // would change how many requests the budget sees.
    const options = { ...common(2), batch: true, pollInterval: 0.02, prices, replyTokens: 400, execute: false };
    // The first batch (8 generator requests, at most $400 each) cannot fit in $3000: nothing is sent.
    const none = await run('budget', server.baseURL, { ...options, maxUsd: 3000 });
    expect(none.stopped).toMatch(/--max-usd 3000/);
    expect(none).toMatchObject({ complete: false, finished: 0, paidRequests: 0 });
    expect(server.batchApi.batches).toEqual([]);

    const budget = 4000;
    const stopped = await run('budget', server.baseURL, { ...options, maxUsd: budget });
    expect(stopped.stopped).toMatch(/--max-usd 4000/);
    expect(stopped.complete).toBe(false);
    expect(server.batchApi.batches.length).toBeGreaterThan(0);
    // Each batch went out only when what was spent before it plus its most (sum of max_tokens) fit the budget.
    const spentAfter = (count: number): number => server.batchApi.batches.slice(0, count).reduce((sum, batch) => sum + completionTokens(server, batch.outputFileId), 0);
    server.batchApi.batches.forEach((batch, k) => {
      // tidepool sends max_tokens (the name every OpenAI-compatible server reads), read here as sent.
      const most = server.batchApi.requests.filter((request) => request.batch === batch.id).reduce((sum, request) => sum + ((request.body as { max_tokens?: number }).max_tokens ?? 0), 0);
      expect(spentAfter(k) + most, `batch ${batch.id}`).toBeLessThanOrEqual(budget);
    });
    expect(stopped.usd ?? 0).toBeLessThanOrEqual(budget);

    const finished = await run('budget', server.baseURL, { ...options, maxUsd: 1_000_000 });
    expect(finished).toMatchObject({ complete: true, stopped: null });
    expect(sentTwice(server)).toEqual([]);
    expect(outputKeys('budget')).toEqual(planKeys(2));
  });
});

/** Completion tokens of every answer in a result file of the stand-in. */
function completionTokens(server: BatchServer, fileId: string | undefined): number {
  const content = fileId === undefined ? '' : server.batchApi.files.get(fileId)?.content ?? '';
  return content.split('\n').filter((line) => line !== '').reduce((sum, line) => sum + ((JSON.parse(line) as { response: { body: { usage: { completion_tokens: number } } } }).response.body.usage.completion_tokens), 0);
}
