/** Instruction records written by hand, in the shape `tidepool generate` writes them, for export tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstructionRecord } from '../../../src/generate/records.js';

/** A generate-style record; `overrides` replace top-level fields, `rowId` and `model` the provenance's. */
export function instructionRecord(
  index: number,
  overrides: Partial<Omit<InstructionRecord, 'provenance'>> = {},
  provenance: { rowId?: number; model?: string } = {},
): InstructionRecord {
  const task = overrides.task ?? 'generation';
  return {
    id: `row${index}/${task}`,
    task,
    language: 'python',
    instruction: `Write a Python function number ${index}.`,
    input: '',
    output: `def f${index}():\n    return ${index}`,
    ...overrides,
    provenance: {
      unit: `row${index}/${task}`, rowId: provenance.rowId ?? index, task, mode: 'codeocean', seed: null,
      generator: { model: provenance.model ?? 'gen-model', prompt: task, promptVersion: 'abc' },
      discriminator: { model: 'disc-model', prompt: `discriminator-${task}`, promptVersion: 'def' },
      poolSnapshot: 'p0', verdict: 'accept', rules: [], execution: null, tokens: { prompt: 10, completion: 20 }, requests: 2, cachedRequests: 0,
    },
  };
}

/** Writes `lines` (records as JSON, strings as they are) to `dir/name`, one per line. */
export async function writeRecords(dir: string, lines: readonly (InstructionRecord | string)[], name = 'instructions.jsonl'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).map((line) => `${line}\n`).join(''));
  return path;
}
