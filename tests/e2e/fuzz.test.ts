// Every request subject of a running tree answers generated malformed payloads with a refusal
// and keeps running: no timeout, no crash, no restart. Seeded, so a failure is repeatable.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MISSION_VERBS } from '../../src/missions/service.js';
import type { ChildRow } from '../../src/supervisor/status.js';
import { TestTree } from '../harness/tree.js';

const SEED = 20261203;
const RUNS = 25;
const ACTORS = ['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'pr-poller'];

/** A JSON value that is wrong for any scalar field: null, a boolean, a list or an object. */
const wrongValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.constant(null)), { maxKeys: 3 }),
);

/** Bytes that are not a JSON object: broken JSON, arrays, scalars, invalid UTF-8, deep nesting. */
const notAnObject = fc.oneof(
  fc.string({ maxLength: 40 }).map((text) => `{${text}`),
  fc
    .jsonValue({ maxDepth: 2 })
    .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
  fc.uint8Array({ minLength: 1, maxLength: 32 }).map((bytes) => Buffer.from([0xff, 0xfe, ...bytes]).toString('latin1')),
  fc.integer({ min: 50, max: 400 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
);

/** An object whose named fields all carry wrong types, plus a few stray keys. */
const wrongFields = (fields: string[]) =>
  fc.record(Object.fromEntries(fields.map((f) => [f, wrongValue])), { requiredKeys: fields });

/** Each request subject, the fields it needs, and whether an object with wrong fields must be refused. */
function requestSubjects(tree: TestTree): Array<{ subject: string; fields: string[]; refusesWrongFields: boolean }> {
  const s = tree.bus.subjects;
  return [
    ...ACTORS.map((actor) => ({ subject: s.control(actor), fields: ['verb'], refusesWrongFields: true })),
    { subject: s.supRestart, fields: ['actor'], refusesWrongFields: true },
    { subject: s.supStatus, fields: [], refusesWrongFields: false },
    { subject: s.supHeartbeats, fields: [], refusesWrongFields: false },
    { subject: s.chatRequest, fields: ['text', 'chatId', 'provider'], refusesWrongFields: true },
    ...MISSION_VERBS.map((verb) => ({
      subject: s.missions(verb),
      fields: verb === 'add' ? ['text'] : verb === 'list' ? [] : ['id'],
      refusesWrongFields: verb !== 'list',
    })),
    // A pause without a usable duration (null) is a pause until resumed: answered, not refused.
    { subject: s.missions('pause'), fields: ['for'], refusesWrongFields: false },
    { subject: s.missions('resume'), fields: [], refusesWrongFields: false },
  ];
}

describe('malformed requests on every request subject', () => {
  let tree: TestTree;
  let before: ChildRow[];
  beforeAll(async () => {
    tree = await TestTree.start({ config: { actors: { runner: { instances: 1 } } } });
    // Every child, the web page too: it starts last, and a snapshot without its pid compares nothing.
    before = (await tree.waitForRunning(['watchdog', ...ACTORS.slice(1), 'web'])).children;
  });
  afterAll(async () => {
    await tree?.stop();
  });

  const ask = async (subject: string, data: string | Uint8Array) => {
    const reply = await tree.bus.nc.request(subject, typeof data === 'string' ? Buffer.from(data, 'latin1') : data, {
      timeout: 5_000,
    });
    return JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; error?: { code: string } };
  };

  it('refuses bytes that are not a JSON object, on every subject', async () => {
    for (const { subject } of requestSubjects(tree)) {
      await fc.assert(
        fc.asyncProperty(notAnObject, async (data) => {
          const reply = await ask(subject, data);
          expect(reply, `${subject} ← ${JSON.stringify(data).slice(0, 80)}`).toMatchObject({ ok: false });
          expect(typeof reply.error?.code).toBe('string');
        }),
        { seed: SEED, numRuns: RUNS },
      );
    }
  });

  it('refuses objects whose fields have the wrong type, and answers the rest with an envelope', async () => {
    for (const { subject, fields, refusesWrongFields } of requestSubjects(tree)) {
      await fc.assert(
        fc.asyncProperty(wrongFields(fields), async (payload) => {
          const reply = await ask(subject, JSON.stringify(payload));
          expect(typeof reply.ok, subject).toBe('boolean');
          if (refusesWrongFields) expect(reply, `${subject} ← ${JSON.stringify(payload)}`).toMatchObject({ ok: false });
        }),
        { seed: SEED, numRuns: RUNS },
      );
    }
  });

  it('left every child running in the same process, none restarted', async () => {
    const after = (await tree.status()).children;
    for (const child of before) {
      const now = after.find((c) => c.name === child.name);
      expect(now, child.name).toMatchObject({ state: 'running', pid: child.pid, restarts: child.restarts });
    }
  });
});
