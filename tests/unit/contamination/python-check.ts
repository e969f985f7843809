/**
 * Test helper: runs planted copies in python3 and checks they still solve their benchmark problem
 * (HumanEval: `check(candidate)`; MBPP: its asserts), the independent reference for "the renaming is
 * consistent and the re-printing keeps the meaning".
 */
import { spawnSync } from 'node:child_process';

/** One copy to check: its code, the benchmark line, and the names the neighbours define (not the copy). */
export interface CopyCheck {
  code: string;
  line: Record<string, unknown>;
  neighbourNames: readonly string[];
}

const SCRIPT = String.raw`
import json, sys, types, typing
out = []
for job in json.load(sys.stdin):
    try:
        scope = dict(vars(typing))
        before = set(scope)
        exec(job["code"], scope)
        made = [k for k, v in scope.items() if k not in before and isinstance(v, types.FunctionType) and k not in job["neighbours"]]
        line = job["line"]
        if "canonical_solution" in line:
            entry = [k for k in made if k == line["entry_point"]] or made[-1:]
            test_scope = dict(vars(typing))
            exec(line["test"], test_scope)
            test_scope["check"](scope[entry[0]])
        else:
            name = line["code"].split("def ", 1)[1].split("(", 1)[0]
            test_scope = {name: scope[made[-1]]}
            for test in line["test_list"]:
                exec(test, test_scope)
        out.append("ok")
    except Exception as error:
        out.append(repr(error))
json.dump(out, sys.stdout)
`;

/** "ok" for each copy that parses and passes its benchmark's tests, else the Python error. */
export function checkInPython(copies: readonly CopyCheck[]): string[] {
  const input = JSON.stringify(copies.map((c) => ({ code: c.code, line: c.line, neighbours: c.neighbourNames })));
  const run = spawnSync('python3', ['-c', SCRIPT], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}
