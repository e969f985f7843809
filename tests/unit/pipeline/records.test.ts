import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishStage, isUpToDate, readRunningRecord, readStageRecord, startStage } from '../../../src/pipeline/records.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

describe('stage records', () => {
  it('starts, resumes the same identity with the same shards, and refuses another number of shards', () => {
    const stage = join(dir, 'embed');
    expect(startStage('embed', stage, 'id-1', false, 4)).toBe('ran');
    expect(readRunningRecord(stage)).toEqual({ identity: 'id-1', shards: 4 });
    writeFileSync(join(stage, 'part'), 'kept');
    expect(startStage('embed', stage, 'id-1', false, 4)).toBe('resumed');
    expect(existsSync(join(stage, 'part'))).toBe(true);
    expect(() => startStage('embed', stage, 'id-1', false, 8)).toThrow(/embed was started in 4 tasks .* and is now asked for 8: which rows a shard owns depends on the number of shards/);
    expect(existsSync(join(stage, 'part'))).toBe(true);
    // --force starts it over with the new N; another identity too.
    expect(startStage('embed', stage, 'id-1', true, 8)).toBe('rerun');
    expect(existsSync(join(stage, 'part'))).toBe(false);
    expect(startStage('embed', stage, 'id-2', false, 8)).toBe('rerun');
    expect(readRunningRecord(stage)).toEqual({ identity: 'id-2', shards: 8 });
  });

  it('a finished stage is up to date only for its identity and while its outputs exist', async () => {
    const stage = join(dir, 'select');
    mkdirSync(stage);
    startStage('select', stage, 'id-1', false);
    const output = join(stage, 'coreset.arrow');
    writeFileSync(output, 'rows');
    await finishStage('select', stage, 'id-1', [output], { job: '42' });
    const record = readStageRecord(stage);
    expect(record).toMatchObject({ stage: 'select', identity: 'id-1', jobs: { job: '42' } });
    expect(readRunningRecord(stage)).toBeUndefined();
    expect(isUpToDate(record, 'id-1', [output])).toBe(true);
    expect(isUpToDate(record, 'id-2', [output])).toBe(false);
    expect(isUpToDate(record, 'id-1', [join(stage, 'missing.arrow')])).toBe(false);
  });
});
