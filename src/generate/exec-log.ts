/**
 * The execution journal of `tidepool generate` (`.generate/executions.jsonl`): every finished sandbox
 * run, keyed by the hash of what ran, appended and written to the file the moment it ends (before the
 * unit goes on to its discriminator). A rerun after kill -9 takes finished executions from here, so no
 * sample runs twice to the same end, and the unit journal (state.ts) still places each unit once.
 * Only the index stays in memory.
 */
import { createHash } from 'node:crypto';
import { TidepoolError } from '../errors.js';
import { EXECUTION_VERDICTS, keptExecution, type SampleExecution, type SampleRunner, type SampleRunRequest } from './execution.js';
import { AppendLog, scanLines } from './jsonl-log.js';

interface ExecutionLine {
  key: string;
  execution: SampleExecution;
}

/** Identity of an execution: sha256 over the sandbox kind, the language, the solution and the tests (length-prefixed). */
export function executionKey(sandboxKind: string, request: SampleRunRequest): string {
  const hash = createHash('sha256');
  for (const field of [sandboxKind, request.language, request.solution, request.tests]) hash.update(`${field.length}:`).update(field);
  return hash.digest('hex');
}

/** An open execution journal. */
export class ExecutionLog {
  private readonly index = new Map<string, { offset: number; length: number }>();
  private readonly log: AppendLog;

  private constructor(path: string) {
    const size = scanLines(path, (text, offset, length) => {
      let line: ExecutionLine;
      try {
        line = JSON.parse(text) as ExecutionLine;
        if (!isExecutionLine(line)) throw new Error('not an execution entry');
      } catch (error) {
        throw new TidepoolError('E_FORMAT_INVALID', `${path} at byte ${offset}: not an execution entry (${(error as Error).message}); delete ${path} to run the samples' tests again`, { path, offset });
      }
      this.index.set(line.key, { offset, length });
    });
    this.log = AppendLog.open(path, size);
  }

  /** Opens (or creates) the journal at `path`. */
  static open(path: string): ExecutionLog {
    return new ExecutionLog(path);
  }

  /** Executions held. */
  get size(): number {
    return this.index.size;
  }

  /** The journaled execution with `key`, if any. */
  get(key: string): SampleExecution | undefined {
    const at = this.index.get(key);
    if (at === undefined) return undefined;
    return (JSON.parse(this.log.read(at.offset, at.length)) as ExecutionLine).execution;
  }

  /**
   * Journals a finished execution, written to the file before this returns.
   * @throws TidepoolError `E_NO_SPACE` / `E_OUTPUT` naming the file when the write fails.
   */
  put(key: string, execution: SampleExecution): void {
    if (this.index.has(key)) return;
    this.index.set(key, this.log.append({ key, execution } satisfies ExecutionLine));
    this.log.flush();
  }

  flush(): void {
    this.log.flush();
  }

  close(): void {
    this.log.close();
  }
}

/** Counters of a run's executions. */
export interface ExecutionCounts {
  /** Sandbox runs this process started and saw end. */
  ran: number;
  /** Executions taken from the journal (finished by an earlier run). */
  journaled: number;
}

/**
 * The `execute` of a unit context: journal first, else the sandbox, at most `concurrency` runs at
 * once; every finished run journaled before it is returned. A run aborted by `signal` (the job is
 * stopping) is not journaled: its unit does not finish, and the rerun runs it again.
 */
export function journaledRunner(runner: SampleRunner, log: ExecutionLog, concurrency: number, signal: AbortSignal, counts: ExecutionCounts): (request: SampleRunRequest) => Promise<SampleExecution> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (running < concurrency) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) running--;
    else next();
  };
  return async (request) => {
    const key = executionKey(runner.kind, request);
    const known = log.get(key);
    if (known !== undefined) {
      counts.journaled++;
      return known;
    }
    await acquire();
    try {
      signal.throwIfAborted();
      const execution = keptExecution(await runner.run(request, signal));
      signal.throwIfAborted();
      log.put(key, execution);
      counts.ran++;
      return execution;
    } finally {
      release();
    }
  };
}

function isExecutionLine(value: unknown): value is ExecutionLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Record<string, unknown>;
  const execution = line.execution as Record<string, unknown> | null | undefined;
  return typeof line.key === 'string' && typeof execution === 'object' && execution !== null &&
    (EXECUTION_VERDICTS as readonly unknown[]).includes(execution.verdict) && typeof execution.output === 'string' && typeof execution.reason === 'string';
}
