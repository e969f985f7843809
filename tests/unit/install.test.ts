/**
 * What `npm ci` of this project promises: every package it installs runs on the Node versions
 * package.json's `engines` names (no EBADENGINE), npm knows every config key the project sets (no
 * "Unknown project config" on every npm call), and onnxruntime-node's install script, which would
 * download its CUDA provider, does not run.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }> };

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.replace(/^v/, '').split('.').map(Number);
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `version` satisfies an npm `engines.node` range, for the forms found in lock files:
 * `||`, space-separated comparators (`>=`, `>`, `<=`, `<`, `=`), `^`, `~`, `*`, and partial versions
 * (`20`, `20.x`, `6.*`) that stand for every version they prefix. Anything else throws, so that a new
 * form is noticed rather than misread.
 */
function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((part) => {
    const comparators = part.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter((item) => item !== '');
    return comparators.every((comparator) => {
      const match = /^(>=|<=|>|<|=|\^|~)?v?(\d+|[x*])?(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?$/.exec(comparator);
      if (match === null) throw new Error(`unsupported engines range "${range}"`);
      const operator = match[1] ?? '';
      const given = [match[2], match[3], match[4]].filter((item): item is string => item !== undefined && !/[x*]/.test(item)).map(Number);
      if (given.length === 0) return true;
      const low: Version = [given[0]!, given[1] ?? 0, given[2] ?? 0];
      // The first version past a partial one (`20` -> 21.0.0, `20.1` -> 20.2.0).
      const next: Version = given.length === 1 ? [low[0] + 1, 0, 0] : given.length === 2 ? [low[0], low[1] + 1, 0] : [low[0], low[1], low[2] + 1];
      switch (operator) {
        case '>=': return compare(v, low) >= 0;
        case '>': return compare(v, given.length === 3 ? low : next) >= (given.length === 3 ? 1 : 0);
        case '<=': return compare(v, next) < 0;
        case '<': return compare(v, low) < 0;
        case '^': return compare(v, low) >= 0 && compare(v, low[0] > 0 ? [low[0] + 1, 0, 0] : low[1] > 0 ? [0, low[1] + 1, 0] : next) < 0;
        case '~': return compare(v, low) >= 0 && compare(v, given.length === 1 ? next : [low[0], low[1] + 1, 0]) < 0;
        default: return compare(v, low) >= 0 && compare(v, next) < 0;
      }
    });
  });
}

describe('the engines check used here', () => {
  it.each([
    ['20.19.0', '>=20.19', true], ['20.18.3', '>=20.19', false], ['22.0.0', '>=22.12.0', false], ['20.19.0', '^20.19.0 || >=22.12.0', true],
    ['22.5.0', '^20.19.0 || >=22.12.0', false], ['24.0.0', '20 || >=22', true], ['21.0.0', '20 || >=22', false], ['20.19.0', '6.* || 8.* || >= 10.*', true],
    ['20.19.0', '>= 0.4', true], ['20.19.0', '*', true], ['20.19.0', '>=20.x', true], ['20.19.0', '^18.18.0 || ^20.9.0 || >=21.1.0', true],
    ['20.0.0', '>=20.19.0 <22.0.0 || >=22.12.0', false], ['21.5.0', '>=20.19.0 <22.0.0 || >=22.12.0', true], ['20.19.0', '~20.19', true], ['20.20.0', '~20.19', false],
  ])('%s satisfies %s: %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});

describe('npm ci', () => {
  // The lowest version of each Node line the README and engines name.
  const floor = parseVersion(manifest.engines.node.replace(/^>=\s*/, '')).join('.');

  it(`every package in package-lock.json runs on Node ${floor} (the engines floor); what users install, on 22 and 24 too`, () => {
    const mismatches: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (path === '' || range === undefined) continue;
      // Development tools are held to the floor (CI installs them on it): several of them (vite, rolldown,
      // eslint-visitor-keys) skip early 22.x minors, which only developers on those minors see.
      const versions = entry.dev === true ? [floor] : [floor, '22.0.0', '24.0.0'];
      for (const version of versions) if (!satisfies(version, range)) mismatches.push(`${path}@${entry.version ?? '?'} wants node ${range}, not ${version}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('denies onnxruntime-node its install script (its CUDA download) and reviews every other install script', () => {
    expect(manifest.allowScripts?.['onnxruntime-node']).toBe(false);
    const withScripts = Object.entries(lock.packages).filter(([, entry]) => (entry as { hasInstallScript?: boolean }).hasInstallScript === true).map(([path]) => path.split('node_modules/').at(-1)!);
    for (const name of withScripts) expect(manifest.allowScripts?.[name], `allowScripts has no entry for ${name}`).toBeTypeOf('boolean');
  });

  describe('as npm itself sees the project (dry run, offline)', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ dir, cleanup } = await tempDir('tidepool-npm-ci-')));
    afterEach(async () => cleanup());

    it('prints no EBADENGINE and no unknown-config warning', async () => {
      for (const name of ['package.json', 'package-lock.json', '.npmrc']) if (existsSync(join(ROOT, name))) copyFileSync(join(ROOT, name), join(dir, name));
      // npm passes its config to the scripts it runs as npm_config_* variables: leave the caller's out.
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
      const { stdout, stderr } = await promisify(execFile)('npm', ['ci', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, env, timeout: 120_000 });
      const output = `${stdout}\n${stderr}`;
      expect(output).toMatch(/added \d+ packages/);
      expect(output).not.toMatch(/EBADENGINE/);
      expect(output).not.toMatch(/Unknown [a-z]+ config/);
    }, 120_000);
  });
});
