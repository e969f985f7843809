/**
 * The README's shell examples run as written, in order, as a new user would run them from the
 * repository root: every ```sh / ```bash block, one bash session, in a temporary folder holding the
 * demo data (examples/) and a copy of the README, with `tidepool` and `npx tidepool` running this
 * checkout's bin/tidepool.js. A block preceded by `<!-- readme-test: skip (REASON) -->` is not run:
 * kept for the few that need a GPU, a downloaded model, an API key, or that reinstall the project.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { ensureSlurmCluster } from './slurm-cluster.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SKIP_MARKER = /^<!--\s*readme-test:\s*skip\s*\((.+)\)\s*-->$/;
/** Most blocks the README may skip: the rest must run. */
const MAX_SKIPPED = 5;
/** Longest the whole README may take to run (it takes about a minute on 2 cores). */
const RUN_LIMIT_MS = 300_000;

interface Block {
  /** 1-based number among the shell blocks. */
  number: number;
  /** Line of the opening fence in README.md. */
  line: number;
  code: string;
  /** The reason it is skipped, or null when it runs. */
  skip: string | null;
}

/** The README's shell blocks, with their skip markers. */
function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const code: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) code.push(lines[i]!);
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = before >= 0 ? SKIP_MARKER.exec(lines[before]!.trim()) : null;
    blocks.push({ number: blocks.length + 1, line: start + 1, code: code.join('\n'), skip: marker?.[1]?.trim() ?? null });
  }
  return blocks;
}

/** The bash script: every block that runs, each announced by a marker line so a failure names its block. */
function script(blocks: readonly Block[]): string {
  const parts = ['set -eo pipefail', 'exec 2>&1'];
  for (const block of blocks) {
    if (block.skip !== null) continue;
    parts.push(`echo '@@readme-block ${block.number}@@'`, block.code);
  }
  parts.push("echo '@@readme-done@@'");
  return `${parts.join('\n')}\n`;
}

/** Files under `dir` (relative paths), recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name))).sort();
}

const blocks = shellBlocks(README);

describe('README shell examples', () => {
  it('are marked consistently: a skip marker sits right before a block and gives its reason; few are skipped', () => {
    const markers = README.split('\n').filter((line) => line.includes('readme-test'));
    expect(markers.every((line) => SKIP_MARKER.test(line.trim())), markers.join('\n')).toBe(true);
    const skipped = blocks.filter((block) => block.skip !== null);
    expect(skipped).toHaveLength(markers.length);
    expect(skipped.length).toBeLessThanOrEqual(MAX_SKIPPED);
    // Every command of the pipeline is shown running, not only described.
    const runnable = blocks.filter((block) => block.skip === null).map((block) => block.code).join('\n');
    for (const command of ['sample', 'ingest', 'embed', 'select', 'llm-sim', 'generate', 'decontam', 'export', 'report', 'run']) {
      expect(runnable, `no runnable README block runs \`tidepool ${command}\``).toMatch(new RegExp(`npx tidepool ${command} `));
    }
    // No placeholders left for a reader to fill in.
    expect(runnable).not.toMatch(/tidepool \w+ \.\.\./);
    // bash's `set -e` does not stop at a failure left of `&&` or `||`: one command per line, so each failure counts.
    expect(runnable).not.toMatch(/&&|\|\|/);
  });

  describe('run as written, in order, from a folder like the repository root', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    let output = '';
    let exit: { code: number | null; signal: NodeJS.Signals | null; timedOut: boolean };
    const originals = new Map<string, Buffer>();

    beforeAll(async () => {
      // The "Run on a cluster" examples submit to the single-node Slurm cluster of .ci/slurm-up.sh.
      ensureSlurmCluster();
      ({ dir, cleanup } = await tempDir('tidepool-readme-'));
      const work = join(dir, 'repo');
      mkdirSync(work);
      cpSync(join(ROOT, 'examples'), join(work, 'examples'), { recursive: true });
      cpSync(join(ROOT, 'README.md'), join(work, 'README.md'));
      for (const file of filesUnder(work)) originals.set(file, readFileSync(join(work, file)));
      // `tidepool` and `npx tidepool` run this checkout's CLI; any other npx call fails loudly.
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      const node = JSON.stringify(process.execPath);
      const cli = JSON.stringify(CLI);
      writeFileSync(join(bin, 'tidepool'), `#!/usr/bin/env bash\nexec ${node} ${cli} "$@"\n`);
      writeFileSync(join(bin, 'npx'), `#!/usr/bin/env bash\nif [ "$1" = tidepool ]; then shift; exec ${node} ${cli} "$@"; fi\necho "readme test: only \\"npx tidepool\\" is available here, not: npx $*" >&2\nexit 127\n`);
      // npm itself (install, test, benchmarks) only runs in blocks marked as skipped.
      writeFileSync(join(bin, 'npm'), '#!/usr/bin/env bash\necho "readme test: npm $* is not run here: a block that needs it is marked readme-test: skip" >&2\nexit 127\n');
      for (const name of ['tidepool', 'npx', 'npm']) chmodSync(join(bin, name), 0o755);
      writeFileSync(join(dir, 'readme.sh'), script(blocks));
      // A user without an endpoint configured: the examples must not depend on one.
      const unset = new Set(['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'TIDEPOOL_MODEL']);
      const env: NodeJS.ProcessEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !unset.has(name))), PATH: `${bin}:${process.env.PATH ?? ''}` };
      exit = await new Promise((resolve, reject) => {
        // Its own process group, so that whatever a block leaves running (a server in the background) is stopped with it.
        const child = spawn('bash', [join(dir, 'readme.sh')], { cwd: work, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        let timedOut = false;
        const stopAll = (signal: NodeJS.Signals): void => {
          try {
            process.kill(-child.pid!, signal);
          } catch {
            // The group is gone already.
          }
        };
        const timer = setTimeout(() => {
          timedOut = true;
          stopAll('SIGKILL');
        }, RUN_LIMIT_MS);
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          stopAll('SIGTERM');
          resolve({ code, signal, timedOut });
        });
      });
    }, RUN_LIMIT_MS + 30_000);

    afterAll(async () => cleanup());

    it('every block exits 0', () => {
      const markers = [...output.matchAll(/^@@readme-block (\d+)@@$/gm)];
      const last = markers.at(-1);
      const block = blocks.find((candidate) => candidate.number === Number(last?.[1]));
      const since = last === undefined ? output : output.slice(last.index + last[0].length);
      const where = block === undefined ? 'before the first block' : `README.md line ${block.line}, block ${block.number}:\n${block.code}`;
      const why = exit.timedOut ? `it ran past ${RUN_LIMIT_MS / 1000} s` : `exit status ${String(exit.code)}${exit.signal === null ? '' : `, signal ${exit.signal}`}`;
      expect(output.includes('@@readme-done@@'), `a README example failed (${why}) at ${where}\n--- its output (last 8000 characters) ---\n${since.slice(-8000)}`).toBe(true);
      expect(exit.code).toBe(0);
    });

    it('they leave what the README says they make', () => {
      const work = join(dir, 'repo');
      for (const path of ['work/ingest/pairs.arrow', 'work/embed/embeddings.arrow', 'work/select/coreset.arrow', 'work/select-npy/coreset.arrow', 'work/generate/instructions.jsonl',
        'work/decontam/kept.jsonl', 'work/decontam-report.html', 'dataset/alpaca/train.jsonl', 'dataset/parquet/train.parquet', 'work/report.html', 'report.html', 'pipeline-output/report/report.html', 'pairs.jsonl.gz', 'cluster-output/select/coreset.arrow', 'cluster-output/embed/embeddings.arrow']) {
        expect(existsSync(join(work, path)), path).toBe(true);
      }
      expect(readdirSync(join(work, 'figures')).filter((name) => name.endsWith('.png')).length).toBeGreaterThan(0);
    });

    it('they change none of the files that were there before (the README, the examples)', () => {
      const work = join(dir, 'repo');
      for (const [file, bytes] of originals) expect(readFileSync(join(work, file)).equals(bytes), `${file} was changed`).toBe(true);
    });
  });
});
