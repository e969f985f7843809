/** The languages the sample generator writes, CodeSearchNet's six. */
import type { Dialect } from './dialect.js';
import { go } from './languages/go.js';
import { java } from './languages/java.js';
import { javascript } from './languages/javascript.js';
import { php } from './languages/php.js';
import { python } from './languages/python.js';
import { ruby } from './languages/ruby.js';

/** Every language the generator supports, in CodeSearchNet's order. */
export const SUPPORTED_LANGUAGES = ['python', 'java', 'javascript', 'go', 'php', 'ruby'] as const;

/** One of {@link SUPPORTED_LANGUAGES}. */
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

const DIALECTS: Readonly<Record<SupportedLanguage, Dialect>> = { python, java, javascript, go, php, ruby };

/** True when `name` is a supported language. */
export function isSupportedLanguage(name: string): name is SupportedLanguage {
  return Object.hasOwn(DIALECTS, name);
}

/** The dialect of a supported language. */
export function dialectOf(language: SupportedLanguage): Dialect {
  return DIALECTS[language];
}
