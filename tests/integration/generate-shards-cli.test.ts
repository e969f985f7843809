// `tidepool generate --shard I/N` and `--merge` through the built CLI against the scripted LLM server:
// three shard processes (two at once) into one --out; every planned unit is in the merged output
// exactly once, in plan order, as the shards wrote it. With a pool epoch larger than the plan, every
// prompt sees the empty pools of epoch 0 (the shards' separate pools cannot reach a prompt), so the
// merged files equal an unsharded run's byte for byte. A finished shard reruns asking nothing, --merge
// alone is idempotent, another N is refused; a shard with a unit failing past its retries writes no
// marker until its rerun completes it; a shard killed with SIGKILL resumes asking no answered request again.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedModel } from '../../src/devkit/llm-sim/scripted-model.js';
import { startLlmServer, type LlmServer, type Respond } from '../../src/devkit/llm-sim/server.js';
import { planUnits } from '../../src/generate/units.js';
import { CODE_OCEAN_TASKS } from '../../src/generate/tasks.js';
import { shardRange } from '../../src/store/shards.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { fixtureRows, writeGenerateFixture } from '../helpers/generate-fixture.js';

let dir: string;
let cleanup: () => Promise<void>;
let fixture: { data: string; coreset: string };
let llm: LlmServer;
/** Called for each request before the scripted answer (the kill test sets it). */
let beforeAnswer: ((body: string) => Respond | undefined) | undefined;
const rows = fixtureRows(24);
/** The plan's unit keys in plan order (computed here from the fixture, not read from any output). */
const PLAN = planUnits(rows, { mode: 'codeocean', tasks: CODE_OCEAN_TASKS, seed: 0, translateTo: ['python', 'java', 'javascript', 'go', 'c++', 'rust'] }).map((unit) => unit.key);
const ENV = { OPENAI_API_KEY: 'k' };

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('tidepool-generate-shards-'));
  fixture = await writeGenerateFixture(join(dir, 'fixture'), rows);
  const scripted = scriptedModel();
  llm = await startLlmServer({
    respond: (request, context) => beforeAnswer?.(JSON.stringify(request))?.(request, context) ?? scripted(request, context),
  });
}, 60_000);
afterAll(async () => {
  await llm.close();
  await cleanup();
});

const args = (out: string, ...more: string[]): string[] => ['generate', '--data', fixture.data, '--coreset', fixture.coreset, '--out', join(dir, out), '--model', 'scripted', '--base-url', llm.baseURL, '--pool-epoch', '1000', '--concurrency', '3', '--json', '-q', ...more];

interface ShardSummary { units: number; accepted: number; rejected: number; complete: boolean; paidRequests: number; shard?: string; unitRange?: { start: number; end: number }; merged?: boolean; alreadyMerged?: boolean; alreadyDone?: boolean; missingShards?: number[] }

async function generate(out: string, ...more: string[]): Promise<ShardSummary> {
  const result = await runCli(args(out, ...more), { env: ENV });
  expect(result.code, result.stderr).toBe(0);
  return result.json as ShardSummary;
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
const keysOf = (path: string): string[] => lines(path).map((line) => (JSON.parse(line) as { provenance: { unit: string } }).provenance.unit);
/** Every record of a folder (accepted and rejected) by unit key. */
function recordsByUnit(folder: string): Map<string, string> {
  const records = new Map<string, string>();
  for (const name of ['instructions.jsonl', 'rejected.jsonl']) {
    for (const line of lines(join(folder, name))) records.set((JSON.parse(line) as { provenance: { unit: string } }).provenance.unit, line);
  }
  return records;
}
/** Plan order of `keys`' units: sorted keys give the same list only when the file is in plan order. */
const inPlanOrder = (keys: readonly string[]): string[] => [...keys].sort((a, b) => PLAN.indexOf(a) - PLAN.indexOf(b));

describe('generate --shard I/N', () => {
  let whole: string;
  const sharded = 'sharded';

  beforeAll(async () => {
    whole = join(dir, 'whole');
    const summary = await generate('whole');
    expect(summary).toMatchObject({ units: PLAN.length, complete: true });
  }, 120_000);

  it('3 shard processes (0 and 1 at once, then 2): every unit once, as each shard wrote it, and files equal to an unsharded run', async () => {
    const first = await Promise.all([generate(sharded, '--shard', '0/3'), generate(sharded, '--shard', '1/3')]);
    expect(first.map((summary) => summary.merged)).toEqual([false, false]);
    expect(existsSync(join(dir, sharded, 'instructions.jsonl'))).toBe(false);
    const last = await generate(sharded, '--shard', '2/3');
    expect(last).toMatchObject({ shard: '2/3', merged: true, complete: true });
    const out = join(dir, sharded);

    // Every planned unit exactly once, in plan order per file.
    const merged = recordsByUnit(out);
    expect([...merged.keys()].sort()).toEqual([...PLAN].sort());
    expect(merged.size).toBe(lines(join(out, 'instructions.jsonl')).length + lines(join(out, 'rejected.jsonl')).length);
    for (const name of ['instructions.jsonl', 'rejected.jsonl']) expect(keysOf(join(out, name))).toEqual(inPlanOrder(keysOf(join(out, name))));

    // Each shard wrote exactly its range of the plan, and the merge holds its records unchanged.
    for (let index = 0; index < 3; index++) {
      const part = recordsByUnit(join(out, '.shards', 'parts', String(index)));
      const range = shardRange({ index, count: 3 }, PLAN.length);
      expect([...part.keys()].sort(), `shard ${index}`).toEqual(PLAN.slice(range.start, range.end).sort());
      for (const [key, line] of part) expect(merged.get(key), key).toBe(line);
    }

    // No prompt could see a pool: byte-identical to the unsharded run.
    for (const name of ['instructions.jsonl', 'rejected.jsonl']) expect(readFileSync(join(out, name)), name).toEqual(readFileSync(join(whole, name)));

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { parameters: { shards: number; pools: string }; counts: { units: number; accepted: number; funnel: unknown } };
    const reference = JSON.parse(readFileSync(join(whole, 'manifest.json'), 'utf8')) as { counts: { units: number; accepted: number; funnel: unknown } };
    expect(manifest.parameters.shards).toBe(3);
    expect(manifest.parameters.pools).toContain('own case pools');
    expect(manifest.counts).toMatchObject({ units: reference.counts.units, accepted: reference.counts.accepted });
    expect(manifest.counts.funnel).toEqual(reference.counts.funnel);
    expect(readdirSync(join(out, 'pools')).sort()).toEqual(['shard-0', 'shard-1', 'shard-2']);
  }, 180_000);

  it('a finished shard reruns asking nothing, --merge alone is idempotent, another N and --shard with --merge are refused', async () => {
    const out = join(dir, sharded);
    const before = llm.stats.total;
    const bytes = readFileSync(join(out, 'instructions.jsonl'));
    const again = await generate(sharded, '--shard', '1/3');
    expect(again).toMatchObject({ alreadyDone: true, merged: true, alreadyMerged: true });
    const merge = await generate(sharded, '--merge');
    expect(merge).toMatchObject({ merged: true, alreadyMerged: true, units: PLAN.length });
    expect(llm.stats.total).toBe(before);
    expect(readFileSync(join(out, 'instructions.jsonl'))).toEqual(bytes);

    const otherN = await runCli(args(sharded, '--shard', '0/2'), { env: ENV });
    expect(otherN.code).toBe(1);
    expect(otherN.stderr).toContain('split into 3 shards');
    const both = await runCli(args(sharded, '--shard', '0/3', '--merge'), { env: ENV });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('exclude each other');
    expect(llm.stats.total).toBe(before);
  }, 120_000);

  it('with more shards than units, the empty shards ask nothing and the merge holds the one unit', async () => {
    const one = ['--limit', '1', '--tasks', 'generation'];
    const empty = await generate('tiny', '--shard', '0/3', ...one);
    expect(empty).toMatchObject({ unitRange: { start: 0, end: 0 }, units: 0, paidRequests: 0, complete: true, merged: false });
    await generate('tiny', '--shard', '2/3', ...one);
    expect(await generate('tiny', '--shard', '1/3', ...one)).toMatchObject({ merged: true });
    const merged = recordsByUnit(join(dir, 'tiny'));
    expect([...merged.keys()]).toEqual([PLAN[0]]);
    expect(merged.get(PLAN[0]!)).toBe(recordsByUnit(whole).get(PLAN[0]!));
  }, 120_000);

  it('a shard with a unit failing past its retries writes no marker; its rerun retries that unit and the merge follows', async () => {
    // Row 1000 (scale_0) is in shard 0 of 2 (units 0-11 of 24); its 4 units fail while the server is broken.
    const failing = ['--max-retries', '0', '--limit', '6'];
    beforeAnswer = (body) => (body.includes('scale_0(') ? () => ({ status: 500 }) : undefined);
    const first = await generate('failing', '--shard', '0/2', ...failing);
    expect(first).toMatchObject({ complete: false, failed: 4, merged: false, missingShards: [0, 1] });
    const second = await generate('failing', '--shard', '1/2', ...failing);
    expect(second).toMatchObject({ complete: true, merged: false, missingShards: [0] });
    const early = await runCli(args('failing', '--merge', ...failing), { env: ENV });
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('shard 0 of 2 has not finished');
    beforeAnswer = undefined;
    expect(await generate('failing', '--shard', '0/2', ...failing)).toMatchObject({ complete: true, failed: 0, merged: true });
    const merged = recordsByUnit(join(dir, 'failing'));
    const expected = PLAN.filter((key) => Number(key.split(':')[1]) < 1006);
    expect([...merged.keys()].sort()).toEqual([...expected].sort());
    // A retried unit's prompt sees the shard's final pools (as in any run), so only the others equal the unsharded run's.
    const reference = recordsByUnit(whole);
    for (const key of expected.filter((unit) => !unit.endsWith(':1000'))) expect(merged.get(key), key).toBe(reference.get(key));
  }, 120_000);

  it('a shard killed with SIGKILL mid-run resumes asking no answered request again; the merge equals the unsharded run', async () => {
    const killed = 'killed';
    const shardArgs = args(killed, '--shard', '0/2', '--concurrency', '1');
    const answered = new Set<string>();
    const asked: string[] = [];
    let killAt = -1;
    const child = spawn(process.execPath, [CLI, ...shardArgs], { env: { ...process.env, ...ENV }, stdio: 'ignore' });
    beforeAnswer = (body) => {
      asked.push(body);
      // Kill on the 20th request of the shard, before answering it: with one request in flight, it is the only one unanswered.
      if (asked.length === 20) {
        killAt = asked.length;
        child.kill('SIGKILL');
        return () => ({ delayMs: 10_000, then: { content: 'never delivered' } });
      }
      answered.add(body);
      return undefined;
    };
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => {
      resolve(sig);
    }));
    expect(signal).toBe('SIGKILL');
    expect(killAt).toBe(20);
    const unanswered = asked[killAt - 1]!;

    const resumedAsks: string[] = [];
    beforeAnswer = (body) => {
      resumedAsks.push(body);
      return undefined;
    };
    const resumed = await runCli(shardArgs, { env: ENV });
    beforeAnswer = undefined;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ complete: true, merged: false, missingShards: [1] });
    expect(resumedAsks.filter((body) => answered.has(body))).toEqual([]);
    expect(resumedAsks.filter((body) => body === unanswered)).toHaveLength(1);
    expect(new Set(resumedAsks).size).toBe(resumedAsks.length);

    const before = llm.stats.total;
    expect(await generate(killed, '--shard', '0/2', '--concurrency', '1')).toMatchObject({ alreadyDone: true });
    expect(llm.stats.total).toBe(before);
    expect(await generate(killed, '--shard', '1/2')).toMatchObject({ merged: true, complete: true });
    // Equal line for line, except how many answers of the killed unit came from the cache.
    const comparable = (folder: string, name: string): string[] => lines(join(folder, name)).map((line) => line.replace(/"cachedRequests":\d+/, ''));
    for (const name of ['instructions.jsonl', 'rejected.jsonl']) expect(comparable(join(dir, killed), name), name).toEqual(comparable(whole, name));
  }, 180_000);
});
