/**
 * Whitespace normalisation for the exact-substring detector: every run of white space becomes one
 * space and the ends are trimmed, so re-indented or re-wrapped copies still match. "White space" is
 * exactly what JavaScript's `\s` matches, so {@link normalizeWhitespace} equals
 * `text.replace(/\s+/g, ' ').trim()`. Pure.
 */

/** True for the UTF-16 units JavaScript's `\s` matches. */
export function isWhitespaceUnit(unit: number): boolean {
  if (unit <= 0x20) return unit === 0x20 || (unit >= 0x09 && unit <= 0x0d);
  if (unit < 0xa0) return false;
  return unit === 0xa0 || unit === 0x1680 || (unit >= 0x2000 && unit <= 0x200a) || unit === 0x2028 || unit === 0x2029 || unit === 0x202f || unit === 0x205f || unit === 0x3000 || unit === 0xfeff;
}

/** Collapses white-space runs to one space and trims (as a string; for benchmark pieces and tests). */
export function normalizeWhitespace(text: string): string {
  const buffer = new NormalizedBuffer(text.length);
  const length = buffer.normalize(text);
  return buffer.slice(0, length);
}

/**
 * A reusable buffer holding one normalised text as UTF-16 units: records are normalised into it
 * without building a string per record (the hot path of the exact detector).
 */
export class NormalizedBuffer {
  /** The units of the last normalised text; the first {@link length} are valid. */
  units: Uint16Array;
  /** Length of the last normalised text. */
  length = 0;

  constructor(capacity = 4096) {
    this.units = new Uint16Array(Math.max(16, capacity));
  }

  /** Normalises `text` into {@link units}; returns its length. */
  normalize(text: string): number {
    if (this.units.length < text.length) this.units = new Uint16Array(text.length * 2);
    const units = this.units;
    let length = 0;
    let pendingSpace = false;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      // Fast path: printable ASCII, most of any code.
      if (unit > 0x20 && unit < 0x7f) {
        if (pendingSpace) {
          units[length++] = 0x20;
          pendingSpace = false;
        }
        units[length++] = unit;
        continue;
      }
      if (isWhitespaceUnit(unit)) {
        pendingSpace = length > 0;
        continue;
      }
      if (pendingSpace) {
        units[length++] = 0x20;
        pendingSpace = false;
      }
      units[length++] = unit;
    }
    this.length = length;
    return length;
  }

  /** Units `[start, end)` of the last text as a string. */
  slice(start: number, end: number): string {
    let text = '';
    // fromCharCode takes its units as arguments: go in chunks well under the engine's argument limit.
    for (let at = start; at < end; at += 8192) text += String.fromCharCode(...this.units.subarray(at, Math.min(end, at + 8192)));
    return text;
  }
}

/** Longest evidence kept in `removed.jsonl`, in characters. */
export const EVIDENCE_CHARS = 300;

/** Cuts evidence to {@link EVIDENCE_CHARS} characters, marking the cut with an ellipsis. */
export function truncateEvidence(text: string, limit = EVIDENCE_CHARS): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}…`;
}
