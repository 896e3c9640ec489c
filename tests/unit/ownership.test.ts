// Which pull requests are roshi's own (branch prefix AND head repository), and which PR a mission
// command may name (only one of its project's repository).
import { describe, expect, it } from 'vitest';
import { parsePullUrl } from '../../src/adapters/github/pullUrl.js';
import { isOwnPull, judgeOwnership, NotMyPullError, pullOfProject } from '../../src/prPoller/ownership.js';

const RULE = { branchPrefix: 'roshi', ownForks: [] as string[] };

describe('judgeOwnership', () => {
  it('own: a prefixed branch in the repository itself (names compared case-insensitively)', () => {
    expect(judgeOwnership({ repo: 'acme/app', headRef: 'roshi/fix-x', headRepo: 'Acme/App' }, RULE)).toEqual({
      own: true,
    });
  });

  it('a fork with a roshi/ branch is not own', () => {
    const verdict = judgeOwnership({ repo: 'acme/app', headRef: 'roshi/fix-x', headRepo: 'stranger/app' }, RULE);
    expect(verdict).toEqual({
      own: false,
      reason: 'its head repository stranger/app is neither acme/app nor listed in prPoller.ownForks',
    });
  });

  it('a fork listed in ownForks is own; other forks still are not', () => {
    const rule = { branchPrefix: 'roshi/', ownForks: ['roshi-bot/app'] };
    expect(isOwnPull({ repo: 'acme/app', headRef: 'roshi/fix-x', headRepo: 'ROSHI-BOT/app' }, rule)).toBe(true);
    expect(isOwnPull({ repo: 'acme/app', headRef: 'roshi/fix-x', headRepo: 'stranger/app' }, rule)).toBe(false);
  });

  it('a branch without the prefix, a deleted head repository, or an empty prefix is never own', () => {
    expect(judgeOwnership({ repo: 'acme/app', headRef: 'feature/x', headRepo: 'acme/app' }, RULE)).toMatchObject({
      own: false,
      reason: expect.stringMatching(/does not start with roshi\//),
    });
    expect(judgeOwnership({ repo: 'acme/app', headRef: 'roshi-old/x', headRepo: 'acme/app' }, RULE).own).toBe(false);
    expect(judgeOwnership({ repo: 'acme/app', headRef: 'roshi/x', headRepo: '' }, RULE)).toMatchObject({
      own: false,
      reason: expect.stringMatching(/deleted/),
    });
    expect(judgeOwnership({ repo: 'acme/app', headRef: 'roshi/x', headRepo: undefined }, RULE).own).toBe(false);
    expect(
      isOwnPull({ repo: 'acme/app', headRef: 'roshi/x', headRepo: 'acme/app' }, { branchPrefix: '', ownForks: [] }),
    ).toBe(false);
  });
});

describe("pullOfProject: a command's PR URL must be of its project's repository", () => {
  it("a PR of the project's repository is accepted (also on GitHub Enterprise hosts, with a trailing part)", () => {
    expect(pullOfProject('https://github.com/acme/app/pull/42', 'app', 'acme/app')).toEqual({
      repo: 'acme/app',
      number: 42,
    });
    expect(pullOfProject('https://ghe.example.com/Acme/App/pull/7/files', 'app', 'acme/app')).toEqual({
      repo: 'acme/app',
      number: 7,
    });
  });

  it('a PR of another repository is refused at once, as "not my PR"', () => {
    const attempt = () => pullOfProject('https://github.com/evil/app/pull/42', 'app', 'acme/app');
    expect(attempt).toThrow(NotMyPullError);
    expect(attempt).toThrow(
      'not my PR: https://github.com/evil/app/pull/42 belongs to evil/app, but project app is acme/app',
    );
    // a look-alike name is another repository
    expect(() => pullOfProject('https://github.com/acme/app-fork/pull/1', 'app', 'acme/app')).toThrow(
      /belongs to acme\/app-fork/,
    );
  });

  it('no known repository for the project, or no PR URL at all: refused too', () => {
    expect(() => pullOfProject('https://github.com/acme/app/pull/42', 'app', '')).toThrow(
      /project app has no known GitHub repository \(set projects.app.githubRepo\)/,
    );
    expect(() => pullOfProject('https://github.com/acme/app/issues/42', 'app', 'acme/app')).toThrow(
      /is not a pull request URL/,
    );
  });

  it('parsePullUrl reads owner/name and the number, and nothing else', () => {
    expect(parsePullUrl('https://github.com/acme/app/pull/42#discussion_r1')).toEqual({ repo: 'acme/app', number: 42 });
    expect(parsePullUrl('https://github.com/acme/app/pull/42x')).toBeUndefined();
    expect(parsePullUrl('https://github.com/acme/app/issues/42')).toBeUndefined();
  });
});
