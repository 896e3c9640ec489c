// `roshi status` over several hosts (src/supervisor/systemStatus.ts): one host as always; several
// grouped by host, each host's supervisor first; one merged tree for the single-list views.
import { describe, expect, it } from 'vitest';
import type { ChildRow, TreeStatus } from '../../src/supervisor/status.js';
import { formatStatus } from '../../src/supervisor/status.js';
import { askSystemStatus, formatSystemStatus, mergedStatus } from '../../src/supervisor/systemStatus.js';

const child = (name: string): ChildRow =>
  ({
    name,
    state: 'running',
    pid: 100,
    restarts: 0,
    tier: null,
    circuit: 'closed',
    lastVerdict: null,
    uptimeMs: 5_000,
    actorState: 'idle',
    rssBytes: null,
    buildId: null,
  }) as unknown as ChildRow;

const tree = (host: string | undefined, pid: number, names: string[]): TreeStatus => ({
  supervisor: {
    pid,
    state: 'running',
    uptimeMs: 9_000,
    buildId: 'b1',
    stateDir: `/s/${host}`,
    ...(host ? { host } : {}),
  },
  nats: { url: 'nats://n1', embedded: false, connected: true },
  children: names.map(child),
});

describe('the status of a system of hosts', () => {
  const h1 = tree('h1', 11, ['h1-watchdog', 'h1-missions', 'h1-runner-1']);
  const h2 = tree('h2', 22, ['h2-watchdog', 'h2-runner-1', 'h2-runner-2']);

  it('asks one supervisor on a single host, and gathers every host otherwise, by host id', async () => {
    const asked: string[] = [];
    const asker = {
      request: async <T>() => (asked.push('one'), tree(undefined, 1, ['watchdog']) as T),
      requestAll: async <T>() => (asked.push('all'), [h2, h1] as T[]),
    };
    expect(await askSystemStatus(asker, 'roshi.sup.status', '')).toHaveLength(1);
    expect((await askSystemStatus(asker, 'roshi.sup.status', 'h1')).map((s) => s.supervisor.host)).toEqual([
      'h1',
      'h2',
    ]);
    expect(asked).toEqual(['one', 'all']);
  });

  it('prints one host exactly as before', () => {
    const single = tree(undefined, 1, ['watchdog', 'runner-1']);
    expect(formatSystemStatus([single], { now: 0 })).toBe(formatStatus(single, { now: 0 }));
  });

  it('prints each host as a block, its supervisor first, with only its own breakers', () => {
    const text = formatSystemStatus([h1, h2], {
      now: 0,
      openBreakers: [{ runner: 'h2-runner-2', name: 'dispatch', state: 'open', failures: 3 }],
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('host h1');
    expect(lines[1]).toMatch(/^supervisor pid 11 /);
    const h2At = lines.indexOf('host h2');
    expect(h2At).toBeGreaterThan(lines.findIndex((l) => l.startsWith('h1-runner-1')));
    expect(lines[h2At + 1]).toMatch(/^supervisor pid 22 /);
    expect(lines.filter((l) => l.startsWith('breaker')).length).toBe(1);
    expect(lines.findIndex((l) => l.startsWith('breaker'))).toBeGreaterThan(h2At);
    for (const name of [...h1.children, ...h2.children].map((c) => c.name))
      expect(lines.some((l) => l.startsWith(`${name} `))).toBe(true);
  });

  it('merges every host’s children for the single-list views', () => {
    expect(mergedStatus([h1, h2]).children.map((c) => c.name)).toEqual([
      'h1-watchdog',
      'h1-missions',
      'h1-runner-1',
      'h2-watchdog',
      'h2-runner-1',
      'h2-runner-2',
    ]);
    expect(mergedStatus([h1])).toBe(h1);
  });
});
