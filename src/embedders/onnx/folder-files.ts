/**
 * Reading the files of a model folder, with errors that name the file and say how to fix it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { TidepoolError } from '../../errors.js';

/** A JSON object from a model folder file. */
export type JsonObject = Record<string, unknown>;

/** True when `path` is an existing regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** True when `path` is an existing folder. */
export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Reads a text file; a missing one is `E_MODEL_MISSING` with `fix` appended. */
export async function readModelText(path: string, fix: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const found = code === 'ENOENT' ? 'it does not exist' : `it could not be read (${(error as Error).message})`;
    throw new TidepoolError('E_MODEL_MISSING', `the model folder needs ${path}, but ${found}. ${fix}`, { path }, { cause: error });
  }
}

/** Parses `text` (the contents of `path`) as JSON; anything unparseable is `E_MODEL_INVALID` with the parser's message. */
export function parseModelJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TidepoolError('E_MODEL_INVALID', `${path} is not valid JSON: ${(error as Error).message}. Restore the file from the model's original repository.`, { path }, { cause: error });
  }
}

/** Parses `text` as a JSON object (not an array or a scalar). */
export function parseModelJsonObject(path: string, text: string): JsonObject {
  const value = parseModelJson(path, text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TidepoolError('E_MODEL_INVALID', `${path} should hold a JSON object, but holds ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}. Restore the file from the model's original repository.`, { path });
  }
  return value as JsonObject;
}

/** Reads a JSON object file, or returns undefined when the file does not exist. */
export async function readOptionalJsonObject(path: string): Promise<JsonObject | undefined> {
  if (!(await isFile(path))) return undefined;
  return parseModelJsonObject(path, await readModelText(path, ''));
}

/** A positive integer field of a JSON object, or undefined when absent; anything else is `E_MODEL_INVALID`. */
export function positiveIntegerField(object: JsonObject, key: string, path: string): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TidepoolError('E_MODEL_INVALID', `${path}: "${key}" should be a positive integer, found ${JSON.stringify(value)}.`, { path, field: key });
  }
  return value;
}

/** SHA-256 of a file, streamed (models can be gigabytes). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
