/**
 * Warm sandboxes: one sandbox runs programs one after another, and nothing a program leaves behind
 * reaches the next (files, processes, System V IPC, changed builtins, the environment); a program
 * cannot reach the server that runs it; a sandbox that lost its server, or served its share of runs,
 * is replaced. Which sandbox ran a program is told by its process id: a sandbox's first program is
 * process 3 (after the sandbox's init and its server), and later ones in the same sandbox count up.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecResult, WarmSandbox } from '../../src/exec/index.js';
import { warmSandboxes } from '../helpers/warm-sandboxes.js';

const execFileAsync = promisify(execFile);

const sandboxes = warmSandboxes();
const warm = (runsPerSandbox?: number): Promise<WarmSandbox> => sandboxes.open(runsPerSandbox === undefined ? {} : { runsPerSandbox });

afterEach(() => sandboxes.closeAll());

/** The process id a program printed as `PID <n>`. */
function pidOf(result: ExecResult): number {
  const found = /PID (\d+)/.exec(result.output);
  if (found?.[1] === undefined) throw new Error(`no PID in: ${result.output} (${result.verdict}: ${result.reason})`);
  return Number(found[1]);
}

const python = (solution: string): { language: string; solution: string; tests: string } => ({ language: 'python', solution, tests: '' });

describe('warm sandboxes', () => {
  it('run programs one after another in the same sandbox, each in a fresh process', async () => {
    const sandbox = await warm();
    const first = await sandbox.run(python('import os\nprint("PID", os.getpid(), "PARENT", os.getppid())'));
    const second = await sandbox.run(python('import os\nprint("PID", os.getpid(), "PARENT", os.getppid())'));
    expect(first.verdict).toBe('passed');
    expect(pidOf(first)).toBe(3);
    expect(pidOf(second)).toBeGreaterThan(3);
    expect(first.output).toContain('PARENT 2');
    expect(second.output).toContain('PARENT 2');
  });

  it('nothing a program leaves reaches the next one: files, processes, System V IPC, builtins, modules, the environment', async () => {
    const sandbox = await warm();
    const leaver = await sandbox.run(python(`
import builtins, ctypes, os, subprocess, sys
for path in ("/sandbox/left.txt", "/tmp/left-tmp.txt", "/dev/shm/left-shm"):
    open(path, "w").write("left")
os.makedirs("/sandbox/locked/inner")
open("/sandbox/locked/inner/f", "w").write("x")
os.chmod("/sandbox/locked/inner", 0)
os.chmod("/sandbox/locked", 0)
subprocess.Popen(["/bin/sh", "-c", "sleep 300"], start_new_session=True)
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget(0x7140, 4096, 0o1000 | 0o600)
assert segment >= 0, ctypes.get_errno()
os.environ["LEFT_BEHIND"] = "1"
builtins.len = lambda value: 42
sys.modules["json"] = None
print("PID", os.getpid(), "LEFT", flush=True)
`));
    expect(leaver.verdict, leaver.output).toBe('passed');
    const checker = await sandbox.run(python(`
import ctypes, os, json
print("PID", os.getpid())
print("files", sorted(os.listdir("/sandbox")), sorted(os.listdir("/dev/shm")))
print("len", len([1, 2]))
print("env", os.environ.get("LEFT_BEHIND"))
print("json", json.dumps([1]))
print("processes", sorted(int(name) for name in os.listdir("/proc") if name.isdigit()))
libc = ctypes.CDLL(None, use_errno=True)
print("segment", libc.shmget(0x7140, 0, 0))
print("sysvipc", open("/proc/sysvipc/shm").read().count("\\n") - 1)
`));
    expect(checker.verdict, checker.output).toBe('passed');
    // The same sandbox (its process ids count on), cleaned: only the program's own file, its own processes.
    expect(pidOf(checker)).toBeGreaterThan(pidOf(leaver));
    expect(checker.output).toContain("files ['main.py'] []");
    expect(checker.output).toContain('len 2');
    expect(checker.output).toContain('env None');
    expect(checker.output).toContain('json [1]');
    expect(checker.output).toContain(`processes [1, 2, ${pidOf(checker)}]`);
    expect(checker.output).toContain('segment -1');
    expect(checker.output).toContain('sysvipc 0');
  });

  it('a JavaScript program leaves nothing to the next one either', async () => {
    const sandbox = await warm();
    const leaver = await sandbox.run({ language: 'javascript', solution: 'require("fs").writeFileSync("/sandbox/left.js.txt", "x"); Array.prototype.includes = () => true; console.log("PID", process.pid);', tests: '' });
    const checker = await sandbox.run({ language: 'javascript', solution: 'const fs = require("fs"); console.log("PID", process.pid, JSON.stringify(fs.readdirSync("/sandbox")), [1].includes(2));', tests: '' });
    expect(leaver.verdict, leaver.output).toBe('passed');
    expect(checker.verdict, checker.output).toBe('passed');
    expect(pidOf(checker)).toBeGreaterThan(pidOf(leaver));
    expect(checker.output).toContain('["main.js"] false');
  });

  it('Python reports errors as `python3 main.py` does: a SyntaxError raised while running keeps its traceback, one in the program has none', async () => {
    const sandbox = await warm();
    const running = await sandbox.run(python('print("RAN", flush=True)\nexec("value = (")'));
    expect(running.verdict).toBe('failed');
    expect(running.output).toMatch(/^RAN\nTraceback \(most recent call last\):\n {2}File "\/sandbox\/main\.py", line 2, in <module>\n/);
    expect(running.output).toMatch(/SyntaxError: '\(' was never closed\n$/);
    const compiling = await sandbox.run(python('value = ('));
    expect(compiling.verdict).toBe('failed');
    expect(compiling.output).not.toContain('Traceback');
    expect(compiling.output).toMatch(/^ {2}File "\/sandbox\/main\.py", line 1\n[\s\S]*SyntaxError: '\(' was never closed\n$/);
  });

  it('a program cannot trace the server or read its memory, descriptors or environment', async () => {
    const sandbox = await warm();
    const result = await sandbox.run(python(`
import ctypes, os
print("PID", os.getpid())
for path in ("/proc/2/mem", "/proc/2/environ", "/proc/2/fd/0", "/proc/2/fd/3"):
    try:
        open(path, "rb").read(1)
        print("READ", path)
    except OSError as error:
        print("denied", path, type(error).__name__)
try:
    os.listdir("/proc/2/fd")
    print("LISTED fds")
except OSError as error:
    print("denied fds", type(error).__name__)
libc = ctypes.CDLL(None, use_errno=True)
print("ptrace", libc.ptrace(16, 2, None, None), ctypes.get_errno())
`));
    expect(result.verdict, result.output).toBe('passed');
    expect(result.output).not.toMatch(/READ|LISTED/);
    expect(result.output.match(/^denied /gm)?.length).toBe(5);
    // PTRACE_ATTACH (16) refused with EPERM (1).
    expect(result.output).toContain('ptrace -1 1');
  });

  it('a program that kills its server is crashed, and the next program gets a fresh sandbox', async () => {
    const sandbox = await warm();
    const killer = await sandbox.run(python('import os, signal\nprint("PID", os.getpid(), flush=True)\nos.kill(os.getppid(), signal.SIGKILL)\nimport time\ntime.sleep(5)'));
    expect(killer.verdict).toBe('crashed');
    expect(killer.reason).toMatch(/killed its server/);
    expect(killer.output).toContain('PID 3');
    const next = await sandbox.run(python('import os\nprint("PID", os.getpid())'));
    expect(next.verdict).toBe('passed');
    expect(pidOf(next)).toBe(3);
  });

  it('a timeout ends the program, not the sandbox; a sandbox is replaced after its share of runs', async () => {
    const sandbox = await warm(3);
    const spin = await sandbox.run({ ...python('import os\nprint("PID", os.getpid(), flush=True)\nwhile True:\n    pass'), limits: { wallSeconds: 1 } });
    expect(spin.verdict).toBe('timeout');
    const pids: number[] = [pidOf(spin)];
    for (let run = 0; run < 3; run++) pids.push(pidOf(await sandbox.run(python('import os\nprint("PID", os.getpid())'))));
    // Runs 1-3 in the first sandbox (ids counting on after the timeout), run 4 in a new one.
    expect(pids[0]).toBe(3);
    expect(pids[1]).toBeGreaterThan(3);
    expect(pids[2]).toBeGreaterThan(pids[1] ?? 0);
    expect(pids[3]).toBe(3);
  });

  it('an idle sandbox killed from outside is replaced: the next program runs at once in a fresh one', async () => {
    const sandbox = await warm();
    expect(pidOf(await sandbox.run(python('import os\nprint("PID", os.getpid())')))).toBe(3);
    const { stdout } = await execFileAsync('pgrep', ['-P', String(process.pid), 'bwrap']);
    for (const pid of stdout.split('\n').filter((line) => line.trim() !== '')) process.kill(Number(pid), 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await sandbox.run({ ...python('import os\nprint("PID", os.getpid())'), limits: { wallSeconds: 20 } });
    expect(next.verdict, next.reason).toBe('passed');
    expect(pidOf(next)).toBe(3);
    expect(next.seconds).toBeLessThan(10);
  });

  it('close() stops the idle sandboxes: no sandbox process of this test is left', async () => {
    const sandbox = await warm();
    await Promise.all([1, 2, 3].map(() => sandbox.run(python('print("PID", 0)'))));
    const children = async (): Promise<string[]> => {
      try {
        const { stdout } = await execFileAsync('pgrep', ['-P', String(process.pid), '-a']);
        return stdout.split('\n').filter((line) => line.includes('bwrap'));
      } catch {
        return [];
      }
    };
    expect((await children()).length).toBe(3);
    await sandbox.close();
    for (let waited = 0; (await children()).length > 0 && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await children()).toEqual([]);
  });
});
