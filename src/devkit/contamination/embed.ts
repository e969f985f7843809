/**
 * A copied function embedded in a larger file: placed among other real functions at a position
 * chosen by a seeded generator, as code that was pasted into an existing module.
 */

/** `code` between `neighbours` (`count` of them, drawn from `pool` by `random`), blank-line separated. */
export function embedAmong(code: string, pool: readonly string[], random: () => number, count = 4): string {
  if (pool.length === 0) return code;
  const chosen = Array.from({ length: count }, () => pool[Math.floor(random() * pool.length)] ?? '');
  const at = Math.floor(random() * (count + 1));
  chosen.splice(at, 0, code);
  return `${chosen.map((piece) => piece.trimEnd()).join('\n\n\n')}\n`;
}
