// Chat on two hosts (docs/scale-out.md#singleton-leases, "Not singletons"): two real chat actors
// of hosts h1 and h2 (from dist/, each its own config and bus user under roshi's permissions)
// serve roshi.chat.req as the queue group `chat`, with the real Claude Code CLI against the
// scripted Messages API. Every request is answered, and the agent runs once per request: NATS
// hands each to one of the two, never to both. Needs `npm run -s build` first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import { externalServerBlock, natsUsers, OPERATOR_USER, passwordVariable } from '../../src/bus/permissions.js';
import type { ChatReply } from '../../src/contracts/index.js';
import { silentLogger } from '../../src/log.js';
import { answerByLastMarker, promptsWith } from '../harness/chatScenarios.js';
import {
  startHostActor,
  stopHostActor,
  watchHeartbeats,
  writeHostConfig,
  type HostActor,
} from '../harness/hostActors.js';
import { createMissionWorld, type MissionWorld } from '../harness/missionWorld.js';
import { useNats } from '../harness/nats.js';
import { deepMerge } from '../harness/tree.js';
import { until } from '../harness/until.js';

const CHATS = ['h1-chat', 'h2-chat'];
const USERS = natsUsers('roshi', CHATS);
const password = (user: string) => `pw-${user}-${process.pid}`;
const nats = useNats({
  configText: externalServerBlock(USERS),
  env: Object.fromEntries(USERS.map((u) => [passwordVariable(u.user), password(u.user)])),
});

let dir: string;
let world: MissionWorld;
let bus: Bus;
let heartbeats: ReturnType<typeof watchHeartbeats>;
const actors: HostActor[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-chat-hosts-'));
  world = await createMissionWorld();
  answerByLastMarker(world);
  bus = await Bus.connect({
    url: nats.url,
    user: OPERATOR_USER,
    password: password(OPERATOR_USER),
    name: 'chat-hosts-test',
    prefix: 'roshi',
    logger: silentLogger(),
  });
  heartbeats = watchHeartbeats(bus);
  for (const name of CHATS) {
    const host = name.split('-')[0]!;
    const config = deepMerge(world.config(), { nats: { url: nats.url }, chat: { timeout: '60s' } });
    const file = writeHostConfig(dir, host, config);
    actors.push(
      startHostActor(name, file, join(dir, 'logs'), {
        ...world.env,
        ROSHI_NATS__USER: name,
        ROSHI_NATS__PASSWORD: password(name),
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  heartbeats?.stop();
  for (const actor of actors) await stopHostActor(actor);
  await bus?.drain().catch(() => {});
  await world?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('chat on two hosts', () => {
  it('answers each request once: the agent runs for it on one host, never on both', async () => {
    for (const actor of actors) {
      await until(() => heartbeats.latest.get(actor.name)?.state === 'idle' || undefined, `${actor.name} ready`, {
        timeoutMs: 30_000,
        detail: () => actor.log().slice(-2000),
      });
    }
    const markers = Array.from({ length: 6 }, (_, i) => `chat-q${i + 1}`);
    for (const marker of markers) world.scenarios.set(marker, () => ({ text: `answer to ${marker}` }));
    const replies = await Promise.all(
      markers.map((marker, i) =>
        bus.request<ChatReply>(
          bus.subjects.chatRequest,
          { text: `question {{${marker}}}`, chatId: `c${i}`, provider: 'console', userId: 'tester' },
          90_000,
        ),
      ),
    );
    expect(replies.map((r) => r.text)).toEqual(markers.map((m) => `answer to ${m}`));
    // A second run of a request (both actors served it) would still be going: count once both
    // are idle again, beats sent after the last reply.
    const answeredAt = Date.now();
    for (const actor of actors) {
      await until(
        () => {
          const beat = heartbeats.latest.get(actor.name);
          return beat && beat.receivedAt > answeredAt + 500 && beat.state === 'idle' ? beat : undefined;
        },
        `${actor.name} idle after the replies`,
        { timeoutMs: 90_000 },
      );
    }
    for (const marker of markers) expect(promptsWith(world, marker)).toHaveLength(1);
    for (const actor of actors) expect(actor.log()).not.toMatch(/permissions? violation|nats refused/i);
  }, 180_000);
});
