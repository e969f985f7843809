/**
 * Descriptors tidepool inherited without close-on-exec (from a shell, a CI runner or a parent process
 * that leaked them): bubblewrap passes every such descriptor on into the sandbox, where a program could
 * use it (a pipe to a process on the host, say). Node opens its own with close-on-exec, so normally there
 * are none; when there are, the sandbox's first process closes them (CLOSE_DESCRIPTORS_SHIM).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** O_CLOEXEC as /proc/<pid>/fdinfo prints it (octal flags). */
const O_CLOEXEC = 0o2000000;

/** Whether an fdinfo text (`flags:\t02100002`) says the descriptor is closed on exec. */
export function closedOnExec(fdinfo: string): boolean {
  const flags = /^flags:\s*([0-7]+)/m.exec(fdinfo)?.[1];
  return flags !== undefined && (parseInt(flags, 8) & O_CLOEXEC) !== 0;
}

/** This process's descriptors above stderr that a child would inherit (none where /proc cannot be read). */
export function inheritableDescriptors(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3) continue;
    try {
      if (!closedOnExec(readFileSync(`/proc/self/fdinfo/${name}`, 'utf8'))) found.push(fd);
    } catch {
      // Closed meanwhile (the readdir's own descriptor among them).
    }
  }
  return found;
}

/**
 * Python (standard library, run with `-I -S -B -c`): closes every descriptor from argv[1] up, joins
 * stderr to stdout when argv[2] is "1", then execs argv[3:].
 */
export const CLOSE_DESCRIPTORS_SHIM = 'import os, sys\nos.closerange(int(sys.argv[1]), 1 << 20)\nif sys.argv[2] == "1":\n    os.dup2(1, 2)\nos.execv(sys.argv[3], sys.argv[3:])';

/** `command` run through the shim: descriptors from `firstClosed` up closed, stderr joined to stdout when `joinStderr`. */
export function closingDescriptors(python: string, firstClosed: number, joinStderr: boolean, command: readonly string[]): string[] {
  return [python, '-I', '-S', '-B', '-c', CLOSE_DESCRIPTORS_SHIM, String(firstClosed), joinStderr ? '1' : '0', ...command];
}
