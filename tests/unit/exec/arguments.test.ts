/** The pure parts of a sandboxed run: limits, languages, the prlimit and bubblewrap command lines. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../src/errors.js';
import {
  BubblewrapSandbox, bwrapArguments, DEFAULT_EXEC_LIMITS, hostLayout, WarmSandbox, execLanguage, interpreterCommand, needsPythonSite, parseBwrapStatus, programText, prlimitCommand, resolveExecLimits,
  SANDBOX_ENV, type HostLayout,
} from '../../../src/exec/index.js';

const layout: HostLayout = {
  rootEntries: [{ path: '/bin', symlink: 'usr/bin' }, { path: '/lib', directory: true }],
  etcEntries: ['/etc/ld.so.cache'],
  extraReadOnly: [{ source: '/opt/node', dest: '/opt/node' }],
  inside: { python: '/usr/bin/python3', node: '/opt/node/bin/node' },
};

/** The value following `flag` each time it occurs. */
function valuesOf(args: readonly string[], flag: string, count = 1): string[][] {
  const found: string[][] = [];
  args.forEach((arg, index) => {
    if (arg === flag) found.push(args.slice(index + 1, index + 1 + count));
  });
  return found;
}

describe('resolveExecLimits', () => {
  it('fills defaults and keeps given values', () => {
    expect(resolveExecLimits(undefined)).toEqual(DEFAULT_EXEC_LIMITS);
    expect(resolveExecLimits({ wallSeconds: 2.5, processes: 8 })).toEqual({ ...DEFAULT_EXEC_LIMITS, wallSeconds: 2.5, processes: 8 });
  });

  it('collects every problem in one E_USAGE error', () => {
    let caught: unknown;
    try {
      resolveExecLimits({ wallSeconds: 0, openFiles: 2.5, addressSpaceBytes: 1 << 20, bogus: 1 } as never, DEFAULT_EXEC_LIMITS, 'exec');
    } catch (error) {
      caught = error;
    }
    expect(hasErrorCode(caught, 'E_USAGE')).toBe(true);
    const message = (caught as Error).message;
    for (const part of ['exec.wallSeconds must be a positive number', 'exec.openFiles must be a positive integer', 'exec.bogus is not a limit', 'exec.addressSpaceBytes must be at least']) expect(message).toContain(part);
  });
});

describe('languages', () => {
  it('knows python and javascript by their usual names, nothing else', () => {
    expect(['Python', 'py', ' python3 '].map(execLanguage)).toEqual(['python', 'python', 'python']);
    expect(['JavaScript', 'js', 'node', 'nodejs'].map(execLanguage)).toEqual(['javascript', 'javascript', 'javascript', 'javascript']);
    expect(['typescript', 'rust', ''].map(execLanguage)).toEqual([null, null, null]);
  });

  it('puts the tests after the solution, each on lines of its own', () => {
    expect(programText('def f(): return 1', 'assert f() == 1')).toBe('def f(): return 1\n\nassert f() == 1\n');
  });

  it('caps Node\'s heap at half the address space', () => {
    const command = interpreterCommand('javascript', { python: '/usr/bin/python3', node: '/usr/bin/node' }, '/sandbox/main.js', { ...DEFAULT_EXEC_LIMITS, addressSpaceBytes: 2 * 1024 ** 3 });
    expect(command).toContain('--max-old-space-size=1024');
    expect(command.at(-1)).toBe('/sandbox/main.js');
    expect(interpreterCommand('python', { python: '/usr/bin/python3', node: '/usr/bin/node' }, '/sandbox/main.py', DEFAULT_EXEC_LIMITS)).toEqual(['/usr/bin/python3', '-I', '-S', '-B', '/sandbox/main.py']);
    expect(interpreterCommand('python', { python: '/usr/bin/python3', node: '/usr/bin/node' }, '/sandbox/main.py', DEFAULT_EXEC_LIMITS, true)).toEqual(['/usr/bin/python3', '-I', '-B', '/sandbox/main.py']);
  });

  it('runs Python again with site only when a module or a site builtin was missing', () => {
    expect(needsPythonSite('Traceback ...\nModuleNotFoundError: No module named \'numpy\'\n')).toBe(true);
    expect(needsPythonSite('NameError: name \'exit\' is not defined\n')).toBe(true);
    expect(needsPythonSite('NameError: name \'solve\' is not defined\n')).toBe(false);
    expect(needsPythonSite('AssertionError\n')).toBe(false);
  });

  it('prlimit carries every limit', () => {
    const limits = { ...DEFAULT_EXEC_LIMITS, cpuSeconds: 3, processes: 7, openFiles: 9, fileSizeBytes: 1000, addressSpaceBytes: 1 << 30 };
    expect(prlimitCommand('/usr/bin/prlimit', limits, ['x'])).toEqual(['/usr/bin/prlimit', '--cpu=3:4', `--as=${1 << 30}`, '--nproc=7', '--fsize=1000', '--nofile=9', '--core=0', '--', 'x']);
  });
});

describe('bwrapArguments', () => {
  const args = bwrapArguments(layout, { programFd: 4, programPath: '/sandbox/main.py', statusFd: 3, writableBytes: 1 << 24, sharedMemoryBytes: 1 << 20, command: ['/usr/bin/prlimit', '--', '/usr/bin/python3'] });

  it('isolates: all namespaces, no environment, dies with tidepool, a new session, no capabilities', () => {
    for (const flag of ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv']) expect(args).toContain(flag);
    expect(valuesOf(args, '--cap-drop')).toEqual([['ALL']]);
    // --share-net would give the network back.
    expect(args).not.toContain('--share-net');
    expect(valuesOf(args, '--setenv', 2).map(([name]) => name).sort()).toEqual(Object.keys(SANDBOX_ENV).sort());
  });

  it('binds the system read-only and nothing writable but two sized tmpfs; the root remounted read-only last', () => {
    expect(valuesOf(args, '--bind')).toEqual([]);
    expect(valuesOf(args, '--ro-bind', 2)).toEqual([['/usr', '/usr'], ['/lib', '/lib'], ['/opt/node', '/opt/node']]);
    expect(valuesOf(args, '--symlink', 2)).toEqual([['usr/bin', '/bin'], ['/sandbox', '/tmp']]);
    expect(valuesOf(args, '--tmpfs')).toEqual([['/dev/shm'], ['/sandbox']]);
    expect(valuesOf(args, '--size')).toEqual([[String(1 << 20)], [String(1 << 24)]]);
    expect(valuesOf(args, '--remount-ro')).toEqual([['/dev'], ['/']]);
    const lastMount = Math.max(...['--ro-bind', '--tmpfs', '--ro-bind-data', '--symlink', '--dev', '--proc'].map((flag) => args.lastIndexOf(flag)));
    expect(args.lastIndexOf('--remount-ro')).toBeGreaterThan(lastMount);
    expect(args.slice(args.indexOf('--') + 1)).toEqual(['/usr/bin/prlimit', '--', '/usr/bin/python3']);
  });
});

describe('warm sandboxes', () => {
  it('start bubblewrap with the arguments of a new sandbox per run: only the bound file, the status descriptor and the command differ', () => {
    const tools = { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' };
    const interpreters = { python: '/usr/bin/python3', node: '/usr/bin/node' };
    for (const runAsRoot of [false, true]) {
      const fresh = new BubblewrapSandbox(tools, interpreters, DEFAULT_EXEC_LIMITS, runAsRoot).commandLine('python', DEFAULT_EXEC_LIMITS);
      const warm = new WarmSandbox(tools, interpreters, DEFAULT_EXEC_LIMITS, { runAsRoot }).commandLine(DEFAULT_EXEC_LIMITS);
      const options = (line: readonly string[]): string[] => {
        const args = line.slice(line.indexOf(tools.bwrap) + 1, line.indexOf('--', line.indexOf(tools.bwrap)));
        const status = args.indexOf('--json-status-fd');
        const withoutStatus = status < 0 ? args : [...args.slice(0, status), ...args.slice(status + 2)];
        // The bound file: the program (fresh) or the warm server, both read-only (--perms 0444 --ro-bind-data).
        return withoutStatus.map((arg) => (arg === '/sandbox/main.py' || arg === '/.tidepool/warm-server.py' ? 'BOUND' : arg));
      };
      expect(options(warm)).toEqual(options(fresh));
      expect(warm.slice(warm.indexOf('--', warm.indexOf(tools.bwrap)) + 1)).toEqual(['/usr/bin/python3', '-I', '-B', '/.tidepool/warm-server.py']);
      // As root, each sandbox drops to a user id of its own, as each fresh run does.
      expect(warm[0]).toBe(runAsRoot ? tools.setpriv : tools.bwrap);
      expect(fresh[0]).toBe(warm[0]);
    }
  });
});

describe('parseBwrapStatus', () => {
  it('reads the child pid and the exit code from the JSON stream, ignoring a cut-off document', () => {
    expect(parseBwrapStatus('{ "child-pid": 42, "net-namespace": 1 }\n{ "exit-code": 3 }\n')).toEqual({ childPid: 42, exitCode: 3 });
    expect(parseBwrapStatus('{ "child-pid": 42 }\n{ "exit-co')).toEqual({ childPid: 42, exitCode: null });
    expect(parseBwrapStatus('')).toEqual({ childPid: null, exitCode: null });
  });
});

describe('hostLayout', () => {
  it('binds an interpreter outside /usr with its install folder: at its own path, or under /.tidepool/interpreters when below /tmp', () => {
    const below = mkdtempSync('/tmp/tidepool-layout-');
    try {
      mkdirSync(join(below, 'bin'));
      writeFileSync(join(below, 'bin', 'node'), '');
      const layout = hostLayout({ python: '/usr/bin/python3', node: join(below, 'bin', 'node') });
      expect(layout.extraReadOnly).toEqual([{ source: below, dest: '/.tidepool/interpreters/0' }]);
      expect(layout.inside).toEqual({ python: '/usr/bin/python3', node: '/.tidepool/interpreters/0/bin/node' });
      const args = bwrapArguments(layout, { programFd: 4, programPath: '/sandbox/main.js', writableBytes: 1 << 24, sharedMemoryBytes: 1 << 24, command: [layout.inside.node] });
      expect(valuesOf(args, '--ro-bind', 2)).toContainEqual([below, '/.tidepool/interpreters/0']);
    } finally {
      rmSync(below, { recursive: true, force: true });
    }
  });
});
