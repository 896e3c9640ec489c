// The GitHub adapter's shared pieces: its error class, the transport lookup that keeps octokit
// inside the adapter, the text policy, ref paths and log tails.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRefPath } from '../../src/adapters/github/branches.js';
import { toGitHubError } from '../../src/adapters/github/errors.js';
import { transportOf, splitRepo } from '../../src/adapters/github/transport.js';
import * as adapter from '../../src/adapters/github/index.js';
import {
  createGitHub,
  deleteBranch,
  GitHubError,
  outgoingText,
  statusOf,
  tailLines,
  ZWJ,
  type GitHubClient,
} from '../../src/adapters/github/index.js';
import { RoshiError, describeError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';

describe('GitHubError', () => {
  it('is a RoshiError with code github, and knows an outage from a refusal', () => {
    const refused = new GitHubError('GitHub PUT /x failed: 405 not mergeable', 405);
    expect(refused).toBeInstanceOf(RoshiError);
    expect(refused.code).toBe('github');
    expect(refused.outage).toBe(false);
    expect(new GitHubError('GitHub GET /x failed: fetch failed').outage).toBe(true);
    expect(new GitHubError('GitHub GET /x failed: 502', 502).outage).toBe(true);
    expect(describeError(refused)).toContain('405 not mergeable');
  });

  it('wraps anything else once, naming the route', () => {
    const wrapped = toGitHubError('GET /user', new Error('socket hang up'));
    expect(wrapped.message).toBe('GitHub GET /user failed: socket hang up');
    expect(toGitHubError('GET /other', wrapped)).toBe(wrapped);
    expect(statusOf(new GitHubError('x', 409))).toBe(409);
    expect(statusOf(new Error('x'))).toBeUndefined();
  });
});

describe('the client hands out no octokit', () => {
  const github = createGitHub({ apiUrl: 'http://127.0.0.1:9/', token: 't', logger: silentLogger() });

  it('keeps its transport inside the adapter', () => {
    expect(Object.keys(github)).not.toContain('octokit');
    expect(github.apiUrl).toBe('http://127.0.0.1:9');
    expect(transportOf(github).stats).toBe(github.stats);
    expect(Object.keys(adapter)).not.toContain('transportOf');
  });

  it('is the only importer of octokit in src/', () => {
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const importers = files
      .filter((f) => /from 'octokit'/.test(readFileSync(join('src', f), 'utf8')))
      .map((f) => f.split('\\').join('/'));
    expect(importers.every((f) => f.startsWith('adapters/github/'))).toBe(true);
    expect(importers).toContain('adapters/github/transport.ts');
  });

  it('refuses a client it did not make', async () => {
    const stranger = { ...github } as GitHubClient;
    await expect(deleteBranch(stranger, 'acme/app', 'roshi/x')).rejects.toThrow(/not a client made by createGitHub/);
  });

  it('splits owner/name and refuses anything else', () => {
    expect(splitRepo('acme/app.js')).toEqual({ owner: 'acme', name: 'app.js' });
    expect(() => splitRepo('acme')).toThrow(GitHubError);
  });
});

describe('text policy, refs and logs', () => {
  it('outgoingText escapes bot mentions', () => {
    expect(outgoingText('ping @copilot and @copilot-fan')).toBe(`ping @${ZWJ}copilot and @copilot-fan`);
  });

  it('encodes each ref segment, keeping the slashes', () => {
    expect(encodeRefPath('roshi/fix #1')).toBe('roshi/fix%20%231');
  });

  it('tails a log without Actions timestamps', () => {
    expect(tailLines('2024-01-01T00:00:00.000Z a\n2024-01-01T00:00:01Z b\nc\n\n', 2)).toBe('b\nc');
  });
});
