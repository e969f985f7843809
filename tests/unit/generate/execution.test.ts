import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutionLog, executionKey, journaledRunner } from '../../../src/generate/exec-log.js';
import { executionPlan, executionReason, executionText, keptExecution, KEPT_OUTPUT_CHARS, type SampleExecution, type SampleRunner, type SampleRunRequest, type SampleRunResult } from '../../../src/generate/execution.js';
import { chooseRunner, type SandboxAccess } from '../../../src/generate/sandbox-choice.js';
import { addToFunnel, formatFunnel } from '../../../src/generate/funnel.js';
import { emptyFunnel, parseFunnel } from '../../../src/store/funnel.js';
import type { InstructionSample } from '../../../src/generate/tasks.js';
import type { UnitOutcome } from '../../../src/generate/unit.js';

const sample = (overrides: Partial<InstructionSample> = {}): InstructionSample => ({
  task: 'generation', instruction: 'Write a Python function add.', input: '', output: 'def add(a, b):\n    return a + b', language: 'python', tests: 'assert add(1, 2) == 3', ...overrides,
});

const result = (overrides: Partial<SampleRunResult> = {}): SampleRunResult => ({ verdict: 'passed', exitCode: 0, signal: null, output: '', outputTruncated: false, seconds: 0.05, reason: '', ...overrides });

describe('executionPlan', () => {
  it('runs Python and JavaScript samples of the tested tasks, solution and tests as written', () => {
    expect(executionPlan(sample())).toEqual({ run: { language: 'python', solution: 'def add(a, b):\n    return a + b', tests: 'assert add(1, 2) == 3' } });
    expect(executionPlan(sample({ task: 'repair', language: 'JavaScript', output: 'f', tests: 't' }))).toEqual({ run: { language: 'javascript', solution: 'f', tests: 't' } });
    expect(executionPlan(sample({ task: 'oss-instruct' }))).toHaveProperty('run');
  });

  it('skips other languages and empty tests with a counted reason, and leaves tasks without tests alone', () => {
    expect(executionPlan(sample({ language: 'go' }))).toEqual({ skip: expect.objectContaining({ verdict: 'skipped', skip: 'language_unsupported', reason: expect.stringContaining('Go samples are not executed') as string }) as unknown });
    expect(executionPlan(sample({ tests: '  \n' }))).toEqual({ skip: expect.objectContaining({ verdict: 'skipped', skip: 'no_tests' }) as unknown });
    const withoutTests = sample();
    delete withoutTests.tests;
    expect(executionPlan(withoutTests)).toEqual({ skip: expect.objectContaining({ skip: 'no_tests' }) as unknown });
    expect(executionPlan(sample({ task: 'summarization' }))).toBeUndefined();
    expect(executionPlan(sample({ task: 'translation', targetLanguage: 'javascript' }))).toBeUndefined();
  });
});

describe('keptExecution and its texts', () => {
  it('keeps the end of a long output, marked cut, and clears the reason of a pass', () => {
    const long = `${'a'.repeat(5000)}TAIL`;
    const kept = keptExecution(result({ verdict: 'failed', exitCode: 1, output: long, reason: 'AssertionError' }));
    expect(kept.output.length).toBeLessThanOrEqual(KEPT_OUTPUT_CHARS + 2);
    expect(kept.output.endsWith('TAIL')).toBe(true);
    expect(kept.outputTruncated).toBe(true);
    expect(kept).toMatchObject({ verdict: 'failed', exitCode: 1, skip: null, reason: 'AssertionError' });
    expect(keptExecution(result({ reason: 'ignored' })).reason).toBe('');
    expect(keptExecution(result({ verdict: 'skipped', reason: 'aborted' })).skip).toBe('sandbox');
    expect(keptExecution(result({ output: 'short', outputTruncated: true })).outputTruncated).toBe(true);
  });

  it('tells the discriminator and the pools what happened, quoting the end of the output', () => {
    const failed = keptExecution(result({ verdict: 'failed', exitCode: 1, reason: 'AssertionError at line 3', output: 'Traceback...\nAssertionError' }));
    expect(executionText(failed)).toBe('failed: AssertionError at line 3; output ends: Traceback...\nAssertionError');
    expect(executionReason(failed)).toEqual({ code: 'execution_failed', message: 'execution failed: AssertionError at line 3; output ends: Traceback...\nAssertionError' });
    expect(executionText(keptExecution(result({ seconds: 0.25 })))).toBe('passed (the tests ran without error)');
    const skipped = executionPlan(sample({ language: 'go' }));
    if (skipped === undefined || !('skip' in skipped)) throw new Error('expected a skip');
    expect(executionText(skipped.skip)).toMatch(/^not run: Go samples/);
    expect(executionReason(skipped.skip).code).toBe('execution_skipped');
    expect(executionReason(skipped.skip).message).toContain('--require-pass');
  });
});

describe('the funnel counts executions', () => {
  const outcome = (execution: SampleExecution | null, accepted: boolean): UnitOutcome => ({
    accepted, stage: accepted ? null : 'execution', sample: sample(), reasons: accepted || execution === null ? [] : [executionReason(execution)], execution,
    rules: null, inconsistentVerdict: false, unreadableReply: null, tokens: { prompt: 1, completion: 1 }, usd: 0, requests: 1, cachedRequests: 0,
  });

  it('per group and verdict, skips by reason, rejections by code; formats and parses back', () => {
    const funnel = emptyFunnel();
    const skip = executionPlan(sample({ language: 'go' }));
    if (skip === undefined || !('skip' in skip)) throw new Error('expected a skip');
    addToFunnel(funnel, 'generation', 'python', outcome(keptExecution(result()), true));
    addToFunnel(funnel, 'generation', 'python', outcome(keptExecution(result({ verdict: 'failed', reason: 'boom' })), false));
    addToFunnel(funnel, 'generation', 'python', outcome(keptExecution(result({ verdict: 'timeout', reason: 'wall' })), false));
    addToFunnel(funnel, 'generation', 'go', outcome(skip.skip, true));
    addToFunnel(funnel, 'summarization', 'python', outcome(null, true));
    expect(funnel.execution).toEqual({ 'generation/python': { passed: 1, failed: 1, timeout: 1 }, 'generation/go': { skipped: 1 } });
    expect(funnel.skipped).toEqual({ 'generation/language_unsupported': 1 });
    expect(funnel.reasons).toEqual({ 'generation/execution_failed': 1, 'generation/execution_timeout': 1 });
    expect(formatFunnel(funnel)).toContain('executed: 4 (passed 1, failed 1, timeout 1, skipped 1); skipped: generation/language_unsupported x1');
    const parsed = parseFunnel(JSON.parse(JSON.stringify(funnel)));
    expect(parsed).toEqual({ ok: true, value: funnel });
    expect(formatFunnel(emptyFunnel())).not.toContain('executed');
  });
});

/** A runner that records its calls and answers `passed` after `release()` (so concurrency can be observed). */
function gatedRunner(): { runner: SampleRunner; calls: SampleRunRequest[]; running: () => number; most: () => number; releaseAll: () => void } {
  const calls: SampleRunRequest[] = [];
  const gates: (() => void)[] = [];
  let running = 0;
  let most = 0;
  let open = false;
  return {
    calls, running: () => running, most: () => most,
    releaseAll: () => {
      open = true;
      for (const gate of gates.splice(0)) gate();
    },
    runner: {
      kind: 'test',
      run: async (request) => {
        calls.push(request);
        running++;
        most = Math.max(most, running);
        if (!open) await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return result({ output: `ran ${request.solution}` });
      },
    },
  };
}

describe('ExecutionLog and journaledRunner', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidepool-exec-log-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keys by sandbox kind, language, solution and tests (length-prefixed, so fields cannot run into each other)', () => {
    const base = { language: 'python', solution: 'ab', tests: 'c' };
    expect(executionKey('bubblewrap', base)).toBe(executionKey('bubblewrap', { ...base }));
    expect(executionKey('bubblewrap', base)).not.toBe(executionKey('bubblewrap', { ...base, solution: 'a', tests: 'bc' }));
    expect(executionKey('bubblewrap', base)).not.toBe(executionKey('none', base));
  });

  it('runs at most `concurrency` samples at once, journals each run, and a reopened journal answers without running', async () => {
    const path = join(dir, 'executions.jsonl');
    const log = ExecutionLog.open(path);
    const gated = gatedRunner();
    const counts = { ran: 0, journaled: 0 };
    const execute = journaledRunner(gated.runner, log, 2, new AbortController().signal, counts);
    const requests = Array.from({ length: 5 }, (_, i) => ({ language: 'python', solution: `s${i}`, tests: 't' }));
    const pending = requests.map(async (request) => execute(request));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gated.running()).toBe(2);
    gated.releaseAll();
    const results = await Promise.all(pending);
    expect(gated.most()).toBe(2);
    expect(results.map((execution) => execution.output)).toEqual(requests.map((request) => `ran ${request.solution}`));
    expect(counts).toEqual({ ran: 5, journaled: 0 });
    log.close();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(5);

    const reopened = ExecutionLog.open(path);
    const again = gatedRunner();
    const againCounts = { ran: 0, journaled: 0 };
    const executeAgain = journaledRunner(again.runner, reopened, 2, new AbortController().signal, againCounts);
    expect((await executeAgain(requests[3]!)).output).toBe('ran s3');
    expect(again.calls).toEqual([]);
    expect(againCounts).toEqual({ ran: 0, journaled: 1 });
    reopened.close();
  });

  it('journals nothing for a run cut short by the stop signal (its unit does not finish; the rerun runs it)', async () => {
    const log = ExecutionLog.open(join(dir, 'executions.jsonl'));
    const gated = gatedRunner();
    const stop = new AbortController();
    const execute = journaledRunner(gated.runner, log, 1, stop.signal, { ran: 0, journaled: 0 });
    const pending = execute({ language: 'python', solution: 'x', tests: 't' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort();
    gated.releaseAll();
    await expect(pending).rejects.toThrow();
    expect(log.size).toBe(0);
    log.close();
  });

  it('cuts a torn last line (kill -9 mid-write) and names a damaged file with the fix', () => {
    const path = join(dir, 'executions.jsonl');
    const log = ExecutionLog.open(path);
    log.put('k1', keptExecution(result()));
    log.close();
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"key":"k2","exec`);
    const reopened = ExecutionLog.open(path);
    expect(reopened.size).toBe(1);
    expect(reopened.get('k1')?.verdict).toBe('passed');
    reopened.close();
    writeFileSync(path, '{"key":"k3","execution":{"verdict":"maybe"}}\n');
    expect(() => ExecutionLog.open(path)).toThrow(/not an execution entry.*delete/);
  });
});

describe('chooseRunner', () => {
  const runner: SampleRunner = { kind: 'bubblewrap', run: () => Promise.resolve(result()) };
  const access = (ok: boolean): SandboxAccess & { opened: { unsafeNoSandbox: boolean }[] } => {
    const opened: { unsafeNoSandbox: boolean }[] = [];
    return {
      opened,
      probe: () => Promise.resolve(ok ? { ok: true, version: '0.11' } : { ok: false, reason: 'bwrap: No permissions to create new namespace' }),
      open: (options) => {
        opened.push({ unsafeNoSandbox: options.unsafeNoSandbox });
        return Promise.resolve(runner);
      },
    };
  };

  it('on by default where the probe passes; off with one note where it fails; --no-execute opens nothing', async () => {
    const notes: string[] = [];
    expect(await chooseRunner({ execute: 'auto', requirePass: false, unsafeNoSandbox: false }, access(true), (line) => notes.push(line))).toBe(runner);
    expect(notes).toEqual([]);
    const failing = access(false);
    expect(await chooseRunner({ execute: 'auto', requirePass: false, unsafeNoSandbox: false }, failing, (line) => notes.push(line))).toBeNull();
    expect(failing.opened).toEqual([]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/execution checks off: .*No permissions.*--no-execute/);
    const off = access(true);
    expect(await chooseRunner({ execute: false, requirePass: false, unsafeNoSandbox: false }, off, () => {})).toBeNull();
    expect(off.opened).toEqual([]);
  });

  it('--require-pass where the sandbox cannot run is an error with the fix; --execute and --unsafe-no-sandbox go straight to open', async () => {
    await expect(chooseRunner({ execute: 'auto', requirePass: true, unsafeNoSandbox: false }, access(false), () => {})).rejects.toMatchObject({ code: 'E_SANDBOX_UNAVAILABLE', message: expect.stringContaining('install bubblewrap') as string });
    const insisted = access(false);
    await chooseRunner({ execute: true, requirePass: false, unsafeNoSandbox: false }, insisted, () => {});
    expect(insisted.opened).toEqual([{ unsafeNoSandbox: false }]);
    const unsafe = access(false);
    await chooseRunner({ execute: 'auto', requirePass: true, unsafeNoSandbox: true }, unsafe, () => {});
    expect(unsafe.opened).toEqual([{ unsafeNoSandbox: true }]);
  });
});
