/**
 * A stage's output folder, owned by one run at a time. The run claims it (see output-lock.ts), and
 * commits its result in one atomic step: before the first output file replaces an older one under its
 * final name, the old `manifest.json` goes ({@link OutputFolder.uncommit}); the new manifest, naming
 * every output with its size and checksum, is written last ({@link OutputFolder.commit}). So a manifest
 * in a folder always describes the files beside it: a kill anywhere in between leaves a folder with no
 * manifest (an unfinished stage that readers refuse or rerunning resumes), never an old manifest
 * beside new data.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFailure } from '../errors.js';
import { MANIFEST_FILE, writeManifest, type Manifest } from './manifest.js';
import { FolderLock, fileLockName } from './output-lock.js';

/** Creates `dir` (and its parents) if needed; a failure is a `TidepoolError` naming it. */
async function createFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw writeFailure(error, dir, false);
  }
}

/** An output folder claimed by this run. */
export class OutputFolder {
  private constructor(readonly dir: string, private readonly lock: FolderLock) {}

  /**
   * Creates `dir` if needed and claims it for `stage`.
   * @throws TidepoolError `E_OUTPUT_LOCKED` when another live run holds it, `E_NO_SPACE`/`E_OUTPUT` when it cannot be created.
   */
  static async claim(dir: string, stage: string): Promise<OutputFolder> {
    await createFolder(dir);
    return new OutputFolder(dir, FolderLock.acquire(dir, stage));
  }

  /** Path of a file in the folder. */
  file(name: string): string {
    return join(this.dir, name);
  }

  /** Withdraws the folder's previous result: call before any output replaces a file under its final name. */
  async uncommit(): Promise<void> {
    try {
      await rm(join(this.dir, MANIFEST_FILE), { force: true });
    } catch (error) {
      throw writeFailure(error, join(this.dir, MANIFEST_FILE));
    }
  }

  /** Writes the manifest: the step that makes the outputs beside it the folder's result. */
  commit(manifest: Manifest): Promise<string> {
    return writeManifest(this.dir, manifest);
  }

  /** Gives up the claim. */
  release(): void {
    this.lock.release();
  }
}

/** Claims `dir` for `stage`, runs `work` and releases the claim however `work` ends. */
export async function withOutputFolder<T>(dir: string, stage: string, work: (folder: OutputFolder) => Promise<T>): Promise<T> {
  const folder = await OutputFolder.claim(dir, stage);
  try {
    return await work(folder);
  } finally {
    folder.release();
  }
}

/**
 * Claims one output file (export's dataset file, the report) for `stage` while `work` runs: the claim
 * sits beside it (`.NAME.tidepool.lock`), since the folder may be shared with anything else.
 */
export async function withOutputFile<T>(path: string, stage: string, work: () => Promise<T>): Promise<T> {
  const dir = dirname(path);
  await createFolder(dir);
  const lock = FolderLock.acquire(dir, stage, fileLockName(path));
  try {
    return await work();
  } finally {
    lock.release();
  }
}
