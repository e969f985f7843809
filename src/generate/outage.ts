/**
 * Notices that the LLM server has gone away during a run. Every failed request was already retried by
 * the client, so one failure means little; but when the last `failures` requests in a row all failed
 * to reach the server (refused, reset, DNS, TLS, timed out, or a 5xx status) and nothing has come
 * back for `seconds`, going on only burns time: the run stops with a clear error and a rerun resumes.
 * Pure: the clock is passed in.
 */
import type { LlmFailureKind } from './llm.js';

/** When an outage is declared. */
export interface OutageLimits {
  /** Failed requests in a row, at least. @default 8 */
  failures?: number;
  /** Seconds without any answer from the server (or since the watch started), at least. */
  seconds: number;
}

/** What the watch knows when it declares an outage. */
export interface Outage {
  /** Failed requests in a row. */
  failures: number;
  /** Seconds since the last answer (or since the watch started). */
  seconds: number;
  /** The last failure's message. */
  last: string;
}

/** Counts failures in a row and the time since the server last answered. */
export class OutageWatch {
  private readonly failuresNeeded: number;
  private readonly secondsNeeded: number;
  private inARow = 0;
  private lastAnswerMs: number;
  private lastMessage = '';

  constructor(limits: OutageLimits, nowMs: number) {
    this.failuresNeeded = limits.failures ?? 8;
    this.secondsNeeded = limits.seconds;
    this.lastAnswerMs = nowMs;
  }

  /** The server answered (a usable answer, or one that came back but could not be used). */
  answered(nowMs: number): void {
    this.inARow = 0;
    this.lastAnswerMs = Math.max(this.lastAnswerMs, nowMs);
  }

  /** A request failed with `kind`; returns the outage once both limits are passed, else undefined. */
  failed(kind: LlmFailureKind, message: string, nowMs: number): Outage | undefined {
    if (kind === 'answer' || kind === 'busy') {
      // Something came back: the server is there, however broken or busy.
      this.answered(nowMs);
      return undefined;
    }
    this.inARow++;
    this.lastMessage = message;
    const seconds = (nowMs - this.lastAnswerMs) / 1000;
    return this.inARow >= this.failuresNeeded && seconds >= this.secondsNeeded ? { failures: this.inARow, seconds, last: this.lastMessage } : undefined;
  }
}
