/**
 * Reads the `counts` of stage manifests (generate, decontam, select, ingest) into the report's
 * typed shapes, checking every field: a manifest from an older or newer tidepool gives a note,
 * never a crash. Pure.
 */
import type { Funnel, FunnelCounts } from '../generate/funnel.js';
import type { DecontamData, GenerateData } from './data.js';

/** A parsed value, or what is wrong with it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

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

const FUNNEL_FIELDS = ['units', 'generated', 'prefiltered', 'judged', 'accepted', 'promptTokens', 'completionTokens'] as const;

/** A generate funnel ({@link Funnel}) from JSON, checked field by field. */
export function parseFunnel(value: unknown): Parsed<Funnel> {
  if (!isObject(value) || !isObject(value.groups) || !isObject(value.reasons)) return { ok: false, problem: 'its manifest has no "counts.funnel" with "groups" and "reasons" (written by tidepool generate)' };
  const groups: Record<string, FunnelCounts> = {};
  for (const [key, group] of Object.entries(value.groups)) {
    if (!isObject(group)) return { ok: false, problem: `counts.funnel.groups["${key}"] is not an object` };
    const bad = FUNNEL_FIELDS.find((field) => !isCount(group[field]));
    if (bad !== undefined) return { ok: false, problem: `counts.funnel.groups["${key}"].${bad} is not a count` };
    const usd = group.usd;
    groups[key] = {
      units: group.units as number, generated: group.generated as number, prefiltered: group.prefiltered as number, judged: group.judged as number,
      accepted: group.accepted as number, promptTokens: group.promptTokens as number, completionTokens: group.completionTokens as number,
      usd: isCount(usd) ? usd : null,
    };
  }
  const reasons: Record<string, number> = {};
  for (const [key, count] of Object.entries(value.reasons)) {
    if (!isCount(count)) return { ok: false, problem: `counts.funnel.reasons["${key}"] is not a count` };
    reasons[key] = count;
  }
  // Rule names (what `rule_3` means) came later: absent or malformed, the codes are shown alone.
  const rules = isObject(value.rules) ? Object.fromEntries(Object.entries(value.rules).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : undefined;
  return { ok: true, value: { groups, reasons, ...(rules === undefined ? {} : { rules }) } };
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
