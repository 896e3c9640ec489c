// Chat on a phone (docs/chat.md#commands): a compact /help with topics, the command menu from the
// same table, /list saying why the queue does not move, and /stop asking instead of aborting.
import { describe, expect, it } from 'vitest';
import { subjectsFor } from '../../src/bus/index.js';
import type { BridgeApi, Command, CommandContext } from '../../src/bridge/commands.js';
import { bridgeCommands } from '../../src/bridge/commands.js';
import { commandMenu, helpText } from '../../src/bridge/help.js';
import type { CommandReply } from '../../src/bridge/command.js';
import { findCommand } from '../../src/bridge/intent.js';
import type { PauseRecord } from '../../src/missions/pause.js';
import { NoResponderError } from '../../src/errors.js';

const COMMANDS = bridgeCommands();
const subjects = subjectsFor('roshi');
const NOW = Date.UTC(2026, 11, 3, 12, 0);

function api(handlers: Record<string, (payload: Record<string, unknown>) => unknown>, pause?: PauseRecord): BridgeApi {
  return {
    subjects,
    request: async <T>(subject: string, payload: Record<string, unknown>) => {
      const handler = handlers[subject];
      if (!handler) throw new NoResponderError(`${subject}: nobody is listening`);
      return (await handler(payload)) as T;
    },
    now: () => NOW,
    readPause: async () => pause,
    usageFile: '/nonexistent',
    update: async () => {},
  };
}

async function run(name: string, args: string, a: BridgeApi): Promise<string | CommandReply | undefined> {
  const command = findCommand(name, COMMANDS) as Command;
  const ctx: CommandContext = {
    args,
    by: 'telegram:1',
    message: { provider: 'telegram', chatId: '1', userId: '1', text: `/${name}`, messageId: '1:1', at: 0 },
    api: a,
    reply: async () => {},
  };
  return command.run(ctx);
}

describe('/help', () => {
  it('fits a phone screen: at most 15 short lines, the primary commands, and where the rest is', () => {
    const help = helpText('', COMMANDS);
    const lines = help.split('\n');
    expect(lines.length).toBeLessThanOrEqual(15);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    for (const name of ['mission', 'list', 'status', 'cancel', 'approve', 'pause'])
      expect(help).toContain(`/${name} — `);
    expect(help).not.toContain('/rebase');
    expect(help).toContain('/help missions · control · prs · all');
  });
  it('/help <topic> lists one category in full; /help <command> its usage', () => {
    const prs = helpText('prs', COMMANDS);
    expect(prs.split('\n')[0]).toBe('Pull requests:');
    expect(prs).toContain('/rebase <pr>');
    expect(prs).not.toContain('/mission');
    expect(helpText('control', COMMANDS)).toContain('/budget');
    expect(helpText('budget', COMMANDS)).toMatch(/^\/budget .* — today's spend/);
    expect(helpText('zzz', COMMANDS)).toContain('topics: missions · control · prs');
  });
  it('the command menu is the same table: every command once, in a few words', () => {
    const menu = commandMenu(COMMANDS);
    expect(menu.map((m) => m.command)).toEqual(COMMANDS.map((c) => c.name));
    for (const m of menu) {
      expect(m.command).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(m.description.length).toBeGreaterThan(0);
      expect(m.description.length).toBeLessThanOrEqual(60);
    }
  });
});

describe('/list says why the queue does not move', () => {
  const list = () => ({ missions: [], total: 0, counts: { pending: 2 } });
  it('an operator’s pause, with who and why', async () => {
    const text = await run(
      'list',
      '',
      api({ [subjects.missions('list')]: list }, { paused: true, by: 'telegram:1', reason: 'deploy', at: NOW }),
    );
    expect(text).toMatch(/dispatch: ⏸ paused \(by telegram:1: deploy\) — \/resume to go on$/);
  });
  it('a rate-limit hold, until when and why', async () => {
    const text = await run(
      'list',
      'pending',
      api(
        { [subjects.missions('list')]: list },
        { paused: true, until: NOW + 600_000, by: 'runner-2', reason: 'rate limited (HTTP 429)', at: NOW },
      ),
    );
    expect(text).toMatch(/dispatch: ⏸ paused until .+ \(by runner-2: rate limited \(HTTP 429\)\)/);
  });
  it('nothing when dispatch runs', async () => {
    const text = await run('list', '', api({ [subjects.missions('list')]: list }));
    expect(text).toBe('nothing running or queued\n2 pending');
  });
});

describe('/stop asks first', () => {
  const tree = () => ({ children: [{ name: 'runner-1' }, { name: 'missions' }] });
  it('names the mission it would stop and the /abort line, and aborts nothing', async () => {
    const asked: string[] = [];
    const a = api({
      [subjects.supStatus]: tree,
      [subjects.control('runner-1')]: (payload) => {
        asked.push(String(payload.verb));
        return { runner: 'runner-1', mission: { id: 'mfx3k2a1q7z', text: 'tidy up', project: 'app' }, progress: [] };
      },
    });
    const reply = (await run('stop', '', a)) as CommandReply;
    expect(reply.text).toContain(
      "/stop aborts runner-1's mission mfx3k2a1q7z tidy up: send /abort runner-1 to confirm",
    );
    expect(reply.actions).toEqual([{ label: '⏹ Abort runner-1', command: '/abort runner-1' }]);
    expect(asked).toEqual(['live']); // never 'abort'
  });
  it('says so when nothing runs', async () => {
    const a = api({
      [subjects.supStatus]: tree,
      [subjects.control('runner-1')]: () => ({ runner: 'runner-1', mission: null, progress: [] }),
    });
    expect(await run('stop', '', a)).toMatch(/^nothing is running/);
  });
  it('is no longer an alias of /abort', () => {
    expect(findCommand('stop', COMMANDS)?.name).toBe('stop');
    expect(findCommand('abort', COMMANDS)?.aliases).not.toContain('stop');
  });
});
