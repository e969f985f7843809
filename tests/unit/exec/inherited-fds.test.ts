/** Which inherited descriptors the sandbox must close: fdinfo's octal flags, O_CLOEXEC (02000000) read right. */
import { describe, expect, it } from 'vitest';
import { closedOnExec, closingDescriptors, CLOSE_DESCRIPTORS_SHIM } from '../../../src/exec/inherited-fds.js';

describe('inherited descriptors', () => {
  it('reads close-on-exec from fdinfo flags (octal)', () => {
    expect(closedOnExec('pos:\t0\nflags:\t02102001\nmnt_id:\t20\n')).toBe(true);
    expect(closedOnExec('pos:\t0\nflags:\t0102001\nmnt_id:\t20\n')).toBe(false);
    expect(closedOnExec('pos:\t0\nflags:\t02000000\n')).toBe(true);
    expect(closedOnExec('no flags line')).toBe(false);
  });

  it('runs the command behind the shim: descriptors from the given one up closed, stderr joined when asked', () => {
    expect(closingDescriptors('/usr/bin/python3', 3, true, ['/usr/bin/prlimit', '--', 'node'])).toEqual(['/usr/bin/python3', '-I', '-S', '-B', '-c', CLOSE_DESCRIPTORS_SHIM, '3', '1', '/usr/bin/prlimit', '--', 'node']);
    expect(closingDescriptors('/usr/bin/python3', 4, false, ['node'])).toContain('0');
  });
});
