import { afterEach, describe, expect, it } from 'vitest';
import { decodeObject, encode } from '../../src/bus/codec.js';
import { configureSecrets, MASK } from '../../src/secrets/scrubber.js';

afterEach(() => configureSecrets([]));

describe('bus codec', () => {
  it('masks secrets in every encoded payload and keeps it valid JSON', () => {
    configureSecrets(['pa"ss\\word-value']);
    const ghp = 'ghp_' + 'q'.repeat(36);
    const payload = { text: `token ${ghp}`, nested: { deep: ['x pa"ss\\word-value y'] }, n: 3 };
    expect(decodeObject(encode(payload))).toEqual({ text: `token ${MASK}`, nested: { deep: [`x ${MASK} y`] }, n: 3 });
  });

  it('leaves a payload without secrets byte for byte', () => {
    const payload = { id: 'm-1', at: '2026-12-02T19:00:00Z', text: 'fix the bug: see 12:30 log' };
    expect(new TextDecoder().decode(encode(payload))).toBe(JSON.stringify(payload));
  });
});
