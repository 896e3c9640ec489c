// Progress, not just output: the stall rules a running agent is watched by, fed its parsed
// stream-json events and the worktree's fingerprints, with time given by the caller. Pure.
// What each rule means, its default and why: docs/missions.md#stalls-and-budgets-per-mission.
import { summarizeToolInput, type StreamEvent } from './streamJson.js';

/** agent.stall.*: a count or time of 0 turns its rule off. */
export interface StallSettings {
  /** The same tool call with the same input this many times in a row. */
  repeatedCall: number;
  /** The same error text from tools this many times while the worktree does not change. */
  repeatedError: number;
  /** No worktree change for this long (ms) while at least `noProgressTurns` turns are spent. */
  noProgressMs: number;
  noProgressTurns: number;
  /** This share of maxTurns spent (0–1) without a single worktree change. */
  turnsWithoutEdits: number;
}

export type StallRule = 'repeated-call' | 'repeated-error' | 'no-progress' | 'turns-without-edits';

export interface StallFinding {
  rule: StallRule;
  /** One line for the operator: what repeats, or what is not happening. */
  evidence: string;
  /** The repeated call or error (its one-line summary), when the rule is about one. */
  repeated?: string;
  count?: number;
}

export class ProgressWatch {
  /** Assistant messages seen (one per API answer; the CLI may split one into several events). */
  turns = 0;
  private lastMessageId: string | undefined;
  private callKey: string | undefined;
  private callSummary = '';
  private callStreak = 0;
  private errorCounts = new Map<string, number>();
  private fingerprint: string | undefined;
  private changes = 0;
  private lastChangeAt: number;
  private turnsAtLastChange = 0;

  constructor(
    private readonly settings: StallSettings,
    private readonly maxTurns: number,
    startedAt: number,
  ) {
    this.lastChangeAt = startedAt;
  }

  observe(event: StreamEvent): void {
    if (event.kind === 'assistant') {
      if (event.messageId === undefined || event.messageId !== this.lastMessageId) this.turns += 1;
      this.lastMessageId = event.messageId;
      for (const use of event.toolUses) {
        const key = `${use.name}\u0000${stableJson(use.input)}`;
        if (key === this.callKey) this.callStreak += 1;
        else {
          this.callKey = key;
          this.callStreak = 1;
          this.callSummary = summarizeToolInput(use.name, use.input, 160);
        }
      }
    } else if (event.kind === 'tool_results') {
      for (const r of event.results) {
        if (!r.isError) continue;
        const text = normalizeError(r.text);
        this.errorCounts.set(text, (this.errorCounts.get(text) ?? 0) + 1);
      }
    }
  }

  /** A cheap fingerprint of the worktree (git status and diff stat, hashed); a change is progress. */
  observeWorktree(fingerprint: string, now: number): void {
    if (this.fingerprint === undefined) {
      this.fingerprint = fingerprint;
      return;
    }
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    this.changes += 1;
    this.lastChangeAt = now;
    this.turnsAtLastChange = this.turns;
    this.errorCounts.clear();
  }

  /** The first rule that holds now, in the order of how sure it is. */
  check(now: number): StallFinding | undefined {
    const s = this.settings;
    if (s.repeatedCall > 0 && this.callStreak >= s.repeatedCall)
      return {
        rule: 'repeated-call',
        evidence: `the same tool call ${this.callStreak} times in a row: ${this.callSummary}`,
        repeated: this.callSummary,
        count: this.callStreak,
      };
    if (s.repeatedError > 0) {
      for (const [text, count] of this.errorCounts)
        if (count >= s.repeatedError)
          return {
            rule: 'repeated-error',
            evidence: `the same error ${count} times without a change in the worktree: ${text}`,
            repeated: text,
            count,
          };
    }
    // Without a fingerprint (not a git worktree) nothing is known about edits.
    if (this.fingerprint === undefined) return undefined;
    const quietTurns = this.turns - this.turnsAtLastChange;
    if (s.noProgressMs > 0 && now - this.lastChangeAt >= s.noProgressMs && quietTurns >= s.noProgressTurns)
      return {
        rule: 'no-progress',
        evidence: `no change in the worktree for ${Math.round((now - this.lastChangeAt) / 1000)} s over ${quietTurns} turns`,
        count: quietTurns,
      };
    if (s.turnsWithoutEdits > 0 && this.changes === 0 && this.turns >= Math.ceil(s.turnsWithoutEdits * this.maxTurns))
      return {
        rule: 'turns-without-edits',
        evidence: `${this.turns} of ${this.maxTurns} turns spent without a change in the worktree`,
        count: this.turns,
      };
    return undefined;
  }
}

/** Error texts differ in ids and numbers that do not matter: one line, digits folded, clipped. */
function normalizeError(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.replace(/\d+/g, 'N').slice(0, 200);
}

/** JSON with sorted keys, so that the same input is the same call whatever its key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}
