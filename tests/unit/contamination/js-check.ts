/**
 * Test helper: runs planted JavaScript copies under node (a child process) and checks they still
 * solve their benchmark problem: the copy is evaluated, the function it names as its entry point is
 * bound to the benchmark's entry-point name, and the benchmark's own `test` (node:assert) is run.
 */
import { spawnSync } from 'node:child_process';

/** One copy to check: its code, the name its entry point has in it, and the benchmark line. */
export interface JsCopyCheck {
  code: string;
  entryPoint: string;
  line: Record<string, unknown>;
}

const SCRIPT = String.raw`
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const out = [];
  for (const job of JSON.parse(input)) {
    try {
      const candidate = new Function('require', job.code + '\n;return ' + job.entryPoint + ';')(require);
      if (typeof candidate !== 'function') throw new Error(job.entryPoint + ' is not a function');
      new Function('require', job.name, job.test)(require, candidate);
      out.push('ok');
    } catch (error) {
      out.push(String(error && error.message || error));
    }
  }
  process.stdout.write(JSON.stringify(out));
});
`;

/** "ok" for each copy that parses and passes its benchmark's tests under node, else the error. */
export function checkInNode(copies: readonly JsCopyCheck[]): string[] {
  const input = JSON.stringify(copies.map((c) => ({ code: c.code, entryPoint: c.entryPoint, name: c.line.entry_point, test: c.line.test })));
  const run = spawnSync(process.execPath, ['-e', SCRIPT], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`node failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}
