/**
 * Hostile programs in the bubblewrap sandbox: each is contained (what it tried did not happen on the
 * host), and the host is checked afterwards (files, a listener, processes left behind). Every case
 * also shows that it really ran (a marker it prints) so a sandbox that ran nothing cannot pass.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openSandbox, type ExecResult, type Sandbox } from '../../src/exec/index.js';
import { processesOnce, processesWith } from '../helpers/processes.js';

function unique(name: string): string {
  return `tidepool${name}${process.pid}x${Math.random().toString(36).slice(2, 10)}`;
}

let sandbox: Sandbox;
let hostFolder: string;
let secretFile: string;
const SECRET = unique('secret');

async function runPython(program: string, limits: Parameters<Sandbox['run']>[0]['limits'] = {}): Promise<ExecResult> {
  return sandbox.run({ language: 'python', solution: program, tests: '', limits: { wallSeconds: 20, cpuSeconds: 10, ...limits } });
}

beforeAll(() => {
  hostFolder = mkdtempSync(join(tmpdir(), 'tidepool-exec-host-'));
  secretFile = join(hostFolder, 'secret.txt');
  writeFileSync(secretFile, SECRET);
});

afterAll(() => {
  rmSync(hostFolder, { recursive: true, force: true });
});

// Both ways of running: warm sandboxes (the default: programs one after another, each in a fresh process,
// the sandbox cleaned between them) and a new sandbox per program.
describe.each([{ mode: 'warm sandboxes', fresh: false }, { mode: 'a new sandbox per run', fresh: true }])('bubblewrap sandbox ($mode): hostile programs are contained', ({ fresh }) => {
  beforeAll(async () => {
    sandbox = await openSandbox({ freshSandboxes: fresh });
    expect(sandbox.kind).toBe('bubblewrap');
  });
  afterAll(async () => {
    await sandbox.close?.();
  });

  it('cannot read ~/.ssh, the home folder or a secret file in the work folder', async () => {
    const home = homedir();
    const result = await runPython(`
import os
print("RAN")
for path in [${JSON.stringify(join(home, '.ssh'))}, ${JSON.stringify(home)}, ${JSON.stringify(hostFolder)}, ${JSON.stringify(process.cwd())}]:
    print(path, "exists" if os.path.exists(path) else "absent")
try:
    print("LEAK", open(${JSON.stringify(secretFile)}).read())
except OSError as error:
    print("blocked", type(error).__name__)
`);
    expect(result.output).toContain('RAN');
    expect(result.output).not.toContain(SECRET);
    expect(result.output).toContain('blocked FileNotFoundError');
    for (const path of [join(home, '.ssh'), home, hostFolder, process.cwd()]) expect(result.output).toContain(`${path} absent`);
  });

  it('cannot read /etc/shadow (nor /etc/passwd: /etc is not there)', async () => {
    const result = await runPython(`
print("RAN")
for path in ["/etc/shadow", "/etc/passwd"]:
    try:
        print("LEAK", open(path).read())
    except OSError as error:
        print("blocked", path, type(error).__name__)
`);
    expect(result.output).toContain('RAN');
    expect(result.output).not.toContain('LEAK');
    expect(result.output).toContain('blocked /etc/shadow FileNotFoundError');
  });

  it('sees no environment variable of the host (OPENAI_API_KEY), in its own environment or any /proc/*/environ', async () => {
    const key = unique('sk-');
    process.env.OPENAI_API_KEY = key;
    try {
      const python = await runPython(`
import os, glob
print("RAN", sorted(os.environ))
for path in glob.glob("/proc/*/environ"):
    try:
        print(path, open(path, "rb").read())
    except OSError as error:
        print(path, type(error).__name__)
`);
      const node = await sandbox.run({ language: 'javascript', solution: 'console.log("RAN", JSON.stringify(process.env));', tests: '' });
      for (const result of [python, node]) {
        expect(result.verdict, result.output).toBe('passed');
        expect(result.output).toContain('RAN');
        expect(result.output).not.toContain(key);
        expect(result.output).not.toContain('OPENAI_API_KEY');
      }
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });

  it('cannot write outside its own folder, and leaves nothing on the host', async () => {
    const target = join(hostFolder, 'written-by-sandbox.txt');
    const result = await runPython(`
import os
print("RAN", os.getcwd())
open("inside.txt", "w").write("fine")
print("inside ok", open("inside.txt").read())
for path in [${JSON.stringify(target)}, "/usr/tidepool-evil", "/etc/tidepool-evil", "/tidepool-evil", "/dev/tidepool-evil", "/proc/tidepool-evil", "/sandbox/main.py"]:
    try:
        open(path, "w").write("evil")
        print("WROTE", path)
    except OSError as error:
        print("blocked", path, type(error).__name__)
`);
    expect(result.output).toContain('inside ok fine');
    expect(result.output).not.toContain('WROTE');
    expect(result.output.match(/blocked /g)?.length).toBe(7);
    expect(existsSync(target)).toBe(false);
    expect(existsSync('/usr/tidepool-evil')).toBe(false);
    expect(existsSync('/tidepool-evil')).toBe(false);
    expect(readdirSync(hostFolder)).toEqual(['secret.txt']);
  });

  it('cannot open a socket to a listener on 127.0.0.1 (the listener sees no connection), nor reach any network', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await runPython(`
import socket
print("RAN")
for host, port in [("127.0.0.1", ${port}), ("10.0.0.1", 80), ("1.1.1.1", 53)]:
    try:
        socket.create_connection((host, port), timeout=2).close()
        print("CONNECTED", host)
    except OSError as error:
        print("blocked", host, type(error).__name__)
`);
      expect(result.output).toContain('RAN');
      expect(result.output).not.toContain('CONNECTED');
      expect(result.output.match(/blocked /g)?.length).toBe(3);
      // The program ran with the listener up; one more event-loop turn lets a late connection show.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('a fork bomb stops at the process limit and leaves no process behind', async () => {
    const marker = unique('forkbomb');
    const result = await runPython(`
import os, subprocess, time
print("RAN", flush=True)
subprocess.Popen(["/bin/sh", "-c", "f() { f | f & }; f # ${marker}"])
# The most copies seen at once over 1.5 s: at the limit, forks fail and the bomb may die out
# between two looks, so one look could see none.
most = 0
for _ in range(30):
    running = 0
    for name in os.listdir("/proc"):
        try:
            running += name.isdigit() and b"${marker}" in open(f"/proc/{name}/cmdline", "rb").read()
        except OSError:
            pass
    most = max(most, running)
    time.sleep(0.05)
print("BOMB PROCESSES", most, flush=True)
time.sleep(1)
`, { processes: 32, wallSeconds: 15 });
    expect(result.output).toContain('RAN');
    // It did run: several copies at once, never more than the limit.
    const running = Number(/BOMB PROCESSES (\d+)/.exec(result.output)?.[1]);
    expect(running).toBeGreaterThan(1);
    expect(running).toBeLessThanOrEqual(32);
    expect(['passed', 'failed', 'crashed']).toContain(result.verdict);
    expect(await processesWith(marker)).toEqual([]);
  });

  it('a fork bomb counts: no more processes than the limit ever run at once', async () => {
    const result = await runPython(`
import os, time
children = 0
try:
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            time.sleep(5)
            os._exit(0)
        children += 1
except OSError as error:
    print("stopped", type(error).__name__)
print("children", children)
`, { processes: 16 });
    const children = Number(/children (\d+)/.exec(result.output)?.[1]);
    expect(result.output).toContain('stopped BlockingIOError');
    expect(children).toBeGreaterThan(0);
    expect(children).toBeLessThan(16);
  });

  it('allocating 10 GB fails inside (crashed, out of memory) in Python and JavaScript', async () => {
    const python = await runPython('print("RAN", flush=True)\nblock = bytearray(10 * 1024 ** 3)\nprint("ALLOCATED")');
    const node = await sandbox.run({
      language: 'javascript',
      solution: 'console.log("RAN"); const blocks = []; for (let i = 0; i < 100; i++) blocks.push(new Uint8Array(100 * 1024 ** 2)); console.log("ALLOC" + "ATED");',
      tests: '',
      limits: { wallSeconds: 30 },
    });
    for (const result of [python, node]) {
      expect(result.output).toContain('RAN');
      expect(result.output).not.toContain('ALLOCATED');
      expect(result.verdict, result.output).toBe('crashed');
      expect(result.reason).toMatch(/out of memory/);
    }
  });

  it('printing 1 GB is cut at the output cap and stopped', async () => {
    const cap = 64 * 1024;
    const result = await runPython('import sys\nchunk = "x" * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\nprint("FINISHED")', { outputBytes: cap, wallSeconds: 60 });
    expect(result.verdict).toBe('crashed');
    expect(result.outputTruncated).toBe(true);
    expect(result.output.length).toBe(cap);
    expect(result.output).toBe('x'.repeat(cap));
    expect(result.reason).toMatch(/output cap/);
  });

  it('a background process left running (even in a new session) is gone when the program ends', async () => {
    const marker = unique('background');
    const result = await runPython(`
import os, subprocess, time
child = subprocess.Popen(["/bin/sh", "-c", "sleep 300 # ${marker}"], start_new_session=True)
time.sleep(0.2)
os.kill(child.pid, 0)
print("BACKGROUND STARTED", child.pid)
`);
    expect(result.verdict, result.output).toBe('passed');
    expect(result.output).toContain('BACKGROUND STARTED');
    expect(await processesWith(marker)).toEqual([]);
  });

  it('a wall-clock timeout kills the whole tree, children included', async () => {
    const marker = unique('timeouttree');
    const result = await runPython(`
import subprocess, time
subprocess.Popen(["/bin/sh", "-c", "sleep 300 # ${marker}"])
print("CHILD STARTED", flush=True)
time.sleep(300)
`, { wallSeconds: 2 });
    expect(result.verdict).toBe('timeout');
    expect(result.output).toContain('CHILD STARTED');
    expect(await processesWith(marker)).toEqual([]);
  });

  it('kill(-1) reaches only the sandbox: a host process survives', async () => {
    const marker = unique('hostsleeper');
    const sleeper = spawn('/bin/sh', ['-c', `sleep 60 # ${marker}`], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const result = await runPython('import os, signal\nprint("RAN", flush=True)\nos.kill(-1, signal.SIGKILL)\nprint("AFTER")');
      expect(result.output).toContain('RAN');
      expect(sleeper.exitCode).toBeNull();
      expect(sleeper.signalCode).toBeNull();
      expect((await processesWith(marker)).length).toBeGreaterThan(0);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('a descriptor tidepool inherited (a host file left open without close-on-exec) is not open in the program, Python or JavaScript', async () => {
    // A separate Node process (the built dist/) is started by a shell that leaves a host file open on its fd
    // 100, as a shell or CI runner may leave one to tidepool (Node marks the low ones close-on-exec at its
    // start, not such a high one); bubblewrap would pass it on. The programs list
    // their descriptors and write to every one above stderr.
    const leakFolder = mkdtempSync(join(tmpdir(), 'tidepool-exec-leak-'));
    const leakFile = join(leakFolder, 'leaked-descriptor.txt');
    writeFileSync(leakFile, '');
    onTestFinished(() => {
      rmSync(leakFolder, { recursive: true, force: true });
    });
    const listPython = 'import os\\nfor name in os.listdir("/proc/self/fd"):\\n    try:\\n        print("FD", name, os.readlink("/proc/self/fd/" + name), flush=True)\\n        if int(name) > 2: os.write(int(name), b"ESCAPED")\\n    except OSError:\\n        pass';
    const listJs = 'const fs = require("fs");\\nfor (const name of fs.readdirSync("/proc/self/fd")) { try { console.log("FD", name, fs.readlinkSync("/proc/self/fd/" + name)); } catch {} }';
    const script = `const { openSandbox } = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', 'exec', 'index.js')).href)});
const { readlinkSync } = await import('node:fs');
const leaked = readlinkSync('/proc/self/fd/100');
const sandbox = await openSandbox({ freshSandboxes: ${String(fresh)} });
const results = [await sandbox.run({ language: 'python', solution: '${listPython}', tests: '' }), await sandbox.run({ language: 'javascript', solution: '${listJs}', tests: '' })];
await sandbox.close?.();
process.stdout.write(JSON.stringify({ leaked, results: results.map((result) => ({ verdict: result.verdict, output: result.output })) }));`;
    const host = spawn('/bin/bash', ['-c', 'exec "$0" --input-type=module -e "$1" 100>>"$2"', process.execPath, script, leakFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    host.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const code = await new Promise((resolve) => host.on('close', resolve));
    expect(code, stdout).toBe(0);
    const report = JSON.parse(stdout) as { leaked: string; results: { verdict: string; output: string }[] };
    expect(report.leaked).toBe(leakFile);
    for (const result of report.results) {
      expect(result.verdict, result.output).toBe('passed');
      expect(result.output).toMatch(/^FD 0 /m);
      expect(result.output).not.toContain('leaked-descriptor');
    }
    expect(readFileSync(leakFile, 'utf8')).toBe('');
  });

  it('kill -9 of tidepool while a program runs leaves no sandbox process behind (--die-with-parent)', async () => {
    const marker = unique('killed');
    // A separate Node process (the built dist/, as the CLI runs it) opens the sandbox and starts a long program.
    // The marker is split in the script, so only the sandboxed child's command line holds it whole.
    const [head, tail] = [marker.slice(0, 8), marker.slice(8)];
    const script = `const { openSandbox } = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', 'exec', 'index.js')).href)});
const sandbox = await openSandbox({ freshSandboxes: ${String(fresh)} });
await sandbox.run({ language: 'python', solution: 'import subprocess, time\\nsubprocess.Popen(["/bin/sh", "-c", "sleep 300 # ${head}" + "${tail}"])\\ntime.sleep(300)', tests: '', limits: { wallSeconds: 300 } });`;
    const host = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    try {
      // Wait until the program's child runs in the sandbox.
      for (let waited = 0; (await processesOnce(marker)).length === 0; waited += 100) {
        if (waited > 60_000) throw new Error('the sandboxed program never started');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      host.kill('SIGKILL');
      expect(await processesWith(marker)).toEqual([]);
    } finally {
      host.kill('SIGKILL');
    }
  });
});
