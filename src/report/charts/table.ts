/** Small HTML tables (top reject reasons, cost per task): text people look up rather than compare. */
import { escapeXml } from '../svg.js';

/** A column of {@link htmlTable}: its heading and whether its cells are numbers (right-aligned). */
export interface TableColumn {
  heading: string;
  /** @default false */
  numeric?: boolean;
}

/**
 * An HTML `<table>` with a caption-less header row; every cell is escaped. An empty `rows` gives a
 * one-cell row saying `empty`.
 * @default empty 'none'
 */
export function htmlTable(className: string, columns: readonly TableColumn[], rows: readonly (readonly string[])[], empty = 'none'): string {
  const head = columns.map((column) => `<th${column.numeric === true ? ' class="num"' : ''}>${escapeXml(column.heading)}</th>`).join('');
  const body = rows.length === 0
    ? `<tr><td colspan="${columns.length}" class="empty">${escapeXml(empty)}</td></tr>`
    : rows.map((cells) => `<tr>${columns.map((column, i) => `<td${column.numeric === true ? ' class="num"' : ''}>${escapeXml(cells[i] ?? '')}</td>`).join('')}</tr>`).join('');
  return `<table class="${escapeXml(className)}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
