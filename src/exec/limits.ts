/** Validating {@link ExecLimits}: every problem collected, then thrown once. Pure. */
import { TidepoolError } from '../errors.js';
import { DEFAULT_EXEC_LIMITS, type ExecLimits } from './types.js';

/** Smallest address space a run may be given: Node does not start with less (measured: 512 MiB fails, 768 MiB starts). */
export const MIN_ADDRESS_SPACE_BYTES = 768 * 1024 ** 2;

const LIMIT_NAMES = Object.keys(DEFAULT_EXEC_LIMITS) as (keyof ExecLimits)[];

/**
 * Fills the defaults into `limits` (over `base`) and checks each value: positive numbers, whole where the
 * kernel wants whole numbers, an address space Node can start in.
 * @param where how messages name the limits, e.g. `request.limits` or `--exec-wall-seconds`'s owner.
 * @throws TidepoolError `E_USAGE` listing every bad field.
 */
export function resolveExecLimits(limits: Partial<ExecLimits> | undefined, base: Readonly<ExecLimits> = DEFAULT_EXEC_LIMITS, where = 'limits'): ExecLimits {
  const resolved: ExecLimits = { ...base };
  const problems: string[] = [];
  // Read as unknown: the limits may come from a pipeline file or a JavaScript caller.
  for (const [name, value] of Object.entries(limits ?? {}) as [string, unknown][]) {
    if (value === undefined) continue;
    if (!LIMIT_NAMES.includes(name as keyof ExecLimits)) {
      problems.push(`${where}.${name} is not a limit (known: ${LIMIT_NAMES.join(', ')})`);
      continue;
    }
    const key = name as keyof ExecLimits;
    const fractional = key === 'wallSeconds';
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (!fractional && !Number.isInteger(value))) {
      problems.push(`${where}.${key} must be a positive ${fractional ? 'number' : 'integer'}, got ${JSON.stringify(value)}`);
      continue;
    }
    resolved[key] = value;
  }
  if (resolved.addressSpaceBytes < MIN_ADDRESS_SPACE_BYTES) {
    problems.push(`${where}.addressSpaceBytes must be at least ${MIN_ADDRESS_SPACE_BYTES} (768 MiB: Node does not start with less), got ${resolved.addressSpaceBytes}`);
  }
  if (problems.length > 0) {
    throw new TidepoolError('E_USAGE', `bad execution limits: ${problems.join('; ')}. Fix these values (see ExecLimits in the README's "Execution checks").`, { problems });
  }
  return resolved;
}
