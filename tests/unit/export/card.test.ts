import { describe, expect, it } from 'vitest';
import { cell, renderCard, sizeCategory, type CardData } from '../../../src/export/card.js';

/**
 * Front matter read the way YAML reads this subset: `key: scalar`, `key:` + `- scalar` lists, and
 * (for `configs`) the raw block lines. Scalars in double quotes are JSON strings (valid YAML too).
 */
function frontMatter(card: string): { keys: Record<string, string | string[]>; blocks: Record<string, string[]> } {
  expect(card.startsWith('---\n')).toBe(true);
  const end = card.indexOf('\n---\n', 4);
  expect(end).toBeGreaterThan(0);
  const keys: Record<string, string | string[]> = {};
  const blocks: Record<string, string[]> = {};
  let current = '';
  for (const line of card.slice(4, end).split('\n')) {
    const top = /^([a-z_]+):(?: (.*))?$/.exec(line);
    if (top) {
      current = top[1]!;
      if (top[2] !== undefined) keys[current] = top[2].startsWith('"') ? (JSON.parse(top[2]) as string) : top[2];
      else keys[current] = [];
      blocks[current] = [];
      continue;
    }
    blocks[current]!.push(line);
    const item = /^- ([^:]+)$/.exec(line);
    const list = keys[current];
    if (item && Array.isArray(list)) list.push(item[1]!);
  }
  return { keys, blocks };
}

/** Rows `| name | count | ... |` of the table under `heading`, as [name, count]. */
function tableUnder(card: string, heading: string): [string, number][] {
  const lines = card.split('\n');
  const start = lines.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: [string, number][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    const cells = /^\| (.+?) \| (\d+) \|/.exec(line);
    if (cells) rows.push([cells[1]!, Number(cells[2])]);
  }
  return rows;
}

function data(overrides: Partial<CardData> = {}): CardData {
  return {
    toolVersion: '9.9.9',
    createdAt: '2025-01-02T03:04:05.000Z',
    records: 5,
    tasks: [['generation', 3], ['repair', 2]],
    languages: [['python', 4], ['go', 1]],
    generators: ['gen-model'],
    export: {
      format: 'parquet', layout: 'parquet', dataFile: 'data/train.parquet', inputFile: '/w/generate/instructions.jsonl', inputKind: 'instructions',
      withMetadata: false, system: null, rejected: 0, rejectsFile: null, parquet: { codec: 'SNAPPY', rowGroupRows: 10000 },
    },
    stages: [],
    decontam: { state: 'none' },
    sources: null,
    ...overrides,
  };
}

describe('sizeCategory', () => {
  it.each([[0, 'n<1K'], [999, 'n<1K'], [1000, '1K<n<10K'], [9999, '1K<n<10K'], [10_000, '10K<n<100K'], [250_000, '100K<n<1M'], [1_000_000, '1M<n<10M'], [2e12, 'n>1T']])('%d rows -> %s', (rows, category) => {
    expect(sizeCategory(rows)).toBe(category);
  });
});

describe('renderCard', () => {
  it('front matter has the Hugging Face keys and points configs at the data file', () => {
    const { keys, blocks } = frontMatter(renderCard(data()));
    expect(keys.license).toBe('other');
    expect(keys.task_categories).toEqual(['text-generation']);
    expect(keys.language).toEqual(['en']);
    expect(keys.tags).toEqual(['code', 'instruction-tuning', 'synthetic']);
    expect(keys.size_categories).toEqual(['n<1K']);
    expect(blocks.configs).toEqual(['- config_name: default', '  data_files:', '  - split: train', '    path: "data/train.parquet"']);
  });

  it('tables count records per task and per language', () => {
    const card = renderCard(data());
    expect(tableUnder(card, '### Records per task')).toEqual([['generation', 3], ['repair', 2]]);
    expect(tableUnder(card, '### Records per language')).toEqual([['python', 4], ['go', 1]]);
    expect(card).toContain('| generation | 3 | 60.0% |');
    expect(card).toContain('5 synthetic code instruction samples in Parquet');
  });

  it('says "not decontaminated" when no decontam stage was found', () => {
    expect(renderCard(data())).toMatch(/## Decontamination\n\nNot decontaminated/);
    expect(renderCard(data({ decontam: { state: 'no-manifest' } }))).toContain('its `manifest.json` was not found');
  });

  it('shows whatever per-benchmark and per-detector counts a decontam manifest has', () => {
    const card = renderCard(data({
      decontam: { state: 'done', summary: { folder: '/w/decontam', counts: [['kept', 5], ['removed', 3]], byBenchmark: [['humaneval', 2], ['mbpp', 1]], byDetector: [['ngram-13', 3]], parameters: [['benchmarks', 'humaneval, mbpp']] } },
    }));
    expect(card).not.toMatch(/not decontaminated/i);
    expect(tableUnder(card, '### Removed per benchmark')).toEqual([['humaneval', 2], ['mbpp', 1]]);
    expect(tableUnder(card, '### Removed per detector')).toEqual([['ngram-13', 3]]);
    expect(card).toContain('- removed: `3`');
  });

  it('lists the stages upstream first with models and parameters', () => {
    const card = renderCard(data({
      stages: [
        { stage: 'ingest', folder: '/w/ingest', createdAt: '2025-01-01T00:00:00.000Z', toolVersion: '0.1.0', models: [], parameters: [['dedup', 'true']], counts: [['kept', '10']] },
        { stage: 'generate', folder: '/w/generate', createdAt: null, toolVersion: null, models: [['model', 'gen-model'], ['discriminatorModel', 'judge']], parameters: [['mode', 'codeocean']], counts: [] },
      ],
    }));
    expect(card).toContain('Made with tidepool (ingest -> generate)');
    expect(card.indexOf('### ingest')).toBeLessThan(card.indexOf('### generate'));
    expect(card).toContain('- discriminatorModel: `judge`');
    expect(card).toContain('Folder `/w/ingest` (written 2025-01-01T00:00:00.000Z, tidepool 0.1.0).');
  });

  it('licence notes name the generator and list the top source repositories', () => {
    const card = renderCard(data({ sources: { pairsFile: '/w/ingest/pairs.arrow', distinctRepos: 3, matchedRecords: 5, recordsWithRow: 5, top: [['org/a', 3], ['org/b', 1], ['org/c', 1]] } }));
    expect(card).toContain('written by `gen-model` from source code whose licences are those of the source repositories');
    expect(card).toContain('3 distinct source repositories');
    expect(tableUnder(card, '## Licence notes')).toEqual([['org/a', 3], ['org/b', 1], ['org/c', 1]]);
    expect(renderCard(data())).toContain('the source repositories are not listed');
  });

  it('names the export parameters and the tool version', () => {
    const card = renderCard(data());
    expect(card).toContain('- parquet compression: `SNAPPY`');
    expect(card).toContain('Written by tidepool 9.9.9.');
    expect(card.endsWith('\n')).toBe(true);
    expect(card).not.toMatch(/\n\n\n/);
  });

  it('escapes table cells', () => {
    expect(cell('a|b\nc')).toBe('a\\|b c');
    const card = renderCard(data({ tasks: [['odd|task', 5]] }));
    expect(card).toContain('| odd\\|task | 5 | 100.0% |');
  });
});
