/**
 * Reads the `counts` of stage manifests (generate, decontam, select, ingest) into the report's
 * typed shapes, checking every field: a manifest from an older or newer tidepool gives a note,
 * never a crash. Pure.
 */
import { parseFunnel, type Parsed } from '../store/funnel.js';
import type { DecontamData, GenerateData } from './data.js';

/** The result type of every parser here (defined beside the funnel's reader in `store/`). */
export type { Parsed };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** `counts.funnel`, `tasks`, `languages`, tokens and cost of a generate manifest. */
export function parseGenerateCounts(counts: unknown): Parsed<GenerateData> {
  if (!isObject(counts)) return { ok: false, problem: 'its manifest has no "counts"' };
  const funnel = parseFunnel(counts.funnel);
  if (!funnel.ok) return funnel;
  const groups = Object.entries(funnel.value.groups);
  const byPart = (part: 0 | 1) => {
    const out: Record<string, { units: number; accepted: number }> = {};
    for (const [key, group] of groups) {
      const name = key.split('/')[part] ?? '';
      const entry = (out[name] ??= { units: 0, accepted: 0 });
      entry.units += group.units;
      entry.accepted += group.accepted;
    }
    return out;
  };
  const tokens = isObject(counts.tokens) && isCount(counts.tokens.prompt) && isCount(counts.tokens.completion)
    ? { prompt: counts.tokens.prompt, completion: counts.tokens.completion }
    : { prompt: groups.reduce((sum, [, g]) => sum + g.promptTokens, 0), completion: groups.reduce((sum, [, g]) => sum + g.completionTokens, 0) };
  const accepted = isCount(counts.accepted) ? counts.accepted : groups.reduce((sum, [, g]) => sum + g.accepted, 0);
  const rejected = isCount(counts.rejected) ? counts.rejected : groups.reduce((sum, [, g]) => sum + g.units - g.accepted, 0);
  return {
    ok: true,
    value: {
      mode: typeof counts.mode === 'string' ? counts.mode : 'unknown',
      funnel: funnel.value,
      // Derived from the funnel rather than read: the funnel is what every figure shows, so they agree.
      tasks: byPart(0), languages: byPart(1),
      accepted, rejected, tokens,
      usd: isCount(counts.usd) ? counts.usd : null,
    },
  };
}

/** `removedByBenchmark`, `removedByDetector` and the record counts of a decontam manifest. */
export function parseDecontamCounts(counts: unknown): Parsed<DecontamData> {
  if (!isObject(counts)) return { ok: false, problem: 'its manifest has no "counts"' };
  const byBenchmark = countMap(counts.removedByBenchmark);
  const byDetector = countMap(counts.removedByDetector);
  if (byBenchmark === null || byDetector === null) return { ok: false, problem: 'its manifest has no "counts.removedByBenchmark" and "counts.removedByDetector" ({name: count}, written by tidepool decontam)' };
  const optional = (value: unknown) => (isCount(value) ? value : null);
  return { ok: true, value: { records: optional(counts.records), kept: optional(counts.kept), removed: optional(counts.removed), removedByBenchmark: byBenchmark, removedByDetector: byDetector } };
}

/** A `{name: count}` object, or null when it is not one. */
export function countMap(value: unknown): Record<string, number> | null {
  if (!isObject(value)) return null;
  const out: Record<string, number> = {};
  for (const [key, count] of Object.entries(value)) {
    if (!isCount(count)) return null;
    out[key] = count;
  }
  return out;
}

/** A non-negative finite number field of `counts`, or null. */
export function countField(counts: unknown, field: string): number | null {
  if (!isObject(counts)) return null;
  const value = counts[field];
  return isCount(value) ? value : null;
}
