/**
 * Prompt files: one editable text file per prompt under the package's `prompts/`, each overridable by
 * a same-named file in a user folder (`--prompts DIR`). Placeholders are `{{name}}`; each prompt has a
 * fixed set it may use. A prompt's `version` (sha256 of its text) goes into provenance and cache keys.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TidepoolError } from '../errors.js';

const GENERATOR = ['code', 'language', 'examples'] as const;
const DISCRIMINATOR = ['code', 'language', 'instruction', 'input', 'output', 'tests', 'execution', 'examples'] as const;

/** Every prompt and the placeholders its file may use. */
export const PROMPT_PLACEHOLDERS = {
  generation: GENERATOR,
  summarization: GENERATOR,
  translation: [...GENERATOR, 'target_language'],
  repair: GENERATOR,
  'discriminator-generation': DISCRIMINATOR,
  'discriminator-summarization': DISCRIMINATOR,
  'discriminator-translation': [...DISCRIMINATOR, 'target_language'],
  'discriminator-repair': DISCRIMINATOR,
  'oss-instruct': ['seed', 'language', 'examples'],
} as const satisfies Record<string, readonly string[]>;

export type PromptName = keyof typeof PROMPT_PLACEHOLDERS;
/** Prompt names, in a stable order. */
export const PROMPT_NAMES = Object.keys(PROMPT_PLACEHOLDERS) as PromptName[];

/** One loaded prompt. */
export interface Prompt {
  name: PromptName;
  /** Path of the file it was read from (named in errors). */
  file: string;
  text: string;
  /** sha256 (hex) of `text`. */
  version: string;
}

export type PromptSet = Readonly<Record<PromptName, Prompt>>;

/** The package's default prompt folder, resolved from this module (works from `src/` and `dist/`). */
export const DEFAULT_PROMPTS_DIR = fileURLToPath(new URL('../../prompts/', import.meta.url));

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Reads every prompt from `defaultsDir`, replacing each with `overrideDir/<name>.md` where that file
 * exists. Every file's placeholders are checked against {@link PROMPT_PLACEHOLDERS}.
 * @throws TidepoolError `E_INPUT_MISSING` when `overrideDir` is not a folder or a default is missing;
 *   `E_USAGE` for an override `.md` file that names no prompt, or an unknown placeholder.
 */
export function loadPrompts(overrideDir?: string, defaultsDir: string = DEFAULT_PROMPTS_DIR): PromptSet {
  if (overrideDir !== undefined) checkOverrideDir(overrideDir);
  const prompts = {} as Record<PromptName, Prompt>;
  for (const name of PROMPT_NAMES) {
    const override = overrideDir === undefined ? undefined : join(overrideDir, `${name}.md`);
    const file = override !== undefined && existsSync(override) ? override : join(defaultsDir, `${name}.md`);
    if (!existsSync(file)) throw new TidepoolError('E_INPUT_MISSING', `prompt ${name}: ${file} not found; reinstall tidepool or pass --prompts DIR holding ${name}.md`, { file });
    const text = readFileSync(file, 'utf8');
    for (const placeholder of placeholdersOf(text)) checkKnown(name, file, placeholder);
    prompts[name] = { name, file, text, version: createHash('sha256').update(text).digest('hex') };
  }
  return prompts;
}

/**
 * Fills `{{name}}` placeholders of `prompt` in one pass (placeholder-like text inside values is left
 * alone). Values for placeholders the file does not use are ignored.
 * @throws TidepoolError `E_USAGE` naming the file for a placeholder the prompt may not use or one with no value.
 */
export function renderPrompt(prompt: Prompt, values: Readonly<Record<string, string>>): string {
  return prompt.text.replace(PLACEHOLDER, (_match, placeholder: string) => {
    checkKnown(prompt.name, prompt.file, placeholder);
    const value = values[placeholder];
    if (value === undefined) {
      throw new TidepoolError('E_USAGE', `prompt ${prompt.file}: no value for placeholder {{${placeholder}}}; this is a bug unless the file was edited to use it`, { file: prompt.file, placeholder });
    }
    return value;
  });
}

/** Placeholder names used in `text`, in order, without duplicates. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

function checkKnown(name: PromptName, file: string, placeholder: string): void {
  const allowed: readonly string[] = PROMPT_PLACEHOLDERS[name];
  if (!allowed.includes(placeholder)) {
    throw new TidepoolError('E_USAGE', `prompt ${file}: unknown placeholder {{${placeholder}}}; ${name} may use ${allowed.map((p) => `{{${p}}}`).join(', ')}`, { file, placeholder });
  }
}

function checkOverrideDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new TidepoolError('E_INPUT_MISSING', `--prompts ${dir}: not a folder; pass a folder holding files named like the defaults (${PROMPT_NAMES.map((n) => `${n}.md`).join(', ')})`, { dir });
  }
  for (const entry of readdirSync(dir)) {
    if (entry.endsWith('.md') && entry.toLowerCase() !== 'readme.md' && !(PROMPT_NAMES as readonly string[]).includes(entry.slice(0, -3))) {
      throw new TidepoolError('E_USAGE', `--prompts ${dir}: ${entry} names no prompt; prompt files are ${PROMPT_NAMES.map((n) => `${n}.md`).join(', ')}`, { dir, file: entry });
    }
  }
}
