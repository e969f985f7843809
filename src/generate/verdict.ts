/**
 * The discriminator's answer: one yes/no with a reason per rule of the task's checklist, plus an
 * overall verdict. A sample is accepted only when the verdict is `accept` and every rule is answered
 * yes; a verdict that says accept over a "no" is treated as a rejection (and flagged). Pure.
 */

/** The answer to one numbered rule. */
export interface RuleAnswer {
  rule: number;
  pass: boolean;
  reason: string;
}

/** A checked verdict. */
export interface Verdict {
  accept: boolean;
  rules: RuleAnswer[];
  /** `rule N: reason` for every rule answered no (empty when accepted). */
  reasons: string[];
  /** The model said accept but answered a rule no (or said reject with every rule yes). */
  inconsistent: boolean;
}

/** A verdict, or what is wrong with the reply (sent back to the model on the one retry). */
export type VerdictResult = { ok: true; verdict: Verdict } | { ok: false; error: string };

/**
 * Checks a parsed reply against the verdict shape for a checklist of `ruleCount` rules: `rules` an
 * array covering every rule number 1..ruleCount once with `answer` yes/no (case-insensitive; booleans
 * accepted), `verdict` accept/reject.
 */
export function validateVerdict(value: Record<string, unknown>, ruleCount: number): VerdictResult {
  const expected = `Expected {"rules": [{"rule": 1, "answer": "yes" or "no", "reason": "..."}, ... one per rule 1..${ruleCount}], "verdict": "accept" or "reject"}`;
  const fail = (found: string): VerdictResult => ({ ok: false, error: `${expected}; found ${found}. Reply with only that JSON object.` });
  const verdictText = typeof value.verdict === 'string' ? value.verdict.trim().toLowerCase() : undefined;
  if (verdictText !== 'accept' && verdictText !== 'reject') return fail(`verdict ${shown(value.verdict)}`);
  if (!Array.isArray(value.rules)) return fail(`rules ${value.rules === undefined ? 'missing' : `as ${typeof value.rules}`}`);
  const answers = new Map<number, RuleAnswer>();
  for (const [position, item] of (value.rules as unknown[]).entries()) {
    if (typeof item !== 'object' || item === null) return fail(`rules[${position}] not an object`);
    const entry = item as Record<string, unknown>;
    const rule = typeof entry.rule === 'number' ? entry.rule : typeof entry.rule === 'string' ? Number(entry.rule.replace(/^rule\s*/i, '')) : NaN;
    if (!Number.isInteger(rule) || rule < 1 || rule > ruleCount) return fail(`rules[${position}].rule ${shown(entry.rule)} (rules are numbered 1..${ruleCount})`);
    const pass = readAnswer(entry.answer);
    if (pass === undefined) return fail(`rules[${position}].answer ${shown(entry.answer)}`);
    if (answers.has(rule)) return fail(`rule ${rule} answered twice`);
    answers.set(rule, { rule, pass, reason: typeof entry.reason === 'string' ? entry.reason.trim() : '' });
  }
  const missing = Array.from({ length: ruleCount }, (_, i) => i + 1).filter((rule) => !answers.has(rule));
  if (missing.length > 0) return fail(`no answer for rule${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const rules = [...answers.values()].sort((a, b) => a.rule - b.rule);
  const failed = rules.filter((answer) => !answer.pass);
  const accept = verdictText === 'accept' && failed.length === 0;
  const inconsistent = (verdictText === 'accept') !== (failed.length === 0);
  const reasons = failed.map((answer) => `rule ${answer.rule}: ${answer.reason === '' ? 'answered no' : answer.reason}`);
  if (!accept && reasons.length === 0) reasons.push('verdict reject with every rule answered yes');
  return { ok: true, verdict: { accept, rules, reasons, inconsistent } };
}

/** A found value for a message: JSON, cut short (a reply may hold megabytes in one field). */
function shown(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length <= 200 ? text : `${text.slice(0, 200)}... (${text.length} characters)`;
}

function readAnswer(answer: unknown): boolean | undefined {
  if (typeof answer === 'boolean') return answer;
  if (typeof answer !== 'string') return undefined;
  const text = answer.trim().toLowerCase();
  if (text === 'yes' || text === 'y' || text === 'pass' || text === 'true') return true;
  if (text === 'no' || text === 'n' || text === 'fail' || text === 'false') return false;
  return undefined;
}
