/**
 * The check of saved case pools (the `pools` of generate's state file) before {@link CasePools.fromJSON}
 * rebuilds them: every problem, each naming its path, so a damaged or foreign state is reported at once.
 */
import type { InstructionSample } from './tasks.js';
import { POOL_KEYS, sampleId } from './pool-entry.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const describeValue = (value: unknown): string => (Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value);

/** Every problem with a saved state, each naming its path. Empty when the state is valid. */
export function poolsStateProblems(state: unknown): string[] {
  if (!isRecord(state)) return [`the state must be an object, found ${describeValue(state)}`];
  const problems: string[] = [];
  const capacity = state.capacity;
  if (!isCount(capacity) || capacity < 1) problems.push(`capacity must be a positive integer, found ${JSON.stringify(capacity)}`);
  if (!isCount(state.version)) problems.push(`version must be a non-negative integer, found ${JSON.stringify(state.version)}`);
  if (!isRecord(state.entries)) return [...problems, `entries must be an object keyed by "<task>/<kind>", found ${describeValue(state.entries)}`];
  for (const [key, pool] of Object.entries(state.entries)) {
    const path = `entries[${JSON.stringify(key)}]`;
    if (!(POOL_KEYS as readonly string[]).includes(key)) {
      problems.push(`${path}: unknown pool; expected one of ${POOL_KEYS.join(', ')}`);
      continue;
    }
    if (!Array.isArray(pool)) {
      problems.push(`${path} must be an array, found ${describeValue(pool)}`);
      continue;
    }
    if (isCount(capacity) && pool.length > capacity) problems.push(`${path} holds ${pool.length} entries, more than the capacity ${capacity}`);
    const seen = new Set<string>();
    pool.forEach((entry: unknown, index) => {
      const entryProblems = entryShapeProblems(entry, key.split('/')[0] ?? '');
      problems.push(...entryProblems.map((problem) => `${path}[${index}]${problem}`));
      if (entryProblems.length > 0 || !isRecord(entry)) return;
      if (seen.has(entry.id as string)) problems.push(`${path}[${index}].id ${JSON.stringify(entry.id)} appears twice in the pool`);
      seen.add(entry.id as string);
    });
  }
  return problems;
}

/** Problems with one entry, each starting with the field path below the entry (e.g. `.sample.language ...`). */
function entryShapeProblems(entry: unknown, task: string): string[] {
  if (!isRecord(entry)) return [` must be an object, found ${describeValue(entry)}`];
  const problems: string[] = [];
  if (typeof entry.id !== 'string' || !/^[0-9a-f]{16}$/.test(entry.id)) problems.push(`.id must be 16 hex digits, found ${JSON.stringify(entry.id)}`);
  if (typeof entry.unit !== 'string') problems.push(`.unit must be a string, found ${describeValue(entry.unit)}`);
  if (!isCount(entry.rowId)) problems.push(`.rowId must be a non-negative integer, found ${JSON.stringify(entry.rowId)}`);
  if (!Array.isArray(entry.reasons) || !entry.reasons.every((reason) => typeof reason === 'string')) problems.push('.reasons must be an array of strings');
  const sample = entry.sample;
  if (!isRecord(sample)) return [...problems, `.sample must be an object, found ${describeValue(sample)}`];
  if (sample.task !== task) problems.push(`.sample.task must be ${JSON.stringify(task)} (the pool's task), found ${JSON.stringify(sample.task)}`);
  for (const field of ['instruction', 'input', 'output', 'language'] as const) {
    if (typeof sample[field] !== 'string') problems.push(`.sample.${field} must be a string, found ${describeValue(sample[field])}`);
  }
  if (sample.tests !== undefined && typeof sample.tests !== 'string') problems.push(`.sample.tests must be a string when present, found ${describeValue(sample.tests)}`);
  if (sample.targetLanguage !== undefined && typeof sample.targetLanguage !== 'string') problems.push(`.sample.targetLanguage must be a string when present, found ${describeValue(sample.targetLanguage)}`);
  if (problems.length === 0 && entry.id !== sampleId(sample as unknown as InstructionSample)) {
    problems.push(`.id ${JSON.stringify(entry.id)} does not match its sample (expected ${JSON.stringify(sampleId(sample as unknown as InstructionSample))})`);
  }
  return problems;
}
