// Chat history: bounded turns compacted into one-line summaries, the KV key, the store's
// compare-and-set, and the lighter plan for retries.
import { describe, expect, it } from 'vitest';
import { RevisionConflictError, type Entry } from '../../src/bus/index.js';
import {
  appendTurn,
  ChatHistoryStore,
  emptyHistory,
  historyKey,
  keyToken,
  planForAttempt,
  summarizeTurn,
  toHistory,
  type ChatTurn,
  type HistoryKv,
} from '../../src/chat/history.js';

const turn = (n: number, extra: Partial<ChatTurn> = {}): ChatTurn => ({
  at: Date.UTC(2026, 0, 2, 3, n),
  user: `question ${n}`,
  answer: `answer ${n}`,
  ...extra,
});

describe('history compaction', () => {
  it('keeps the last historyTurns turns whole and compacts older ones into one line each, in order', () => {
    let h = emptyHistory('telegram', '42');
    for (let i = 1; i <= 5; i++) h = appendTurn(h, turn(i), { historyTurns: 3 });
    expect(h.turns.map((t) => t.user)).toEqual(['question 3', 'question 4', 'question 5']);
    expect(h.summaries).toEqual([summarizeTurn(turn(1)), summarizeTurn(turn(2))]);
    expect(h.summaries[0]).toBe('2026-01-02 03:01 user: "question 1" → you: "answer 1"');
    expect(h.updatedAt).toBe(turn(5).at);
  });

  it('bounds the summaries too, dropping the oldest', () => {
    let h = emptyHistory('console', 'c');
    for (let i = 0; i < 30; i++) h = appendTurn(h, turn(i), { historyTurns: 2, maxSummaries: 5 });
    expect(h.turns).toHaveLength(2);
    expect(h.summaries).toHaveLength(5);
    expect(h.summaries[4]).toContain('question 27');
  });

  it('historyTurns 0 keeps only summaries', () => {
    const h = appendTurn(emptyHistory('console', 'c'), turn(1), { historyTurns: 0 });
    expect(h.turns).toEqual([]);
    expect(h.summaries).toHaveLength(1);
  });

  it('a summary line is one line, clipped, with the speaker', () => {
    const line = summarizeTurn(
      turn(1, { from: 'Ana', user: 'a\nvery\n\n' + 'long '.repeat(100), answer: 'he said "no"' }),
    );
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^2026-01-02 03:01 Ana: "a very long long .*…" → you: "he said 'no'"$/);
    expect(line.length).toBeLessThan(260);
  });

  it('stored texts are clipped so a record stays far below the NATS payload limit', () => {
    const h = appendTurn(
      emptyHistory('console', 'c'),
      turn(1, { user: 'x'.repeat(50_000), answer: 'y'.repeat(50_000) }),
      { historyTurns: 20 },
    );
    expect(JSON.stringify(h).length).toBeLessThan(10_000);
  });

  it('reads back what it wrote; anything else is no history', () => {
    const h = appendTurn(emptyHistory('slack', 'C1'), turn(1, { from: 'U1' }), { historyTurns: 5 });
    expect(toHistory(JSON.parse(JSON.stringify(h)), 'slack', 'C1')).toEqual(h);
    expect(toHistory({ turns: 'nope', summaries: [] }, 'slack', 'C1')).toBeUndefined();
    expect(toHistory({ turns: [{ at: 'x' }], summaries: [] }, 'slack', 'C1')).toBeUndefined();
  });
});

describe('history key', () => {
  it('is chat.history.<provider>.<chatId>', () => {
    expect(historyKey('telegram', '123456')).toBe('chat.history.telegram.123456');
    expect(historyKey('telegram', '-100123')).toBe('chat.history.telegram.-100123');
  });

  it('escapes what a KV key cannot hold, and the separators, so distinct ids never collide', () => {
    expect(historyKey('matrix', '!room:example.org')).toBe('chat.history.matrix.=21room=3aexample=2eorg');
    expect(keyToken('a.b')).not.toBe(keyToken('a=2eb'));
    expect(keyToken('ü')).toBe('=c3=bc');
    for (const id of ['!a:b.c', 'x y', 'a/b', 'é', '=', '']) expect(historyKey('p', id)).toMatch(/^[-/=.\w]+$/);
  });
});

describe('lighter context on retries', () => {
  it('first attempt: everything and the full timeout; each retry less history, no memory, a shorter timeout', () => {
    const s = { historyTurns: 20, timeoutMs: 120_000 };
    expect(planForAttempt(0, s)).toEqual({
      attempt: 0,
      historyTurns: 20,
      summaries: true,
      memory: true,
      timeoutMs: 120_000,
    });
    expect(planForAttempt(1, s)).toEqual({
      attempt: 1,
      historyTurns: 4,
      summaries: false,
      memory: false,
      timeoutMs: 60_000,
    });
    expect(planForAttempt(2, s)).toEqual({
      attempt: 2,
      historyTurns: 2,
      summaries: false,
      memory: false,
      timeoutMs: 40_000,
    });
    expect(planForAttempt(3, s)).toEqual({
      attempt: 3,
      historyTurns: 0,
      summaries: false,
      memory: false,
      timeoutMs: 30_000,
    });
    expect(planForAttempt(1, { historyTurns: 1, timeoutMs: 1_000 }).historyTurns).toBe(1);
  });
});

/** An in-memory KV with the same compare-and-set rules as the bucket. */
function memoryKv() {
  const data = new Map<string, { value: unknown; revision: number }>();
  let revision = 0;
  let conflictsToInject = 0;
  const kv: HistoryKv & { data: typeof data; injectConflicts(n: number): void } = {
    data,
    injectConflicts: (n) => void (conflictsToInject = n),
    async get<T>(key: string): Promise<Entry<T> | undefined> {
      const e = data.get(key);
      return e ? { key, value: JSON.parse(JSON.stringify(e.value)) as T, revision: e.revision } : undefined;
    },
    async create(key, value) {
      if (data.has(key)) throw new RevisionConflictError(`${key} exists`);
      data.set(key, { value, revision: ++revision });
      return revision;
    },
    async update(key, value, rev) {
      if (conflictsToInject > 0) {
        conflictsToInject--;
        // Someone else wrote meanwhile.
        const e = data.get(key)!;
        const other = appendTurn(
          toHistory(e.value, 'console', 'c')!,
          { at: 1, user: 'concurrent', answer: 'write' },
          { historyTurns: 10 },
        );
        data.set(key, { value: other, revision: ++revision });
      }
      if (data.get(key)?.revision !== rev) throw new RevisionConflictError(`${key} changed`);
      data.set(key, { value, revision: ++revision });
      return revision;
    },
  };
  return kv;
}

describe('ChatHistoryStore', () => {
  it('persists per chat under its key and loads it back (what a restarted chat sees)', async () => {
    const kv = memoryKv();
    const store = new ChatHistoryStore(kv, { historyTurns: 2 });
    await store.append('console', 'c', turn(1));
    await store.append('console', 'c', turn(2));
    await store.append('console', 'c', turn(3));
    await store.append('console', 'other', turn(9));
    const again = new ChatHistoryStore(kv, { historyTurns: 2 });
    const h = await again.load('console', 'c');
    expect(h.turns.map((t) => t.user)).toEqual(['question 2', 'question 3']);
    expect(h.summaries).toHaveLength(1);
    expect([...kv.data.keys()].sort()).toEqual(['chat.history.console.c', 'chat.history.console.other']);
    expect((await again.load('console', 'nobody')).turns).toEqual([]);
  });

  it('re-reads and re-applies on a compare-and-set conflict, losing neither write', async () => {
    const kv = memoryKv();
    const store = new ChatHistoryStore(kv, { historyTurns: 10 });
    await store.append('console', 'c', turn(1));
    kv.injectConflicts(1);
    await store.append('console', 'c', turn(2));
    expect((await store.load('console', 'c')).turns.map((t) => t.user)).toEqual([
      'question 1',
      'concurrent',
      'question 2',
    ]);
  });

  it('an unreadable stored value counts as no history and is replaced', async () => {
    const kv = memoryKv();
    kv.data.set('chat.history.console.c', { value: { garbage: true }, revision: 7 });
    const store = new ChatHistoryStore(kv, { historyTurns: 10 });
    expect((await store.load('console', 'c')).turns).toEqual([]);
    await store.append('console', 'c', turn(1));
    expect((await store.load('console', 'c')).turns).toHaveLength(1);
  });
});
