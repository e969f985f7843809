import { readFileSync } from 'node:fs';

/** tidepool's version, from package.json (src/ and dist/ both sit one level below it). */
export const TOOL_VERSION: string = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
})();

/** Version of the on-disk layout of manifests and Arrow outputs. Bump on incompatible change. */
export const SCHEMA_VERSION = 1;
