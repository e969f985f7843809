// The Slurm launcher on the real single-node cluster (.ci/slurm-up.sh): an array with a %W limit, a job
// chained after it with afterok, a failed task cancelling its dependent, pending arrays expanded by
// query, cancel, logs where logFile() says, and sbatch's refusals. Each job does trivial shell work;
// what is right (which files exist, what they hold) is known from the job text alone.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_INDEX, type JobSpec } from '../../src/launchers/launcher.js';
import { SlurmLauncher } from '../../src/launchers/slurm/index.js';
import { ensureSlurmCluster } from './slurm-cluster.js';

const launcher = new SlurmLauncher();
const submitted: string[] = [];

/** Polls query until none of `jobIds` is queued or running (bounded). */
async function waitGone(jobIds: string[], timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await launcher.query(jobIds);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`jobs ${jobIds.join(',')} still queued after ${timeoutMs} ms: ${JSON.stringify(left)}`);
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 300));
  }
}

/** A job running `sh -c script` with the task index as $1. */
function shellJob(folder: string, name: string, script: string, extra: Partial<JobSpec> = {}): JobSpec {
  return { name, command: ['sh', '-c', script, 'sh', TASK_INDEX], cwd: folder, logDir: join(folder, 'logs'), ...extra };
}

beforeAll(() => {
  ensureSlurmCluster();
});

afterAll(async () => {
  await launcher.cancel(submitted);
});

describe('SlurmLauncher on the real cluster', () => {
  it('runs an array of 4 with at most 2 at once, then a job after it that sees all 4 outputs; logs land where logFile says', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tidepool-slurm-'));
    // Each task records when it ran (ms), so the %2 limit is checked from what happened, not from the script.
    const array = shellJob(folder, 'tp-array', 'echo "task $1 says hi"; s=$(date +%s%3N); sleep 1; e=$(date +%s%3N); echo "$s $e" > "out-$1.tmp" && mv "out-$1.tmp" "out-$1"', {
      tasks: [0, 1, 2, 3],
      parallel: 2,
      env: { GREETING: "it's here" },
    });
    const arrayId = await launcher.submit(array);
    const listId = await launcher.submit({ ...shellJob(folder, 'tp-list', 'ls out-* > list; echo "$GREETING" >> list', { env: { GREETING: "it's here" } }), after: [arrayId] });
    submitted.push(arrayId, listId);
    expect(arrayId).toMatch(/^\d+$/);
    await waitGone([arrayId, listId]);

    expect(readFileSync(join(folder, 'list'), 'utf8')).toBe("out-0\nout-1\nout-2\nout-3\nit's here\n");
    const spans = [0, 1, 2, 3].map((task) => readFileSync(join(folder, `out-${task}`), 'utf8').trim().split(' ').map(Number) as [number, number]);
    for (const [start] of spans) expect(spans.filter(([other, end]) => other <= start && start < end).length).toBeLessThanOrEqual(2);
    for (const task of [0, 1, 2, 3]) expect(readFileSync(launcher.logFile(array.logDir, arrayId, task), 'utf8')).toBe(`task ${task} says hi\n`);
    expect(existsSync(launcher.logFile(array.logDir, listId, undefined))).toBe(true);
    expect(readdirSync(array.logDir).filter((name) => name.endsWith('.sbatch'))).toHaveLength(2);
  });

  it('a failing task (exit 3) cancels the job after it: it never runs and leaves the queue; the log holds the task stderr', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tidepool-slurm-'));
    const array = shellJob(folder, 'tp-fail', 'if [ "$1" = 1 ]; then echo "task 1 broke" >&2; exit 3; fi; touch "ok-$1"', { tasks: [0, 1], parallel: 2 });
    const arrayId = await launcher.submit(array);
    const afterId = await launcher.submit({ ...shellJob(folder, 'tp-never', 'touch never-ran'), after: [arrayId] });
    submitted.push(arrayId, afterId);
    await waitGone([arrayId, afterId]);
    expect(existsSync(join(folder, 'ok-0'))).toBe(true);
    expect(existsSync(join(folder, 'ok-1'))).toBe(false);
    expect(existsSync(join(folder, 'never-ran'))).toBe(false);
    expect(readFileSync(launcher.logFile(array.logDir, arrayId, 1), 'utf8')).toContain('task 1 broke');
  });

  it('query shows a pending array task by task with its reason; cancel removes them; unknown ids are no tasks', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tidepool-slurm-'));
    const holderId = await launcher.submit(shellJob(folder, 'tp-hold', 'sleep 30'));
    const arrayId = await launcher.submit({ ...shellJob(folder, 'tp-wait', 'touch "ran-$1"', { tasks: [0, 2, 3, 5], parallel: 2 }), after: [holderId] });
    submitted.push(holderId, arrayId);

    // Right after sbatch the reason is None until the scheduler's next pass names the dependency.
    let pending = await launcher.query([arrayId]);
    for (const deadline = Date.now() + 15_000; pending.some((task) => task.reason !== 'Dependency') && Date.now() < deadline; ) {
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 300));
      pending = await launcher.query([arrayId]);
    }
    expect(pending.map(({ jobId, task, state, reason }) => ({ jobId, task, state, reason })).sort((a, b) => (a.task ?? -1) - (b.task ?? -1))).toEqual(
      [0, 2, 3, 5].map((task) => ({ jobId: arrayId, task, state: 'pending', reason: 'Dependency' })),
    );
    const both = await launcher.query([holderId, arrayId, '999999']);
    expect(both.filter((task) => task.jobId === holderId)).toEqual([expect.objectContaining({ task: undefined })]);

    await launcher.cancel([arrayId, holderId]);
    await waitGone([holderId, arrayId], 20_000);
    expect(readdirSync(folder).filter((name) => name.startsWith('ran-'))).toEqual([]);
    expect(await launcher.query(['999999'])).toEqual([]);
    await launcher.cancel(['999999']);
  });

  it("sbatch's refusal is E_LAUNCHER with sbatch's message; a missing sbatch says the client commands are not there", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tidepool-slurm-'));
    const refused = launcher.submit(shellJob(folder, 'tp-bad', 'true', { resources: { partition: 'no-such-partition' } }));
    await expect(refused).rejects.toMatchObject({ code: 'E_LAUNCHER', message: expect.stringMatching(/sbatch refused job tp-bad .*invalid partition/i) as unknown });
    const missing = new SlurmLauncher({ binDir: join(folder, 'no-bin') }).submit(shellJob(folder, 'tp-x', 'true'));
    await expect(missing).rejects.toMatchObject({ code: 'E_LAUNCHER', message: expect.stringContaining("Slurm's client commands are not in") as unknown });
  });
});
