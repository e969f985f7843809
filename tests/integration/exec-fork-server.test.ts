/**
 * The JavaScript fork server (native/fork, src/exec/warm-node-server.ts): in warm sandboxes a JavaScript
 * program is a process forked from a started Node, not a new Node. The reference for every ending is the
 * same program run by exec (a new `node main.js` per program, `forkAddon: null`) in the same kind of
 * sandbox: verdict, exit code and output (stack frames aside) must agree. CI builds the addon, so the
 * first test fails, with the fix, when it is missing: the fork server is never skipped silently.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FORK_ADDON_PATH, SANDBOX_ENV, type ExecResult, type WarmOptions, type WarmSandbox } from '../../src/exec/index.js';
import { warmSandboxes } from '../helpers/warm-sandboxes.js';
import { processesWith } from '../helpers/processes.js';

const sandboxes = warmSandboxes();
const warm = (options: WarmOptions = {}): Promise<WarmSandbox> => sandboxes.open(options);

afterEach(() => sandboxes.closeAll());

const js = (solution: string, tests = ''): { language: string; solution: string; tests: string } => ({ language: 'javascript', solution, tests });

/** The output without stack frames (`    at ...`: a forked program's trace also shows the server's frames below its own). */
function withoutFrames(output: string): string {
  return output
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .join('\n');
}

function unique(name: string): string {
  return `tidepool${name}${process.pid}x${Math.random().toString(36).slice(2, 10)}`;
}

/** Programs and how they end; each is run forked and by exec, which must agree. */
const ENDINGS: { name: string; solution: string; tests?: string; verdict: ExecResult['verdict']; exitCode: number | null; output?: RegExp }[] = [
  { name: 'passing asserts', solution: 'function add(a, b) { return a + b; }', tests: 'const assert = require("node:assert");\nassert.strictEqual(add(1, 2), 3);\nconsole.log("done");', verdict: 'passed', exitCode: 0, output: /^done\n$/ },
  { name: 'a failing assert', solution: 'function add(a, b) { return a - b; }', tests: 'const assert = require("node:assert");\nassert.strictEqual(add(1, 2), 3);', verdict: 'failed', exitCode: 1, output: /AssertionError \[ERR_ASSERTION\]/ },
  { name: 'process.exitCode at the end of the event loop', solution: 'setTimeout(() => { console.log("late"); process.exitCode = 3; }, 20);', verdict: 'failed', exitCode: 3, output: /^late\n$/ },
  { name: 'an exit listener that changes the code', solution: 'process.on("exit", (code) => { console.log("exit", code); process.exitCode = 6; });', verdict: 'failed', exitCode: 6, output: /^exit 0\n$/ },
  { name: 'process.exit() with its listeners', solution: 'process.on("exit", (code) => console.log("listener", code));\nprocess.exit(4);\nconsole.log("never");', verdict: 'failed', exitCode: 4, output: /^listener 4\n$/ },
  { name: 'an uncaught exception', solution: 'console.log("before");\nthrow new TypeError("boom");', verdict: 'failed', exitCode: 1, output: /^before\n[\s\S]*TypeError: boom/ },
  { name: 'an unhandled rejection', solution: 'Promise.reject(new RangeError("nope"));', verdict: 'failed', exitCode: 1, output: /RangeError: nope/ },
  { name: 'a syntax error', solution: 'function (', verdict: 'failed', exitCode: 1, output: /SyntaxError/ },
  { name: 'module syntax with top-level await', solution: 'import assert from "node:assert";\nconst value = await Promise.resolve(2);\nassert.equal(value, 2);\nconsole.log("esm", import.meta.url);', verdict: 'passed', exitCode: 0, output: /^esm file:\/\/\/sandbox\/main\.js\n$/ },
  { name: 'require.main and argv', solution: 'console.log(require.main === module, process.argv.length, process.argv[1], __filename);', verdict: 'passed', exitCode: 0, output: /^true 2 \/sandbox\/main\.js \/sandbox\/main\.js\n$/ },
  // V8 hands work to worker threads (a full collection's job workers, WebAssembly compilation), and Node
  // waits for them at the end of the event loop: the forked child has worker threads of its own.
  { name: 'a full garbage collection', solution: 'require("v8").setFlagsFromString("--expose-gc");\nconst gc = require("vm").runInNewContext("gc");\nconst kept = Array.from({ length: 200000 }, (_, i) => ({ i }));\ngc();\nconsole.log("collected", kept.length);', verdict: 'passed', exitCode: 0, output: /^collected 200000\n$/ },
  { name: 'WebAssembly compiled in the background', solution: 'const add = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);\nWebAssembly.instantiate(add).then(({ instance }) => console.log("wasm", instance.exports.add(2, 3)));', verdict: 'passed', exitCode: 0, output: /^wasm 5\n$/ },
  { name: 'a worker thread and the libuv thread pool', solution: 'const { Worker } = require("node:worker_threads");\nnew Worker(`require("node:worker_threads").parentPort.postMessage(6 * 7)`, { eval: true }).on("message", (value) => console.log("worker", value));\nrequire("node:crypto").pbkdf2("pw", "salt", 1000, 8, "sha256", (error, key) => console.log("pbkdf2", key.toString("hex")));', verdict: 'passed', exitCode: 0, output: /worker 42\n/ },
  { name: 'stdout and stderr in order', solution: 'for (let i = 0; i < 3; i++) { console.log("out", i); console.error("err", i); }', verdict: 'passed', exitCode: 0, output: /^out 0\nerr 0\nout 1\nerr 1\nout 2\nerr 2\n$/ },
];

describe('the JavaScript fork server', () => {
  it('runs JavaScript here: each program a process forked from the started server, not a new Node', async () => {
    const sandbox = await warm();
    const result = await sandbox.run(js('const fs = require("fs");\nconsole.log("cmdline", fs.readFileSync("/proc/self/cmdline", "utf8").split("\\0").join(" "));\nconsole.log("parent", process.ppid, "flags", process.execArgv.join(" "));'));
    expect(sandbox.javascriptMode(), `the fork addon ${FORK_ADDON_PATH}: build it with \`npm run build\` (needs g++, make, python3)`).toEqual({ mode: 'forked' });
    expect(result.verdict, result.output).toBe('passed');
    // Not exec'd: the process still has the server's command line, and its parent is the server (pid 2).
    expect(result.output).toContain('/.tidepool/warm-server.cjs');
    expect(result.output).toMatch(/parent 2 flags --single-threaded/);
  });

  it.each(ENDINGS)('a program ends as `node main.js` ends it: $name', async ({ solution, tests, verdict, exitCode, output }) => {
    const forked = await warm();
    const warnings: string[] = [];
    const exec = await sandboxes.open({ forkAddon: null }, (message) => warnings.push(message));
    const [viaFork, viaExec] = [await forked.run(js(solution, tests)), await exec.run(js(solution, tests))];
    expect(forked.javascriptMode().mode).toBe('forked');
    // Turned off by the caller: said so, and not announced as a fallback.
    expect(exec.javascriptMode()).toEqual({ mode: 'exec', reason: 'the fork server is turned off (forkAddon: null)' });
    expect(warnings).toEqual([]);
    for (const result of [viaFork, viaExec]) {
      expect(result.verdict, result.output).toBe(verdict);
      expect(result.exitCode, result.output).toBe(exitCode);
      if (output !== undefined) expect(result.output).toMatch(output);
    }
    expect(withoutFrames(viaFork.output)).toBe(withoutFrames(viaExec.output));
  });

  it('each program is a process of its own: its own id, a fresh Math.random seed, the sandbox environment only', async () => {
    const sandbox = await warm();
    const program = 'console.log("PID", process.pid, require("fs").readlinkSync("/proc/self"), "RANDOM", Math.random(), "ENV", Object.keys(process.env).sort().join(","));';
    const results = [await sandbox.run(js(program)), await sandbox.run(js(program)), await sandbox.run(js(program))];
    const seen = results.map((result) => {
      expect(result.verdict, result.output).toBe('passed');
      const found = /PID (\d+) (\d+) RANDOM ([\d.e-]+) ENV (\S*)/.exec(result.output);
      if (found === null) throw new Error(`unexpected output: ${result.output}`);
      // process.pid is the process's own (the kernel's answer), not the server's.
      expect(found[1]).toBe(found[2]);
      expect(found[4]).toBe(Object.keys(SANDBOX_ENV).sort().join(','));
      return { pid: Number(found[1]), random: found[3] };
    });
    expect(new Set(seen.map((entry) => entry.pid)).size).toBe(3);
    expect(seen.every((entry) => entry.pid > 2)).toBe(true);
    // Math.random is seeded per program (the server's generator state is copied into every child).
    expect(new Set(seen.map((entry) => entry.random)).size).toBe(3);
  });

  it('child processes work, and what a program leaves (a detached process, a fork bomb) is killed before the next runs', async () => {
    const sandbox = await warm();
    const marker = unique('forkedleft');
    const left = await sandbox.run({
      ...js(`const { spawn, execFileSync } = require("child_process");
console.log("echo", execFileSync("/bin/sh", ["-c", "echo from-a-child"], { encoding: "utf8" }).trim());
spawn("/bin/sh", ["-c", "sleep 300 # ${marker}"], { detached: true, stdio: "ignore" }).unref();
spawn("/bin/sh", ["-c", "f() { f | f & }; f # ${marker}"], { detached: true, stdio: "ignore" }).unref();
setTimeout(() => console.log("LEFT"), 500);`),
      limits: { processes: 32, wallSeconds: 15 },
    });
    expect(left.verdict, left.output).toBe('passed');
    expect(left.output).toContain('echo from-a-child');
    expect(left.output).toContain('LEFT');
    expect(await processesWith(marker)).toEqual([]);
    const next = await sandbox.run(js('console.log("NEXT", require("fs").readdirSync("/proc").filter((name) => /^\\d+$/.test(name)).length);'));
    expect(next.verdict, next.output).toBe('passed');
    // Only the sandbox's init, the server and this program.
    expect(next.output).toContain('NEXT 3');
  });

  it('a timeout kills the program and its children; the sandbox serves the next program', async () => {
    const sandbox = await warm();
    const marker = unique('forkedtimeout');
    const spin = await sandbox.run({ ...js(`require("child_process").spawn("/bin/sh", ["-c", "sleep 300 # ${marker}"], { stdio: "ignore" });\nconsole.log("SPINNING");\nwhile (true) {}`), limits: { wallSeconds: 1 } });
    expect(spin.verdict).toBe('timeout');
    expect(spin.output).toContain('SPINNING');
    expect(await processesWith(marker)).toEqual([]);
    const next = await sandbox.run(js('console.log("PID", process.pid)'));
    expect(next.verdict).toBe('passed');
  });

  it('a program cannot read the server, and one that kills it is crashed; the next gets a fresh sandbox', async () => {
    const sandbox = await warm();
    const reader = await sandbox.run(js(`const fs = require("fs");
for (const path of ["mem", "environ", "fd/0", "fd/3"]) {
  try { fs.readFileSync("/proc/" + process.ppid + "/" + path); console.log("READ", path); } catch (error) { console.log("denied", path, error.code); }
}`));
    expect(reader.verdict, reader.output).toBe('passed');
    expect(reader.output).not.toContain('READ');
    expect(reader.output.match(/^denied /gm)?.length).toBe(4);
    const killer = await sandbox.run(js('console.log("PID", process.pid);\nprocess.kill(process.ppid, "SIGKILL");\nsetTimeout(() => {}, 5000);'));
    expect(killer.verdict).toBe('crashed');
    expect(killer.reason).toMatch(/killed its server/);
    const next = await sandbox.run(js('console.log("ok")'));
    expect(next.verdict).toBe('passed');
    expect(sandbox.javascriptMode()).toEqual({ mode: 'forked' });
  });

  it('an addon that does not load (built for another Node) makes JavaScript run by exec, and says why', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tidepool-fork-addon-'));
    try {
      const broken = join(folder, 'tidepool_fork.node');
      writeFileSync(broken, 'not a shared object');
      const warnings: string[] = [];
      const sandbox = await sandboxes.open({ forkAddon: broken }, (message) => warnings.push(message));
      // Said once, when the sandbox opens (its probe ran a JavaScript program).
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^JavaScript programs will each start a new Node \(about 2x slower, as safe\): the Node fork server did not start/);
      const result = await sandbox.run(js('console.log("RAN", process.execArgv.includes("--single-threaded"))'));
      expect(result.verdict, result.output).toBe('passed');
      expect(result.output).toContain('RAN false');
      const mode = sandbox.javascriptMode();
      expect(mode.mode).toBe('exec');
      expect(mode.mode === 'exec' ? mode.reason : '').toMatch(/fork server did not start/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
