/**
 * The dataset card shows values from the data (languages, tasks, repositories, model and stage names)
 * as text, never as HTML or markdown structure (issue 14, item 12: `<script>` and `<img onerror>` in
 * language and repo values reached the card's tables raw).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cell, inline, renderCard, type CardData } from '../../../src/export/card.js';
import { runExport } from '../../../src/export/run.js';
import { tempDir } from '../../helpers/files.js';
import { instructionRecord, writeRecords } from './helpers.js';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror="alert(\'x\')">';

function hostileCard(): string {
  const data: CardData = {
    toolVersion: '9.9.9',
    createdAt: '2025-01-02T03:04:05.000Z',
    records: 3,
    tasks: [[`gen${SCRIPT}`, 2], ['a|b\nc', 1]],
    languages: [[SCRIPT, 2], [IMG, 1]],
    generators: ['m``<img src=x onerror=alert(2)>``'],
    export: {
      format: 'alpaca', layout: 'lines', dataFile: 'train.jsonl', inputFile: 'gen/instructions.jsonl', inputKind: 'instructions',
      withMetadata: false, system: null, rejected: 0, rejectsFile: null, parquet: null,
    },
    stages: [{
      stage: `generate${IMG}`, folder: 'gen', createdAt: '<b>now</b>', toolVersion: '1<i>', models: [['model<svg onload=alert(3)>', 'x`<y>`']],
      parameters: [['seed', '0']], counts: [['accepted', '3']],
    }],
    decontam: { state: 'done', summary: { folder: 'dc', counts: [['kept', 3]], byBenchmark: [[IMG, 1]], byDetector: [['[link](http://evil)', 1]], parameters: [] } },
    sources: { pairsFile: 'ingest/pairs.arrow', distinctRepos: 2, matchedRecords: 3, recordsWithRow: 3, top: [[`org/${IMG}`, 2], ['![x](http://evil/pixel.png)', 1]] },
  };
  return renderCard(data);
}

/** The card's markdown body with every code span removed (CommonMark: a run of n backticks up to the next run of exactly n). */
function outsideCodeSpans(markdown: string): string {
  const body = markdown.slice(markdown.indexOf('\n---\n', 4) + 5);
  let out = '';
  let at = 0;
  while (at < body.length) {
    const open = /(?<!\\)`+/g;
    open.lastIndex = at;
    const start = open.exec(body);
    if (start === null) break;
    const close = new RegExp(`(?<!\`)\`{${start[0].length}}(?!\`)`, 'g');
    close.lastIndex = start.index + start[0].length;
    const end = close.exec(body);
    if (end === null) {
      out += body.slice(at, start.index + start[0].length);
      at = start.index + start[0].length;
      continue;
    }
    out += `${body.slice(at, start.index)}CODE`;
    at = end.index + end[0].length;
  }
  return out + body.slice(at);
}

describe('dataset card escaping', () => {
  it('escapes HTML, pipes, line breaks, backticks and brackets in inline text and cells', () => {
    expect(inline(SCRIPT)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(inline(`a"b'c&d`)).toBe('a&quot;b&#39;c&amp;d');
    expect(inline('![x](y) `z`')).toBe('!\\[x\\](y) \\`z\\`');
    expect(cell('a|b\nc')).toBe('a\\|b c');
    expect(cell('back\\slash|')).toBe('back\\\\slash\\|');
  });

  it('puts no raw HTML tag from the data anywhere outside a code span', () => {
    const card = hostileCard();
    const text = outsideCodeSpans(card);
    expect(text).not.toMatch(/<[a-z/!]/i);
    expect(text).not.toMatch(/!?\[[^\]\\]*\]\(/); // no link or image syntax that is not escaped
  });

  it('shows hostile values as text in the tables', () => {
    const card = hostileCard();
    expect(card).toContain('| &lt;script&gt;alert(1)&lt;/script&gt; | 2 | 66.7% |');
    expect(card).toContain('| &lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; | 1 | 33.3% |');
    expect(card).toContain('| org/&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; | 2 |');
    expect(card).toContain('| !\\[x\\](http://evil/pixel.png) | 1 |');
    expect(card).toContain('| a\\|b c | 1 | 33.3% |');
    expect(card).toContain('### generate&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;');
  });

  it('a value with backtick runs stays inside one code span', () => {
    const card = hostileCard();
    expect(card).toContain('Generator model(s): ``` m``<img src=x onerror=alert(2)>`` ```.');
  });

  it('runExport: hostile languages and tasks in the records reach the card escaped', async () => {
    const { dir, cleanup } = await tempDir('tidepool-card-escape-');
    try {
      await writeRecords(join(dir, 'gen'), [instructionRecord(1, { language: SCRIPT }), instructionRecord(2, { language: IMG, task: '<b>t</b>' })]);
      const summary = await runExport({ input: join(dir, 'gen'), format: 'alpaca', out: join(dir, 'train.jsonl') });
      const card = await readFile(summary.card!, 'utf8');
      expect(outsideCodeSpans(card)).not.toMatch(/<[a-z/!]/i);
      expect(card).toContain('| &lt;script&gt;alert(1)&lt;/script&gt; | 1 | 50.0% |');
    } finally {
      await cleanup();
    }
  });
});
