// `/update`: prepare the new version beside the live one and switch to it atomically. The pull
// becomes a git worktree under <stateDir>/releases/<id>, dependencies and the build happen
// there, then the `current` link moves to it in one rename; each step is reported as it ends.
// The watchdog then sees drift and the supervisor rolls the tree onto the link's build; its
// rollback guard switches back if the new build's actors do not reach running
// (docs/operations.md#updating-from-chat). Nothing new means nothing to build, unless forced.
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { lastLines, seconds, type CommandResult } from '../update/command.js';
import { pruneReleases } from '../update/pruneReleases.js';
import { npmBuild, npmCi, planDependencies, reuseDependencies } from '../update/releaseBuild.js';
import { checkOutRelease, removeWorktree } from '../update/releaseCheckout.js';
import { liveRoot, switchLink } from '../update/releaseLink.js';
import { writeSwitchRecord } from '../update/switchRecord.js';
import { readBuildId } from '../update/buildId.js';

export interface UpdateStep {
  step: 'git pull' | 'npm ci' | 'build' | 'switch';
  ok: boolean;
  detail: string;
  durationMs: number;
}

export interface UpdateResult {
  ok: boolean;
  steps: UpdateStep[];
  /** A new release was built and the link now points at it. */
  built: boolean;
  /** The new release's directory, once it exists. */
  release?: string;
}

export interface UpdateOptions {
  /** roshi's checkout (or any of its release worktrees): where the pull comes from. */
  cwd: string;
  /** Holds releases/ and the `current` link. */
  stateDir: string;
  /** Called with one line per step as it ends. */
  report: (line: string) => Promise<void>;
  force?: boolean;
  gitTimeoutMs?: number;
  buildTimeoutMs?: number;
  env?: Record<string, string>;
}

export async function runUpdate(options: UpdateOptions): Promise<UpdateResult> {
  const steps: UpdateStep[] = [];
  const env = { GIT_TERMINAL_PROMPT: '0', ...options.env };
  const buildTimeoutMs = options.buildTimeoutMs ?? 600_000;
  const live = liveRoot(options.stateDir, options.cwd);

  const checkout = await checkOutRelease({
    cwd: options.cwd,
    live,
    stateDir: options.stateDir,
    force: options.force ?? false,
    timeoutMs: options.gitTimeoutMs ?? 120_000,
    env,
  });
  if (checkout.kind === 'failed') {
    steps.push({ step: 'git pull', ok: false, detail: checkout.error, durationMs: checkout.durationMs });
    await options.report(`❌ git pull failed: ${checkout.error}\nNothing was built; the running tree is unchanged.`);
    return { ok: false, steps, built: false };
  }
  const detail = checkout.kind === 'ready' ? checkout.detail : 'already up to date';
  steps.push({ step: 'git pull', ok: true, detail, durationMs: checkout.durationMs });
  await options.report(`✅ git pull (${seconds(checkout.durationMs)}): ${detail}`);
  if (checkout.kind === 'upToDate') {
    await options.report('Already up to date: build skipped (say /update force to rebuild anyway).');
    return { ok: true, steps, built: false };
  }
  const { dir, source } = checkout;
  const abandon = async (): Promise<UpdateResult> => {
    await removeWorktree(source, dir, env);
    return { ok: false, steps, built: false };
  };

  // A lock file unchanged since the live release: its modules are reused as hard links.
  const plan = await planDependencies(dir, { root: live, ...(checkout.live ? { commit: checkout.live } : {}) }, env);
  const reused = plan.reuseFrom !== undefined && (await reuseDependencies(plan.reuseFrom, dir, env));
  if (plan.install || (plan.reuseFrom !== undefined && !reused)) {
    const install = await npmCi(dir, buildTimeoutMs, env);
    steps.push(step('npm ci', install));
    await options.report(
      install.ok
        ? `✅ npm ci (${seconds(install.durationMs)}): dependencies updated`
        : `❌ npm ci failed: ${install.error}\nNothing was switched; the running tree is unchanged.`,
    );
    if (!install.ok) return abandon();
  }

  const build = await npmBuild(dir, buildTimeoutMs, env);
  steps.push(step('build', build));
  await options.report(
    build.ok
      ? `✅ npm run build (${seconds(build.durationMs)}): built in ${dir}`
      : `❌ npm run build failed: ${build.error}\nThe running tree keeps the previous build.`,
  );
  if (!build.ok) return abandon();

  const started = Date.now();
  const from = realpathSync(live);
  const buildId = readBuildId(join(dir, 'dist', 'build.json')) ?? checkout.id;
  switchLink(options.stateDir, dir);
  writeSwitchRecord(options.stateDir, { from, to: dir, buildId, at: Date.now(), state: 'pending' });
  steps.push({ step: 'switch', ok: true, detail: dir, durationMs: Date.now() - started });
  await options.report(
    `✅ switched to release ${checkout.id} (build ${buildId}). The watchdog will see the drift and the supervisor restarts each actor in turn (runners after their current mission); if the new build's actors do not reach running it switches back.`,
  );
  await pruneReleases(options.stateDir, source, [dir, from], env).catch(() => []);
  return { ok: true, steps, built: true, release: dir };
}

function step(name: UpdateStep['step'], result: CommandResult): UpdateStep {
  return {
    step: name,
    ok: result.ok,
    detail: result.ok ? lastLines(result.output, 3) || 'done' : result.error,
    durationMs: result.durationMs,
  };
}
