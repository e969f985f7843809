/**
 * `tidepool generate` end to end against a real local OpenAI-compatible server (the scripted model),
 * with the real `openai` client: the CodeOcean loop, pools feeding prompts, OSS-Instruct, faults,
 * budget stops, concurrency, kill -9 and resume.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGenerate, type GenerateSummary } from '../../src/generate/run.js';
import { defaultPoolEpoch, type GenerateOptions } from '../../src/generate/options.js';
import { planUnits } from '../../src/generate/units.js';
import { CODE_OCEAN_TASKS } from '../../src/generate/tasks.js';
import { scriptedModel } from '../../src/devkit/llm-sim/scripted-model.js';
import { startLlmServer, type LlmServer, type Reply, type Respond } from '../../src/devkit/llm-sim/server.js';
import { CLI, runCli } from '../helpers/cli.js';
import { readLines, sharedGenerateFixture, writeGenerateFixture, type FixtureRow } from '../helpers/generate-fixture.js';

interface Line {
  id: string;
  task: string;
  language: string;
  stage?: string;
  reasons?: { code: string; message: string }[];
  instruction?: string;
  provenance: { unit: string; rowId: number; poolSnapshot: string; seed: { text: string; startLine: number; lineCount: number } | null; generator: { model: string }; discriminator: { model: string } | null; verdict: string | null };
}

/** A message's content as text (tidepool sends plain strings). */
const text = (content: unknown): string => (typeof content === 'string' ? content : JSON.stringify(content));
const readRecords = (path: string): Line[] => readLines(path).map((line) => JSON.parse(line) as Line);
const outputs = (out: string): { accepted: Line[]; rejected: Line[] } => ({ accepted: readRecords(join(out, 'instructions.jsonl')), rejected: readRecords(join(out, 'rejected.jsonl')) });
const ids = (out: string): string[] => {
  const { accepted, rejected } = outputs(out);
  return [...accepted, ...rejected].map((line) => line.id).sort();
};

let dir: string;
let fixture: { data: string; coreset: string };
let rows: FixtureRow[];
const track = sharedGenerateFixture('generate', 24, (made) => ({ dir, fixture, rows } = made));

async function server(respond: Respond, options: Parameters<typeof startLlmServer>[0] = {}): Promise<LlmServer> {
  const started = await startLlmServer({ ...options, respond });
  return track(started);
}

function generate(out: string, llm: LlmServer, options: Partial<GenerateOptions> = {}): Promise<GenerateSummary> {
  return runGenerate({ ...fixture, out: join(dir, out), model: 'scripted', baseURL: llm.baseURL, apiKey: 'test-key', concurrency: 6, poolEpoch: 8, ...options });
}

/** Every plan key of the fixture for `tasks`. */
function planKeys(count = rows.length, tasks = CODE_OCEAN_TASKS): string[] {
  return planUnits(rows.slice(0, count), { mode: 'codeocean', tasks, seed: 0, translateTo: ['python', 'java', 'javascript', 'go', 'c++', 'rust'] }).map((unit) => unit.key).sort();
}

describe('generate (CodeOcean)', () => {
  it('runs the generator-discriminator loop for all four tasks: every unit once, accepted and rejected with reasons and provenance', async () => {
    const llm = await server(scriptedModel());
    const summary = await generate('codeocean', llm);
    const out = join(dir, 'codeocean');
    expect(llm.errors).toEqual([]);
    expect(ids(out)).toEqual(planKeys());
    const { accepted, rejected } = outputs(out);
    expect(summary).toMatchObject({ units: 96, accepted: accepted.length, rejected: rejected.length, failed: 0, complete: true, stopped: null });
    for (const task of CODE_OCEAN_TASKS) expect(accepted.filter((line) => line.task === task).length, task).toBeGreaterThan(0);
    expect(new Set(rejected.map((line) => line.stage))).toEqual(new Set(['precheck', 'discriminator', 'generator'].filter((stage) => rejected.some((line) => line.stage === stage))));
    expect(rejected.some((line) => line.stage === 'discriminator' && line.reasons!.some((reason) => /^rule \d+: /.test(reason.message)))).toBe(true);
    expect(rejected.some((line) => line.stage === 'precheck')).toBe(true);
    for (const line of accepted) {
      expect(line.provenance.verdict).toBe('accept');
      expect(line.provenance.generator.model).toBe('scripted');
      expect(line.provenance.rowId).toBe(Number(line.id.split(':')[1]));
    }
    // Every reply the model could not parse was retried once with the parse error.
    const retries = llm.requests.filter((request) => request.body.messages.length === 4);
    expect(retries.length).toBeGreaterThan(0);
    for (const retry of retries) expect(text(retry.body.messages[3]!.content)).toMatch(/^Your reply could not be used: /);
    // Outputs beside the data: pools and the manifest with the funnel.
    expect(readdirSync(join(out, 'pools')).sort()).toContain('pools.json');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { counts: { funnel: { groups: Record<string, unknown> } }; parameters: Record<string, unknown> };
    expect(Object.keys(manifest.counts.funnel.groups)).toContain('generation/python');
    expect(JSON.stringify(manifest)).not.toContain('test-key');
  });

  it('grows the case pools and feeds them to later prompts, which record the snapshot they saw', async () => {
    const llm = await server(scriptedModel());
    await generate('pools', llm, { poolEpoch: 8 });
    const { accepted } = outputs(join(dir, 'pools'));
    const early = accepted.filter((line) => planKeys().indexOf(line.id) >= 0 && unitIndex(line.id) < 8);
    const late = accepted.filter((line) => unitIndex(line.id) >= 16);
    expect(new Set(early.map((line) => line.provenance.poolSnapshot)).size).toBe(1);
    expect(late.every((line) => line.provenance.poolSnapshot !== early[0]!.provenance.poolSnapshot)).toBe(true);
    // A prompt of epoch 2 or later quotes an instruction accepted in epoch 0.
    const earlyInstructions = accepted.filter((line) => unitIndex(line.id) < 8).map((line) => line.instruction!);
    const latePrompts = llm.requests.filter((request) => text(request.body.messages[1]!.content).includes('Example of an accepted sample'));
    expect(latePrompts.length).toBeGreaterThan(0);
    expect(latePrompts.some((request) => earlyInstructions.some((instruction) => text(request.body.messages[1]!.content).includes(instruction)))).toBe(true);
  });

  it('keeps --concurrency requests in flight (the server counts)', async () => {
    const llm = await server(scriptedModel({ latencyMs: 40 }), { recordRequests: false });
    await generate('concurrency', llm, { concurrency: 12, poolEpoch: 64, limit: 12 });
    expect(llm.stats.maxInFlight).toBe(12);
  });
});

/** The plan index of a CodeOcean unit key (row-major over the fixture, four tasks). */
function unitIndex(key: string): number {
  const [task, rowId] = key.split(':');
  return (Number(rowId) - 1000) * 4 + CODE_OCEAN_TASKS.indexOf(task as (typeof CODE_OCEAN_TASKS)[number]);
}

describe('generate (OSS-Instruct)', () => {
  it('cuts 1-15 consecutive lines of each row as the seed and records it', async () => {
    const llm = await server(scriptedModel());
    const summary = await generate('oss', llm, { mode: 'oss-instruct' });
    const { accepted, rejected } = outputs(join(dir, 'oss'));
    expect(summary.units).toBe(rows.length);
    expect([...accepted, ...rejected].map((line) => line.id).sort()).toEqual(rows.map((row) => `oss-instruct:${row.rowId}`).sort());
    for (const line of [...accepted, ...rejected]) {
      const seed = line.provenance.seed!;
      const code = rows.find((row) => row.rowId === line.provenance.rowId)!.code.split('\n');
      expect(seed.lineCount).toBeGreaterThanOrEqual(1);
      expect(seed.lineCount).toBeLessThanOrEqual(15);
      expect(seed.text).toBe(code.slice(seed.startLine, seed.startLine + seed.lineCount).join('\n'));
    }
    const prompts = llm.requests.filter((request) => request.body.messages.length === 2 && text(request.body.messages[1]!.content).includes('Snippet:'));
    expect(prompts.length).toBe(rows.length);
  });
});

describe('generate under faults', () => {
  it('loses and duplicates nothing through 429 with Retry-After, 500, 503, timeouts, resets, cut-off and malformed bodies and empty choices', async () => {
    const model = scriptedModel();
    const faults: Reply[] = [
      { status: 429, retryAfter: 0 }, { status: 500 }, { status: 503, retryAfterMs: 10 }, { hang: true }, { drop: true },
      { truncate: true, content: '{"instruction": "cut off' }, { json: { id: 'x', object: 'chat.completion', choices: [] } }, { json: { unexpected: true } },
    ];
    let faulted = 0;
    const seen = new Set<string>();
    const llm = await server((request, context) => {
      // Every fourth new request gets the next fault; the same request again (a retry) gets the real answer.
      const body = JSON.stringify(request);
      const fresh = !seen.has(body);
      seen.add(body);
      if (fresh && context.index % 4 === 0) return faults[faulted++ % faults.length]!;
      return model(request, context);
    });
    const summary = await generate('faults', llm, { timeoutMs: 400, maxRetries: 2 });
    expect(llm.errors).toEqual([]);
    expect(faulted).toBeGreaterThan(20);
    expect(ids(join(dir, 'faults'))).toEqual(planKeys());
    expect(summary).toMatchObject({ failed: 0, complete: true });
  });

  it('a unit failing past its retries is left out, reported, and done by the next run exactly once', async () => {
    const model = scriptedModel();
    let broken = true;
    const llm = await server((request, context) => (broken && text(request.messages[1]!.content).includes('scale_3(') ? { status: 500 } : model(request, context)));
    const first = await generate('persistent', llm, { maxRetries: 1, limit: 6 });
    expect(first.failed).toBe(4);
    expect(first.complete).toBe(false);
    expect(ids(join(dir, 'persistent'))).toEqual(planKeys(6).filter((key) => !key.endsWith(':1003')));
    broken = false;
    const second = await generate('persistent', llm, { maxRetries: 1, limit: 6 });
    expect(second).toMatchObject({ failed: 0, complete: true });
    expect(ids(join(dir, 'persistent'))).toEqual(planKeys(6));
  });

  it('falls back from structured output when the server does not support it', async () => {
    const llm = await server(scriptedModel(), { rejectResponseFormat: true });
    const summary = await generate('plain', llm, { limit: 4 });
    expect(summary.outputFormat).toBe('text');
    expect(ids(join(dir, 'plain'))).toEqual(planKeys(4));
  });

  it('stops on a bad API key with a clear error', async () => {
    const llm = await server(scriptedModel(), { requireApiKey: 'right' });
    await expect(generate('auth', llm, { limit: 2 })).rejects.toMatchObject({ code: 'E_LLM_AUTH' });
  });
});

describe('generate budgets and reruns', () => {
  it('stops cleanly at --max-tokens and continues with a larger budget, paying for nothing twice', async () => {
    const reference = await server(scriptedModel());
    await generate('budget-reference', reference, { limit: 8 });
    const llm = await server(scriptedModel());
    const stopped = await generate('budget', llm, { limit: 8, maxTokens: 6000, concurrency: 2 });
    expect(stopped.complete).toBe(false);
    expect(stopped.stopped).toMatch(/token budget/);
    const partial = ids(join(dir, 'budget'));
    expect(partial.length).toBeLessThan(32);
    const finished = await generate('budget', llm, { limit: 8, concurrency: 2 });
    expect(finished.complete).toBe(true);
    expect(readFileSync(join(dir, 'budget', 'instructions.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'budget-reference', 'instructions.jsonl'), 'utf8'));
    const bodies = llm.requests.map((request) => JSON.stringify(request.body));
    expect(new Set(bodies).size).toBe(bodies.length);
    expect(bodies.length).toBe(reference.requests.length);
  });

  it('counts list-price cost for a priced model and stops at --max-usd', async () => {
    const llm = await server(scriptedModel());
    const priced = await generate('usd', llm, { limit: 6, model: 'gpt-4o-mini', maxUsd: 0.0004, concurrency: 1 });
    expect(priced.usd).toBeGreaterThan(0);
    expect(priced.stopped).toMatch(/USD|usd|\$/);
    expect(priced.complete).toBe(false);
    // Tokens are priced at 0.15 / 0.6 USD per million (gpt-4o-mini in the built-in table).
    expect(priced.usd).toBeCloseTo((priced.tokens.prompt * 0.15 + priced.tokens.completion * 0.6) / 1e6, 12);
    await expect(generate('usd-unpriced', llm, { limit: 2, model: 'local-model', maxUsd: 1 })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--prices') as unknown });
  });

  it('a changed parameter reuses the cached answers it does not affect', async () => {
    const llm = await server(scriptedModel());
    await generate('changed', llm, { limit: 6 });
    const before = llm.requests.length;
    const summary = await generate('changed', llm, { limit: 6, discriminatorModel: 'scripted-judge' });
    expect(summary.complete).toBe(true);
    expect(summary.cachedRequests).toBeGreaterThan(0);
    expect(llm.requests.length - before).toBe(summary.paidRequests);
    expect(outputs(join(dir, 'changed')).accepted.every((line) => line.provenance.discriminator!.model === 'scripted-judge')).toBe(true);
    expect(ids(join(dir, 'changed'))).toEqual(planKeys(6));
  });

  it('the default pool epoch follows --concurrency, and a rerun with another concurrency resumes the job with its epoch', async () => {
    expect([defaultPoolEpoch(1), defaultPoolEpoch(64), defaultPoolEpoch(70), defaultPoolEpoch(256)]).toEqual([256, 256, 280, 1024]);
    const llm = await server(scriptedModel());
    // 96 units, 70 start at once: the budget stops the rest.
    const stopped = await generate('epoch', llm, { limit: 24, maxTokens: 6000, concurrency: 70, poolEpoch: undefined });
    expect(stopped.complete).toBe(false);
    const state = JSON.parse(readFileSync(join(dir, 'epoch', '.generate', 'state.json'), 'utf8')) as { poolEpoch: number };
    expect(state.poolEpoch).toBe(280);
    const logs: string[] = [];
    const finished = await generate('epoch', llm, { limit: 24, concurrency: 2, poolEpoch: undefined, log: (line) => logs.push(line) });
    expect(finished.complete).toBe(true);
    expect(logs.join('\n')).toMatch(/resuming/);
    expect(logs.join('\n')).not.toMatch(/changed since the last run/);
    expect(ids(join(dir, 'epoch'))).toEqual(planKeys(24));
    const bodies = llm.requests.map((request) => JSON.stringify(request.body));
    expect(new Set(bodies).size).toBe(bodies.length);
    // An explicit --pool-epoch is another job: the outputs start over (answers come from the cache).
    const other: string[] = [];
    await generate('epoch', llm, { limit: 24, concurrency: 2, poolEpoch: 64, log: (line) => other.push(line) });
    expect(other.join('\n')).toMatch(/changed since the last run/);
  });

  it('bad input: a coreset naming rows that are not in pairs.arrow', async () => {
    const other = await writeGenerateFixture(join(dir, 'mismatch'), rows.slice(0, 3), [1000, 5555]);
    const llm = await server(scriptedModel());
    await expect(runGenerate({ ...other, out: join(dir, 'mismatch-out'), model: 'm', baseURL: llm.baseURL, apiKey: 'k' })).rejects.toMatchObject({ code: 'E_INPUT_MISSING', message: expect.stringContaining('5555') as unknown });
  });
});

describe('generate CLI', () => {
  it('resumes after kill -9 with every unit exactly once and output equal to an uninterrupted run', async () => {
    // Two kills: the first as a discriminator request arrives (so the generator answer of that unit
    // is in the cache, and the resumed run must take it from there), the second at whatever moment a
    // poll of the journal sees enough lines.
    const scripted = scriptedModel();
    let onJudge: (() => void) | undefined;
    const llm = await server(async (request, context) => {
      const judging = JSON.stringify(request.response_format ?? null).includes('tidepool_verdict');
      if (judging) onJudge?.();
      return { delayMs: judging ? 30 : 5, then: await scripted(request, context) };
    });
    const args = (out: string): string[] => ['generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', join(dir, out), '--model', 'scripted', '--base-url', llm.baseURL, '--concurrency', '3', '--pool-epoch', '8', '--json'];
    const env = { OPENAI_API_KEY: 'k' };
    const reference = await runCli(args('cli-reference'), { env });
    expect(reference.code, reference.stderr).toBe(0);
    const referenceRequests = llm.requests.length;
    const journal = join(dir, 'cli-killed', '.generate', 'journal.jsonl');
    const journalLines = (): number => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0);
    const boundaries: number[] = [];
    for (const [killAt, when] of [[10, 'on a discriminator request'], [45, 'by a poll']] as const) {
      const child = spawn(process.execPath, [CLI, ...args('cli-killed')], { env: { ...process.env, ...env }, stdio: 'ignore' });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
        const kill = (): void => {
          if (journalLines() >= killAt) child.kill('SIGKILL');
        };
        if (when === 'on a discriminator request') onJudge = kill;
        const poll = when === 'by a poll' ? setInterval(kill, 5) : undefined;
        child.on('exit', (_code, sig) => {
          clearInterval(poll);
          onJudge = undefined;
          resolve(sig);
        });
      });
      expect(signal, `killed ${when} at ${killAt} journal lines`).toBe('SIGKILL');
      boundaries.push(llm.requests.length);
    }
    const resumed = await runCli(args('cli-killed'), { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ complete: true });
    // Equal line for line, except how many answers came from the cache.
    const comparable = (out: string, file: string): string[] => readFileSync(join(dir, out, file), 'utf8').split('\n').map((line) => line.replace(/"cachedRequests":\d+/, ''));
    for (const file of ['instructions.jsonl', 'rejected.jsonl']) expect(comparable('cli-killed', file), file).toEqual(comparable('cli-reference', file));
    expect(readFileSync(join(dir, 'cli-killed', 'instructions.jsonl'), 'utf8')).toMatch(/"cachedRequests":[1-9]/);
    // Only requests in flight at a kill were sent twice (at most --concurrency per kill): an answer
    // that arrived is in the cache before its unit sends anything else. On failure, say which were.
    const killedRequests = llm.requests.slice(referenceRequests).map((request) => JSON.stringify(request.body));
    const sentAt = new Map<string, number[]>();
    killedRequests.forEach((body, i) => sentAt.set(body, [...(sentAt.get(body) ?? []), referenceRequests + i]));
    const runOf = (index: number): number => boundaries.filter((boundary) => index >= boundary).length;
    const twice = [...sentAt].filter(([, at]) => at.length > 1).map(([body, at]) => `${at.map((index) => `request ${index} (run ${runOf(index)})`).join(' and ')}: ${body.includes('tidepool_verdict') ? 'discriminator' : 'generator'}`);
    twice.unshift(`runs start at requests ${[referenceRequests, ...boundaries].join(', ')}; ${llm.requests.length} requests in all`);
    expect(killedRequests.length - new Set(killedRequests).size, twice.join('\n')).toBeLessThanOrEqual(2 * 3);
  });

  it('Ctrl-C stops cleanly (exit 130) and the same command finishes the job', async () => {
    const llm = await server(scriptedModel({ latencyMs: 20 }));
    const args = ['generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', join(dir, 'cli-int'), '--model', 'scripted', '--base-url', llm.baseURL, '--concurrency', '2', '--limit', '8'];
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, OPENAI_API_KEY: 'k' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const journal = join(dir, 'cli-int', '.generate', 'journal.jsonl');
    const code = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').length > 4) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 5);
      child.on('exit', (exitCode) => {
        resolve(exitCode);
      });
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/rerun the same command to resume/);
    const finished = await runCli([...args, '--json'], { env: { OPENAI_API_KEY: 'k' } });
    expect(finished.code, finished.stderr).toBe(0);
    expect(ids(join(dir, 'cli-int'))).toEqual(planKeys(8));
  });

  it('needs a model and, for api.openai.com, a key', async () => {
    const noModel = await runCli(['generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', join(dir, 'x')], { env: { TIDEPOOL_MODEL: '', OPENAI_API_KEY: '', OPENAI_BASE_URL: '' } });
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/--model/);
  });
});
