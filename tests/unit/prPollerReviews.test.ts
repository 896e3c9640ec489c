// Review feedback: which threads and comments count, and the fingerprint that keeps the same
// feedback from queueing twice.
import { describe, expect, it } from 'vitest';
import type { ReviewComment, ReviewThread } from '../../src/adapters/github.js';
import { collectFeedback, feedbackContext } from '../../src/prPoller/reviews.js';

const c = (id: number, body: string, author = 'ana', path = 'src/a.ts', line = 3): ReviewComment => ({ id, body, author, path, line });
const t = (id: string, comments: ReviewComment[], isResolved = false, isOutdated = false): ReviewThread => ({ id, isResolved, isOutdated, comments });

describe('collectFeedback', () => {
  it('unresolved threads are feedback; resolved ones are not', () => {
    const fb = collectFeedback([t('T1', [c(1, 'rename this')]), t('T2', [c(2, 'done?')], true)], [c(1, 'rename this'), c(2, 'done?')], 'roshi-bot');
    expect(fb.items.map((i) => i.thread)).toEqual(['T1']);
    expect(fb.unresolvedThreads).toBe(1);
    expect(fb.fingerprint).toMatch(/^fb1:[0-9a-f]{32}$/);
  });

  it('nothing to address → empty fingerprint', () => {
    expect(collectFeedback([], [], 'roshi-bot').fingerprint).toBe('');
    expect(collectFeedback([t('T1', [c(1, 'x')], true)], [c(1, 'x')], 'roshi-bot').fingerprint).toBe('');
  });

  it('roshi’s own comments are neither feedback nor part of the fingerprint', () => {
    const before = collectFeedback([t('T1', [c(1, 'rename this')])], [], 'roshi-bot');
    const after = collectFeedback([t('T1', [c(1, 'rename this'), c(9, 'Done.', 'Roshi-Bot')])], [], 'roshi-bot');
    expect(after.fingerprint).toBe(before.fingerprint);
    expect(collectFeedback([t('T3', [c(5, 'note to self', 'roshi-bot')])], [], 'roshi-bot').items).toEqual([]);
  });

  it('the same feedback in any order has the same fingerprint', () => {
    const a = collectFeedback([t('T1', [c(1, 'a'), c(2, 'b')]), t('T2', [c(3, 'c')])], [], '');
    const b = collectFeedback([t('T2', [c(3, 'c')]), t('T1', [c(2, 'b'), c(1, 'a')])], [], '');
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('a new comment, a new thread or an edited body makes a new fingerprint', () => {
    const base = collectFeedback([t('T1', [c(1, 'a')])], [], '').fingerprint;
    expect(collectFeedback([t('T1', [c(1, 'a'), c(2, 'and this')])], [], '').fingerprint).not.toBe(base);
    expect(collectFeedback([t('T1', [c(1, 'a')]), t('T2', [c(3, 'x')])], [], '').fingerprint).not.toBe(base);
    expect(collectFeedback([t('T1', [c(1, 'a, edited')])], [], '').fingerprint).not.toBe(base);
  });

  it('review comments GraphQL did not return count, unless they are in a resolved thread', () => {
    const fb = collectFeedback([t('T1', [c(1, 'resolved one')], true)], [c(1, 'resolved one'), c(4, 'loose comment')], 'roshi-bot', true);
    expect(fb.items.map((i) => i.thread)).toEqual(['comment:4']);
    expect(fb.truncated).toBe(true);
  });

  it('the context shows where each thread is and every comment', () => {
    const fb = collectFeedback([t('T1', [c(1, 'rename this'), c(2, 'and add a test', 'bo')], false, true)], [], '');
    const text = feedbackContext('https://github.com/acme/app/pull/7', fb);
    expect(text).toContain('Review feedback on https://github.com/acme/app/pull/7');
    expect(text).toContain('### src/a.ts:3 (on an older version of the code)');
    expect(text).toContain('@ana: rename this');
    expect(text).toContain('@bo: and add a test');
  });
});
