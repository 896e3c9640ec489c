// The mission requests over a real nats-server, as a client sees them: the reply envelope,
// store refusals with their codes, and bad payloads answered with bad_request naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerService, type Bus } from '../../src/bus/index.js';
import { RemoteError } from '../../src/errors.js';
import type { Mission } from '../../src/contracts/index.js';
import { missionEndpoints, type ListReply } from '../../src/missions/service.js';
import { MissionStore } from '../../src/missions/store.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { useNats } from '../harness/nats.js';

const nats = useNats();
let server: Bus;
let client: Bus;
let store: MissionStore;

beforeAll(async () => {
  server = await nats.connect('service', 'roshi');
  client = await nats.connect('client', 'roshi');
  store = await MissionStore.open(
    server,
    testMissionSettings({ maxTransientAttempts: 5, projects: { names: ['app', 'lib'], defaultProject: '' } }),
  );
  await registerService(server, {
    name: 'roshi-missions-api',
    version: '0.0.0',
    description: 'test',
    endpoints: missionEndpoints(store, server.subjects),
  });
});

afterAll(async () => {
  store.close();
});

const ask = <T>(verb: string, payload: unknown) => client.request<T>(client.subjects.missions(verb), payload);
/** As another bus user would ask: on the verb subject carrying its identity (server permissions make it true). */
const askAs = <T>(identity: string, verb: string, payload: unknown) =>
  client.request<T>(client.subjects.missionsAs(verb, identity), payload);

/** Adds a mission on the plain subject (the operator) or as another bus user. */
const add = (payload: unknown) => ask<Mission>('add', payload);
const addAs = (identity: string, payload: unknown) => askAs<Mission>(identity, 'add', payload);

async function refusal(verb: string, payload: unknown): Promise<RemoteError> {
  try {
    await ask(verb, payload);
  } catch (error) {
    if (error instanceof RemoteError) return error;
    throw error;
  }
  throw new Error(`${verb} ${JSON.stringify(payload)} was accepted`);
}

describe('missions service', () => {
  it('add, list, get by prefix, priority, cancel', async () => {
    const a = await addAs('bridge', {
      text: '[project:app] /rebase https://github.com/o/r/pull/42',
      source: 'chat',
      by: 'ana',
    });
    expect(a).toMatchObject({ project: 'app', kind: 'rebase', source: 'chat', by: 'ana', status: 'pending' });
    const b = await add({ text: 'write docs', project: 'lib' });
    expect(b).toMatchObject({ project: 'lib', source: 'nats' });
    const c = await add({ text: 'hotfix', project: 'app', now: true });

    const list = await ask<ListReply>('list', {});
    expect(list.missions.map((m) => m.id)).toEqual([c.id, a.id, b.id]);
    expect(list).toMatchObject({ total: 3, truncated: false, counts: { pending: 3 } });
    expect((await ask<ListReply>('list', { status: ['done', 'failed'] })).missions).toEqual([]);
    expect((await ask<ListReply>('list', { limit: 1 })).missions).toHaveLength(1);

    expect((await ask<Mission>('get', { id: b.id.slice(0, 10) })).id).toBe(b.id);
    expect((await ask<Mission>('priority', { id: b.id, to: 'top' })).order).toBeLessThan(c.order);
    expect((await ask<Mission>('priority', { id: b.id, to: 3 })).id).toBe(b.id);
    expect((await ask<ListReply>('list', { status: 'pending' })).missions.map((m) => m.id)).toEqual([c.id, a.id, b.id]);
    expect((await ask<Mission>('cancel', { id: c.id, by: 'ana' })).status).toBe('cancelled');
  });

  it('store refusals keep their codes', async () => {
    const first = await add({ text: '[project:app] /review https://github.com/o/r/pull/1' });
    const dup = await refusal('add', { text: '/review https://github.com/o/r/pull/1', project: 'lib' });
    expect(dup.code).toBe('duplicate');
    expect(dup.message).toContain(`already queued as ${first.id} (pending)`);
    expect((await refusal('add', { text: '[project:web] x' })).code).toBe('unknown_project');
    expect((await refusal('add', { text: 'no project given' })).message).toMatch(/which project\?.*app, lib/);
    expect((await refusal('add', { text: '/fix', project: 'app' })).code).toBe('invalid_mission');
    expect((await refusal('get', { id: 'nosuchid' })).code).toBe('unknown_mission');
    await ask('cancel', { id: first.id });
    expect((await refusal('cancel', { id: first.id })).code).toBe('invalid_transition');
    expect((await refusal('priority', { id: first.id, to: 'top' })).code).toBe('invalid_transition');
  });

  it('an ambiguous prefix is refused with the matches', async () => {
    await ask('add', { text: 'one', project: 'app' });
    await ask('add', { text: 'two', project: 'app' });
    const error = await refusal('get', { id: store.list()[0]?.id.slice(0, 3) });
    expect(error.code).toBe('ambiguous_id');
  });

  it.each([
    ['add', {}, /field "text" must be a non-empty string, got nothing/],
    ['add', { text: 5 }, /field "text" must be a non-empty string, got number 5/],
    ['add', { text: '  ' }, /field "text"/],
    ['add', { text: 'x', project: 7 }, /field "project" must be a string/],
    ['add', { text: 'x', now: 'yes' }, /field "now" must be true or false, got "yes"/],
    ['add', { text: 'x', source: 'fax' }, /field "source" must be one of chat, cli, nats, github, file/],
    ['add', { text: 'x', projet: 'app' }, /unknown field "projet"; expected text, project, now, source, by/],
    [
      'list',
      { status: 'weird' },
      /field "status" must be one of pending, running, awaiting_approval, done, failed, cancelled/,
    ],
    ['list', { status: ['pending', 3] }, /field "status"/],
    ['list', { limit: -1 }, /field "limit" must be a whole number from 0 to 1000/],
    ['get', {}, /field "id"/],
    ['get', { id: ['x'] }, /field "id" must be a non-empty string, got a list/],
    ['cancel', { id: '' }, /field "id"/],
    ['priority', { id: 'x' }, /field "to" must be "top", "bottom" or a queue position from 1, got nothing/],
    ['priority', { id: 'x', to: 0 }, /field "to"/],
    ['priority', { id: 'x', to: 'middle' }, /field "to"/],
  ])('%s %j → bad_request', async (verb, payload, message) => {
    const error = await refusal(verb, payload);
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(message);
  });

  it('a payload that is not a JSON object is answered, not dropped', async () => {
    const msg = await client.nc.request(client.subjects.missions('add'), new TextEncoder().encode('not json'), {
      timeout: 2_000,
    });
    expect(JSON.parse(new TextDecoder().decode(msg.data))).toMatchObject({ ok: false, error: { code: 'bad_payload' } });
    expect((await refusal('list', [1, 2])).code).toBe('bad_payload');
  });
});

describe('mission identity', () => {
  it('takes source from the identity the request subject carries, not from the payload', async () => {
    const chat = await addAs('bridge', { text: 'identity chat', project: 'app', source: 'github', by: 'telegram:7' });
    expect(chat).toMatchObject({ source: 'chat', by: 'telegram:7' });
    const github = await addAs('pr-poller', { text: 'identity github', project: 'app', source: 'cli' });
    expect(github).toMatchObject({ source: 'github', by: 'pr-poller' });
    const operator = await add({ text: 'identity operator', project: 'app', source: 'chat', by: 'ana' });
    expect(operator).toMatchObject({ source: 'nats', by: 'ana' });
    expect(await add({ text: 'identity cli', project: 'app', source: 'cli' })).toMatchObject({
      source: 'cli',
      by: 'operator',
    });
    // Anyone else may not add, whatever the payload claims.
    await expect(
      askAs('runner-1', 'add', { text: 'from a runner', project: 'app', source: 'cli' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    // The other verbs answer on identity subjects too (the bridge lists, cancels, pauses).
    expect((await askAs<ListReply>('bridge', 'list', {})).total).toBeGreaterThanOrEqual(4);
    for (const id of [chat.id, github.id, operator.id]) await askAs('bridge', 'cancel', { id });
  });
});
