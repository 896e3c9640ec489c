// Exactly-once intake under bridge kills (docs/chat.md#exactly-once-intake): a seeded loop SIGKILLs
// the bridge of a real tree at random points while an operator writes missions and chat questions
// on Telegram (the Bot API fake). Counts what the operator would pay for: a mission queued twice,
// a chat turn asked twice, a question neither answered nor answered with "ask again". The chat
// actor's place is taken by a responder on <prefix>.chat.req that counts the turns it is asked.
import { afterAll, describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { createMissionWorld, type MissionWorld } from '../harness/missionWorld.js';
import { copyPackage, type PackageCopy } from '../harness/packageCopy.js';
import { isAlive } from '../harness/processes.js';
import { deepMerge, sleep, TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';
import { seededRandom } from '../harness/seeded.js';

const SEED = Number(process.env.BRIDGE_KILL_SEED ?? 14);
const KILLS = Number(process.env.BRIDGE_KILLS ?? 50);
const [CHAT, OPERATOR] = [-1_001_400, 1_400];

describe('the bridge killed at random points', () => {
  let world: MissionWorld;
  let telegram: FakeTelegram;
  let tree: TestTree | undefined;
  let pkg: PackageCopy | undefined;
  afterAll(async () => {
    await tree?.stop().catch(() => undefined);
    pkg?.remove();
    await telegram?.stop();
    await world?.stop();
  });

  it(
    `${KILLS} kills queue no mission twice and ask no chat turn twice (seed ${SEED})`,
    async () => {
      const rand = seededRandom(SEED);
      world = await createMissionWorld();
      telegram = await startFakeTelegram();
      const config = deepMerge(
        world.config({
          actors: { chat: { enabled: false }, prPoller: { enabled: false }, runner: { enabled: false } },
        }),
        {
          supervision: {
            intensity: { maxRestarts: 10_000, period: '30s' },
            backoff: { initial: '50ms', max: '200ms' },
          },
          bridge: {
            providers: ['telegram'],
            allowedUsers: [`telegram:${OPERATOR}`],
            telegram: {
              apiUrl: telegram.url,
              tokenEnv: 'TELEGRAM_BOT_TOKEN',
              chatId: String(CHAT),
              minInterval: '0ms',
            },
          },
        },
      );
      // A private build: the many restarts must not pick up a build other work makes meanwhile.
      pkg = copyPackage();
      tree = await TestTree.start({
        mainScript: pkg.mainScript,
        config,
        env: { ...world.env, TELEGRAM_BOT_TOKEN: telegram.token },
      });
      await tree.waitForRunning(['missions', 'bridge'], 60_000);
      const bus = tree.bus;

      // The chat actor's stand-in: answers after a random pause, so kills land while turns are asked.
      const asked = new Map<string, number>();
      bus.serve(
        bus.subjects.chatRequest,
        async (payload) => {
          const text = String(payload.text);
          asked.set(text, (asked.get(text) ?? 0) + 1);
          await sleep(20 + rand() * 400);
          return { text: `answer to ${text}`, answered: true, attempts: 1, requestId: text, durationMs: 0 };
        },
        { queue: 'chat' },
      );

      const missionTexts: string[] = [];
      const questions: string[] = [];
      const write = (text: string) => telegram.pushMessage({ chatId: CHAT, userId: OPERATOR, text, chatType: 'group' });
      for (let k = 0; k < KILLS; k++) {
        const { pid } = await tree.child('bridge');
        if (rand() < 0.5) {
          missionTexts.push(`kill loop mission ${k}`);
          write(`/mission kill loop mission ${k}`);
        } else {
          questions.push(`kill loop question ${k}?`);
          write(`kill loop question ${k}?`);
        }
        await sleep(rand() * 600); // the kill point: before, during or after the handling
        process.kill(pid!, 'SIGKILL');
        await tree.waitForStatus(
          (s) =>
            s.children.some((c) => c.name === 'bridge' && c.state === 'running' && c.pid !== null && c.pid !== pid),
          30_000,
          `bridge back after kill ${k + 1}`,
        );
        expect(isAlive(pid!)).toBe(false);
      }

      // Every message handled by some bridge: each mission queued, each question answered or abandoned.
      const missions = async () =>
        (await bus.request<{ missions: Mission[] }>(bus.subjects.missions('list'), { status: 'pending', limit: 500 }))
          .missions;
      const shown = () => telegram.sent.map((s) => s.shown);
      const settled = (q: string) =>
        shown().some((t) => t === `answer to ${q}` || (t.includes(q) && t.includes('ask again')));
      await until(
        async () => {
          const texts = (await missions()).map((m) => m.text);
          return missionTexts.every((t) => texts.includes(t)) && questions.every(settled);
        },
        'every message handled',
        { timeoutMs: 60_000 },
      );
      await sleep(1_500); // a late duplicate would show now

      const texts = (await missions()).map((m) => m.text);
      const duplicateMissions = missionTexts.filter((t) => texts.filter((x) => x === t).length > 1);
      const duplicateTurns = [...asked].filter(([, n]) => n > 1).map(([q]) => q);
      const abandoned = questions.filter((q) => shown().some((t) => t.includes(q) && t.includes('ask again')));
      process.stderr.write(
        `bridge kill loop: ${KILLS} kills, ${missionTexts.length} missions, ${questions.length} questions (${abandoned.length} told to ask again), duplicate missions ${duplicateMissions.length}, duplicate chat turns ${duplicateTurns.length}\n`,
      );
      expect(duplicateMissions).toEqual([]);
      expect(duplicateTurns).toEqual([]);
      expect(texts.filter((t) => missionTexts.includes(t))).toHaveLength(missionTexts.length);

      // The log: every inbound line names its message; no line carries `level` twice (a JSON
      // parser would then read the second one).
      const log = tree
        .log('bridge')
        .split('\n')
        .filter((l) => l.startsWith('{'));
      const inbound = log.filter((l) => l.includes('"msg":"inbound message"'));
      expect(inbound.length).toBeGreaterThan(0);
      for (const line of inbound) expect(line).toMatch(new RegExp(`"messageId":"${CHAT}:\\d+"`));
      expect(log.filter((l) => (l.match(/"level":/g) ?? []).length > 1)).toEqual([]);
    },
    KILLS * 8_000 + 120_000,
  );
});
