/**
 * The work plan of `tidepool generate`: one unit per coreset row and task (CodeOcean) or per row
 * (OSS-Instruct), in a fixed order that does not depend on timing. Pure.
 */
import { createHash } from 'node:crypto';
import { seededRandom } from '../util/random.js';
import { cutSeed, type Seed } from './seeds.js';
import type { CodeOceanTask, GenerateTask } from './tasks.js';

/** Which published pipeline a run follows. */
export type GenerateMode = 'codeocean' | 'oss-instruct';

/** A coreset row as the generator sees it (from `pairs.arrow`). */
export interface SourceRow {
  rowId: number;
  /** Language id as ingest stores it, e.g. `python`. */
  language: string;
  docstring: string;
  code: string;
}

/** One unit of work: one generator call (plus its retry and discriminator call) for one row. */
export interface WorkUnit {
  /** Position in the plan; fixes the order outputs are folded in. */
  index: number;
  /** Stable identity across runs, e.g. `translation:1234`. */
  key: string;
  rowId: number;
  task: GenerateTask;
  /** Language id of the row. */
  language: string;
  /** Translation only: the language id to translate into. */
  targetLanguage?: string;
  /** OSS-Instruct only: the lines cut from the row's code. */
  seed?: Seed;
}

/** How units are planned. */
export interface PlanOptions {
  mode: GenerateMode;
  /** CodeOcean tasks, in the order they are interleaved per row. */
  tasks: readonly CodeOceanTask[];
  /** Seeds the translation targets and the OSS-Instruct seed cuts. */
  seed: number;
  /** Languages a translation may target (language ids); a row never targets its own language. */
  translateTo: readonly string[];
}

/** @default translation targets */
export const DEFAULT_TRANSLATE_TO = ['python', 'java', 'javascript', 'go', 'c++', 'rust'] as const;

/** Units for `rows` (in coreset rank order): row-major, then task order. */
export function planUnits(rows: readonly SourceRow[], options: PlanOptions): WorkUnit[] {
  const units: WorkUnit[] = [];
  for (const row of rows) {
    if (options.mode === 'oss-instruct') {
      const seed = cutSeed(row.code, seededRandom(unitSeed(options.seed, `oss-instruct:${row.rowId}`)));
      units.push({ index: units.length, key: `oss-instruct:${row.rowId}`, rowId: row.rowId, task: 'oss-instruct', language: row.language, seed });
      continue;
    }
    for (const task of options.tasks) {
      const unit: WorkUnit = { index: units.length, key: `${task}:${row.rowId}`, rowId: row.rowId, task, language: row.language };
      if (task === 'translation') {
        const target = translationTarget(row, options);
        if (target === undefined) continue;
        unit.targetLanguage = target;
      }
      units.push(unit);
    }
  }
  return units;
}

/** A 32-bit seed derived from the run seed and a unit key (sha256, so keys that differ by one character differ everywhere). */
export function unitSeed(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}:${key}`).digest().readUInt32LE(0);
}

/** The language a row is translated into: a seeded choice among the targets other than its own; undefined when none is left. */
function translationTarget(row: SourceRow, options: PlanOptions): string | undefined {
  // Compared by display name, so aliases (`cpp` and `c++`) count as the same language.
  const own = displayLanguage(row.language);
  const choices = options.translateTo.filter((language) => displayLanguage(language) !== own);
  if (choices.length === 0) return undefined;
  const random = seededRandom(unitSeed(options.seed, `translation:${row.rowId}`));
  return choices[Math.min(choices.length - 1, Math.floor(random() * choices.length))];
}

const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  python: 'Python', java: 'Java', javascript: 'JavaScript', typescript: 'TypeScript', go: 'Go', php: 'PHP', ruby: 'Ruby',
  'c++': 'C++', cpp: 'C++', c: 'C', 'c#': 'C#', csharp: 'C#', rust: 'Rust', kotlin: 'Kotlin', swift: 'Swift', scala: 'Scala',
  shell: 'Shell', bash: 'Bash', sql: 'SQL', r: 'R', lua: 'Lua', perl: 'Perl', haskell: 'Haskell',
};

/** How a language id is written in prompts, e.g. `javascript` -> `JavaScript`; unknown ids are capitalised. */
export function displayLanguage(language: string): string {
  return DISPLAY_NAMES[language.toLowerCase()] ?? (language.length === 0 ? language : language[0]!.toUpperCase() + language.slice(1));
}
