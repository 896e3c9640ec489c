// One attempt at answering a chat message: fresh context (persona and memory re-read, history
// from the bucket, the mission situation from the store's index), then the agent CLI through the
// agent adapter, read-only tools only, reading only its scratch directory and the checkouts. A non-empty answer is recorded in
// the chat's history before it is reported, so the next message of the same chat (answered
// right after, FIFO) already sees it.
import { existsSync, mkdirSync } from 'node:fs';
import type { TurnStart } from '../../machines/chat.js';
import { runLogPath, type AgentAdapter, type AgentRunRequest, type AgentRunResult } from '../adapters/agent/index.js';
import { RoshiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PauseRecord } from '../missions/pause.js';
import { chatRunLine, type UsageLine } from '../usage/record.js';
import { planForAttempt, type ChatHistory, type ChatHistoryStore, type TurnPlan } from './history.js';
import { buildChatPrompt, readMemory, readPersona } from './prompt.js';
import { readSituation, type MissionReader } from './situation.js';

/**
 * Tools a chat may have: they read and search, and change nothing. They are given as the run's
 * whole tool set (`--tools`), never as allow rules: the CLI (2.1.197, checked against the scripted
 * API) then lets them read only the working directory (the chat's scratch dir) and the `--add-dir`
 * directories (the project checkouts) and refuses any other path, while a bare `Read` in
 * --allowedTools would read anywhere (~/.ssh, another checkout's .env).
 */
export const READ_ONLY_TOOLS: readonly string[] = ['Read', 'Glob', 'Grep', 'LS', 'NotebookRead'];

/** Never a chat's, whatever chat.allowedTools says: a chat must not fetch from or post to the web. */
export const CHAT_DISALLOWED_TOOLS: readonly string[] = ['WebFetch', 'WebSearch'];

/**
 * The chat's tool set from chat.allowedTools: the read-only tools it names. Anything else (Write,
 * Bash, MCP tools, web tools, and rules like `Read(//srv/**)` that would widen where it reads) is
 * dropped, and the caller warns about it.
 */
export function readOnlyTools(configured: readonly string[]): { allowed: string[]; dropped: string[] } {
  const allowed: string[] = [];
  const dropped: string[] = [];
  for (const raw of configured) {
    const tool = raw.trim();
    if (tool === '') continue;
    (READ_ONLY_TOOLS.includes(tool) && !allowed.includes(tool) ? allowed : dropped).push(tool);
  }
  return { allowed, dropped };
}

/**
 * How the chat runs its agent: the run settings it shares with missions, plus its own.
 * `allowedTools` is the chat's whole tool set (readOnlyTools), given to the CLI as `--tools`.
 */
export interface ChatAgentSettings
  extends Pick<
    AgentRunRequest,
    'model' | 'fallbackModel' | 'effort' | 'maxTurns' | 'allowedTools' | 'env' | 'killGraceMs'
  > {
  /** chat.persona and chat.memory: paths, "" for the built-in persona / no memory. */
  persona: string;
  memory: string;
  historyTurns: number;
  /** chat.timeout: the first attempt's idle and wall-clock limit. */
  timeoutMs: number;
  /** The agent's working directory. */
  scratchDir: string;
  /** Directories the chat may read besides its scratch dir: the project checkouts and roshi's worktrees. */
  readDirs?: string[];
  runLogDir: string;
}

export interface ChatAnswererDeps {
  agent: AgentAdapter;
  missions: MissionReader;
  readPause: () => Promise<PauseRecord | undefined>;
  history: Pick<ChatHistoryStore, 'load' | 'append'>;
  settings: ChatAgentSettings;
  logger: Logger;
  now?: () => number;
  /** Counts every agent run, whatever its outcome, in usage.jsonl (src/usage/record.ts). */
  recordUsage?: (line: UsageLine) => void;
}

export interface TurnAnswer {
  /** Trimmed; "" when the agent said nothing. */
  text: string;
  plan: TurnPlan;
  run: AgentRunResult;
}

export interface ChatAnswerer {
  answer(turn: TurnStart, signal: AbortSignal): Promise<TurnAnswer>;
}

/** Thrown for an agent run that did not succeed; the machine retries it like an empty answer. */
export class ChatTurnError extends RoshiError {
  override readonly code = 'chat_turn';
  constructor(
    message: string,
    readonly run?: AgentRunResult,
  ) {
    super(message);
  }
}

export function createChatAnswerer(deps: ChatAnswererDeps): ChatAnswerer {
  const { settings, logger } = deps;
  const now = deps.now ?? Date.now;
  // A broken persona or memory file is reported when its problem changes, not on every message.
  const reported = new Map<string, string>();
  const report = (what: string, problem: string | undefined) => {
    if (problem === undefined) {
      reported.delete(what);
      return;
    }
    if (reported.get(what) === problem) return;
    reported.set(what, problem);
    logger.warn({ problem }, `chat ${what} not read; going on without it`);
  };

  return {
    async answer(turn, signal) {
      const { request } = turn;
      const plan = planForAttempt(turn.attempt, { historyTurns: settings.historyTurns, timeoutMs: settings.timeoutMs });
      const persona = readPersona(settings.persona);
      report('persona', persona.problem);
      let memory: string | undefined;
      if (plan.memory) {
        const read = readMemory(settings.memory);
        report('memory', read.problem);
        memory = read.text;
      }
      let history: ChatHistory | undefined;
      try {
        history = await deps.history.load(request.provider, request.chatId);
      } catch (error) {
        logger.warn({ err: error, chat: request.chatId }, 'chat history not read; answering without it');
      }
      const pause = await deps.readPause().catch(() => undefined);
      const situation = readSituation(deps.missions, pause, now());
      const prompt = buildChatPrompt({
        persona: persona.text,
        ...(memory !== undefined ? { memory } : {}),
        history: {
          summaries: plan.summaries ? (history?.summaries ?? []) : [],
          turns: plan.historyTurns > 0 ? (history?.turns ?? []).slice(-plan.historyTurns) : [],
        },
        situation,
        waiting: turn.waiting,
        request,
        now: now(),
      });

      mkdirSync(settings.scratchDir, { recursive: true });
      mkdirSync(settings.runLogDir, { recursive: true });
      const run = await deps.agent.run({
        prompt,
        cwd: settings.scratchDir,
        ...(settings.model ? { model: settings.model } : {}),
        ...(settings.fallbackModel ? { fallbackModel: settings.fallbackModel } : {}),
        ...(settings.effort ? { effort: settings.effort } : {}),
        maxTurns: settings.maxTurns,
        // The read-only tools are the whole tool set, with no allow rule that would widen where they read.
        tools: settings.allowedTools,
        allowedTools: [],
        disallowedTools: [...CHAT_DISALLOWED_TOOLS],
        // Not yet created (no mission run yet): nothing to read there, and the CLI is spared a missing path.
        addDirs: (settings.readDirs ?? []).filter((dir) => existsSync(dir)),
        env: settings.env,
        idleTimeoutMs: plan.timeoutMs,
        timeoutMs: plan.timeoutMs,
        killGraceMs: settings.killGraceMs,
        logFile: runLogPath(settings.runLogDir, `${turn.id}-${turn.attempt}`),
        signal,
      });
      deps.recordUsage?.(chatRunLine(turn, run, now()));
      if (run.outcome !== 'success') {
        const detail = (run.error ?? run.summary).split('\n')[0]?.trim() || 'no detail';
        throw new ChatTurnError(
          detail.toLowerCase().startsWith(run.outcome) ? detail : `${run.outcome}: ${detail}`,
          run,
        );
      }
      const text = run.summary.trim();
      if (text !== '') {
        try {
          await deps.history.append(request.provider, request.chatId, {
            at: turn.receivedAt,
            ...((request.userName ?? request.userId) ? { from: request.userName ?? request.userId } : {}),
            user: request.text,
            answer: text,
          });
        } catch (error) {
          logger.warn({ err: error, chat: request.chatId }, 'chat history not saved; the answer is sent anyway');
        }
      }
      return { text, plan, run };
    },
  };
}
