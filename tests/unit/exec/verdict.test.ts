/** The verdict rules, on endings whose right verdict is known from how they were built. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXEC_LIMITS, errorLine, judgeRun, type RunEnding } from '../../../src/exec/index.js';

const normal: RunEnding = { exitCode: 0, signal: null, started: true, startFailure: '', timedOut: false, outputCapped: false, aborted: false, output: '' };
const judge = (ending: Partial<RunEnding>, language: 'python' | 'javascript' = 'python') => judgeRun(language, { ...normal, ...ending }, DEFAULT_EXEC_LIMITS);

const PYTHON_TRACEBACK = `Traceback (most recent call last):
  File "/sandbox/main.py", line 4, in <module>
    assert add(2, 3) == 5, "wrong"
AssertionError: wrong
`;
const NODE_ERROR = `/sandbox/main.js:3
assert.strictEqual(add(2, 3), 5);
       ^

AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:

1 !== 5

    at Object.<anonymous> (/sandbox/main.js:3:8)

Node.js v20.20.2
`;

describe('errorLine', () => {
  it('takes the last error line of a Python traceback and the first of a Node error', () => {
    expect(errorLine('python', PYTHON_TRACEBACK)).toBe('AssertionError: wrong');
    expect(errorLine('javascript', NODE_ERROR)).toBe('AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:');
    expect(errorLine('python', 'just a line\n')).toBe('just a line');
    // `throw new Error("boom")`: Node prints the source excerpt, a plain `Error: boom`, the stack, then its version.
    expect(errorLine('javascript', '/sandbox/main.js:1\nthrow new Error("boom")\n^\n\nError: boom\n    at Object.<anonymous> (/sandbox/main.js:1:7)\n\nNode.js v20.20.2\n')).toBe('Error: boom');
    expect(errorLine('python', '')).toBe('');
  });
});

describe('judgeRun', () => {
  it('exit 0 passes; a non-zero exit fails with the error line', () => {
    expect(judge({})).toEqual({ verdict: 'passed', reason: '' });
    expect(judge({ exitCode: 1, output: PYTHON_TRACEBACK })).toEqual({ verdict: 'failed', reason: 'AssertionError: wrong (exit status 1)' });
    expect(judge({ exitCode: 3 })).toEqual({ verdict: 'failed', reason: 'exit status 3, no output' });
  });

  it('the wall clock and CPU seconds are timeouts', () => {
    expect(judge({ exitCode: null, signal: 'SIGKILL', timedOut: true }).verdict).toBe('timeout');
    expect(judge({ exitCode: null, signal: 'SIGXCPU' })).toEqual({ verdict: 'timeout', reason: 'used up its 5 CPU seconds (SIGXCPU)' });
  });

  it('resource limits and signals are crashes, with the limit named', () => {
    expect(judge({ exitCode: 1, output: 'Traceback...\nMemoryError\n' }).reason).toMatch(/^ran out of memory \(address-space limit 2048 MiB\)/);
    expect(judge({ exitCode: 1, output: 'Traceback...\nMemoryError\n' }).verdict).toBe('crashed');
    expect(judge({ exitCode: 1, output: 'BlockingIOError: [Errno 11] Resource temporarily unavailable\n' }).reason).toMatch(/process limit \(64/);
    expect(judge({ exitCode: null, signal: 'SIGABRT', output: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory' }, 'javascript')).toEqual({ verdict: 'crashed', reason: 'ran out of memory (address-space limit 2048 MiB) (SIGABRT)' });
    expect(judge({ exitCode: null, signal: 'SIGSEGV' })).toEqual({ verdict: 'crashed', reason: 'crashed (segmentation fault) (SIGSEGV)' });
    expect(judge({ exitCode: null, signal: 'SIGXFSZ' }).reason).toMatch(/file-size limit/);
    expect(judge({ outputCapped: true, exitCode: null, signal: 'SIGKILL' })).toEqual({ verdict: 'crashed', reason: 'printed more than the 65536-byte output cap and was stopped' });
  });

  it('a failing test that merely prints limit-like words is a failure, not a crash', () => {
    const output = 'log: out of memory handler installed\nTraceback...\nAssertionError: 2 != 3\n';
    expect(judge({ exitCode: 1, output })).toEqual({ verdict: 'failed', reason: 'AssertionError: 2 != 3 (exit status 1)' });
  });

  it('a sandbox that did not start crashes with its message; an abort before the start skips', () => {
    expect(judge({ started: false, exitCode: 1, startFailure: 'bwrap: No permissions to creating new namespace\n' })).toEqual({ verdict: 'crashed', reason: 'the sandbox could not start the program: bwrap: No permissions to creating new namespace' });
    expect(judge({ started: false, aborted: true }).verdict).toBe('skipped');
    expect(judge({ aborted: true, signal: 'SIGKILL', exitCode: null }).verdict).toBe('crashed');
  });
});
