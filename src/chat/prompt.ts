// The prompt of one chat turn, built fresh for every request: the persona, the operator's
// memory notes, what roshi is doing right now (missions, queue, pause), the conversation so far
// and the message. The persona and memory files are re-read every time (context loaded once goes
// stale); a file that cannot be read is reported and left out, never fatal.
//
// buildChatPrompt is pure; readPersona/readMemory touch the file system only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import type { ChatHistory } from './history.js';
import type { ChatRequest } from '../contracts/index.js';
import type { MissionBrief, Situation } from './situation.js';

/** Used when neither the configured persona nor config/persona.md can be read. */
export const FALLBACK_PERSONA =
  'You are roshi, a supervisor that runs coding agents on missions. Answer briefly and plainly, in the language you are written to.';

/** Longest persona or memory taken into a prompt. */
export const MAX_FILE_TEXT = 20_000;

export function builtinPersonaPath(): string {
  return join(packageRoot(), 'config', 'persona.md');
}

export interface FileText {
  text?: string;
  /** Set when the file could not be read; the caller logs it. */
  problem?: string;
}

/** The persona: the configured file, else the built-in one, else FALLBACK_PERSONA. */
export function readPersona(
  configured: string,
  builtin: string = builtinPersonaPath(),
): FileText & { text: string; source: string } {
  const problems: string[] = [];
  for (const file of configured.trim() === '' ? [builtin] : [configured, builtin]) {
    const read = readText(file);
    if (read.text !== undefined && read.text.trim() !== '') {
      return { text: read.text, source: file, ...(problems.length ? { problem: problems.join('; ') } : {}) };
    }
    problems.push(read.problem ?? `${file} is empty`);
  }
  return { text: FALLBACK_PERSONA, source: 'fallback', problem: problems.join('; ') };
}

/** The memory notes, or nothing: "" configures none. */
export function readMemory(configured: string): FileText {
  if (configured.trim() === '') return {};
  const read = readText(configured);
  return read.text !== undefined && read.text.trim() === '' ? {} : read;
}

function readText(file: string): FileText {
  try {
    const text = readFileSync(file, 'utf8');
    return { text: text.length > MAX_FILE_TEXT ? `${text.slice(0, MAX_FILE_TEXT)}\n[… clipped]` : text };
  } catch (error) {
    return { problem: `${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}

export interface PromptParts {
  persona: string;
  memory?: string;
  /** Already cut to what this attempt may see (see planForAttempt). */
  history: Pick<ChatHistory, 'summaries' | 'turns'>;
  situation: Situation;
  /** Chat requests queued behind this one. */
  waiting: number;
  request: ChatRequest;
  /** ms since the epoch. */
  now: number;
}

export function buildChatPrompt(parts: PromptParts): string {
  const { request, now } = parts;
  const sections: string[] = [parts.persona.trim()];
  if (parts.memory && parts.memory.trim() !== '') {
    sections.push(`# Memory (notes from the operator; treat them as facts you know)\n\n${parts.memory.trim()}`);
  }
  sections.push(describeSituation(parts.situation, parts.waiting, now));
  if (parts.history.summaries.length > 0) {
    sections.push(
      `# Earlier in this conversation (one line per exchange)\n\n${parts.history.summaries.map((s) => `- ${s}`).join('\n')}`,
    );
  }
  if (parts.history.turns.length > 0) {
    const lines = parts.history.turns.map(
      (t) => `[${t.from ?? 'user'}, ${ago(now - t.at)}]\n${t.user.trim()}\n[you]\n${t.answer.trim()}`,
    );
    sections.push(`# Recent conversation (oldest first)\n\n${lines.join('\n\n')}`);
  }
  const from = request.userName ?? request.userId ?? 'someone';
  sections.push(
    `# The message to answer\n\nFrom ${from} on ${request.provider} (chat ${request.chatId}):\n\n${request.text.trim()}`,
  );
  sections.push(
    "Answer this message as roshi's chat. Write only the reply that will be sent to the chat: plain text, short, " +
      'in the language of the message. You cannot start, stop or change missions yourself; when asked to, say which ' +
      'command does it (for example /mission <text>, /cancel <id>, /pause, /status).',
  );
  return sections.join('\n\n') + '\n';
}

/** The "right now" section: whether a mission runs and which, the queue, the pause. */
export function describeSituation(s: Situation, waiting: number, now: number): string {
  const c = s.counts;
  const lines = [`# roshi right now (${new Date(s.at).toISOString().slice(0, 16).replace('T', ' ')} UTC)`, ''];
  lines.push(
    `Missions: ${c.running} running, ${c.pending} pending, ${c.done} done, ${c.failed} failed, ${c.cancelled} cancelled.`,
  );
  if (s.dispatch.paused) {
    lines.push(
      `Dispatch is PAUSED${s.dispatch.until !== undefined ? ` for another ${duration(s.dispatch.until - now)}` : ' until resumed'}${s.dispatch.by ? ` (by ${s.dispatch.by})` : ''}: pending missions wait.`,
    );
  }
  if (s.running.length === 0) {
    lines.push('No mission is running now.');
  } else {
    lines.push(s.running.length === 1 ? 'A mission is running now:' : `${c.running} missions are running now:`);
    for (const m of s.running)
      lines.push(
        `- ${missionLine(m)}${m.runner ? ` — on ${m.runner}` : ''}${m.since !== undefined ? `, for ${duration(now - m.since)}` : ''}, attempt ${m.attempts}/${m.maxAttempts}`,
      );
  }
  if (s.next.length > 0) {
    lines.push(`Next in the queue${c.pending > s.next.length ? ` (${s.next.length} of ${c.pending})` : ''}:`);
    for (const m of s.next) lines.push(`- ${missionLine(m)}`);
  }
  if (s.recent.length > 0) {
    lines.push('Finished last:');
    for (const m of s.recent) {
      const mark = m.status === 'done' ? 'done' : m.status;
      lines.push(
        `- ${missionLine(m)} — ${mark}${m.since !== undefined ? ` ${ago(now - m.since)}` : ''}${m.prUrl ? `, ${m.prUrl}` : ''}${m.outcome ? `: ${m.outcome}` : ''}`,
      );
    }
  }
  lines.push(
    waiting > 0
      ? `Chat: ${waiting} more message${waiting === 1 ? ' is' : 's are'} waiting for an answer after this one.`
      : 'Chat: no other message is waiting.',
  );
  return lines.join('\n');
}

function missionLine(m: MissionBrief): string {
  const kind = m.kind === 'free' ? '' : ` /${m.kind}`;
  return `${m.id} [project:${m.project}]${kind} "${m.text}"`;
}

/** 45s, 3m 10s, 2h 5m, 3d 4h. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

function ago(ms: number): string {
  return ms < 5_000 ? 'just now' : `${duration(ms)} ago`;
}
