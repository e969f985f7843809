/**
 * `tidepool generate` over several endpoints (issue 20): three live servers on 127.0.0.1, one killed
 * mid-run and one slow; an endpoint that comes back; per-endpoint keys and models; bad --base-url values.
 * Real servers (the scripted stand-in), real files, no mocks.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGenerate } from '../../src/generate/run.js';
import { planUnits } from '../../src/generate/units.js';
import { CODE_OCEAN_TASKS } from '../../src/generate/tasks.js';
import { scriptedModel } from '../../src/devkit/llm-sim/scripted-model.js';
import { startLlmServer, type LlmServer, type LlmServerOptions } from '../../src/devkit/llm-sim/server.js';
import { runCli } from '../helpers/cli.js';
import { readLines, sharedGenerateFixture, type FixtureRow } from '../helpers/generate-fixture.js';

let dir: string;
let fixture: { data: string; coreset: string };
let rows: FixtureRow[];
const track = sharedGenerateFixture('generate-endpoints', 24, (made) => ({ dir, fixture, rows } = made));

async function server(options: LlmServerOptions = {}, latencyMs = 0): Promise<LlmServer> {
  const started = await startLlmServer({ respond: scriptedModel({ latencyMs }), ...options });
  return track(started);
}

/** Every record id of an output folder, sorted, duplicates kept. */
const ids = (out: string): string[] =>
  [...readLines(join(out, 'instructions.jsonl')), ...readLines(join(out, 'rejected.jsonl'))].map((line) => (JSON.parse(line) as { id: string }).id).sort();
const planKeys = (): string[] =>
  planUnits(rows, { mode: 'codeocean', tasks: CODE_OCEAN_TASKS, seed: 0, translateTo: ['python', 'java', 'javascript', 'go', 'c++', 'rust'] }).map((unit) => unit.key).sort();
/** Unit keys in the journal, duplicates kept. */
const journalKeys = (out: string): string[] => readLines(join(out, '.generate', 'journal.jsonl')).map((line) => (JSON.parse(line) as { key: string }).key);

function allText(root: string): string {
  let text = '';
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    text += lstatSync(path).isDirectory() ? allText(path) : readFileSync(path, 'utf8');
  }
  return text;
}

/** Resolves once `server` has received `count` chat requests. */
async function whenReceived(server: LlmServer, count: number): Promise<void> {
  while (server.stats.total < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('generate over several endpoints', () => {
  it('three servers, one killed mid-run and one slow: every unit exactly once, the load spread, each endpoint reported', async () => {
    const keyed = await server({ requireApiKey: 'a-secret-key' }, 5);
    const slow = await server({}, 150);
    const doomed = await server({}, 5);
    const out = join(dir, 'three');
    const logs: string[] = [];
    const run = runGenerate({
      ...fixture, out, model: 'scripted', apiKey: 'job-key', concurrency: 2, poolEpoch: 8, timeoutMs: 10_000,
      baseURL: `${keyed.baseURL}#key_env=A_KEY,${slow.baseURL}#model=slow-name,${doomed.baseURL}`, endpointKeys: { A_KEY: 'a-secret-key' },
      log: (line) => logs.push(line),
    });
    await whenReceived(doomed, 6);
    await doomed.close();
    const summary = await run;

    expect(summary).toMatchObject({ complete: true, failed: 0, units: rows.length * 4 });
    expect(ids(out)).toEqual(planKeys());
    expect(journalKeys(out).sort()).toEqual(planKeys());
    const [a, b, c] = summary.endpoints;
    expect(summary.endpoints.map((report) => [report.url, report.model])).toEqual([[keyed.baseURL, null], [slow.baseURL, 'slow-name'], [doomed.baseURL, null]]);
    // What the servers saw is what the report says they answered (the killed one: its answers before the kill).
    expect(a!.answered).toBe(keyed.stats.total);
    expect(b!.answered).toBe(slow.stats.total);
    expect(a!.answered + b!.answered + c!.answered).toBe(summary.paidRequests);
    // Load spread: every server took requests; the fast one more than the slow one.
    expect(Math.min(a!.answered, b!.answered, c!.answered)).toBeGreaterThan(0);
    expect(a!.answered).toBeGreaterThan(b!.answered);
    expect(b!.latencyP50Ms).toBeGreaterThanOrEqual(150);
    expect(a!.latencyP50Ms).toBeLessThan(b!.latencyP50Ms!);
    // The killed one was taken out (and, never back, stayed out); its failed requests went elsewhere.
    expect(c!.takenOut).toBeGreaterThanOrEqual(1);
    expect(c!.errors).toBeGreaterThanOrEqual(1);
    expect(logs.join('\n')).toMatch(new RegExp(`endpoint ${doomed.baseURL.replace(/[./]/g, '\\$&')} taken out`));
    // Each server got its own key and model name.
    expect(new Set(keyed.requests.map((request) => request.authorization))).toEqual(new Set(['Bearer a-secret-key']));
    expect(new Set(slow.requests.map((request) => request.authorization))).toEqual(new Set(['Bearer job-key']));
    expect(new Set(slow.requests.map((request) => request.body.model))).toEqual(new Set(['slow-name']));
    expect(new Set(keyed.requests.map((request) => request.body.model))).toEqual(new Set(['scripted']));
    // The manifest reports each endpoint; no key is written anywhere.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { parameters: { endpoints: unknown }; counts: { endpoints: unknown } };
    expect(manifest.parameters.endpoints).toEqual([{ url: keyed.baseURL, model: null }, { url: slow.baseURL, model: 'slow-name' }, { url: doomed.baseURL, model: null }]);
    expect(manifest.counts.endpoints).toEqual(summary.endpoints);
    const written = allText(out);
    expect(written).not.toContain('a-secret-key');
    expect(written).not.toContain('job-key');
    expect(written).not.toContain('A_KEY=');
  }, 120_000);

  it('an endpoint that stops answering (timeouts) is taken out; its requests are answered by the other', async () => {
    const good = await server({}, 5);
    const silent = track(await startLlmServer({ respond: () => ({ hang: true }) }));
    const out = join(dir, 'silent');
    const summary = await runGenerate({ ...fixture, out, model: 'scripted', apiKey: 'k', concurrency: 2, poolEpoch: 8, timeoutMs: 300, baseURL: `${silent.baseURL},${good.baseURL}` });
    expect(summary).toMatchObject({ complete: true, failed: 0 });
    expect(ids(out)).toEqual(planKeys());
    const [quiet, answering] = summary.endpoints;
    expect(quiet).toMatchObject({ answered: 0, latencyP50Ms: null });
    expect(quiet!.takenOut).toBeGreaterThanOrEqual(1);
    expect(quiet!.errors).toBe(quiet!.requests);
    expect(answering!.answered).toBe(summary.paidRequests);
  }, 120_000);

  it('an endpoint that comes back is used again', async () => {
    const steady = await server({}, 30);
    const flaky = await server({}, 30);
    const port = Number(new URL(flaky.baseURL).port);
    const out = join(dir, 'comeback');
    const run = runGenerate({ ...fixture, out, model: 'scripted', apiKey: 'k', concurrency: 1, poolEpoch: 8, baseURL: `${steady.baseURL},${flaky.baseURL}` });
    await whenReceived(flaky, 3);
    await flaky.close();
    // Down longer than the client's one retry waits (so it is taken out), then back on the same port.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const back = await server({ port }, 30);
    const summary = await run;

    expect(summary).toMatchObject({ complete: true, failed: 0 });
    expect(ids(out)).toEqual(planKeys());
    expect(summary.endpoints[1]!.takenOut).toBeGreaterThanOrEqual(1);
    expect(back.stats.total).toBeGreaterThan(0);
    // Every request the two servers saw was answered, but the one in flight when it was killed (concurrency 1).
    expect(summary.endpoints[1]!.answered).toBeGreaterThanOrEqual(flaky.stats.total - 1 + back.stats.total);
    expect(summary.endpoints[1]!.answered).toBeLessThanOrEqual(flaky.stats.total + back.stats.total);
  }, 120_000);

  it('a run stopped midway resumes on another set of endpoints: every unit exactly once, no answer asked twice', async () => {
    const first = [await server({}, 10), await server({}, 10)];
    const out = join(dir, 'resume');
    const stop = new AbortController();
    const stopped = runGenerate({ ...fixture, out, model: 'scripted', apiKey: 'k', concurrency: 2, poolEpoch: 8, baseURL: first.map((s) => s.baseURL).join(','), signal: stop.signal, checkpointSeconds: 0 });
    await whenReceived(first[1]!, 20);
    stop.abort();
    await expect(stopped).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    const answeredBefore = first[0]!.stats.total + first[1]!.stats.total;
    const second = [await server({}, 10), await server({}, 10), await server({}, 10)];
    const summary = await runGenerate({ ...fixture, out, model: 'scripted', apiKey: 'k', concurrency: 2, poolEpoch: 8, baseURL: second.map((s) => s.baseURL).join(',') });
    expect(summary).toMatchObject({ complete: true, failed: 0 });
    expect(ids(out)).toEqual(planKeys());
    expect(journalKeys(out).sort()).toEqual(planKeys());
    expect(summary.endpoints.map((report) => report.answered)).toEqual(second.map((s) => s.stats.total));
    // The two runs together asked exactly what one uninterrupted run asks (prompts do not depend on timing).
    const whole = await server({}, 0);
    const uninterrupted = await runGenerate({ ...fixture, out: join(dir, 'resume-whole'), model: 'scripted', apiKey: 'k', concurrency: 4, poolEpoch: 8, baseURL: whole.baseURL });
    expect(answeredBefore + second.reduce((sum, s) => sum + s.stats.total, 0)).toBe(whole.stats.total);
    expect(uninterrupted.paidRequests).toBe(whole.stats.total);
    expect(readFileSync(join(out, 'instructions.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'resume-whole', 'instructions.jsonl'), 'utf8'));
  }, 120_000);

  it('bad --base-url values are refused before anything runs, each named', async () => {
    const result = await runCli([
      'generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', join(dir, 'bad'), '--model', 'm',
      '--base-url', 'http://127.0.0.1:9/v1,ftp://user:pw@host/v1,http://127.0.0.1:10/v1#key_env=TIDEPOOL_TEST_UNSET_KEY&colour=red,http://127.0.0.1:9/v1',
    ], { env: { OPENAI_API_KEY: 'k', TIDEPOOL_TEST_UNSET_KEY: '' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--base-url endpoint 2 must be an http:// or https:// URL');
    expect(result.stderr).toContain('--base-url endpoint 3: unknown setting "colour"');
    expect(result.stderr).toContain('--base-url endpoint 3 (http://127.0.0.1:10/v1) takes its key from $TIDEPOOL_TEST_UNSET_KEY, which is not set');
    expect(result.stderr).toContain('names http://127.0.0.1:9/v1 twice (endpoints 1 and 4)');
    expect(result.stderr).not.toContain('pw@');
    expect(existsSync(join(dir, 'bad', 'manifest.json'))).toBe(false);
  }, 60_000);
});
