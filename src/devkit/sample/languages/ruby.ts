/** Ruby: 2-space indentation, `end` closes blocks, instance variables, `#` comments before the code. */
import { commentLines, type Dialect } from '../dialect.js';

/** The Ruby dialect. */
export const ruby: Dialect = {
  language: 'ruby',
  extension: '.rb',
  indent: '  ',
  casing: 'snake',
  functionCasing: 'snake',
  blockEnd: 'end',
  elseLine: 'else',
  docInCode: false,
  nil: 'nil',
  emptyList: () => '[]',
  emptyMap: '{}',
  ref: (name) => name,
  member: (fn, field) => (fn.isMethod ? `@${field}` : field.toUpperCase()),
  call: (target, method, args) => (args.length === 0 ? `${target}.${method}` : `${target}.${method}(${args.join(', ')})`),
  str: (text) => `"${text}"`,
  declare: (name, expr) => `${name} = ${expr}`,
  assign: (target, expr) => `${target} = ${expr}`,
  statement: (expr) => expr,
  append: (list, item) => `${list} << ${item}`,
  put: (map, key, value) => `${map}[${key}] = ${value}`,
  size: (expr) => `${expr}.size`,
  isEmpty: (expr, kind) => (kind === 'flag' ? `!${expr}` : `${expr}.nil? || ${expr}.empty?`),
  isNil: (expr) => `${expr}.nil?`,
  ifOpen: (condition) => `if ${condition}`,
  forOpen: (item, list) => `${list}.each do |${item}|`,
  returnLine: (expr) => `return ${expr}`,
  throwLine: (message) => `raise ArgumentError, "${message}"`,
  log: (message, arg) => `logger.debug("${message} #{${arg}}")`,
  guarded: (name, expr, message) => [
    [0, 'begin'],
    [1, `${name} = ${expr}`],
    [0, 'rescue StandardError => e'],
    [1, `raise "${message}: #{e.message}"`],
    [0, 'end'],
  ],
  signature: (fn) => {
    const params = fn.params.map((p, index) => (index === fn.params.length - 1 && p.kind === 'map' ? `${p.name} = {}` : p.name));
    const prefix = fn.isMethod ? '' : 'self.';
    return [params.length === 0 ? `def ${prefix}${fn.name}` : `def ${prefix}${fn.name}(${params.join(', ')})`];
  },
  docSummary: (_fn, summary) => summary,
  docComment: (_fn, summary, details) => commentLines('# ', summary, details),
};
