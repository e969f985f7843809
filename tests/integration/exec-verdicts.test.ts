/**
 * Right and wrong programs get the right verdict, in warm bubblewrap sandboxes (the default), in a new
 * sandbox per run (`freshSandboxes`) and without one (`--unsafe-no-sandbox`), and a sandbox that
 * cannot start is refused with its fix.
 */
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/errors.js';
import { BubblewrapSandbox, openSandbox, WarmSandbox, type ExecRequest, type ExecVerdict, type Sandbox } from '../../src/exec/index.js';

/** Each case: a program whose verdict is known by construction. */
const CASES: readonly { name: string; request: ExecRequest; verdict: ExecVerdict; reason: RegExp }[] = [
  { name: 'python right answer', request: { language: 'python', solution: 'def add(a, b):\n    return a + b', tests: 'assert add(2, 3) == 5\nassert add(-1, 1) == 0' }, verdict: 'passed', reason: /^$/ },
  { name: 'python wrong answer', request: { language: 'python', solution: 'def add(a, b):\n    return a - b', tests: 'assert add(2, 3) == 5, "add(2, 3) should be 5"' }, verdict: 'failed', reason: /AssertionError: add\(2, 3\) should be 5/ },
  { name: 'python exception', request: { language: 'python', solution: 'def first(items):\n    return items[0]', tests: 'assert first([]) is None' }, verdict: 'failed', reason: /IndexError/ },
  { name: 'python syntax error', request: { language: 'python', solution: 'def add(a, b)\n    return a + b', tests: 'assert add(1, 2) == 3' }, verdict: 'failed', reason: /SyntaxError/ },
  { name: 'python infinite loop', request: { language: 'python', solution: 'def spin():\n    while True:\n        pass', tests: 'spin()', limits: { wallSeconds: 3, cpuSeconds: 1 } }, verdict: 'timeout', reason: /wall-clock|CPU seconds/ },
  // Python runs without the site module first; these need it or its absence must not change the verdict.
  { name: 'python site builtin exit()', request: { language: 'python', solution: 'def add(a, b):\n    return a + b', tests: 'assert add(1, 1) == 2\nexit(0)' }, verdict: 'passed', reason: /^$/ },
  { name: 'python missing module', request: { language: 'python', solution: 'import tidepool_no_such_module', tests: '' }, verdict: 'failed', reason: /ModuleNotFoundError: No module named 'tidepool_no_such_module'/ },
  { name: 'javascript right answer', request: { language: 'javascript', solution: 'function add(a, b) { return a + b; }', tests: 'const assert = require("node:assert");\nassert.strictEqual(add(2, 3), 5);' }, verdict: 'passed', reason: /^$/ },
  { name: 'javascript right answer (ES module tests)', request: { language: 'js', solution: 'export function add(a, b) { return a + b; }', tests: 'import assert from "node:assert";\nassert.strictEqual(add(2, 3), 5);' }, verdict: 'passed', reason: /^$/ },
  { name: 'javascript wrong answer', request: { language: 'javascript', solution: 'function add(a, b) { return a - b; }', tests: 'const assert = require("node:assert");\nassert.strictEqual(add(2, 3), 5);' }, verdict: 'failed', reason: /AssertionError/ },
  { name: 'javascript exception', request: { language: 'javascript', solution: 'function first(items) { return items[0].name; }', tests: 'first([]);' }, verdict: 'failed', reason: /TypeError/ },
  { name: 'javascript syntax error', request: { language: 'javascript', solution: 'function add(a, b) { return a + b;', tests: 'add(1, 2);' }, verdict: 'failed', reason: /SyntaxError/ },
  { name: 'javascript infinite loop', request: { language: 'javascript', solution: 'function spin() { for (;;) {} }', tests: 'spin();', limits: { wallSeconds: 3, cpuSeconds: 1 } }, verdict: 'timeout', reason: /wall-clock|CPU seconds/ },
  { name: 'unknown language', request: { language: 'rust', solution: 'fn main() {}', tests: '' }, verdict: 'skipped', reason: /language "rust"/ },
];

async function checkVerdicts(sandbox: Sandbox): Promise<void> {
  // All at once: the runs are independent, and each result must belong to its own program.
  const results = await Promise.all(CASES.map((entry) => sandbox.run(entry.request)));
  CASES.forEach((entry, index) => {
    const result = results[index];
    expect(result?.verdict, `${entry.name}: ${result?.reason ?? ''}\n${result?.output ?? ''}`).toBe(entry.verdict);
    expect(result?.reason, entry.name).toMatch(entry.reason);
    if (entry.verdict === 'passed') expect(result?.exitCode).toBe(0);
    if (entry.verdict === 'failed') expect(result?.exitCode).toBe(1);
  });
}

describe('verdicts', () => {
  it('bubblewrap, warm sandboxes: right, wrong, exception, syntax error, infinite loop, unknown language in Python and JavaScript', async () => {
    const sandbox = await openSandbox({});
    expect(sandbox).toBeInstanceOf(WarmSandbox);
    await checkVerdicts(sandbox);
    // Again, in the sandboxes the first round left warm.
    await checkVerdicts(sandbox);
    await sandbox.close?.();
  });

  it('bubblewrap, a new sandbox per run: the same verdicts', async () => {
    const sandbox = await openSandbox({ freshSandboxes: true });
    expect(sandbox).toBeInstanceOf(BubblewrapSandbox);
    await checkVerdicts(sandbox);
  });

  it('bubblewrap: output is captured in order, and the program sees its own PID namespace', async () => {
    const program = { language: 'python', solution: 'import os, sys\nprint("one", flush=True)\nprint("two", file=sys.stderr, flush=True)\nprint("pid", os.getpid(), "cwd", os.getcwd())', tests: '' };
    const fresh = await (await openSandbox({ freshSandboxes: true })).run(program);
    expect(fresh.output).toBe('one\ntwo\npid 2 cwd /sandbox\n');
    // Warm: process 1 is the sandbox's init, 2 its server, the programs come after.
    const warm = await openSandbox({});
    const result = await warm.run(program);
    expect(result.output).toMatch(/^one\ntwo\npid ([3-9]|[1-9]\d) cwd \/sandbox\n$/);
    await warm.close?.();
  });

  it('an interpreter installed under /tmp (where the sandbox has its own /tmp) runs from /.tidepool/interpreters, warm and fresh', async () => {
    // A Node install under /tmp, as an unpacked tarball or an npm-installed node@N leaves one: the same binary, linked.
    const folder = mkdtempSync('/tmp/tidepool-node-install-');
    try {
      // Readable by all, as installs are (mkdtemp makes it 0700; as root, each sandbox runs as a user of its own).
      chmodSync(folder, 0o755);
      mkdirSync(join(folder, 'bin'));
      const node = join(folder, 'bin', 'node');
      try {
        linkSync(process.execPath, node);
      } catch {
        copyFileSync(process.execPath, node);
        chmodSync(node, 0o755);
      }
      const request = { language: 'javascript', solution: 'console.log("EXEC", process.execPath);', tests: '' };
      for (const freshSandboxes of [false, true]) {
        const sandbox = await openSandbox({ freshSandboxes, interpreters: { node } });
        const result = await sandbox.run(request);
        if (sandbox instanceof WarmSandbox) {
          // The fork server runs it (the addon was built for this very binary).
          expect(sandbox.javascriptMode()).toEqual({ mode: 'forked' });
          await sandbox.close();
        }
        expect(result.verdict, result.output).toBe('passed');
        expect(result.output).toBe('EXEC /.tidepool/interpreters/0/bin/node\n');
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('an abort kills a running program', async () => {
    const sandbox = await openSandbox({});
    const controller = new AbortController();
    setTimeout(() => { controller.abort(); }, 500);
    const result = await sandbox.run({ language: 'python', solution: 'import time\ntime.sleep(60)', tests: '' }, controller.signal);
    expect(result.verdict).toBe('crashed');
    expect(result.reason).toMatch(/aborted/);
    expect(result.seconds).toBeLessThan(30);
  });

  it('a bwrap that cannot start is refused with the fix, unless --unsafe-no-sandbox', async () => {
    const broken = { tools: { bwrap: '/bin/false' } };
    const error = await openSandbox(broken).then(() => null, (caught: unknown) => caught);
    expect(hasErrorCode(error, 'E_SANDBOX_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/apt-get install bubblewrap/);
    expect((error as Error).message).toMatch(/--unsafe-no-sandbox/);
    const missing = await openSandbox({ tools: { bwrap: '/nonexistent/bwrap' } }).then(() => null, (caught: unknown) => caught);
    expect((missing as Error).message).toMatch(/not found: bubblewrap/);

    const warnings: string[] = [];
    const unsafe = await openSandbox({ ...broken, unsafeNoSandbox: true, warn: (message) => warnings.push(message) });
    expect(unsafe.kind).toBe('none');
    expect(warnings.join('\n')).toMatch(/WITHOUT isolation/);
    await checkVerdicts(unsafe);
  });

  it('--unsafe-no-sandbox is not used where bubblewrap works', async () => {
    const warnings: string[] = [];
    const sandbox = await openSandbox({ unsafeNoSandbox: true, warn: (message) => warnings.push(message) });
    expect(sandbox.kind).toBe('bubblewrap');
    expect(sandbox).toBeInstanceOf(WarmSandbox);
    expect(await openSandbox({ unsafeNoSandbox: true, freshSandboxes: true, warn: (message) => warnings.push(message) })).toBeInstanceOf(BubblewrapSandbox);
    expect(warnings).toEqual([]);
    await sandbox.close?.();
  });

  it('bad limits are reported all at once', async () => {
    const sandbox = await openSandbox({});
    const error = await sandbox.run({ language: 'python', solution: '', tests: '', limits: { wallSeconds: -1, processes: 1.5, addressSpaceBytes: 1024 } }).then(() => null, (caught: unknown) => caught);
    expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
    expect((error as Error).message).toMatch(/wallSeconds.*processes.*addressSpaceBytes/);
  });
});
