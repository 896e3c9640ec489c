// Everything a mission needs around a real tree: a project with a local bare remote, the real
// Claude Code CLI pointed at a scripted Messages API, and a fake GitHub for the PR. The
// scripted agent reads a scenario marker from the mission text, so missions on several
// runners at once each get their own answers.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import {
  conversationOf,
  startFakeAnthropic,
  writeFileStep,
  type FakeAnthropic,
  type StaticStep,
} from '../fakes/anthropic.js';
import { createSeededRemote, gitWith } from '../fakes/gitRemote.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import { installPullEditRoutes } from '../fakes/githubPullEdits.js';

export const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

export function gitIn(cwd: string, ...args: string[]): string {
  return gitWith(GIT_ENV, cwd, ...args);
}

/** A scenario decides the answer to one request of one mission's agent. */
export type Scenario = (request: { body: unknown; toolResults: number; missionKey: string }) => StaticStep;

export interface MissionWorld {
  dir: string;
  bare: string;
  clone: string;
  anthropic: FakeAnthropic;
  github: FakeGitHub;
  /** Scenarios by marker: a mission whose text contains `{{marker}}` is answered by it. */
  scenarios: Map<string, Scenario>;
  /** Config for TestTree: the project, the agent, short mission timings. */
  config: (extra?: Record<string, unknown>) => Record<string, unknown>;
  env: Record<string, string>;
  /** Branches on the bare remote. */
  remoteBranches: () => string[];
  stop: () => Promise<void>;
}

/** Writes a file through the agent's Bash tool, then reports done: what a successful mission does. */
export const writesFile =
  (name: string, content: string): Scenario =>
  ({ toolResults }) =>
    writeFileStep(name, content, toolResults);

/** Runs one command through the agent's Bash tool, then answers `then`: a mission that takes its time. */
export const runsBash =
  (command: string, description: string, then = 'done'): Scenario =>
  ({ toolResults }) =>
    toolResults === 0 ? { toolUse: { name: 'Bash', input: { command, description } } } : { text: then };

export async function createMissionWorld(): Promise<MissionWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-world-'));
  const clone = join(dir, 'app');
  const home = join(dir, 'home');
  mkdirSync(home);
  const bare = createSeededRemote(dir, GIT_ENV);
  gitIn(dir, 'clone', '-q', bare, clone);

  const anthropic = await startFakeAnthropic();
  const github = await startFakeGitHub();
  installPullEditRoutes(github); // the pipeline updates an open PR (title, body, comment)
  const scenarios = new Map<string, Scenario>();
  anthropic.setHandler((body) => {
    const { text, toolResults } = conversationOf(body);
    const markers = [...text.matchAll(/\{\{([a-z0-9-]+)\}\}/g)].map((m) => m[1]!);
    const key = markers.find((m) => scenarios.has(m));
    if (!key) return { text: 'Nothing to do.' };
    return scenarios.get(key)!({ body, toolResults, missionKey: key });
  });

  const claude = join(packageRoot(), 'node_modules', '.bin', 'claude');
  return {
    dir,
    bare,
    clone,
    anthropic,
    github,
    scenarios,
    env: { GITHUB_TOKEN: github.token, ...GIT_ENV },
    config: (extra = {}) => ({
      projects: { app: { path: clone, baseBranch: 'main', remote: 'origin', githubRepo: 'acme/app' } },
      git: { authorName: 'roshi-test', authorEmail: 'roshi@example.com' },
      github: { apiUrl: github.url, tokenEnv: 'GITHUB_TOKEN' },
      agent: {
        command: claude,
        idleTimeout: '20s',
        timeout: '90s',
        killGrace: '1s',
        env: {
          ANTHROPIC_BASE_URL: anthropic.url,
          ANTHROPIC_API_KEY: 'sk-test-key',
          HOME: home,
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          CLAUDE_CODE_MAX_RETRIES: '1',
        },
      },
      // A lease long enough for a loaded CI machine (two test files, several agents at once).
      missions: { lease: '8s', leaseRenew: '1s', retryBackoff: { initial: '300ms', max: '2s' } },
      runner: { pollInterval: '300ms', breaker: { maxConsecutiveFailures: 2, openFor: '4s' } },
      // Only what missions need: a suite that shows the live page turns `web` on.
      actors: {
        bridge: { enabled: false },
        chat: { enabled: false },
        prPoller: { enabled: false },
        web: { enabled: false },
      },
      ...extra,
    }),
    remoteBranches: () =>
      gitIn(dir, '--git-dir', bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')
        .split('\n')
        .filter(Boolean),
    stop: async () => {
      await anthropic.stop();
      await github.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
