// Seeded HumanEval-like and MBPP-like problems for the decontam benchmarks (moved out of
// bench/decontam.mjs so bench/decontam-recall.mjs plants copies of the same problems): function-shaped
// tasks from twenty families with random names, predicates and transforms; their doctests and asserts
// are computed by running the solutions in python3. Nothing is copied from the real datasets.
import { spawnSync } from 'node:child_process';
// ---------------------------------------------------------------------------------------------
// Seeded generation of function-shaped problems.

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
export const pick = (rng, list) => list[Math.floor(rng() * list.length)];
export const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));

const LISTS = [['values', 'value'], ['numbers', 'number'], ['scores', 'score'], ['readings', 'reading'], ['prices', 'price'], ['weights', 'weight'], ['heights', 'height'], ['samples', 'sample'], ['amounts', 'amount'], ['levels', 'level'], ['temperatures', 'temperature'], ['distances', 'distance'], ['ratings', 'rating'], ['votes', 'vote'], ['sizes', 'size'], ['steps', 'step']];
const STRINGS = ['text', 'sentence', 'message', 'phrase', 'line', 'label', 'title', 'caption', 'entry', 'note'];
const ACCS = ['total', 'result', 'acc', 'answer', 'tally', 'collected', 'running', 'outcome', 'summary', 'gathered'];
const PREDICATES = [
  (k, r) => ({ py: `X % ${k} == ${r % k}`, en: r % k === 0 ? `divisible by ${k}` : `leaving remainder ${r % k} when divided by ${k}` }),
  (k) => ({ py: `X > ${k}`, en: `greater than ${k}` }),
  (k) => ({ py: `X < ${k}`, en: `smaller than ${k}` }),
  () => ({ py: 'X % 2 == 1', en: 'odd' }),
  () => ({ py: 'X % 2 == 0', en: 'even' }),
  (k) => ({ py: `abs(X) <= ${k}`, en: `within ${k} of zero` }),
  (k) => ({ py: `X != ${k}`, en: `different from ${k}` }),
];
const TRANSFORMS = [
  (k) => ({ py: `X * ${k}`, en: `multiplied by ${k}` }),
  (k) => ({ py: `X + ${k}`, en: `increased by ${k}` }),
  () => ({ py: 'X ** 2', en: 'squared' }),
  () => ({ py: 'abs(X)', en: 'in absolute value' }),
  (k) => ({ py: `X // ${k}`, en: `divided by ${k} (rounded down)` }),
  (k) => ({ py: `X - ${k}`, en: `decreased by ${k}` }),
];
const predicate = (rng) => pick(rng, PREDICATES)(int(rng, 2, 9), int(rng, 0, 8));
const transform = (rng) => pick(rng, TRANSFORMS)(int(rng, 2, 7));
const sub = (expr, name) => expr.replaceAll('X', name);
const intList = (rng) => `[${Array.from({ length: int(rng, 4, 9) }, () => int(rng, -12, 30)).join(', ')}]`;
const WORDS = ['apple', 'river', 'stone', 'Cloud', 'ember', 'lantern', 'Quartz', 'maple', 'orbit', 'pebble', 'signal', 'tundra', 'velvet', 'harbor', 'Ivory', 'meadow'];
const sentence = (rng) => JSON.stringify(Array.from({ length: int(rng, 3, 7) }, () => pick(rng, WORDS)).join(' '));
const word = (rng) => JSON.stringify(Array.from({ length: int(rng, 1, 3) }, () => pick(rng, WORDS)).join('').slice(0, 14));

/**
 * Problem families: each returns { name, params: [[name, type]], returns, en, body: lines (4-space
 * indented), locals, args: () => python argument list }.
 */
export const FAMILIES = [
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const acc = pick(rng, ACCS); const p = predicate(rng); const t = transform(rng);
    return { name: `sum_${xs}_${pick(rng, ['where', 'if', 'when'])}`, params: [[xs, 'List[int]']], returns: 'int', en: `Return the sum of the ${xs} that are ${p.en}, each ${t.en}.`,
      body: [`${acc} = 0`, `for ${x} in ${xs}:`, `    if ${sub(p.py, x)}:`, `        ${acc} += ${sub(t.py, x)}`, `return ${acc}`], locals: [acc, x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const p = predicate(rng);
    return { name: `count_${pick(rng, ['matching', 'selected', 'flagged'])}_${xs}`, params: [[xs, 'List[int]']], returns: 'int', en: `Count how many of the ${xs} are ${p.en}.`,
      body: [`return sum(1 for ${x} in ${xs} if ${sub(p.py, x)})`], locals: [x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const p = predicate(rng); const t = transform(rng);
    return { name: `${pick(rng, ['select', 'pick', 'keep'])}_${xs}`, params: [[xs, 'List[int]']], returns: 'List[int]', en: `Return the ${xs} that are ${p.en}, each ${t.en}, in their original order.`,
      body: [`return [${sub(t.py, x)} for ${x} in ${xs} if ${sub(p.py, x)}]`], locals: [x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const acc = pick(rng, ACCS); const op = pick(rng, [['max', '>', 'largest'], ['min', '<', 'smallest']]);
    const cur = pick(rng, ['current', 'best', 'extreme', 'record']);
    return { name: `running_${op[0]}_${xs}`, params: [[xs, 'List[int]']], returns: 'List[int]', en: `Return a list where each position holds the ${op[2]} of the ${xs} seen so far.`,
      body: [`${acc} = []`, `${cur} = None`, `for ${x} in ${xs}:`, `    if ${cur} is None or ${x} ${op[1]} ${cur}:`, `        ${cur} = ${x}`, `    ${acc}.append(${cur})`, `return ${acc}`], locals: [acc, cur, x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const p = predicate(rng); const run = pick(rng, ['run', 'streak', 'stretch']); const best = pick(rng, ['longest', 'best', 'top']);
    return { name: `longest_${run}_of_${xs}`, params: [[xs, 'List[int]']], returns: 'int', en: `Return the length of the longest ${run} of consecutive ${xs} that are all ${p.en}.`,
      body: [`${best} = 0`, `${run} = 0`, `for ${x} in ${xs}:`, `    if ${sub(p.py, x)}:`, `        ${run} += 1`, `        ${best} = max(${best}, ${run})`, '    else:', `        ${run} = 0`, `return ${best}`], locals: [best, run, x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs] = pick(rng, LISTS); const k = pick(rng, ['k', 'width', 'span']); const w = pick(rng, ['window', 'block', 'frame']); const op = pick(rng, [['max', 'largest'], ['min', 'smallest']]);
    return { name: `${op[0]}_${w}_sum`, params: [[xs, 'List[int]'], [k, 'int']], returns: 'int', en: `Return the ${op[1]} sum of ${k} consecutive ${xs}; assume 1 <= ${k} <= len(${xs}).`,
      body: [`${w} = sum(${xs}[:${k}])`, `best = ${w}`, `for i in range(${k}, len(${xs})):`, `    ${w} += ${xs}[i] - ${xs}[i - ${k}]`, `    best = ${op[0]}(best, ${w})`, 'return best'], locals: [w, 'best', 'i'], args: (r) => `${intList(r)}, ${int(r, 1, 3)}` };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const p = predicate(rng); const i = pick(rng, ['index', 'position', 'i']);
    return { name: `first_${xs}_position`, params: [[xs, 'List[int]']], returns: 'int', en: `Return the index of the first of the ${xs} that is ${p.en}, or -1 if there is none.`,
      body: [`for ${i}, ${x} in enumerate(${xs}):`, `    if ${sub(p.py, x)}:`, `        return ${i}`, 'return -1'], locals: [i, x], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs] = pick(rng, LISTS); const k = int(rng, 2, 7); const c = pick(rng, ['pairs', 'count', 'found']);
    return { name: `count_${xs}_pairs_mod_${k}`, params: [[xs, 'List[int]']], returns: 'int', en: `Count the pairs of positions i < j whose ${xs} add up to a multiple of ${k}.`,
      body: [`${c} = 0`, `for i in range(len(${xs})):`, `    for j in range(i + 1, len(${xs})):`, `        if (${xs}[i] + ${xs}[j]) % ${k} == 0:`, `            ${c} += 1`, `return ${c}`], locals: [c, 'i', 'j'], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const seen = pick(rng, ['seen', 'visited', 'known']); const acc = pick(rng, ACCS); const t = transform(rng);
    return { name: `unique_${xs}_in_order`, params: [[xs, 'List[int]']], returns: 'List[int]', en: `Return the distinct ${xs}, each ${t.en}, keeping the first occurrence of each.`,
      body: [`${seen} = set()`, `${acc} = []`, `for ${x} in ${xs}:`, `    key = ${sub(t.py, x)}`, `    if key not in ${seen}:`, `        ${seen}.add(key)`, `        ${acc}.append(key)`, `return ${acc}`], locals: [seen, acc, x, 'key'], args: (r) => intList(r) };
  },
  (rng) => {
    const [xs] = pick(rng, LISTS); const absolute = rng() < 0.5; const gap = pick(rng, ['gaps', 'deltas', 'changes']);
    return { name: `${xs}_${gap}`, params: [[xs, 'List[int]']], returns: 'List[int]', en: `Return the ${absolute ? 'absolute ' : ''}differences between each pair of neighbouring ${xs}.`,
      body: [`${gap} = []`, `for left, right in zip(${xs}, ${xs}[1:]):`, `    ${gap}.append(${absolute ? 'abs(right - left)' : 'right - left'})`, `return ${gap}`], locals: [gap, 'left', 'right'], args: (r) => intList(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const test = pick(rng, [['isdigit()', 'digits'], ['isalpha()', 'letters'], ['isupper()', 'capital letters'], ['lower() in "aeiou"', 'vowels'], ['isspace()', 'spaces']]); const ch = pick(rng, ['ch', 'char', 'c', 'symbol']); const keep = rng() < 0.5;
    return { name: `${keep ? 'keep' : 'drop'}_${test[1].replace(' ', '_')}_from_${s}`, params: [[s, 'str']], returns: 'str', en: `Return the ${s} with ${keep ? 'only its' : 'all its'} ${test[1]} ${keep ? 'kept' : 'removed'}.`,
      body: [`return ''.join(${ch} for ${ch} in ${s} if ${keep ? '' : 'not '}${ch}.${test[0]})`], locals: [ch], args: (r) => sentence(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const parts = pick(rng, ['parts', 'pieces', 'chunks']); const sep = pick(rng, ['', '-', ':']);
    return { name: `run_length_${s}`, params: [[s, 'str']], returns: 'str', en: `Encode the ${s} as runs: each run of equal characters becomes the character followed by its count${sep === '' ? '' : `, runs joined by "${sep}"`}.`,
      body: [`${parts} = []`, 'i = 0', `while i < len(${s}):`, '    j = i', `    while j < len(${s}) and ${s}[j] == ${s}[i]:`, '        j += 1', `    ${parts}.append(${s}[i] + str(j - i))`, '    i = j', `return ${JSON.stringify(sep)}.join(${parts})`], locals: [parts, 'i', 'j'], args: (r) => word(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const k = int(rng, 3, 6); const w = pick(rng, ['word', 'token', 'piece']);
    return { name: `long_${w}s_in_${s}`, params: [[s, 'str']], returns: 'List[str]', en: `Return the ${w}s of the ${s} that have more than ${k} letters, lower-cased.`,
      body: [`return [${w}.lower() for ${w} in ${s}.split() if len(${w}) > ${k}]`], locals: [w], args: (r) => sentence(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const cleaned = pick(rng, ['cleaned', 'letters', 'plain']);
    return { name: `is_${s}_palindrome`, params: [[s, 'str']], returns: 'bool', en: `Tell whether the ${s} reads the same backwards, ignoring case and anything that is not a letter.`,
      body: [`${cleaned} = [ch.lower() for ch in ${s} if ch.isalpha()]`, `return ${cleaned} == ${cleaned}[::-1]`], locals: [cleaned, 'ch'], args: (r) => sentence(r) };
  },
  (rng) => {
    const s = pick(rng, STRINGS); const pairs = pick(rng, [['()[]', "{')': '(', ']': '['}"], ['(){}', "{')': '(', '}': '{'}"], ['()[]{}', "{')': '(', ']': '[', '}': '{'}"]]); const stack = pick(rng, ['stack', 'pending', 'opened']);
    return { name: `balanced_${s}`, params: [[s, 'str']], returns: 'bool', en: `Tell whether every opening bracket among ${pairs[0]} in the ${s} is closed in the right order.`,
      body: [`closing = ${pairs[1]}`, `${stack} = []`, `for ch in ${s}:`, '    if ch in closing.values():', `        ${stack}.append(ch)`, '    elif ch in closing:', `        if not ${stack} or ${stack}.pop() != closing[ch]:`, '            return False', `return not ${stack}`], locals: ['closing', stack, 'ch'], args: (r) => JSON.stringify(Array.from({ length: int(r, 2, 8) }, () => pick(r, [...pairs[0]])).join('')) };
  },
  (rng) => {
    const n = pick(rng, ['n', 'number', 'value']); const p = predicate(rng); const op = pick(rng, [['product', '*=', '1'], ['sum', '+=', '0']]); const d = pick(rng, ['digit', 'last', 'd']);
    return { name: `${op[0]}_of_digits_${p.en.split(' ')[0]}`, params: [[n, 'int']], returns: 'int', en: `Return the ${op[0]} of the decimal digits of ${n} that are ${p.en}; ${n} is positive.`,
      body: [`${op[0]} = ${op[2]}`, `while ${n} > 0:`, `    ${d} = ${n} % 10`, `    if ${sub(p.py, d)}:`, `        ${op[0]} ${op[1]} ${d}`, `    ${n} //= 10`, `return ${op[0]}`], locals: [op[0], d], args: (r) => String(int(r, 10, 999999)) };
  },
  (rng) => {
    const n = pick(rng, ['n', 'start', 'seed']); const a = int(rng, 2, 5); const b = int(rng, 1, 3); const steps = pick(rng, ['steps', 'moves', 'rounds']);
    return { name: `${steps}_to_one_${a}x${b}`, params: [[n, 'int']], returns: 'int', en: `Count the ${steps} to reach 1 from ${n}: halve an even number, and replace an odd one by ${a} times it plus ${b}; give up after 500 ${steps} and return -1.`,
      body: [`${steps} = 0`, `while ${n} != 1:`, `    if ${steps} == 500:`, '        return -1', `    ${n} = ${n} // 2 if ${n} % 2 == 0 else ${a} * ${n} + ${b}`, `    ${steps} += 1`, `return ${steps}`], locals: [steps], args: (r) => String(int(r, 1, 60)) };
  },
  (rng) => {
    const n = pick(rng, ['n', 'number', 'whole']); const p = predicate(rng); const d = pick(rng, ['d', 'divisor', 'k']);
    return { name: `divisors_of_${n}_${p.en.split(' ')[0]}`, params: [[n, 'int']], returns: 'List[int]', en: `Return, in increasing order, the divisors of the positive integer ${n} that are ${p.en}.`,
      body: [`return [${d} for ${d} in range(1, ${n} + 1) if ${n} % ${d} == 0 and ${sub(p.py, d)}]`], locals: [d], args: (r) => String(int(r, 1, 120)) };
  },
  (rng) => {
    const ws = pick(rng, ['words', 'names', 'labels', 'tags']); const key = pick(rng, [['w[0]', 'first letter'], ['len(w)', 'length'], ['w[-1]', 'last letter']]); const groups = pick(rng, ['groups', 'buckets', 'by_key']);
    return { name: `group_${ws}_by_${key[1].replace(' ', '_')}`, params: [[ws, 'List[str]']], returns: 'Dict', en: `Group the non-empty ${ws} by their ${key[1]} into a dictionary of lists, keeping their order.`,
      body: [`${groups} = {}`, `for w in ${ws}:`, '    if not w:', '        continue', `    ${groups}.setdefault(${key[0]}, []).append(w)`, `return ${groups}`], locals: [groups, 'w'], args: (r) => `[${Array.from({ length: int(r, 2, 6) }, () => word(r)).join(', ')}]` };
  },
  (rng) => {
    const [xs, x] = pick(rng, LISTS); const counts = pick(rng, ['counts', 'freq', 'occurrences']);
    return { name: `most_common_${x}`, params: [[xs, 'List[int]']], returns: 'int', en: `Return the most frequent of the ${xs}; on a tie, the smallest of them. The list is not empty.`,
      body: [`${counts} = {}`, `for ${x} in ${xs}:`, `    ${counts}[${x}] = ${counts}.get(${x}, 0) + 1`, `return min(${counts}, key=lambda item: (-${counts}[item], item))`], locals: [counts, x, 'item'], args: (r) => intList(r) };
  },
];

/** A candidate problem: its spec, HumanEval-style and MBPP-style renderings, and example arguments. */
function candidate(rng, index) {
  const spec = pick(rng, FAMILIES)(rng);
  spec.name = `${spec.name}_${index.toString(36)}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  spec.calls = Array.from({ length: 3 }, () => spec.args(rng));
  return spec;
}

function humanEvalPrompt(spec, examples) {
  const typing = spec.params.some(([, t]) => /List|Dict/.test(t)) || /List|Dict/.test(spec.returns) ? 'from typing import Dict, List\n\n\n' : '\n\n';
  const signature = `def ${spec.name}(${spec.params.map(([n, t]) => `${n}: ${t}`).join(', ')}) -> ${spec.returns}:`;
  const doctests = examples.slice(0, 2).map((e) => `    >>> ${spec.name}(${e.args})\n    ${e.result}`).join('\n');
  return `${typing}${signature}\n    """ ${spec.en}\n${doctests}\n    """\n`;
}
const indent = (lines) => lines.map((line) => `    ${line}`).join('\n');
const mbppCode = (spec) => `def ${spec.name}(${spec.params.map(([n]) => n).join(', ')}):\n${indent(spec.body)}`;
const mbppText = (spec) => `Write a function to ${`${spec.en.charAt(0).toLowerCase()}${spec.en.slice(1)}`.replace(/^return /, 'find ')}`;

/** Runs every candidate's solution on its example arguments in python3: [{ ok, results: [repr] }]. */
function evaluate(specs) {
  const script = [
    'import json, sys',
    'from typing import Dict, List',
    'out = []',
    'for spec in json.load(sys.stdin):',
    '    try:',
    '        scope = {"Dict": Dict, "List": List}',
    '        exec(spec["code"], scope)',
    '        out.append({"ok": True, "results": [repr(eval(spec["name"] + "(" + args + ")", scope)) for args in spec["calls"]]})',
    '    except Exception as error:',
    '        out.append({"ok": False, "error": repr(error)})',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  const input = JSON.stringify(specs.map((s) => ({ code: mbppCode(s), name: s.name, calls: s.calls })));
  const run = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`python3 could not evaluate the problems:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** `count` problems that run, with distinct names: the HumanEval-like or MBPP-like file's lines. */
export function problems(seed, count, layout) {
  const rng = mulberry32(seed);
  const specs = Array.from({ length: Math.ceil(count * 1.3) }, (_, i) => candidate(rng, seed * 10_000 + i));
  const results = evaluate(specs);
  const kept = specs.flatMap((spec, i) => (results[i].ok && !results[i].results.some((r) => r.length > 60) ? [{ ...spec, examples: spec.calls.map((args, k) => ({ args, result: results[i].results[k] })) }] : [])).slice(0, count);
  if (kept.length < count) throw new Error(`only ${kept.length} of ${count} ${layout} problems ran`);
  return kept.map((spec, i) => {
    if (layout === 'humaneval') {
      const prompt = humanEvalPrompt(spec, spec.examples);
      const test = `\n\nMETADATA = {'author': 'tidepool-bench', 'dataset': 'synthetic'}\n\n\ndef check(candidate):\n${spec.examples.map((e) => `    assert candidate(${e.args}) == ${e.result}`).join('\n')}\n`;
      return { spec, line: { task_id: `SynthEval/${i}`, prompt, canonical_solution: `${indent(spec.body)}\n`, test, entry_point: spec.name } };
    }
    return { spec, line: { task_id: 1000 + i, text: mbppText(spec), code: mbppCode(spec), test_setup_code: '', test_list: spec.examples.map((e) => `assert ${spec.name}(${e.args}) == ${e.result}`), challenge_test_list: [] } };
  });
}
