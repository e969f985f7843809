/** A figure of the report: drawn (charts as SVG/HTML plus a caption) or skipped with a note. */

/** One figure, ready for the page assembler. */
export interface Figure {
  /** Short id: the element is `<figure id="fig-{id}" data-figure="{id}">`. */
  id: string;
  /** Heading above the figure (plain text). */
  title: string;
  status: 'drawn' | 'skipped';
  /** Drawn: trusted markup (SVG, tables) from the chart builders. Skipped: unused. */
  body: string;
  /** Drawn: what the figure shows. Skipped: which stage output it needs. Plain text. */
  caption: string;
}

/** A drawn figure. */
export function drawn(id: string, title: string, body: string, caption: string): Figure {
  return { id, title, status: 'drawn', body, caption };
}

/** A figure replaced by a note saying what it needs. */
export function skipped(id: string, title: string, note: string): Figure {
  return { id, title, status: 'skipped', body: '', caption: note };
}
