/**
 * Typed errors. Every error a user can act on is a {@link TidepoolError} with a stable string
 * `code`; anything else reaching the CLI is treated as a bug ({@link InternalError}).
 * Errors cross worker threads as data ({@link serializeError} / {@link deserializeError}):
 * test them by `code`, not `instanceof`.
 */

/** Stable error codes. Messages may change; codes do not. */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_INPUT_MISSING'
  | 'E_INPUT_EMPTY'
  | 'E_FORMAT_UNKNOWN'
  | 'E_FORMAT_INVALID'
  | 'E_BAD_RECORD'
  | 'E_OUTPUT'
  | 'E_SCHEMA'
  | 'E_MANIFEST'
  | 'E_INTERRUPTED'
  | 'E_MODEL_MISSING'
  | 'E_MODEL_INVALID'
  | 'E_DEVICE_UNAVAILABLE'
  | 'E_HUB_AUTH'
  | 'E_HUB_UNREACHABLE'
  | 'E_HUB_DOWNLOAD'
  | 'E_HUB_LOCKED'
  | 'E_LLM_AUTH'
  | 'E_LLM_REQUEST'
  | 'E_LLM_UNREACHABLE'
  | 'E_ENDPOINT_AUTH'
  | 'E_ENDPOINT_REQUEST'
  | 'E_ENDPOINT_ANSWER'
  | 'E_NO_SPACE'
  | 'E_OUTPUT_LOCKED'
  | 'E_INPUT_MISMATCH'
  | 'E_LAUNCHER'
  | 'E_SANDBOX_UNAVAILABLE'
  | 'E_INTERNAL';

/** Exit status for user errors (bad input, bad flags). */
export const EXIT_USER_ERROR = 1;
/** Exit status for internal errors (bugs). */
export const EXIT_INTERNAL_ERROR = 2;
/** Exit status when the run was interrupted (SIGINT/SIGTERM), as shells report 128+SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** An error the user can act on. The message says what was expected, what was found, where, and the fix. */
export class TidepoolError extends Error {
  override readonly name: string = 'TidepoolError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** Exit status the CLI uses for this error. */
  get exitCode(): number {
    if (this.code === 'E_INTERNAL') return EXIT_INTERNAL_ERROR;
    if (this.code === 'E_INTERRUPTED') return EXIT_INTERRUPTED;
    return EXIT_USER_ERROR;
  }
}

/** A broken invariant inside tidepool: always a bug, never the user's fault. */
export class InternalError extends TidepoolError {
  override readonly name: string = 'InternalError';
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('E_INTERNAL', message, details, options);
  }
}

/** Error as plain data, safe to post between threads. */
export interface SerializedError {
  name: string;
  code: ErrorCode | undefined;
  message: string;
  details: Record<string, unknown>;
  stack: string | undefined;
}

/** Turns any thrown value into plain data. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof TidepoolError) {
    return { name: error.name, code: error.code, message: error.message, details: { ...error.details }, stack: error.stack };
  }
  if (error instanceof Error) {
    return { name: error.name, code: undefined, message: error.message, details: {}, stack: error.stack };
  }
  return { name: 'Error', code: undefined, message: String(error), details: {}, stack: undefined };
}

/** Rebuilds an error posted by {@link serializeError}: a coded error comes back as a {@link TidepoolError}. */
export function deserializeError(data: SerializedError): Error {
  const error =
    data.code === undefined
      ? new Error(data.message)
      : data.code === 'E_INTERNAL'
        ? new InternalError(data.message, data.details)
        : new TidepoolError(data.code, data.message, data.details);
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** True when `error` carries the given tidepool error code (works across threads, unlike instanceof). */
export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** What each "no room to write" errno means, in words a user can act on. */
const NO_SPACE_ERRNOS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EFBIG: 'the file is larger than this file system allows',
};

/** True for an I/O error caused by a full disk, an exhausted quota or a read-only file system. */
export function isNoSpaceError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code in NO_SPACE_ERRNOS;
}

/**
 * Turns a failure to write `path` into a {@link TidepoolError}: `E_NO_SPACE` (full disk, quota,
 * read-only file system) with what to free and that the run resumes, else `E_OUTPUT`. A
 * {@link TidepoolError} passes through unchanged.
 */
export function writeFailure(error: unknown, path: string, resumable = true): TidepoolError {
  if (error instanceof TidepoolError) return error;
  const errno = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof errno === 'string' && errno in NO_SPACE_ERRNOS) {
    const then = resumable ? 'then rerun the same command: it resumes from what was saved' : 'then rerun the same command';
    const fix = errno === 'EROFS' ? 'write to a writable folder (--out)' : 'free space on that disk (or raise the quota), or write to another disk (--out)';
    return new TidepoolError('E_NO_SPACE', `cannot write ${path}: ${NO_SPACE_ERRNOS[errno]} (${errno}). Nothing written so far is lost: ${fix}, ${then}.`, { path, errno }, { cause: error });
  }
  return new TidepoolError('E_OUTPUT', `cannot write ${path}: ${message}. Check that the folder exists and is writable.`, { path, ...(typeof errno === 'string' ? { errno } : {}) }, { cause: error });
}
