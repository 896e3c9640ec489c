// Secrets in a real tree (supervisor, actors and runner from dist/, the bridge's console provider):
// a mission whose fake agent prints a GitHub-shaped token, the planted GITHUB_TOKEN value and a
// secrets.env value to stderr and fails. Its text must reach chat, the mission record in KV, the
// bus, the logs, the run log and the journal masked; and no process gets a secret it does not use.
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMission, waitForMission } from '../harness/missionClient.js';
import { consoleSubject } from '../../src/adapters/messaging/console.js';
import { MASK } from '../../src/secrets/scrubber.js';
import { createMissionWorld, type MissionWorld } from '../harness/missionWorld.js';
import { sleep, TestTree } from '../harness/tree.js';

// Built by concatenation: no literal token in the source for scanners to flag.
const SHAPED = 'ghp_' + 'R0sh1SecretScan' + 'x'.repeat(21);
const PLANTED = {
  TELEGRAM_BOT_TOKEN: '1234567:planted-telegram-value',
  SLACK_BOT_TOKEN: 'planted-slack-bot-value',
  MATRIX_ACCESS_TOKEN: 'planted-matrix-value',
  DEPLOY_THING: 'planted-deploy-thing-value', // listed in secrets.env
  NATS_PASSWORD: 'planted-nats-cli-password',
};

describe('secrets never leave, and each process holds only its own', () => {
  let world: MissionWorld;
  let tree: TestTree;
  let githubToken: string;
  let dumpFile: string;
  const chatLines: string[] = [];
  const busPayloads: string[] = [];

  beforeAll(async () => {
    world = await createMissionWorld();
    githubToken = world.env.GITHUB_TOKEN!;
    dumpFile = join(world.dir, 'agent-env.txt');
    const agent = join(world.dir, 'leaky-agent.sh');
    writeFileSync(
      agent,
      `#!/bin/sh
env > '${dumpFile}'
read -r _prompt  # the prompt: one stream-json line; stdin stays open (claudeArgs.ts)
echo '{"type":"system","subtype":"init","session_id":"s-1","model":"m","tools":[],"claude_code_version":"test"}'
echo 'pushing with ${SHAPED}'
echo 'fatal: authentication failed for token ${githubToken} (${SHAPED})' >&2
echo 'deploy key was ${PLANTED.DEPLOY_THING}' >&2
exit 1
`,
    );
    chmodSync(agent, 0o755);
    const base = world.config();
    tree = await TestTree.start({
      config: {
        ...base,
        agent: { ...(base.agent as object), command: agent },
        missions: { ...(base.missions as object), maxAttempts: 1, maxTransientAttempts: 1 },
        secrets: { env: ['DEPLOY_THING'] },
        actors: { bridge: { enabled: true }, chat: { enabled: false }, prPoller: { enabled: true } },
        bridge: { providers: ['console'], allowedUsers: ['console:operator'] },
        prPoller: { repos: ['acme/app'] },
      },
      env: { ...world.env, ...PLANTED },
    });
    tree.bus.subscribe(
      consoleSubject('roshi'),
      (payload) => void chatLines.push(String((payload as { text?: unknown }).text)),
    );
    // Everything the operator may see on the bus, raw.
    tree.bus.nc.subscribe('roshi.>', {
      callback: (_error, msg) => void busPayloads.push(new TextDecoder().decode(msg.data)),
    });
    await tree.waitForRunning(['watchdog', 'missions', 'bridge', 'runner-1', 'pr-poller']);
  }, 90_000);

  afterAll(async () => {
    await tree?.stop();
    await world?.stop();
  });

  const secretValues = () => [SHAPED, githubToken, ...Object.values(PLANTED)];
  const expectClean = (text: string, where: string) => {
    for (const secret of secretValues())
      expect(text.includes(secret), `${where} holds ${secret.slice(0, 12)}…`).toBe(false);
  };

  it('a failed run that prints tokens reaches chat, KV, the bus, logs, run log and journal masked', async () => {
    const mission = await addMission(tree, 'leak something');
    const last = await waitForMission(tree, mission.id, (m) => m.status === 'failed');
    const failed = last?.status === 'failed' ? last : undefined;
    expect(failed, `mission did not fail\n${tree.output().slice(-3000)}`).toBeDefined();
    // The error did carry the agent's stderr, masked: the check below is not vacuous.
    expect(failed!.lastError).toContain(MASK);
    expect(failed!.lastError).toContain('authentication failed');
    expectClean(JSON.stringify(failed), 'the mission record (missions get)');

    // The record as stored in KV, raw.
    const kv = await tree.bus.nc.jetstream().views.kv(tree.bus.subjects.missionsBucket);
    const stored = await kv.get(mission.id);
    expect(stored, 'mission in KV').toBeTruthy();
    const storedText = new TextDecoder().decode(stored!.value);
    expect(storedText).toContain(MASK);
    expectClean(storedText, 'the KV record');

    // Chat: the failure notification reached the console provider, masked.
    const waitUntil = Date.now() + 20_000;
    while (!chatLines.some((l) => l.includes(mission.id)) && Date.now() < waitUntil) await sleep(100);
    const note = chatLines.find((l) => l.includes(mission.id) && l.startsWith('❌'));
    expect(note, `no failure notification; chat saw:\n${chatLines.join('\n')}`).toBeDefined();
    expect(note).toContain(MASK);
    for (const line of chatLines) expectClean(line, 'a chat message');

    // The outbox stream and every bus message seen.
    const outbox = JSON.stringify(await tree.outbox());
    expect(outbox).toContain(mission.id);
    expectClean(outbox, 'the outbox');
    expect(busPayloads.length).toBeGreaterThan(0);
    for (const payload of busPayloads) expectClean(payload, 'a bus message');

    // Every file under the state dir: actor logs, the agent's run log, the journal, usage.
    await sleep(500);
    const files = walk(tree.stateDir).filter(
      (file) => !file.includes(`${join(tree.stateDir, 'nats')}/`) && !file.includes('/workspace/'),
    );
    expect(files.some((file) => file.includes('/runs/'))).toBe(true);
    expect(files.some((file) => file.endsWith('journal.jsonl'))).toBe(true);
    const runLog = files
      .filter((file) => file.includes('/runs/'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    expect(runLog).toContain(`[stderr] fatal: authentication failed for token ${MASK}`);
    for (const file of files) expectClean(readFileSync(file, 'utf8'), file);
  }, 90_000);

  it('the agent saw none of the planted secrets', () => {
    const dumped = readFileSync(dumpFile, 'utf8');
    expectClean(dumped, 'the agent environment');
    expect(dumped).not.toMatch(/^(GITHUB_TOKEN|NATS_PASSWORD|ROSHI_NATS__PASSWORD|ROSHI_NATS__USER)=/m);
  });

  it('each actor process holds only the secrets of its kind', async () => {
    const status = await tree.status();
    const environOf = (name: string) => {
      const pid = status.children.find((c) => c.name === name)?.pid;
      expect(pid, name).toBeTruthy();
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    };
    const has = (env: string[], name: string) => env.some((entry) => entry.startsWith(`${name}=`));
    const planted = ['GITHUB_TOKEN', ...Object.keys(PLANTED)];
    const expected: Record<string, string[]> = {
      'runner-1': ['GITHUB_TOKEN', 'DEPLOY_THING'], // secrets.env: the runner masks it in agent output
      'pr-poller': ['GITHUB_TOKEN'],
      bridge: [], // the console provider has no token; telegram is not run, so its token stays out
      watchdog: [],
      missions: [],
      nats: [],
    };
    for (const [name, secrets] of Object.entries(expected)) {
      const env = environOf(name);
      expect(
        planted.filter((secret) => has(env, secret)),
        name,
      ).toEqual(secrets);
    }
    // Each actor has its own bus credential, and nats-server none at all.
    expect(environOf('bridge').find((e) => e.startsWith('ROSHI_NATS__USER='))).toBe('ROSHI_NATS__USER=bridge');
    expect(has(environOf('nats'), 'ROSHI_NATS__PASSWORD')).toBe(false);
    // Node actors get two malloc arenas, so a burst (a full bucket loaded) does not stay in RSS.
    expect(environOf('missions')).toContain('MALLOC_ARENA_MAX=2');
  });
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}
