/**
 * A full disk while the store writes: a file whose `.partial` name links to /dev/full fails every
 * write with ENOSPC, as a full disk does. Each writer must say E_NO_SPACE, naming the file, and leave
 * what was there before as it was.
 */
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Field, Int32, RecordBatch, Schema, Struct, makeData } from '../../../src/store/arrow.js';
import { ArrowFileSink } from '../../../src/store/arrow-file.js';
import { int32Data } from '../../../src/store/columns.js';
import { writeNpy } from '../../../src/store/npy.js';
import { writeFileAtomically } from '../../../src/util/atomic-file.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

const schema = new Schema([new Field('id', new Int32(), false)]);
const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: [int32Data(Int32Array.of(1, 2, 3))] }));

/** Makes `path`'s partial file a full disk; `path` itself holds `before`. */
async function fullDiskAt(path: string, before: string): Promise<void> {
  await writeFile(path, before);
  await symlink('/dev/full', `${path}.partial`);
}

/** Expects a rejection that is E_NO_SPACE naming `path` and saying that a rerun resumes. */
async function expectNoSpace(promise: Promise<unknown>, path: string): Promise<void> {
  const error = (await promise.then(() => undefined, (caught: unknown) => caught)) as { code?: string; message?: string; details?: { path?: string; errno?: string } } | undefined;
  expect(error?.code, String(error?.message)).toBe('E_NO_SPACE');
  expect(error?.message).toContain(path);
  expect(error?.message).toMatch(/disk is full \(ENOSPC\)\. Nothing written so far is lost/);
  expect(error?.details?.errno).toBe('ENOSPC');
}

describe('a full disk', () => {
  it('ArrowFileSink: E_NO_SPACE from write or close; the older file stays and the partial file is gone', async () => {
    const path = join(dir, 't.arrow');
    await fullDiskAt(path, 'older');
    const sink = ArrowFileSink.create(path, schema);
    // The schema alone may already have failed; whichever of write or close sees the error reports it.
    await expectNoSpace(sink.write(batch).then(() => sink.close()), `${path}.partial`);
    await sink.abort();
    expect(await readFile(path, 'utf8')).toBe('older');
    expect(await readdir(dir)).toEqual(['t.arrow']);
  });

  it('writeNpy: E_NO_SPACE naming the file; the older file stays and the partial file is gone', async () => {
    const path = join(dir, 'e.npy');
    await fullDiskAt(path, 'older');
    await expectNoSpace(writeNpy(path, Float32Array.of(1, 2, 3, 4), 2, 2), path);
    expect(await readFile(path, 'utf8')).toBe('older');
    expect(await readdir(dir)).toEqual(['e.npy']);
  });

  it('writeFileAtomically: E_NO_SPACE naming the file; the older file stays and the partial file is gone', async () => {
    const path = join(dir, 'key.json');
    await fullDiskAt(path, 'older');
    await expectNoSpace(writeFileAtomically(path, 'newer'), path);
    expect(await readFile(path, 'utf8')).toBe('older');
    expect(await readdir(dir)).toEqual(['key.json']);
  });
});
