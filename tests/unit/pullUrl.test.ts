// The one pull-request URL reader (src/adapters/github/pullUrl.ts).
import { describe, expect, it } from 'vitest';
import { parsePullUrl } from '../../src/adapters/github/pullUrl.js';

describe('parsePullUrl', () => {
  it('reads owner/name and the number of a PR web URL, on github.com or an Enterprise host', () => {
    expect(parsePullUrl('https://github.com/acme/app/pull/42')).toEqual({ repo: 'acme/app', number: 42 });
    expect(parsePullUrl('  https://ghe.example.com/acme/app/pull/7/files ')).toEqual({ repo: 'acme/app', number: 7 });
    expect(parsePullUrl('https://github.com/acme/app/pull/42?w=1')).toEqual({ repo: 'acme/app', number: 42 });
    expect(parsePullUrl('https://github.com/acme/app/pull/42#issuecomment-1')).toEqual({
      repo: 'acme/app',
      number: 42,
    });
  });

  it('is undefined for anything else', () => {
    expect(parsePullUrl('https://github.com/acme/app/pull/42x')).toBeUndefined();
    expect(parsePullUrl('https://github.com/acme/app/issues/42')).toBeUndefined();
    expect(parsePullUrl('https://github.com/acme/pull/42')).toBeUndefined();
    expect(parsePullUrl('github.com/acme/app/pull/42')).toBeUndefined();
    expect(parsePullUrl('')).toBeUndefined();
  });
});
