/**
 * `tidepool generate` under the faults of issue 14: kill -9 at many moments, an unreachable or
 * vanishing server, oversized and endless answers, credentials in --base-url, a full disk, and what
 * a reader is told (rule names, the auth error). Real local servers, real files, the built CLI.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGenerate, type GenerateSummary } from '../../src/generate/run.js';
import type { GenerateOptions } from '../../src/generate/options.js';
import { planUnits } from '../../src/generate/units.js';
import { CODE_OCEAN_TASKS } from '../../src/generate/tasks.js';
import { seededRandom } from '../../src/util/random.js';
import { scriptedModel } from '../../src/devkit/llm-sim/scripted-model.js';
import { promptText, startLlmServer, type ChatRequest, type LlmServer, type Respond } from '../../src/devkit/llm-sim/server.js';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { readLines, sharedGenerateFixture, type FixtureRow } from '../helpers/generate-fixture.js';

let dir: string;
let fixture: { data: string; coreset: string };
let rows: FixtureRow[];
const track = sharedGenerateFixture('generate-faults', 24, (made) => ({ dir, fixture, rows } = made));

async function server(respond: Respond, options: Parameters<typeof startLlmServer>[0] = {}): Promise<LlmServer> {
  const started = await startLlmServer({ ...options, respond });
  return track(started);
}

function generate(out: string, llm: LlmServer, options: Partial<GenerateOptions> = {}): Promise<GenerateSummary> {
  return runGenerate({ ...fixture, out: join(dir, out), model: 'scripted', baseURL: llm.baseURL, apiKey: 'test-key', concurrency: 4, poolEpoch: 8, ...options });
}

function cliArgs(out: string, baseURL: string, extra: readonly string[] = []): string[] {
  return ['generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', join(dir, out), '--model', 'scripted', '--base-url', baseURL, '--json', ...extra];
}
const ENV = { OPENAI_API_KEY: 'k' };

interface Line {
  id: string;
}
/** Every record id of an output folder, sorted, duplicates kept. */
const ids = (out: string): string[] =>
  [...readLines(join(dir, out, 'instructions.jsonl')), ...readLines(join(dir, out, 'rejected.jsonl'))].map((line) => (JSON.parse(line) as Line).id).sort();
const planKeys = (count = rows.length): string[] =>
  planUnits(rows.slice(0, count), { mode: 'codeocean', tasks: CODE_OCEAN_TASKS, seed: 0, translateTo: ['python', 'java', 'javascript', 'go', 'c++', 'rust'] }).map((unit) => unit.key).sort();
const manifestOf = (out: string): { parameters: Record<string, unknown>; counts: { funnel: Record<string, unknown>; finished: number; accepted: number; rejected: number } } =>
  JSON.parse(readFileSync(join(dir, out, 'manifest.json'), 'utf8')) as never;
const isVerdictRequest = (request: ChatRequest): boolean => JSON.stringify(request.response_format ?? null).includes('tidepool_verdict');
const isFirstGeneratorTurn = (request: ChatRequest): boolean => !isVerdictRequest(request) && request.messages.length === 2;

/** Every file under `root` (recursively), as text. */
function allFiles(root: string): { path: string; text: string }[] {
  const found: { path: string; text: string }[] = [];
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (lstatSync(path).isDirectory()) found.push(...allFiles(path));
    else found.push({ path, text: readFileSync(path, 'utf8') });
  }
  return found;
}

/** A port on 127.0.0.1 with nothing listening (bound once, then closed). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('generate after kill -9 at many moments', () => {
  it('ends with every unit exactly once and the funnel of an uninterrupted run, wherever the kills land', async () => {
    // Kill points are drawn from a seed (printed with any failure): after a number of newly journaled
    // units, or after a delay from the start (which also lands in start-up and in the end phase).
    const seed = Number(process.env.TIDEPOOL_KILL_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const scripted = scriptedModel();
    const llm = await server(async (request, context) => ({ delayMs: isVerdictRequest(request) ? 12 : 4, then: await scripted(request, context) }), { recordRequests: false });
    const args = (out: string, checkpointSeconds: number): string[] => cliArgs(out, llm.baseURL, ['--concurrency', '4', '--pool-epoch', '8', '--checkpoint-seconds', String(checkpointSeconds)]);
    const reference = await runCli(args('kill-reference', 0), { env: ENV });
    expect(reference.code, reference.stderr).toBe(0);
    // The CLI's funnel names the discriminator's rules, not only their numbers.
    expect(reference.stderr).toMatch(/rule_\d \([a-z<]/);

    const journal = join(dir, 'killed', '.generate', 'journal.jsonl');
    const journalLines = (): number => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0);
    const kills: string[] = [];
    for (let round = 0; round < 7; round++) {
      const byLines = random() < 0.6;
      const target = byLines ? journalLines() + 1 + Math.floor(random() * 24) : Math.floor(random() * 900);
      const checkpointSeconds = random() < 0.75 ? 0 : 1;
      const startedAt = Date.now();
      const child = spawn(process.execPath, [CLI, ...args('killed', checkpointSeconds)], { env: { ...process.env, ...ENV }, stdio: 'ignore' });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
        const poll = setInterval(() => {
          if (byLines ? journalLines() >= target : Date.now() - startedAt >= target) child.kill('SIGKILL');
        }, 3);
        child.on('exit', (_code, sig) => {
          clearInterval(poll);
          resolve(sig);
        });
      });
      kills.push(`${byLines ? `at ${target} journal lines` : `after ${target} ms`} (checkpoint every ${checkpointSeconds} s): ${signal ?? 'finished'}`);
    }
    const resumed = await runCli(args('killed', 0), { env: ENV });
    const context = `seed ${seed}; kills: ${kills.join(', ')}`;
    expect(resumed.code, `${context}\n${resumed.stderr}`).toBe(0);
    expect(ids('killed'), context).toEqual(planKeys());
    const [got, want] = [manifestOf('killed').counts, manifestOf('kill-reference').counts];
    expect(got.funnel, context).toEqual(want.funnel);
    expect({ finished: got.finished, accepted: got.accepted, rejected: got.rejected }, context).toEqual({ finished: 96, accepted: want.accepted, rejected: want.rejected });
    // Line for line the same records, except how many answers came from the cache.
    const comparable = (out: string, file: string): string[] => readLines(join(dir, out, file)).map((line) => line.replace(/"cachedRequests":\d+/, ''));
    for (const file of ['instructions.jsonl', 'rejected.jsonl']) expect(comparable('killed', file), `${file}; ${context}`).toEqual(comparable('kill-reference', file));
  });
});

describe('generate against an unreachable server', () => {
  it('fails at once with E_LLM_UNREACHABLE (exit 1) naming the URL without its credentials, and writes no records', async () => {
    const port = await closedPort();
    const result = await runCli(cliArgs('unreachable', `http://user:secret@127.0.0.1:${port}/v1?api_key=zzz`, ['--limit', '2']), { env: ENV });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('E_LLM_UNREACHABLE');
    expect(result.stderr).toContain(`http://127.0.0.1:${port}/v1?api_key=REDACTED`);
    expect(result.stderr).toMatch(/connection refused \(.*ECONNREFUSED/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/secret|zzz/);
    expect(ids('unreachable')).toEqual([]);
  });

  it('a server without a /models route (404) is reachable: the run goes on', async () => {
    const llm = await server(scriptedModel(), { models: null });
    const summary = await generate('no-models-route', llm, { limit: 2 });
    expect(summary).toMatchObject({ complete: true, failed: 0 });
  });

  it('a server that starts resetting every connection mid-run stops the run with E_LLM_UNREACHABLE; a rerun resumes and pays for nothing twice', async () => {
    const scripted = scriptedModel();
    let healthy = 24;
    const answered = new Set<string>();
    const llm = await server((request, context) => {
      if (healthy <= 0) return { drop: true };
      healthy--;
      answered.add(JSON.stringify(request));
      return scripted(request, context);
    });
    const failure = await generate('resets', llm, { limit: 12, concurrency: 2, maxRetries: 1, unreachableSeconds: 0.2 }).then(() => undefined, (error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_LLM_UNREACHABLE' });
    expect((failure as Error).message).toContain(llm.baseURL);
    expect((failure as Error).message).toMatch(/requests all failed \(last: (the connection was reset|connection failed)/);
    const before = ids('resets');
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(48);

    const answeredBefore = new Set(answered);
    expect(answeredBefore.size).toBe(24);
    healthy = Infinity;
    const firstRunRequests = llm.requests.length;
    const summary = await generate('resets', llm, { limit: 12, concurrency: 2 });
    expect(summary).toMatchObject({ complete: true, failed: 0 });
    expect(ids('resets')).toEqual(planKeys(12));
    const repaid = llm.requests.slice(firstRunRequests).filter((request) => answeredBefore.has(JSON.stringify(request.body)));
    expect(repaid).toEqual([]);
  });
});

describe('generate against answers that never end', () => {
  it('cuts a 20 MB answer and an endless chunked one at the limit, counts them as failed with the reason, and quotes back only an excerpt', async () => {
    const scripted = scriptedModel();
    const llm = await server((request, context) => {
      const prompt = promptText(request);
      if (!isVerdictRequest(request) && prompt.includes('scale_3(')) return { oversized: 20 << 20 };
      if (!isVerdictRequest(request) && prompt.includes('countWords4(')) return { endless: true };
      // Unreadable prose of 100,000 characters: within the byte limit, so it is retried, quoting it.
      if (isFirstGeneratorTurn(request) && prompt.includes('sumEven5(')) return { content: 'y'.repeat(100_000) };
      return scripted(request, context);
    });
    // The timeout is far off: the run must end because the answers were cut, not because it waited.
    const summary = await generate('oversized', llm, { limit: 6, concurrency: 2, maxRetries: 1, timeoutMs: 100_000 });
    expect(summary.failed).toBe(8);
    expect(summary.complete).toBe(false);
    const limit = 2048 * 32 + 65_536;
    expect(Object.keys(summary.failedReasons).join('\n')).toMatch(new RegExp(`larger than the ${limit}-byte limit`));
    expect(Object.values(summary.failedReasons).reduce((a, b) => a + b, 0)).toBe(8);
    expect(ids('oversized')).toEqual(planKeys(6).filter((key) => !key.endsWith(':1003') && !key.endsWith(':1004')));
    const journal = readLines(join(dir, 'oversized', '.generate', 'journal.jsonl')).map((line) => JSON.parse(line) as { key: string; status: string; error?: string });
    for (const row of ['1003', '1004']) {
      const errors = journal.filter((entry) => entry.key.endsWith(`:${row}`));
      expect(errors.length).toBeGreaterThanOrEqual(4);
      for (const entry of errors) expect(entry.error, entry.key).toMatch(/larger than the \d+-byte limit/);
    }
    // Nothing of the big answers was stored, and the unreadable one went back as an excerpt.
    for (const file of ['.generate/responses.jsonl', '.generate/journal.jsonl', 'instructions.jsonl', 'rejected.jsonl']) {
      expect(statSync(join(dir, 'oversized', file)).size, file).toBeLessThan(1 << 20);
    }
    const retried = llm.requests.filter((request) => request.body.messages.length === 4 && promptText(request.body).includes('sumEven5('));
    expect(retried.length).toBeGreaterThan(0);
    for (const request of retried) expect(JSON.stringify(request.body.messages[2]!.content).length).toBeLessThanOrEqual(2048 * 8 + 100);
    for (const request of llm.requests) expect(JSON.stringify(request.body).length).toBeLessThan(100_000);
  });
});

describe('generate and secrets in --base-url', () => {
  it('never writes userinfo or secret query parameters to any file or to the terminal, and still reaches the server', async () => {
    const llm = await server(scriptedModel());
    const port = new URL(llm.baseURL).port;
    for (const [out, url] of [['creds', `http://user:secret@127.0.0.1:${port}/v1`], ['creds-query', `http://user:secret@127.0.0.1:${port}/v1?api_key=zzz`]] as const) {
      const result = await runCli(cliArgs(out, url, ['--limit', '2']), { env: ENV });
      expect(result.code, result.stderr).toBe(0);
      expect(result.json).toMatchObject({ complete: true });
      for (const file of allFiles(join(dir, out))) expect(file.text, file.path).not.toMatch(/secret|zzz/);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/secret|zzz/);
      expect(manifestOf(out).parameters.baseURL).toBe(out === 'creds' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}/v1?api_key=REDACTED`);
    }
  });
});

describe('generate on a full disk', () => {
  /** Runs the CLI with `link` (relative to the output folder) pointing at /dev/full, then without it. */
  async function fullThenFreed(out: string, link: string, llm: LlmServer, prepare?: () => Promise<void>): Promise<{ full: CliResult; freed: CliResult }> {
    await prepare?.();
    const path = join(dir, out, link);
    mkdirSync(join(path, '..'), { recursive: true });
    symlinkSync('/dev/full', path);
    const args = cliArgs(out, llm.baseURL, ['--limit', '4', '--concurrency', '2', '--checkpoint-seconds', '0']);
    const full = await runCli(args, { env: ENV });
    rmSync(path, { force: true });
    const freed = await runCli(args, { env: ENV });
    return { full, freed };
  }

  for (const link of ['instructions.jsonl', '.generate/state.json.partial', 'pools/generation.good.jsonl.partial']) {
    it(`a full disk under ${link} is E_NO_SPACE (exit 1) naming the file; after freeing space the rerun finishes with every unit once`, async () => {
      const llm = await server(scriptedModel());
      const out = `full-${link.replace(/[^a-z]+/g, '-')}`;
      // The state case first saves a partial run, so the failing run has work of its own to lose.
      const prepare = link.startsWith('.generate') ? async (): Promise<void> => {
        await generate(out, llm, { limit: 4, concurrency: 2, maxTokens: 4000 });
      } : undefined;
      const { full, freed } = await fullThenFreed(out, link, llm, prepare);
      expect(full.code, full.stderr).toBe(1);
      expect(full.stderr).toContain('E_NO_SPACE');
      expect(full.stderr).toContain(join(dir, out, link));
      expect(full.stderr).toMatch(/rerun the same command/);
      expect(full.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(freed.code, freed.stderr).toBe(0);
      expect(freed.json).toMatchObject({ complete: true, failed: 0 });
      expect(ids(out)).toEqual(planKeys(4));
      // Nothing the failed run finished was lost: the rerun resumed from it and asked nothing twice.
      expect(freed.stderr).toMatch(/resuming/);
      const bodies = llm.requests.map((request) => JSON.stringify(request.body));
      expect(new Set(bodies).size).toBe(bodies.length);
    });
  }
});

describe('what generate tells its reader', () => {
  it('a refused API key is named once, with the server\'s words (no "401: 401")', async () => {
    const llm = await server(scriptedModel(), { requireApiKey: 'right' });
    const failure = await generate('auth', llm, { limit: 2 }).then(() => undefined, (error: unknown) => error);
    expect(failure).toMatchObject({ code: 'E_LLM_AUTH' });
    const message = (failure as Error).message;
    expect(message).toContain('(401: Incorrect API key provided.)');
    expect(message).not.toMatch(/401\D+401/);
  });

  it('the manifest funnel keeps the rule codes and names each rule', async () => {
    const llm = await server(scriptedModel({ rejectRate: 0.5 }));
    await generate('rule-names', llm, { limit: 6 });
    const funnel = manifestOf('rule-names').counts.funnel as { reasons: Record<string, number>; rules: Record<string, string> };
    expect(Object.keys(funnel.reasons).some((key) => /\/rule_\d$/.test(key))).toBe(true);
    expect(funnel.rules['generation/rule_2']).toBe('the instruction names <language> as the language of the answer');
    for (const key of Object.keys(funnel.reasons).filter((code) => /\/rule_\d$/.test(code))) expect(funnel.rules[key], key).toMatch(/^[a-z<]/);
  });
});
