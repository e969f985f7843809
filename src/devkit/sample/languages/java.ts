/** Java: methods inside a class, typed parameters, Javadoc before the code. */
import { commentLines, type Dialect, type ValueKind } from '../dialect.js';
import { capitalize } from '../vocabulary.js';

const MODIFIERS = ['public', 'public', 'private', 'protected', 'public static', 'private static', 'public final', 'static'] as const;

function javaType(kind: ValueKind, noun: string): string {
  switch (kind) {
    case 'id': return 'String';
    case 'count': return 'int';
    case 'list': return `List<${capitalize(noun)}>`;
    case 'map': return 'Map<String, Object>';
    case 'flag': return 'boolean';
    case 'object': return capitalize(noun);
  }
}

/** The Java dialect. */
export const java: Dialect = {
  language: 'java',
  extension: '.java',
  indent: '    ',
  casing: 'camel',
  functionCasing: 'camel',
  blockEnd: '}',
  elseLine: '} else {',
  docInCode: false,
  nil: 'null',
  emptyList: () => 'new ArrayList<>()',
  emptyMap: 'new HashMap<>()',
  ref: (name) => name,
  member: (fn, field) => (fn.isMethod ? `this.${field}` : field.toUpperCase()),
  call: (target, method, args) => `${target}.${method}(${args.join(', ')})`,
  str: (text) => `"${text}"`,
  declare: (name, expr) => `final var ${name} = ${expr};`,
  assign: (target, expr) => `${target} = ${expr};`,
  statement: (expr) => `${expr};`,
  append: (list, item) => `${list}.add(${item});`,
  put: (map, key, value) => `${map}.put(${key}, ${value});`,
  size: (expr) => `${expr}.size()`,
  isEmpty: (expr, kind) => (kind === 'id' ? `${expr} == null || ${expr}.isEmpty()` : `${expr}.isEmpty()`),
  isNil: (expr) => `${expr} == null`,
  ifOpen: (condition) => `if (${condition}) {`,
  forOpen: (item, list) => `for (final var ${item} : ${list}) {`,
  returnLine: (expr) => `return ${expr};`,
  throwLine: (message) => `throw new IllegalArgumentException("${message}");`,
  log: (message, arg) => `LOG.debug("${message} {}", ${arg});`,
  guarded: (name, expr, message) => [
    [0, 'try {'],
    [1, `final var ${name} = ${expr};`],
    [0, '} catch (IOException e) {'],
    [1, `throw new IllegalStateException("${message}", e);`],
    [0, '}'],
  ],
  signature: (fn) => {
    const modifiers = MODIFIERS[fn.style % MODIFIERS.length]!;
    const params = fn.params.map((p) => `${javaType(p.kind, p.noun)} ${p.name}`).join(', ');
    const throwsClause = (fn.style & 8) === 8 ? ' throws IOException' : '';
    const head = `${modifiers} ${javaType(fn.returns, fn.returnNoun)} ${fn.name}(${params})${throwsClause} {`;
    return (fn.style & 48) === 48 ? ['@Override', head] : [head];
  },
  docSummary: (_fn, summary) => summary,
  docComment: (fn, summary, details) => {
    const lines = ['/**', ...commentLines(' * ', summary, details)];
    if ((fn.style & 64) === 64) {
      for (const p of fn.params) lines.push(` * @param ${p.name} the ${p.noun}`);
      lines.push(` * @return the ${fn.returnNoun}`);
    }
    lines.push(' */');
    return lines;
  },
};
