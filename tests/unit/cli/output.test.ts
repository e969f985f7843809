/** Messages on stderr start on a line of their own, without a blank line before every one of them. */
import { describe, expect, it } from 'vitest';
import { StderrLines } from '../../../src/cli/output.js';
import { Progress } from '../../../src/util/progress.js';

function capture(): { lines: StderrLines; text: () => string } {
  let written = '';
  const lines = new StderrLines((text) => {
    written += text;
  });
  return { lines, text: () => written };
}

describe('StderrLines', () => {
  it('a message after nothing, or after a finished line, gets no blank line before it', () => {
    const { lines, text } = capture();
    lines.writeLines('tidepool: error [E_USAGE]: bad');
    expect(text()).toBe('tidepool: error [E_USAGE]: bad\n');
    lines.writeLines('next');
    expect(text()).toBe('tidepool: error [E_USAGE]: bad\nnext\n');
  });

  it('a message after a progress bar left unfinished on a TTY starts on a new line', () => {
    const { lines, text } = capture();
    let now = 0;
    const progress = new Progress({ label: 'ingest', unit: 'rows', total: 10, now: () => now, sink: { write: (chunk) => {
      lines.write(chunk);
    }, isTTY: true } });
    now = 1000;
    progress.update(5, 5);
    expect(text()).not.toMatch(/\n$/);
    lines.writeLines('tidepool: error [E_NO_SPACE]: disk full');
    expect(text()).toMatch(/rows[^\n]*\ntidepool: error \[E_NO_SPACE\]: disk full\n$/);
    expect(text()).not.toContain('\n\n');
  });

  it('a bar that finished (its last line ends in a newline) needs no extra line', () => {
    const { lines, text } = capture();
    const progress = new Progress({ label: 'select', unit: 'picks', total: 2, sink: { write: (chunk) => {
      lines.write(chunk);
    }, isTTY: true } });
    progress.update(2, 2);
    progress.finish();
    lines.writeLines('done');
    expect(text()).toMatch(/picks[^\n]*\ndone\n$/);
    expect(text()).not.toContain('\n\n');
  });
});
