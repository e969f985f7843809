// Real JavaScript functions for decontam-recall's clean set and its embedded copies' neighbours:
// every function declaration, method, function expression and arrow function of 3 to 200 lines in
// the .js/.mjs/.cjs files under a node_modules folder (sorted walk, nested functions included),
// parsed with acorn; minified and bundled files are skipped, duplicates (the same package at two
// versions) kept once. Deterministic for a given folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'acorn';

/** Markers of a bundle (webpack, esbuild, rollup/browserify shims) or of generated code. */
const BUNDLE_MARKERS = ['__webpack_require__', '/******/', '__commonJS(', '__toESM(', 'sourceMappingURL=data:', '// ../node_modules/', '(function(f){if(typeof exports'];

/** Why a file is skipped, or undefined to read it. */
function skipReason(name, text) {
  if (/\.min\.[cm]?js$/.test(name)) return 'minified';
  const lines = text.split('\n');
  if (lines.some((line) => line.length > 1000) || text.length / lines.length > 120) return 'minified';
  if (BUNDLE_MARKERS.some((marker) => text.includes(marker))) return 'bundled';
  return undefined;
}

function* files(folder) {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile() && /\.[cm]?js$/.test(entry.name)) yield path;
  }
}

function parseAny(text) {
  const options = { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true, locations: true };
  try {
    return parse(text, { ...options, sourceType: 'module' });
  } catch {
    return parse(text, { ...options, sourceType: 'script' });
  }
}

/** `text` with the indentation of its first line's source line removed from every following line. */
function dedent(text, indent) {
  return text.split('\n').map((line, i) => (i === 0 ? line : line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())).join('\n');
}

/**
 * Up to `limit` functions: `{ repo, path, func_name, language, docstring, code, declaration }`
 * (`declaration`: a standalone `function` declaration, fit to be a neighbour in a file), plus counts of
 * the files read and skipped.
 */
export function harvestJsFunctions(base, limit) {
  const functions = [];
  const seen = new Set();
  const counts = { filesRead: 0, minified: 0, bundled: 0, unparsable: 0, duplicates: 0 };
  for (const path of files(base)) {
    if (functions.length >= limit) break;
    if (statSync(path).size > 1 << 20) {
      counts.minified++;
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const reason = skipReason(path, text);
    if (reason !== undefined) {
      counts[reason]++;
      continue;
    }
    let program;
    try {
      program = parseAny(text);
    } catch {
      counts.unparsable++;
      continue;
    }
    counts.filesRead++;
    const lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
    const found = [];
    const visit = (node, parent) => {
      if (node === null || typeof node !== 'object' || typeof node.type !== 'string') return;
      let unit;
      if (node.type === 'FunctionDeclaration') unit = { node, name: node.id?.name ?? '', declaration: true };
      else if (node.type === 'MethodDefinition' || (node.type === 'Property' && (node.method || node.kind !== 'init'))) unit = { node, name: node.key?.name ?? node.key?.value ?? '' };
      else if ((node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression') && parent?.type !== 'MethodDefinition' && !(parent?.type === 'Property' && (parent.method || parent.kind !== 'init'))) {
        const named = parent?.type === 'VariableDeclarator' ? parent.id?.name : parent?.type === 'Property' ? parent.key?.name : node.id?.name;
        unit = { node, name: named ?? '' };
      }
      if (unit !== undefined) found.push(unit);
      for (const value of Object.values(node)) {
        if (Array.isArray(value)) for (const child of value) visit(child, node);
        else if (value !== null && typeof value === 'object' && typeof value.type === 'string') visit(value, node);
      }
    };
    visit(program, undefined);
    for (const { node, name, declaration } of found) {
      if (functions.length >= limit) break;
      const lines = node.loc.end.line - node.loc.start.line + 1;
      if (lines < 3 || lines > 200) continue;
      const lineStart = lineStarts[node.loc.start.line - 1];
      const indent = /^[ \t]*/.exec(text.slice(lineStart, node.start))[0];
      const code = `${dedent(text.slice(node.start, node.end), indent)}\n`;
      if (seen.has(code)) {
        counts.duplicates++;
        continue;
      }
      seen.add(code);
      functions.push({ repo: 'node_modules', path: `${relative(base, path)}:${node.loc.start.line}`, func_name: name, language: 'javascript', docstring: '', code, declaration: declaration === true });
    }
  }
  return { functions, counts };
}
