// missions.md rendering: the exact format, times in local time (UTC here), bounds on Done and
// Failed, and round trips with the reader (property tests).
process.env.TZ = 'UTC';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMissionText } from '../../src/missions/parse.js';
import { findAddedPendingLines, parseMissionsFile, pendingLineText } from '../../src/missions/pendingImport.js';
import type { Mission, MissionStatus } from '../../src/contracts/index.js';
import { formatClock, formatStamp, formatTook, renderMissionsFile } from '../../src/missions/render.js';
import { missionRecord } from '../harness/missionRecord.js';
import { oneLine } from '../../src/text/oneLine.js';

// Friday 4 April 2025, 9pm UTC.
const NOW = Date.UTC(2025, 3, 4, 21, 0);
const at = (day: number, hour: number, minute = 0) => Date.UTC(2025, 2, day, hour, minute);
const april = (day: number, hour: number, minute = 0) => Date.UTC(2025, 3, day, hour, minute);
const choice = { names: ['app', 'lib', 'web'], defaultProject: 'app' };

// A record as the renderer sees it; what a test does not set is shown as plain as can be.
const mission = (over: Partial<Mission> & Pick<Mission, 'id'>): Mission =>
  missionRecord({
    text: 'x',
    order: 0,
    maxTransientAttempts: 5,
    createdAt: NOW - 1000,
    updatedAt: NOW - 1000,
    ...over,
  });

describe('times', () => {
  it('today, within the last six days, older', () => {
    expect(formatStamp(april(4, 20, 14), NOW)).toBe('@ 8:14pm');
    expect(formatStamp(april(4, 0, 5), NOW)).toBe('@ 12:05am');
    expect(formatStamp(at(31, 9), NOW)).toBe('Mon @ 9am');
    expect(formatStamp(at(29, 12), NOW)).toBe('Sat @ 12pm');
    expect(formatStamp(april(3, 23, 59), NOW)).toBe('Thu @ 11:59pm');
    expect(formatStamp(at(28, 9), NOW)).toBe('Fri 3/28 @ 9am');
    expect(formatStamp(Date.UTC(2024, 11, 25, 18, 30), NOW)).toBe('Wed 12/25 @ 6:30pm');
  });

  it('a time later today is still today; another day in the future shows the date', () => {
    expect(formatStamp(april(4, 23), NOW)).toBe('@ 11pm');
    expect(formatStamp(april(5, 9), NOW)).toBe('Sat 4/5 @ 9am');
  });

  it('clock and durations', () => {
    expect(formatClock(new Date(april(4, 12, 0)))).toBe('12pm');
    expect(formatClock(new Date(april(4, 9, 30)))).toBe('9:30am');
    expect([0, 42_000, 35 * 60_000, 2 * 3600_000, 65 * 60_000, 27 * 3600_000, 48 * 3600_000].map(formatTook)).toEqual([
      '0s',
      '42s',
      '35m',
      '2h',
      '1h 5m',
      '1d 3h',
      '2d',
    ]);
  });
});

describe('renderMissionsFile', () => {
  it('writes the documented format', () => {
    const missions = [
      mission({
        id: 'a',
        text: '/rebase https://github.com/o/r/pull/42',
        kind: 'rebase',
        url: 'https://github.com/o/r/pull/42',
        createdAt: april(4, 20, 14),
      }),
      mission({
        id: 'b',
        text: 'implement dark mode',
        status: 'running',
        createdAt: at(31, 9),
        startedAt: april(4, 9, 30),
        attempts: 1,
      }),
      mission({
        id: 'c',
        text: 'fix flaky test',
        status: 'done',
        startedAt: april(4, 10),
        finishedAt: april(4, 10, 35),
        result: {},
      }),
      mission({
        id: 'd',
        text: 'upgrade deps',
        project: 'lib',
        status: 'failed',
        finishedAt: april(4, 11),
        result: { error: 'transient budget spent' },
      }),
    ];
    const ci = [
      { project: 'app', url: 'https://github.com/o/r/pull/42', branch: 'roshi/fix-x', attempt: 1, maxAttempts: 5 },
    ];
    expect(renderMissionsFile(missions, { now: NOW, keepDone: 20, keepFailed: 20, ci })).toBe(
      [
        '# Missions',
        '',
        '## CI',
        '- [project:app] https://github.com/o/r/pull/42 branch:roshi/fix-x (attempt 1/5)',
        '',
        '## Pending',
        '- [project:app] /rebase https://github.com/o/r/pull/42 ⏳@ 8:14pm',
        '',
        '## In Progress',
        '- [project:app] implement dark mode ⏳Mon @ 9am ▶@ 9:30am',
        '',
        '## Done',
        '- [project:app] fix flaky test ✅ took 35m',
        '',
        '## Failed',
        '- [project:lib] upgrade deps ❌ [transient budget spent]',
        '',
      ].join('\n'),
    );
  });

  it('keeps every heading when there is nothing to list', () => {
    expect(renderMissionsFile([], { now: NOW, keepDone: 5, keepFailed: 5 })).toBe(
      '# Missions\n\n## CI\n\n## Pending\n\n## In Progress\n\n## Done\n\n## Failed\n',
    );
  });

  it('pending in queue order; Done and Failed newest first and bounded; cancelled not listed', () => {
    const missions = [
      mission({ id: 'p1', text: 'second', order: 2 }),
      mission({ id: 'p2', text: 'first', order: -1 }),
      mission({ id: 'p3', text: 'third', order: 2, createdAt: NOW }),
      ...[1, 2, 3, 4].map((n) =>
        mission({ id: `d${n}`, text: `done ${n}`, status: 'done', finishedAt: NOW - n * 60_000 }),
      ),
      ...[1, 2, 3].map((n) =>
        mission({
          id: `f${n}`,
          text: `failed ${n}`,
          status: 'failed',
          finishedAt: NOW - n * 60_000,
          lastError: `boom ${n}\nstack`,
        }),
      ),
      mission({ id: 'x', text: 'never mind', status: 'cancelled' }),
    ];
    const sections = parseMissionsFile(renderMissionsFile(missions, { now: NOW, keepDone: 2, keepFailed: 1 }));
    expect(sections.Pending.map((l) => l.split(' ')[2])).toEqual(['first', 'second', 'third']);
    expect(sections.Done).toEqual(['- [project:app] done 1 ✅', '- [project:app] done 2 ✅']);
    expect(sections.Failed).toEqual(['- [project:app] failed 1 ❌ [boom 1 stack]']);
    expect(renderMissionsFile(missions, { now: NOW, keepDone: 0, keepFailed: 0 })).not.toMatch(/✅|❌/);
    expect(renderMissionsFile(missions, { now: NOW, keepDone: 9, keepFailed: 9 })).not.toMatch(/never mind/);
  });

  it('puts multi-line text on one line', () => {
    const text = renderMissionsFile([mission({ id: 'a', text: 'fix\n  the   tests\n' })], {
      now: NOW,
      keepDone: 1,
      keepFailed: 1,
    });
    expect(parseMissionsFile(text).Pending).toEqual(['- [project:app] fix the tests ⏳@ 8:59pm']);
  });
});

// ── properties ────────────────────────────────────────────────────────────────────────────────

const COMMANDS = ['/rebase', '/ci_check', '/review', '/implement', '/fix'];
const words = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const missionInput = fc.oneof(
  words,
  fc
    .tuple(
      fc.constantFrom(...COMMANDS),
      fc.webUrl({ withFragments: false, withQueryParameters: false }),
      fc.string({ maxLength: 20 }),
    )
    .map(([c, u, rest]) => `${c} ${u} ${rest}`),
);
const STATUSES: MissionStatus[] = ['pending', 'running', 'done', 'failed', 'cancelled'];

/** Missions as intake would have made them: text run through parseMissionText, so only valid ones. */
const missionsArb = fc
  .array(
    fc.record({
      project: fc.constantFrom('app', 'lib', 'web'),
      input: missionInput,
      status: fc.constantFrom(...STATUSES),
      order: fc.integer({ min: -50, max: 50 }),
      createdAt: fc.integer({ min: NOW - 30 * 86_400_000, max: NOW }),
      took: fc.integer({ min: 0, max: 86_400_000 }),
    }),
    { maxLength: 25 },
  )
  .map((rows) =>
    rows.flatMap((row, i) => {
      let parsed;
      try {
        parsed = parseMissionText(`[project:${row.project}] ${row.input}`, choice);
      } catch {
        return [];
      }
      const started = row.status === 'pending' ? undefined : row.createdAt + 1000;
      const finished =
        ['done', 'failed', 'cancelled'].includes(row.status) && started !== undefined ? started + row.took : undefined;
      return [
        mission({
          id: `m${String(i).padStart(3, '0')}`,
          project: parsed.project,
          kind: parsed.kind,
          ...(parsed.url ? { url: parsed.url } : {}),
          text: parsed.text,
          status: row.status,
          order: row.order,
          createdAt: row.createdAt,
          ...(started !== undefined ? { startedAt: started } : {}),
          ...(finished !== undefined ? { finishedAt: finished } : {}),
        }),
      ];
    }),
  );

const options = { now: NOW, keepDone: 5, keepFailed: 5 };

describe('properties', () => {
  it('reading a render back recovers project, text, kind and url of every pending mission, in queue order', () => {
    fc.assert(
      fc.property(missionsArb, (missions) => {
        const lines = parseMissionsFile(renderMissionsFile(missions, options)).Pending;
        const read = lines.map((line) => parseMissionText(pendingLineText(line) ?? '', choice));
        const expected = missions
          .filter((m) => m.status === 'pending')
          .sort((a, b) => a.order - b.order || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
          .map((m) => ({ project: m.project, kind: m.kind, url: m.url, text: oneLine(m.text) }));
        expect(read.map((p) => ({ project: p.project, kind: p.kind, url: p.url, text: p.text }))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('rendering is deterministic, whatever order the missions come in', () => {
    fc.assert(
      fc.property(missionsArb, fc.integer(), (missions, seed) => {
        const shuffled = [...missions].sort(
          (a, b) => ((a.id.charCodeAt(3) * 31 + seed) % 7) - ((b.id.charCodeAt(3) * 31 + seed) % 7),
        );
        const first = renderMissionsFile(missions, options);
        expect(renderMissionsFile(shuffled, options)).toBe(first);
        expect(renderMissionsFile(missions, options)).toBe(first);
      }),
      { numRuns: 200 },
    );
  });

  const addedLine = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
    .filter((s) => !/[\r\n\u2028\u2029]/.test(s))
    .map((s) => `- ${s}`)
    .filter((line) => pendingLineText(line) !== undefined);

  it('a line added under Pending is found by the importer, and nothing else is', () => {
    fc.assert(
      fc.property(missionsArb, addedLine, fc.nat(), (missions, line, position) => {
        const rendered = renderMissionsFile(missions, options);
        const lines = rendered.split('\n');
        const start = lines.indexOf('## Pending') + 1;
        const end = lines.indexOf('## In Progress') - 1; // the blank line before the next heading
        const at = start + (position % (end - start + 1));
        const edited = [...lines.slice(0, at), line, ...lines.slice(at)].join('\n');
        expect(findAddedPendingLines(edited, rendered)).toEqual([pendingLineText(line)]);
        expect(findAddedPendingLines(rendered, rendered)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('lines added under other sections are not imported', () => {
    fc.assert(
      fc.property(
        missionsArb,
        addedLine,
        fc.constantFrom('## CI', '## In Progress', '## Done', '## Failed'),
        (missions, line, heading) => {
          const rendered = renderMissionsFile(missions, options);
          const edited = rendered.replace(`${heading}\n`, `${heading}\n${line}\n`);
          expect(findAddedPendingLines(edited, rendered)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
