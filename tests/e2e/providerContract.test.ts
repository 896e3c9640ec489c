// The provider contract as an operator lives it (docs/providers.md#tests): one suite, run over each
// chat service's fake (providerDrivers.ts) against one real tree whose bridge (from dist/) runs
// them all. Commands answered and strangers refused; every special character shown as written; a
// long answer whole and split; a chat turn cut by a bridge SIGKILL answered or explicitly
// abandoned; a silent service degraded and back up (docs/chat.md#provider-health); then a seeded
// loop of bridge SIGKILLs creating no second mission or chat turn (docs/chat.md#exactly-once-intake).
// The chat actor's place is taken by a stand-in that counts turns (chatStandIn.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMissionWorld, type MissionWorld } from '../harness/missionWorld.js';
import { copyPackage, type PackageCopy } from '../harness/packageCopy.js';
import { providerDrivers, type ProviderSession } from '../harness/providerDrivers.js';
import { startProviderTree, type ProviderTree } from '../harness/providerTree.js';
import { seededRandom } from '../harness/seeded.js';
import { sleep } from '../harness/tree.js';
import { until } from '../harness/until.js';

const SEED = Number(process.env.BRIDGE_KILL_SEED ?? 14);
const KILLS = Number(process.env.BRIDGE_KILLS ?? 50);

/** Every provider's special characters in one line, none at a line start (where Markdown would read a quote or heading). */
const SPECIALS_LINE = `every special: _ * [ ] ( ) ~ \` > # + - = | { } . ! \\ & < > " ' and in words: snake_case_name 1+1=2 a|b x<y>z &amp; <b>not bold</b> C:\\temp\\new (x) [y] {z} v1.2! #42 ~tilde`;

/** An 11 000-character answer in numbered paragraphs, so order and wholeness can be checked. */
const LONG_ANSWER = Array.from(
  { length: 22 },
  (_, i) => `¶${i + 1} ${`paragraph ${i + 1} of the long answer, sentence after sentence. `.repeat(9).trim()}`,
).join('\n\n');

const normalized = (text: string) => text.replace(/\s+/g, ' ').trim();

let world: MissionWorld;
let pkg: PackageCopy | undefined;
let sessions: ProviderSession[] = [];
let t: ProviderTree | undefined;
const rand = seededRandom(SEED);
beforeAll(async () => {
  world = await createMissionWorld();
  // A private build: the many restarts must not pick up a build other work makes meanwhile.
  pkg = copyPackage();
  for (const driver of providerDrivers) sessions.push(await driver.start());
  // The stand-in's pauses draw from a generator of their own, so the loop's draws repeat exactly.
  t = await startProviderTree(world, pkg.mainScript, sessions, seededRandom(SEED + 1));
}, 120_000);
afterAll(async () => {
  await t?.tree.stop().catch(() => undefined);
  for (const session of sessions) await session.stop();
  pkg?.remove();
  await world?.stop();
});

/** The tree, once the file's beforeAll made it. */
const of = () => t!;

describe.each(providerDrivers.map((driver, i) => ({ name: driver.name, driver, i })))(
  'the $name provider, operator side',
  ({ driver, i }) => {
    const session = () => sessions[i]!;
    /** Waits for a message the bot sends after `from` (an index into sent()) that passes `match`. */
    const shownAfter = (from: number, match: (text: string) => boolean, what: string, timeoutMs = 20_000) =>
      until(() => session().sent().slice(from).find(match), what, { timeoutMs, detail: of().bridgeLog });
    const providerState = async () => (await of().providers()).providers[driver.name];

    it('answers /help, queues a mission with its reply, and refuses a stranger, each as a reply', async () => {
      const from = session().posts().length;
      const postAfter = (match: (text: string) => boolean, what: string) =>
        until(
          () =>
            session()
              .posts()
              .slice(from)
              .find((p) => match(p.shown)),
          what,
          { detail: of().bridgeLog },
        );
      const helpAsked = session().say('/help');
      const help = await postAfter((text) => text.includes('/mission'), 'the /help reply');
      const missionAsked = session().say(`/mission tidy the README for ${driver.name}`);
      const queued = await postAfter(
        (text) => text.startsWith('⏳ queued') && text.includes('tidy the README'),
        'the queued reply',
      );
      const strangerAsked = session().strangerSays('/mission remove everything');
      const refusal = await postAfter(
        (text) => text.includes('Not allowed') && text.includes(`${driver.name}:`),
        'the refusal',
      );
      expect([help.replyTo, queued.replyTo, refusal.replyTo]).toEqual([helpAsked, missionAsked, strangerAsked]);
      if (driver.buttons) expect(queued.buttons.join(' ')).toMatch(/Cancel/);
      const texts = (await of().pendingMissions()).map((m) => m.text);
      expect(texts.some((text) => text.includes('remove everything'))).toBe(false);
      expect(texts.filter((text) => text === `tidy the README for ${driver.name}`)).toHaveLength(1);
      if (process.env.CONTRACT_TRANSCRIPT)
        process.stderr.write(`--- ${driver.name} ---\n${session().sent().slice(from).join('\n---\n')}\n`);
    }, 60_000);

    it('shows every special character of its markup exactly as written', async () => {
      for (const c of driver.specials.split(' ')) expect(SPECIALS_LINE).toContain(c);
      const question = `which characters need escaping on ${driver.name}?`;
      of().chat.script(question, () => SPECIALS_LINE);
      const from = session().sent().length;
      session().say(question);
      const shown = await shownAfter(from, (text) => text.includes('every special'), 'the answer with the specials');
      expect(shown).toBe(SPECIALS_LINE);
    }, 60_000);

    it('delivers an 11 000-character answer whole, in order, split at paragraphs within the limit', async () => {
      const question = `tell me everything, ${driver.name}`;
      of().chat.script(question, () => LONG_ANSWER);
      const from = session().sent().length;
      session().say(question);
      await shownAfter(from, (text) => text.includes('¶22 '), 'the last piece of the long answer', 30_000);
      const sent = session().sent();
      const first = sent.findIndex((text, n) => n >= from && text.startsWith('¶1 '));
      const last = sent.findIndex((text, n) => n >= from && text.includes('¶22 '));
      expect(first).toBeGreaterThanOrEqual(from);
      const pieces = sent.slice(first, last + 1);
      const { maxLength } = (await providerState())!;
      expect(pieces.length).toBeGreaterThan(1);
      for (const piece of pieces) {
        expect(piece.length).toBeLessThanOrEqual(maxLength);
        expect(piece).toMatch(/^¶\d+ /); // each piece starts a paragraph: none is cut inside one
      }
      expect(normalized(pieces.join('\n\n'))).toBe(normalized(LONG_ANSWER));
    }, 60_000);

    it('answers a chat turn cut by a bridge SIGKILL, or says it was lost', async () => {
      const question = `a question the bridge dies on, ${driver.name}?`;
      let release: (answer: string) => void = () => {};
      of().chat.script(question, () => new Promise<string>((resolve) => (release = resolve)));
      const from = session().sent().length;
      session().say(question);
      await until(() => of().chat.asked.get(question) === 1, 'the turn asked', {
        timeoutMs: 20_000,
        detail: of().bridgeLog,
      });
      await of().killBridge('a kill mid-turn');
      await of().tree.waitForRunning(['bridge'], 30_000);
      release(`the answer to the question the bridge died on (${driver.name})`);
      const told = await shownAfter(
        from,
        (text) =>
          text.includes('the question the bridge died on') || (text.includes(question) && text.includes('ask again')),
        'the answer or "ask again"',
      );
      process.stderr.write(`${driver.name}: a turn cut by a kill: ${told}\n`);
      await sleep(1_000); // a second asking would show now
      expect(of().chat.asked.get(question)).toBe(1);
    }, 60_000);

    it('turns degraded when the service falls silent, and up when it answers again', async () => {
      await until(async () => (await providerState())?.state === 'up', `${driver.name} up`, {
        timeoutMs: driver.silentAfterMs + 20_000,
      });
      const from = session().sent().length;
      const silentAt = Date.now();
      session().silence();
      const degraded = await until(
        async () => {
          const reply = await of().providers();
          const provider = reply.providers[driver.name];
          return reply.state === 'degraded' && provider?.state === 'failing' ? provider : undefined;
        },
        `${driver.name} degraded`,
        { timeoutMs: driver.silentAfterMs + 30_000, detail: of().bridgeLog },
      );
      process.stderr.write(
        `${driver.name}: degraded ${Date.now() - silentAt} ms after falling silent (silentAfter ${driver.silentAfterMs} ms): ${degraded.lastError}\n`,
      );
      expect(degraded.lastError).toMatch(/^receiving: /);
      expect((await of().tree.cli(['status'])).stdout).toMatch(/bridge\s+running \(degraded\)/);

      session().answer();
      await until(
        async () => {
          const reply = await of().providers();
          return reply.state === 'running' && reply.providers[driver.name]?.state === 'up';
        },
        `${driver.name} up again`,
        { timeoutMs: 30_000, detail: of().bridgeLog },
      );
      // The one alert reaches the operator once sends work again, and commands are read again.
      await shownAfter(from, (text) => text.includes(`${driver.name} is degraded`), 'the degraded alert', 60_000);
      session().say('/status');
      await shownAfter(from, (text) => text.includes('missions:'), 'the /status reply after the silence');
    }, 120_000);
  },
);

// One loop for every provider at once: the bridge runs them all, so each kill lands on all of
// them, and a bridge's start (seconds on a loaded machine) is paid once per kill, not per provider.
describe('the bridge killed at random points, every provider writing', () => {
  it(
    `${KILLS} SIGKILLs queue no mission twice and ask no chat turn twice (seed ${SEED})`,
    async () => {
      const { tree, chat } = of();
      const missionTexts: string[] = [];
      const questions: Array<{ session: ProviderSession; text: string }> = [];
      let whileRunning = 0;
      for (let k = 0; k < KILLS; k++) {
        // Half the kills wait for a bridge that is up; the rest land while it starts.
        if (rand() < 0.5) {
          await tree.waitForRunning(['bridge'], 30_000);
          whileRunning++;
        }
        for (const [n, session] of sessions.entries()) {
          const name = providerDrivers[n]!.name;
          if (rand() < 0.5) {
            missionTexts.push(`kill loop mission ${k} on ${name}`);
            session.say(`/mission kill loop mission ${k} on ${name}`);
          } else {
            questions.push({ session, text: `kill loop question ${k} on ${name}?` });
            session.say(`kill loop question ${k} on ${name}?`);
          }
        }
        await sleep(rand() * 700); // the kill point: before, during or after the handling
        await of().killBridge(`kill ${k + 1}`);
      }

      // Every message handled by some bridge: each mission queued, each question answered or abandoned.
      const abandoned = ({ session, text }: (typeof questions)[number]) =>
        session.sent().some((shown) => shown.includes(text) && shown.includes('ask again'));
      const settled = (q: (typeof questions)[number]) =>
        q.session.sent().some((shown) => shown === `answer to ${q.text}`) || abandoned(q);
      await until(
        async () => {
          const texts = (await of().pendingMissions()).map((m) => m.text);
          return missionTexts.every((text) => texts.includes(text)) && questions.every(settled);
        },
        'every message handled',
        { timeoutMs: 90_000, detail: of().bridgeLog },
      );
      await sleep(1_500); // a late duplicate would show now

      const texts = (await of().pendingMissions()).map((m) => m.text);
      const duplicateMissions = missionTexts.filter((text) => texts.filter((x) => x === text).length > 1);
      const duplicateTurns = [...chat.asked].filter(([q, n]) => q.startsWith('kill loop') && n > 1).map(([q]) => q);
      process.stderr.write(
        `provider kill loop: ${KILLS} kills (${whileRunning} of a running bridge), ${missionTexts.length} missions, ${questions.length} questions (${questions.filter(abandoned).length} told to ask again), duplicate missions ${duplicateMissions.length}, duplicate chat turns ${duplicateTurns.length}\n`,
      );
      expect(duplicateMissions).toEqual([]);
      expect(duplicateTurns).toEqual([]);
      expect(texts.filter((text) => missionTexts.includes(text))).toHaveLength(missionTexts.length);

      // The log: every inbound line names its message as its provider does; no line carries
      // `level` twice (a JSON parser would then read the second one); no secret of a service shows.
      const log = tree.log('bridge');
      const lines = log.split('\n').filter((l) => l.startsWith('{'));
      const inbound = lines.filter((l) => l.includes('"msg":"inbound message"')).map((l) => JSON.parse(l));
      for (const driver of providerDrivers) {
        const own = inbound.filter((line) => line.provider === driver.name);
        expect(own.length).toBeGreaterThan(0);
        for (const line of own) expect(String(line.messageId)).toMatch(driver.messageId);
      }
      expect(lines.filter((l) => (l.match(/"level":/g) ?? []).length > 1)).toEqual([]);
      for (const session of sessions) for (const secret of session.secrets) expect(log).not.toContain(secret);
    },
    KILLS * 8_000 + 150_000,
  );
});
