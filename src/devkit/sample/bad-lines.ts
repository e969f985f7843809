/**
 * Deliberately bad lines, one per way a real corpus goes wrong. None contains a raw newline, so each
 * stays one line of the file.
 */
import type { Random } from './random.js';
import { codeKey, docstringKey, rowObject, serializeRow, unescapeJson, type RowFields, type SampleNaming } from './rows.js';

/** Kinds of bad line, as ingest reports them (`rejectedByReason`). */
export type BadLineKind = 'invalid_json' | 'missing_field' | 'mistyped_field' | 'invalid_utf8';

/** A character that never occurs in generated text and that `JSON.stringify` leaves as is. */
const MARKER = '\uE000';

function invalidJson(random: Random, row: RowFields, naming: SampleNaming): string {
  const line = serializeRow(row, naming);
  switch (random.below(4)) {
    case 0: // cut short: a download or write that stopped; no proper prefix of an object is valid JSON
      return line.slice(0, 1 + random.below(line.length - 1));
    case 1: // trailing comma
      return `${line.slice(0, -1)},}`;
    case 2: // a raw control character inside a string, which JSON forbids
      return line.replace('\\n', '\t');
    default: // Python-dict style single quotes on the first key
      return line.replace(/^\{"([a-z_]+)"/, "{'$1'");
  }
}

function missingField(row: RowFields, naming: SampleNaming): string {
  return JSON.stringify(rowObject(row, naming, 'codeJson'));
}

function mistypedField(random: Random, row: RowFields, naming: SampleNaming): string {
  const object = rowObject(row, naming);
  if (random.chance(0.5)) object[codeKey(naming)] = random.between(0, 9999);
  else object[docstringKey(naming)] = unescapeJson(row.docstringJson).split(/\s+/).filter((word) => word !== '');
  return JSON.stringify(object);
}

function invalidUtf8(row: RowFields, naming: SampleNaming): Buffer {
  const line = serializeRow({ ...row, docstringJson: `${row.docstringJson} ${MARKER}` }, naming);
  const at = line.indexOf(MARKER);
  // 0xC3 opens a two-byte sequence; 0x28 '(' cannot continue it.
  return Buffer.concat([Buffer.from(line.slice(0, at)), Buffer.from([0xc3, 0x28]), Buffer.from(line.slice(at + MARKER.length))]);
}

/** A bad line of `kind` made from an otherwise good row. */
export function badLine(kind: BadLineKind, random: Random, row: RowFields, naming: SampleNaming): string | Buffer {
  switch (kind) {
    case 'invalid_json': return invalidJson(random, row, naming);
    case 'missing_field': return missingField(row, naming);
    case 'mistyped_field': return mistypedField(random, row, naming);
    case 'invalid_utf8': return invalidUtf8(row, naming);
  }
}
