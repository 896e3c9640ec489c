// The post-mission pipeline end to end: real git against local bare remotes, the GitHub adapter
// against the fake GitHub, real gate commands. The machine's git config cannot leak in.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ensureRepo, githubHostFromApiUrl, prepareWorktree, removeWorktree } from '../../src/adapters/git.js';
import { createGitHub, type GitHubClient } from '../../src/adapters/github/index.js';
import type { Logger } from '../../src/log.js';
import type { StepReport } from '../../src/contracts/index.js';
import {
  breakerStatus,
  createPipelineBreakers,
  runPipeline,
  type GateSettings,
  type JournalEntry,
  type PipelineBreakers,
  type PipelineInput,
  type PipelineProject,
  type UsageEntry,
} from '../../src/runner/pipeline.js';
import { lastGateMark } from '../../src/adapters/github/gateMark.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import { installPullEditRoutes, type PullComment } from '../fakes/githubPullEdits.js';
import { isAlive } from '../harness/processes.js';
import { capturingLogger } from '../harness/logCapture.js';
import { git as sh } from '../harness/gitRepo.js';

const BRANCH = 'roshi/add-feature-m00001';
const OFF: GateSettings = { mode: 'off', commands: [] };
const T0 = 1_700_000_000_000;

/** Every step a pipeline reports, in order; the journal entry holds those before `journal`. */
const EVERY_STEP = ['commit', 'quality-gate', 'lint', 'push', 'pr', 'usage', 'journal', 'notify'];

function tryRevParse(gitDir: string, ref: string): string | undefined {
  try {
    return execFileSync('git', ['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

let tmp: string;
let remote: string;
let fork: string;
let workspace: string;
let repo: string;
let fake: FakeGitHub;
/** Comments posted on PRs (the fake's PATCH and comment routes). */
let prComments: PullComment[];
let clock: SimulatedClock;
let breakers: PipelineBreakers;
let logLines: string[];
let logger: Logger;
const now = () => T0 + clock.now();

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'roshi-pipeline-'));
  remote = join(tmp, 'remote.git');
  fork = join(tmp, 'fork.git');
  workspace = join(tmp, 'workspace');
  const seed = join(tmp, 'seed');
  sh(tmp, 'init', '-q', '--bare', '-b', 'main', remote);
  sh(tmp, 'init', '-q', '--bare', '-b', 'main', fork);
  sh(tmp, 'init', '-q', '-b', 'main', seed);
  writeFileSync(join(seed, 'README.md'), '# app\n');
  sh(seed, 'add', '-A');
  sh(seed, 'commit', '-q', '-m', 'initial');
  sh(seed, 'push', '-q', remote, 'HEAD:refs/heads/main');
  sh(seed, 'push', '-q', fork, 'HEAD:refs/heads/main');
  repo = await ensureRepo({ name: 'app', url: remote, workspace });

  // The fake knows the branches of acme/app (the bare remote) and someone/app (the fork).
  fake = await startFakeGitHub({
    branchSha: (r, branch) =>
      r === 'acme/app'
        ? tryRevParse(remote, `refs/heads/${branch}`)
        : r === 'someone/app'
          ? tryRevParse(fork, `refs/heads/${branch}`)
          : undefined,
  });
  ({ comments: prComments } = installPullEditRoutes(fake));
  clock = new SimulatedClock();
  ({ logger, lines: logLines } = capturingLogger('debug'));
  breakers = createPipelineBreakers({ now, clock, logger });
});

afterEach(async () => {
  breakers.stop();
  await fake.stop();
  // The token never reaches a log line, whatever the test did.
  expect(logLines.join('')).not.toContain(fake.token);
  rmSync(tmp, { recursive: true, force: true });
});

function github(token = fake.token): GitHubClient {
  return createGitHub({ apiUrl: fake.url, token, logger, retryAfterBaseMs: 10 });
}

function project(overrides: Partial<PipelineProject> = {}): PipelineProject {
  return {
    name: 'app',
    baseBranch: 'main',
    remote: 'origin',
    githubRepo: 'acme/app',
    qualityGate: OFF,
    lint: OFF,
    ...overrides,
  };
}

interface Sinks {
  usage: UsageEntry[];
  journal: JournalEntry[];
  notes: string[];
}

async function worktree(missionId = 'm00001', branch = BRANCH, pushRemote?: string) {
  return prepareWorktree({
    repo,
    workspace,
    missionId,
    branch,
    baseBranch: 'main',
    remote: 'origin',
    ...(pushRemote ? { pushRemote } : {}),
  });
}

function input(
  path: string,
  overrides: Partial<PipelineInput> = {},
  sinks: Sinks = { usage: [], journal: [], notes: [] },
): PipelineInput {
  return {
    mission: { id: 'm00001', text: 'Add the feature file', kind: 'free', project: 'app' },
    worktree: path,
    branch: BRANCH,
    project: project(),
    git: { authorName: 'Roshi Bot', authorEmail: 'roshi@example.test' },
    github: github(),
    githubTokenEnv: 'GITHUB_TOKEN',
    usage: { costUsd: 0.12, durationMs: 3_000, tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 } },
    breakers,
    recordUsage: (e) => void sinks.usage.push(e),
    journal: (e) => void sinks.journal.push(e),
    notify: (t) => void sinks.notes.push(t),
    logger,
    now,
    ...overrides,
  };
}

const stepOf = (steps: StepReport[], name: string): StepReport | undefined => steps.find((s) => s.step === name);
/** A step report that says it was skipped, and why. */
const skippedStep = (step: string, detail: string, ok = true): StepReport => ({ step, ok, skipped: true, detail });

describe('runPipeline: push and PR', () => {
  it('commits, pushes and opens the PR once; a retry finds it (one POST only)', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'the feature\n'); // what the agent left uncommitted
    const sinks: Sinks = { usage: [], journal: [], notes: [] };
    const first = await runPipeline(input(wt.path, {}, sinks));

    expect(first.steps.map((s) => s.step)).toEqual(EVERY_STEP);
    expect(first).toMatchObject({
      branch: BRANCH,
      pushed: true,
      gate: 'off',
      ok: true,
      prUrl: 'https://github.com/acme/app/pull/1',
    });
    expect(stepOf(first.steps, 'push')).toEqual({
      step: 'push',
      ok: true,
      detail: `pushed 1 commit to origin/${BRANCH}`,
    });
    expect(stepOf(first.steps, 'pr')).toEqual({
      step: 'pr',
      ok: true,
      detail: 'opened https://github.com/acme/app/pull/1',
    });
    const pushedSha = sh(remote, 'rev-parse', `refs/heads/${BRANCH}`);
    expect(first.commit).toBe(pushedSha);
    expect(sh(remote, 'log', '-1', '--format=%an|%s|%b', BRANCH)).toBe(
      'Roshi Bot|roshi: Add the feature file|Mission m00001 (free, project app)',
    );

    // GitHub saw: GET with the head filter, then one POST with our branch and base.
    const gets = fake.requestsTo('GET', '/repos/acme/app/pulls');
    expect(new URL(gets[0]!.path, fake.url).searchParams.get('head')).toBe(`acme:${BRANCH}`);
    expect(new URL(gets[0]!.path, fake.url).searchParams.get('state')).toBe('open');
    const posts = fake.requestsTo('POST', '/repos/acme/app/pulls');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers['user-agent']).toMatch(/^roshi/);
    expect(posts[0]!.headers.authorization).toBe('[redacted]');
    expect(posts[0]!.body).toMatchObject({ head: BRANCH, base: 'main', title: 'roshi: Add the feature file' });
    expect((posts[0]!.body as { body: string }).body).toContain('Mission `m00001` (free, project app)');
    expect(fake.pulls('acme/app')[0]!.head.sha).toBe(pushedSha);

    // The sinks got fresh entries.
    expect(sinks.usage).toEqual([
      {
        at: new Date(T0).toISOString(),
        missionId: 'm00001',
        project: 'app',
        kind: 'free',
        branch: BRANCH,
        prUrl: 'https://github.com/acme/app/pull/1',
        costUsd: 0.12,
        durationMs: 3_000,
        tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
      },
    ]);
    expect(sinks.journal[0]).toMatchObject({
      type: 'mission.pipeline',
      missionId: 'm00001',
      pushed: true,
      gate: 'off',
      ok: true,
    });
    expect(sinks.journal[0]!.steps.map((s) => s.step)).toEqual(EVERY_STEP.slice(0, -2));
    expect(sinks.notes).toEqual([
      '✅ [project:app] Add the feature file → https://github.com/acme/app/pull/1 · gate off',
    ]);

    // The runner died after the PR; the mission is retried in a fresh worktree.
    await removeWorktree(repo, wt.path);
    const retry = await worktree();
    expect(retry.resumed).toBe(true);
    const second = await runPipeline(input(retry.path));
    expect(stepOf(second.steps, 'commit')).toMatchObject(skippedStep('commit', 'skipped: nothing left to commit'));
    expect(stepOf(second.steps, 'push')).toEqual(
      skippedStep('push', `skipped: nothing to push (no commits ahead of origin/${BRANCH})`),
    );
    expect(stepOf(second.steps, 'pr')).toEqual({
      step: 'pr',
      ok: true,
      detail: 'already open: https://github.com/acme/app/pull/1',
    });
    expect(second).toMatchObject({ pushed: false, ok: true, prUrl: 'https://github.com/acme/app/pull/1' });

    // More work on the same branch: pushed, PR still the same one.
    writeFileSync(join(retry.path, 'more.txt'), 'more\n');
    const third = await runPipeline(input(retry.path));
    expect(third).toMatchObject({ pushed: true, prUrl: 'https://github.com/acme/app/pull/1' });
    expect(fake.requestsTo('POST', '/repos/acme/app/pulls')).toHaveLength(1);
    expect(fake.pulls('acme/app')).toHaveLength(1);
  });

  it('no token: the branch is pushed and the PR step says why there is none', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'x\n');
    const sinks: Sinks = { usage: [], journal: [], notes: [] };
    const result = await runPipeline(
      input(wt.path, { github: undefined, githubTokenEnv: 'ROSHI_GITHUB_TOKEN' }, sinks),
    );
    expect(stepOf(result.steps, 'pr')).toEqual(
      skippedStep('pr', 'skipped: no GitHub token (ROSHI_GITHUB_TOKEN): branch pushed, no PR opened'),
    );
    expect(result).toMatchObject({ pushed: true, ok: true });
    expect(result.prUrl).toBeUndefined();
    expect(tryRevParse(remote, `refs/heads/${BRANCH}`)).toBe(result.commit);
    expect(sinks.notes[0]).toBe(`✅ [project:app] Add the feature file → branch ${BRANCH} pushed, no PR · gate off`);
    expect(fake.requests).toHaveLength(0);
  });

  it('nothing to push: no push, no PR, no GitHub call', async () => {
    const wt = await worktree();
    const result = await runPipeline(input(wt.path));
    expect(stepOf(result.steps, 'push')).toMatchObject(
      skippedStep('push', 'skipped: nothing to push (no commits ahead of origin/main)'),
    );
    expect(stepOf(result.steps, 'pr')).toMatchObject(
      skippedStep('pr', `skipped: ${BRANCH} has no commits ahead of origin/main, no PR to open`),
    );
    expect(result).toMatchObject({ pushed: false, ok: true });
    expect(fake.requests).toHaveLength(0);
  });

  it('escapes @copilot, @dependabot and @github-actions in the PR title, body and commit', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'x\n');
    const text = 'Ask @copilot and @Dependabot, cc @github-actions; leave @copilot-fan and me@example.com alone';
    const result = await runPipeline(
      input(wt.path, { mission: { id: 'm00001', text, kind: 'free', project: 'app' }, summary: 'Done, @copilot.' }),
    );
    expect(result.prUrl).toBeDefined();
    const body = fake.requestsTo('POST', '/repos/acme/app/pulls')[0]!.body as { title: string; body: string };
    const summon = /@(?:copilot|dependabot|github-actions)(?![A-Za-z0-9-])/i;
    for (const posted of [body.title, body.body]) {
      expect(posted).not.toMatch(summon);
      expect(posted).toContain('@\u200Dcopilot');
    }
    expect(body.body).toContain('@\u200DDependabot');
    expect(body.body).toContain('@\u200Dgithub-actions');
    expect(body.body).toContain('@copilot-fan');
    expect(body.body).toContain('Done, @\u200Dcopilot.');
    expect(sh(remote, 'log', '-1', '--format=%B', BRANCH)).not.toMatch(summon);
  });

  it('derives the repository from the remote URL (GitHub Enterprise host too)', async () => {
    // The remote is configured with a GitHub URL that git rewrites to the local bare remote.
    sh(repo, 'config', `url.${remote}.insteadOf`, 'https://ghe.example.com/acme/app.git');
    sh(repo, 'remote', 'set-url', 'origin', 'https://ghe.example.com/acme/app.git');
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'x\n');
    const host = githubHostFromApiUrl('https://ghe.example.com/api/v3');
    const result = await runPipeline(input(wt.path, { project: project({ githubRepo: '' }), githubHost: host }));
    expect(stepOf(result.steps, 'pr')).toMatchObject({ ok: true, detail: 'opened https://github.com/acme/app/pull/1' });

    // Without the host the URL is not GitHub's: the step is skipped and says what to set.
    writeFileSync(join(wt.path, 'more.txt'), 'x\n');
    const unknown = await runPipeline(input(wt.path, { project: project({ githubRepo: '' }) }));
    expect(stepOf(unknown.steps, 'pr')).toMatchObject({ ok: false, skipped: true });
    expect(stepOf(unknown.steps, 'pr')!.detail).toMatch(
      /^skipped: no GitHub repository for project app: set projects\.app\.githubRepo/,
    );
    expect(unknown.ok).toBe(true);
  });

  it('a fork setup pushes to the fork and opens the PR with owner:branch on the upstream', async () => {
    sh(repo, 'remote', 'add', 'fork', fork);
    sh(repo, 'config', `url.${fork}.insteadOf`, 'https://github.com/someone/app.git');
    sh(repo, 'remote', 'set-url', 'fork', 'https://github.com/someone/app.git');
    const wt = await worktree('m00001', BRANCH, 'fork');
    writeFileSync(join(wt.path, 'feature.txt'), 'x\n');
    const result = await runPipeline(input(wt.path, { project: project({ pushRemote: 'fork' }) }));
    expect(result.ok).toBe(true);
    expect(tryRevParse(fork, `refs/heads/${BRANCH}`)).toBe(result.commit);
    expect(tryRevParse(remote, `refs/heads/${BRANCH}`)).toBeUndefined();
    const get = fake.requestsTo('GET', '/repos/acme/app/pulls')[0]!;
    expect(new URL(get.path, fake.url).searchParams.get('head')).toBe(`someone:${BRANCH}`);
    expect(fake.requestsTo('POST', '/repos/acme/app/pulls')[0]!.body).toMatchObject({ head: `someone:${BRANCH}` });
    expect(fake.pulls('acme/app')[0]!.head).toMatchObject({ owner: 'someone', ref: BRANCH, sha: result.commit });
  });

  it('a PR opened concurrently (422 already exists) is adopted, not duplicated', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'x\n');
    const other = fake.addPull('acme/app', {
      head: { ref: BRANCH },
      base: { ref: 'main' },
      title: 'opened by another runner',
    });
    // Our first look happens before it exists…
    fake.failNext({ method: 'GET', path: '/repos/:owner/:repo/pulls', status: 200, body: [] });
    const result = await runPipeline(input(wt.path));
    expect(stepOf(result.steps, 'pr')).toEqual({
      step: 'pr',
      ok: true,
      // Adopted as ours: this mission's title, body and gate mark, and a comment on what it pushed.
      detail: `already open: https://github.com/acme/app/pull/${other.number}; title and body updated; comment posted`,
    });
    expect(fake.pulls('acme/app')).toHaveLength(1);
    expect(fake.pulls('acme/app')[0]!.title).toBe('roshi: Add the feature file');
  });

  it("a wrong token fails the PR step with GitHub's answer, and the mission is not done", async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'x\n');
    const result = await runPipeline(input(wt.path, { github: github('ghp_wrong_token') }));
    expect(stepOf(result.steps, 'pr')).toEqual({
      step: 'pr',
      ok: false,
      detail:
        'failed: GitHub GET /repos/acme/app/pulls failed: 401 Bad credentials (check the token in github.tokenEnv)',
    });
    expect(result).toMatchObject({ pushed: true, ok: false });
    expect(logLines.join('')).not.toContain('ghp_wrong_token');
  });

  it('a push the remote rejects (non-fast-forward) fails the mission; no PR is attempted', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'ours\n');
    // Someone pushed to the same branch meanwhile.
    const other = join(tmp, 'other');
    sh(tmp, 'clone', '-q', remote, other);
    writeFileSync(join(other, 'theirs.txt'), 'theirs\n');
    sh(other, 'add', '-A');
    sh(other, 'commit', '-q', '-m', 'theirs');
    sh(other, 'push', '-q', 'origin', `HEAD:refs/heads/${BRANCH}`);

    const result = await runPipeline(input(wt.path));
    expect(stepOf(result.steps, 'push')!.ok).toBe(false);
    expect(stepOf(result.steps, 'push')!.detail).toMatch(
      /^failed: origin rejected the push of roshi\/add-feature-m00001: .*non-fast-forward.*not forcing/s,
    );
    expect(stepOf(result.steps, 'pr')).toEqual(skippedStep('pr', 'skipped: the branch was not pushed', false));
    expect(result).toMatchObject({ pushed: false, ok: false });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('runPipeline: gates', () => {
  async function gated(qualityGate: GateSettings, lint: GateSettings = OFF, extra: Partial<PipelineInput> = {}) {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'x\n');
    const result = await runPipeline(
      input(wt.path, { github: undefined, project: project({ qualityGate, lint }), ...extra }),
    );
    return { result, quality: stepOf(result.steps, 'quality-gate')!, lintStep: stepOf(result.steps, 'lint')! };
  }

  it('strict, passing: every command runs in the worktree', async () => {
    const { result, quality } = await gated({ mode: 'strict', commands: ['test -f feature.txt', 'true'] });
    expect(quality.ok).toBe(true);
    expect(quality.detail).toMatch(/^passed \(strict\): `test -f feature.txt`, `true` in \d+\.\d s$/);
    expect(result).toMatchObject({ gate: 'passed', ok: true });
  });

  it('strict, failing: the step fails and so does the mission, with the output tail', async () => {
    const { result, quality } = await gated({
      mode: 'strict',
      commands: ['echo compiling; echo "2 tests failed" >&2; exit 3', 'echo never > ran.txt'],
    });
    expect(quality.ok).toBe(false);
    expect(quality.detail).toMatch(
      /^failed \(strict: the mission fails\): `echo compiling; .*` exit 3\ncompiling\n2 tests failed$/,
    );
    expect(result).toMatchObject({ gate: 'failed', ok: false });
  });

  it('warn, failing: reported failed, the mission stays successful (and says so)', async () => {
    const { result, quality } = await gated({ mode: 'warn', commands: ['exit 1'] });
    expect(quality).toEqual({
      step: 'quality-gate',
      ok: false,
      detail: 'failed (warn: warn mode: the mission stays successful): `exit 1` exit 1',
    });
    expect(result).toMatchObject({ gate: 'failed', ok: true });
  });

  it('off: skipped', async () => {
    const { result, quality, lintStep } = await gated(OFF, OFF);
    expect(quality).toEqual({ step: 'quality-gate', ok: true, skipped: true, detail: 'skipped: mode off' });
    expect(lintStep).toEqual({ step: 'lint', ok: true, skipped: true, detail: 'skipped: mode off' });
    expect(result.gate).toBe('off');
  });

  it('broken (exit 127, command not found) fails closed: never passed', async () => {
    const strict = await gated({ mode: 'strict', commands: ['true', 'roshi-no-such-linter --check'] });
    expect(strict.quality.ok).toBe(false);
    expect(strict.quality.detail).toMatch(
      /^broken \(exit 127: command not found\): `roshi-no-such-linter --check` could not run; failing closed \(the mission fails\)\n.*not found/,
    );
    expect(strict.result).toMatchObject({ gate: 'broken', ok: false });
  });

  it('broken in warn mode: the step and the gate are failed/broken, the mission stays successful', async () => {
    const warn = await gated(OFF, { mode: 'warn', commands: ['roshi-no-such-linter'] });
    expect(warn.lintStep.ok).toBe(false);
    expect(warn.lintStep.detail).toMatch(
      /^broken \(exit 127: command not found\).*warn mode: the mission stays successful/,
    );
    expect(warn.result).toMatchObject({ gate: 'broken', ok: true });
  });

  it('a mode typo or a gate without commands is broken and fails closed', async () => {
    const typo = await gated({ mode: 'stirct', commands: ['true'] });
    expect(typo.quality).toEqual({
      step: 'quality-gate',
      ok: false,
      detail: 'broken: unknown mode "stirct" (expected off, warn or strict); failing closed',
    });
    expect(typo.result).toMatchObject({ gate: 'broken', ok: false });
    await removeWorktree(repo, join(workspace, 'worktrees', 'm00001'));
    const empty = await gated({ mode: 'strict', commands: [] });
    expect(empty.quality.detail).toBe(
      'broken: mode strict but no commands configured; failing closed (the mission fails)',
    );
    expect(empty.result).toMatchObject({ gate: 'broken', ok: false });
  });

  it('the gates combine: a failing lint wins over a passing quality gate', async () => {
    const { result, quality, lintStep } = await gated(
      { mode: 'strict', commands: ['true'] },
      { mode: 'strict', commands: ['false'] },
    );
    expect(quality.ok).toBe(true);
    expect(lintStep.ok).toBe(false);
    expect(result).toMatchObject({ gate: 'failed', ok: false });
  });

  it('a timeout kills the whole process group; background leftovers of a passing command die too', async () => {
    const slowPid = join(tmp, 'slow.pid');
    const bgPid = join(tmp, 'bg.pid');
    const { result, quality, lintStep } = await gated(
      { mode: 'warn', commands: [`sleep 30 & echo $! > ${slowPid}; sleep 30`] },
      { mode: 'strict', commands: [`sleep 30 & echo $! > ${bgPid}`] },
      { gateTimeoutMs: 300 },
    );
    expect(quality.detail).toMatch(/^failed \(warn: .*\): `sleep 30 & .*` timed out after 0\.3 s$/);
    expect(lintStep.ok).toBe(true);
    expect(result.gate).toBe('failed');
    for (const file of [slowPid, bgPid]) {
      const pid = Number(readFileSync(file, 'utf8'));
      await expect.poll(() => isAlive(pid), { timeout: 5_000 }).toBe(false);
    }
  });

  it('gate commands never see the GitHub token', async () => {
    process.env.ROSHI_TEST_GH_TOKEN = 'secret-value';
    process.env.GITHUB_TOKEN ??= 'another-secret';
    try {
      const { quality } = await gated(
        {
          mode: 'strict',
          commands: [
            'test -z "$ROSHI_TEST_GH_TOKEN" && test -z "$GITHUB_TOKEN" && test "$CI" = true && test -n "$PATH"',
          ],
        },
        OFF,
        { githubTokenEnv: 'ROSHI_TEST_GH_TOKEN' },
      );
      expect(quality.ok).toBe(true);
    } finally {
      delete process.env.ROSHI_TEST_GH_TOKEN;
      if (process.env.GITHUB_TOKEN === 'another-secret') delete process.env.GITHUB_TOKEN;
    }
  });
});

describe('runPipeline: the strict gate runs before the push', () => {
  const RED = { mode: 'strict', commands: ['echo "2 tests failed"; exit 1'] };

  it('a red strict gate pushes nothing and opens no PR (onFail: block, the default)', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'broken\n');
    const result = await runPipeline(input(wt.path, { project: project({ qualityGate: RED }) }));
    expect(result.steps.map((s) => s.step)).toEqual(EVERY_STEP);
    expect(stepOf(result.steps, 'push')).toEqual(
      skippedStep(
        'push',
        'skipped: the strict gate is red (quality-gate failed), nothing pushed (onFail: block)',
        false,
      ),
    );
    expect(stepOf(result.steps, 'pr')).toMatchObject({ ok: false, skipped: true });
    expect(result).toMatchObject({ pushed: false, gate: 'failed', ok: false });
    expect(tryRevParse(remote, `refs/heads/${BRANCH}`)).toBeUndefined();
    expect(fake.requests).toHaveLength(0);
  });

  it('onFail: draft pushes a draft PR that says why, with a red gate mark', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'broken\n');
    const result = await runPipeline(
      input(wt.path, { project: project({ qualityGate: { ...RED, onFail: 'draft' } }) }),
    );
    expect(result).toMatchObject({
      pushed: true,
      gate: 'failed',
      ok: false,
      prUrl: 'https://github.com/acme/app/pull/1',
    });
    const post = fake.requestsTo('POST', '/repos/acme/app/pulls')[0]!.body as { draft: boolean; body: string };
    expect(post.draft).toBe(true);
    expect(post.body).toContain('quality-gate: failed (strict');
    expect(post.body).toContain('2 tests failed');
    expect(lastGateMark(post.body)?.gate).toBe('failed');
  });

  it('a passing strict gate pushes and opens the PR with a passed gate mark', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'fine\n');
    const result = await runPipeline(
      input(wt.path, { project: project({ qualityGate: { mode: 'strict', commands: ['true'] } }) }),
    );
    expect(result).toMatchObject({ pushed: true, gate: 'passed', ok: true });
    expect(lastGateMark(fake.pulls('acme/app')[0]!.body ?? '')).toEqual({
      gate: 'passed',
      mission: 'm00001',
      commit: result.commit?.slice(0, 12),
    });
  });
});

describe('runPipeline: an existing PR is updated', () => {
  it("a second mission on the PR's branch updates its title and body and comments what it changed", async () => {
    const first = await worktree();
    writeFileSync(join(first.path, 'feature.txt'), 'the feature\n');
    await runPipeline(input(first.path, { summary: 'Added feature.txt.' }));
    await removeWorktree(repo, first.path);
    const url = 'https://github.com/acme/app/pull/1';

    const second = await worktree('m00002');
    writeFileSync(join(second.path, 'feature.txt'), 'the renamed feature\n');
    const result = await runPipeline(
      input(second.path, {
        mission: { id: 'm00002', text: `/fix ${url} say renamed`, kind: 'fix', project: 'app', url },
        summary: 'Changed the wording of feature.txt.',
      }),
    );
    expect(stepOf(result.steps, 'pr')).toEqual({
      step: 'pr',
      ok: true,
      detail: `already open: ${url}; title and body updated; comment posted`,
    });
    const pull = fake.pulls('acme/app')[0]!;
    expect(fake.pulls('acme/app')).toHaveLength(1);
    expect(pull.title).toBe('roshi: say renamed');
    expect(pull.body).toMatch(/^Add the feature file\n\n## Summary\n\nChanged the wording of feature\.txt\.\n\n---\n/);
    expect(pull.body).toContain('Mission `m00002` (fix, project app');
    expect(lastGateMark(pull.body ?? '')?.mission).toBe('m00002');
    expect(prComments).toHaveLength(1);
    expect(prComments[0]!.number).toBe(1);
    expect(prComments[0]!.body).toContain('Mission `m00002` (fix)');
    expect(prComments[0]!.body).toContain('pushed 1 commit');
    expect(prComments[0]!.body).toContain('Changed the wording of feature.txt.');
  });
});

describe('runPipeline: fire-and-forget steps behind breakers', () => {
  it('a notify failing three times opens its breaker; the report says so, never success', async () => {
    const wt = await worktree();
    let calls = 0;
    const failingNotify = () => {
      calls += 1;
      throw new Error('outbox unavailable');
    };
    const run = () => runPipeline(input(wt.path, { github: undefined, notify: failingNotify }));

    const details: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const result = await run();
      const notify = stepOf(result.steps, 'notify')!;
      expect(notify.ok).toBe(false);
      expect(notify.skipped).toBeUndefined();
      details.push(notify.detail);
      expect(result.ok).toBe(true); // fire-and-forget never fails the mission
      clock.increment(1_000);
    }
    expect(details).toEqual([
      'failed: outbox unavailable (1 of 3 failures before the circuit opens)',
      'failed: outbox unavailable (2 of 3 failures before the circuit opens)',
      'failed: outbox unavailable; circuit now open after 3 failures',
    ]);

    const open = await run();
    const skipped = stepOf(open.steps, 'notify')!;
    expect(skipped).toEqual(
      skippedStep(
        'notify',
        `skipped: circuit open after 3 failures (retrying after ${new Date(T0 + 2_000 + 60_000).toISOString()})`,
        false,
      ),
    );
    expect(calls).toBe(3);
    // The other steps' breakers are independent and closed.
    expect(stepOf(open.steps, 'usage')).toEqual({ step: 'usage', ok: true, detail: 'usage recorded' });
    const status = breakerStatus(breakers);
    expect(status.map((s) => [s.name, s.state, s.failures])).toEqual([
      ['pipeline.usage', 'closed', 0],
      ['pipeline.journal', 'closed', 0],
      ['pipeline.notify', 'open', 3],
    ]);
    expect(logLines.some((l) => l.includes('circuit pipeline.notify opened'))).toBe(true);

    // A report is built per call: mutating one cannot change the next.
    skipped.detail = 'tampered';
    skipped.ok = true;
    expect(stepOf((await run()).steps, 'notify')).toMatchObject({
      ok: false,
      skipped: true,
      detail: expect.stringMatching(/^skipped: circuit open/),
    });

    // After openFor, one probe; a working outbox closes the circuit again.
    clock.increment(60_000);
    const notes: string[] = [];
    const healed = await runPipeline(input(wt.path, { github: undefined, notify: (t) => void notes.push(t) }));
    expect(stepOf(healed.steps, 'notify')).toEqual({
      step: 'notify',
      ok: true,
      detail: 'notification queued (circuit closed again)',
    });
    expect(notes).toHaveLength(1);
    expect(breakerStatus(breakers).find((s) => s.name === 'pipeline.notify')).toMatchObject({
      state: 'closed',
      failures: 0,
      opens: 1,
    });
  });

  it('a sink that never answers counts as a failure after its timeout', async () => {
    const wt = await worktree();
    const result = await runPipeline(
      input(wt.path, { github: undefined, sinkTimeoutMs: 50, recordUsage: () => new Promise<void>(() => undefined) }),
    );
    expect(stepOf(result.steps, 'usage')).toEqual({
      step: 'usage',
      ok: false,
      detail: 'failed: no answer within 50 ms (1 of 3 failures before the circuit opens)',
    });
    expect(stepOf(result.steps, 'journal')!.ok).toBe(true);
  });

  it('the journal entry and the notification list what failed', async () => {
    const wt = await worktree();
    writeFileSync(join(wt.path, 'feature.txt'), 'x\n');
    const sinks: Sinks = { usage: [], journal: [], notes: [] };
    const result = await runPipeline(
      input(
        wt.path,
        { github: undefined, project: project({ qualityGate: { mode: 'strict', commands: ['exit 2'] } }) },
        sinks,
      ),
    );
    expect(result.ok).toBe(false);
    // A red strict gate holds the push back (onFail: block), and the report says so.
    expect(sinks.journal[0]).toMatchObject({ ok: false, gate: 'failed', pushed: false });
    expect(sinks.notes[0]).toBe(
      [
        `❌ [project:app] Add the feature file → branch ${BRANCH}, nothing pushed · gate failed`,
        '  quality-gate: failed (strict: the mission fails): `exit 2` exit 2',
        '  push: skipped: the strict gate is red (quality-gate failed), nothing pushed (onFail: block)',
        '  pr: skipped: the strict gate is red, no PR opened or updated',
      ].join('\n'),
    );
    expect(existsSync(join(wt.path, 'feature.txt'))).toBe(true);
  });
});
