// The chat actor: answers <prefix>.chat.req (queue group "chat") — { text, chatId, provider,
// userId?, userName? } → { text, answered, attempts, requestId, durationMs, error? } — one
// request at a time, in arrival order, with the agent CLI (read-only tools) and a fresh context
// per request. It is its own process and reads the mission situation from the mission store's
// index, so a running mission never delays an answer.
//
// Requests that do not read as chat requests get a `bad_payload` error reply and never enter
// the queue. A drain (restart, stop) lets the answer in progress finish within the grace; what
// is still queued then gets an `unavailable` error reply, to be asked again after the restart.
import { join } from 'node:path';
import { waitFor, type AnyActorRef } from 'xstate';
import { chatMachine, type ReplyParams, type TurnStart } from '../../machines/chat.js';
import { AGENT_OF_ENV, pruneRunLogs, resolveEffort, resolveModel } from '../adapters/agent/index.js';
import { publishDurable } from '../bus/index.js';
import { ChatHistoryStore } from '../chat/history.js';
import { parseChatRequest } from '../chat/request.js';
import type { ChatReply, ChatRequest } from '../contracts/index.js';
import { ChatTurnError, createChatAnswerer, readOnlyTools } from '../chat/turn.js';
import { RemoteError } from '../errors.js';
import { effectivePause, readHold } from '../missions/dispatchHold.js';
import { readPause } from '../missions/pause.js';
import { statePaths } from '../paths.js';
import { sleep } from '../time/sleep.js';
import { recordUsageLine } from '../usage/record.js';
import { openAgentActor } from './agentActorBase.js';
import type { ActorKind } from './host.js';

/** A chat reply needing more model round trips than this is a mission, not a chat. */
export const CHAT_MAX_TURNS = 10;
/** Left of the host's drain grace for refusing the queue and stopping an abandoned agent. */
const DRAIN_MARGIN_MS = 700;
const AGENT_STOP_WAIT_MS = 400;

interface Pending {
  resolve: (reply: ChatReply) => void;
  reject: (error: Error) => void;
  receivedAt: number;
  request: ChatRequest;
}

export const chatKind: ActorKind = {
  description: 'free-form conversation with the LLM, never blocked by missions',
  create: async ({ name, config, bus, logger }) => {
    // An agent left by this actor's previous process (killed mid-answer) must not linger. The
    // one source of "is a mission running": the store's index of the missions bucket.
    const { marker, missions, stateKv, agent } = await openAgentActor({ name, config, bus, logger });
    const history = new ChatHistoryStore(stateKv, { historyTurns: config.chat.historyTurns });

    const model = resolveModel([
      { level: 'chat', value: config.chat.model },
      { level: 'default', value: config.agent.model },
    ]);
    const fallbackModel = resolveModel([{ level: 'default', value: config.agent.fallbackModel }]);
    const effort = resolveEffort([{ level: 'default', value: config.agent.effort }]);
    for (const r of [...model.rejected, ...fallbackModel.rejected, ...effort.rejected])
      logger.warn(r, 'invalid chat agent setting skipped');
    const tools = readOnlyTools(config.chat.allowedTools);
    if (tools.dropped.length > 0)
      logger.warn(
        { dropped: tools.dropped, kept: tools.allowed },
        'chat.allowedTools: only read-only tools are given to the chat (no web tools, no rules that widen where it reads)',
      );

    const chatDir = join(config.stateDir, 'chat');
    const runLogDir = join(statePaths(config.stateDir).runs, name);
    const answerer = createChatAnswerer({
      agent,
      missions,
      readPause: async () => effectivePause(await readPause(stateKv), await readHold(stateKv), Date.now()),
      history,
      logger,
      recordUsage: (line) => recordUsageLine(config.stateDir, line, logger),
      settings: {
        persona: config.chat.persona,
        memory: config.chat.memory,
        historyTurns: config.chat.historyTurns,
        timeoutMs: config.chat.timeout,
        ...(model.value ? { model: model.value } : {}),
        ...(fallbackModel.value ? { fallbackModel: fallbackModel.value } : {}),
        ...(effort.value ? { effort: effort.value } : {}),
        maxTurns: Math.min(config.agent.maxTurns, CHAT_MAX_TURNS),
        allowedTools: tools.allowed,
        env: { ...config.agent.env, [AGENT_OF_ENV]: marker },
        killGraceMs: config.agent.killGrace,
        scratchDir: join(chatDir, 'scratch'),
        readDirs: [config.workspace, ...Object.values(config.projects).map((project) => project.path)].filter(
          (dir) => dir !== '',
        ),
        runLogDir,
      },
    });

    const pending = new Map<string, Pending>();
    const runs = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
    let chatActor: AnyActorRef | undefined;
    let subscription: { unsubscribe: () => void } | undefined;
    let draining = false;
    let seq = 0;
    // Within what both the host (sigtermGrace) and a supervisor's cooperative restart wait for.
    const drainGraceMs = Math.max(
      0,
      Math.min(config.supervision.sigtermGrace, config.supervision.cooperativeTimeout) - DRAIN_MARGIN_MS,
    );
    const active = () => chatActor !== undefined && chatActor.getSnapshot().status === 'active';
    const runKey = (id: string, attempt: number) => `${id}#${attempt}`;

    const startTurn = (turn: TurnStart) => {
      const controller = new AbortController();
      const log = logger.child({ request: turn.id, attempt: turn.attempt });
      log.info(
        { provider: turn.request.provider, chat: turn.request.chatId, waiting: turn.waiting },
        turn.attempt === 0 ? 'answering' : 'answering again, lighter',
      );
      const done = answerer.answer(turn, controller.signal).then(
        (answer) => {
          log.info(
            {
              empty: answer.text === '',
              durationMs: answer.run.durationMs,
              historyTurns: answer.plan.historyTurns,
              memory: answer.plan.memory,
            },
            answer.text === '' ? 'empty answer' : 'answered',
          );
          if (active())
            chatActor!.send({ type: 'TURN.ANSWERED', id: turn.id, attempt: turn.attempt, text: answer.text });
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          if (controller.signal.aborted) log.info({ error: message }, 'abandoned (draining)');
          else if (error instanceof ChatTurnError)
            log.warn({ error: message, outcome: error.run?.outcome }, 'no answer');
          else log.warn({ err: error }, 'no answer');
          if (active()) chatActor!.send({ type: 'TURN.FAILED', id: turn.id, attempt: turn.attempt, error: message });
        },
      );
      runs.set(runKey(turn.id, turn.attempt), { controller, done });
      void done.finally(() => runs.delete(runKey(turn.id, turn.attempt)));
    };

    const reply = (params: ReplyParams) => {
      const waiting = pending.get(params.id);
      pending.delete(params.id);
      if (!waiting) return;
      const text = params.answered && params.text ? params.text : unansweredText(params.error);
      // The asker gave up waiting (a long queue): deliver through the outbox, durable and paced
      // like every other message to that chat, instead of answering nobody.
      const { replyBy, provider, chatId } = waiting.request;
      if (replyBy !== undefined && Date.now() > replyBy) {
        const outboxId = `chat-${params.id}`;
        void publishDurable(
          bus,
          bus.subjects.bridgeOut,
          { id: outboxId, kind: 'reply', source: 'chat', provider, chatId, text, at: Date.now() },
          outboxId,
        ).catch((error: unknown) =>
          logger.warn({ err: error, request: params.id }, 'late chat answer not delivered to the outbox'),
        );
      }
      waiting.resolve({
        text,
        answered: params.answered,
        attempts: params.attempts,
        requestId: params.id,
        durationMs: Date.now() - waiting.receivedAt,
        ...(params.error && !params.answered ? { error: params.error } : {}),
      });
      if (!params.answered)
        logger.warn(
          { request: params.id, attempts: params.attempts, error: params.error },
          'gave up: replied without an answer',
        );
      void pruneRunLogs(runLogDir, {
        maxAgeMs: config.agent.runLogs.maxAge,
        maxCount: config.agent.runLogs.maxCount,
      }).catch(() => undefined);
    };

    // A RemoteError is the bus's "the handler refused": answered with its code, not logged as a failure.
    const refuse = (id: string, code: string, reason: string) => {
      const waiting = pending.get(id);
      pending.delete(id);
      if (!waiting) return;
      logger.info({ request: id, code, reason }, 'refused');
      waiting.reject(new RemoteError(reason, code));
    };

    const machine = chatMachine.provide({
      actions: {
        startTurn: (_, turn) => startTurn(turn),
        abortTurn: (_, { id, attempt }) => runs.get(runKey(id, attempt))?.controller.abort(),
        reply: (_, params) => reply(params),
        refuse: (_, { id, code, reason }) => refuse(id, code, reason),
      },
    });

    return {
      machine,
      input: { drainGraceMs, maxQueue: config.chat.maxQueue },
      start: (actor) => {
        chatActor = actor;
        subscription = bus.serve(
          bus.subjects.chatRequest,
          (payload) => {
            // Validated before queueing: an unreadable request is answered at once and never queued.
            const request = parseChatRequest(payload);
            if (draining || !active())
              throw new RemoteError('the chat is restarting; ask again in a moment', 'unavailable');
            const id = `c${Date.now().toString(36)}-${(++seq).toString(36)}`;
            const receivedAt = Date.now();
            return new Promise<ChatReply>((resolve, reject) => {
              pending.set(id, { resolve, reject, receivedAt, request });
              actor.send({ type: 'REQUEST', id, request, at: receivedAt });
            });
          },
          { queue: 'chat' },
        );
        logger.info(
          {
            model: model.value ?? '(CLI default)',
            tools: tools.allowed,
            historyTurns: config.chat.historyTurns,
            timeoutMs: config.chat.timeout,
          },
          'chat ready',
        );
      },
      stop: async () => {
        draining = true;
        subscription?.unsubscribe();
        if (active()) {
          chatActor!.send({ type: 'DRAIN' });
          await waitFor(chatActor!, (s) => s.status === 'done', { timeout: drainGraceMs + 200 }).catch(() => undefined);
        }
        const left = [...runs.values()];
        for (const run of left) run.controller.abort();
        if (left.length > 0)
          await Promise.race([Promise.allSettled(left.map((r) => r.done)), sleep(AGENT_STOP_WAIT_MS, { unref: true })]);
        for (const id of [...pending.keys()])
          refuse(id, 'unavailable', 'the chat is restarting; ask again in a moment');
        missions.close();
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        chat: () => {
          const snapshot = chatActor?.getSnapshot() as
            | { value?: unknown; context?: Record<string, unknown> }
            | undefined;
          const context = snapshot?.context as
            | {
                queue?: Array<{ id: string; request: { provider: string; chatId: string }; receivedAt: number }>;
                answered?: number;
                unanswered?: number;
                refused?: number;
              }
            | undefined;
          return {
            state: snapshot?.value ?? null,
            queue: (context?.queue ?? []).map((q) => ({
              id: q.id,
              provider: q.request.provider,
              chatId: q.request.chatId,
              receivedAt: q.receivedAt,
            })),
            answered: context?.answered ?? 0,
            unanswered: context?.unanswered ?? 0,
            refused: context?.refused ?? 0,
            model: model.value ?? null,
            tools: tools.allowed,
          };
        },
      },
    };
  },
};

/** The reply when every attempt came back empty or failed: honest, short, and asks to retry. */
export function unansweredText(error: string | undefined): string {
  const why = error ? ` (${error.split('\n')[0]!.slice(0, 200)})` : '';
  return `Sorry — I could not get an answer this time${why}. Please ask again in a moment.`;
}
