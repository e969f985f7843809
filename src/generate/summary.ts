/** Parts of generate's `--json` summary and end-of-run log, computed from the funnel and the process. */
import type { Funnel } from '../store/funnel.js';
import { shortRule } from './funnel.js';
import type { PromptSet } from './prompts.js';
import { discriminatorPromptName, ruleTexts } from './requests.js';
import type { WorkUnit } from './units.js';

/** Each distinct text and how often it occurs, most frequent first. */
export function tally(texts: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) counts.set(text, (counts.get(text) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** `task/rule_N` -> the short name of rule N of each planned task's discriminator prompt. */
export function ruleNames(prompts: PromptSet, units: readonly WorkUnit[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const task of new Set(units.map((unit) => unit.task))) {
    for (const [i, text] of ruleTexts(prompts[discriminatorPromptName(task)].text).entries()) names[`${task}/rule_${i + 1}`] = shortRule(text);
  }
  return names;
}

/** The funnel's units and acceptances per task (`part` 0) or per language (`part` 1). */
export function group(funnel: Funnel, part: 0 | 1): Record<string, { units: number; accepted: number }> {
  const out: Record<string, { units: number; accepted: number }> = {};
  for (const [key, counts] of Object.entries(funnel.groups)) {
    const name = key.split('/')[part] ?? '';
    const entry = (out[name] ??= { units: 0, accepted: 0 });
    entry.units += counts.units;
    entry.accepted += counts.accepted;
  }
  return out;
}

/** CPU seconds (user + system) this process used since `since`. */
export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}
