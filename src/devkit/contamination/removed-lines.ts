/**
 * Source lines rebuilt after spans of them (comments, docstrings) were cut out, shared by the Python
 * docstring stripper and the JavaScript comment stripper. Pure.
 */

/** Stands in for each removed span until {@link dropEmptiedLines} runs (U+0001, a control character source code does not contain). */
export const REMOVED = '\u0001';

/**
 * The lines of `marked` without its {@link REMOVED} markers: a line that held one loses its trailing
 * spaces and is dropped when nothing else is left on it; every other line stays as it is.
 */
export function dropEmptiedLines(marked: string): string[] {
  const lines: string[] = [];
  for (const line of marked.split('\n')) {
    if (!line.includes(REMOVED)) {
      lines.push(line);
      continue;
    }
    const rest = line.replaceAll(REMOVED, '').trimEnd();
    if (rest.trim() !== '') lines.push(rest);
  }
  return lines;
}
