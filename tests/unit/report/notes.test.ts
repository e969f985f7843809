/** The notes a report prints for what it cannot show read as English ("they need", not "they needs"). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runReport } from '../../../src/report/run.js';
import { fixtureRows, writeGenerateFixture } from '../../helpers/generate-fixture.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('tidepool-report-notes-')));
afterEach(async () => cleanup());

describe('report notes', () => {
  it('a figure missing part of its data says what "they need" with a plural verb', async () => {
    const work = join(dir, 'work');
    await writeGenerateFixture(work, fixtureRows(12));
    const out = join(dir, 'report.html');
    await runReport({ out, work, log: () => undefined, now: new Date('2025-05-06T07:08:09Z') });
    const html = await readFile(out, 'utf8');
    expect(html).toContain('Generated samples not shown: they need manifest.json from');
    expect(html).not.toMatch(/they needs/);
  });
});
