// `status --watch` against a real tree: piped, it prints frame after frame separated by a line;
// in a pseudo terminal (script(1)) it draws on the alternate screen and quits on q.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_SEPARATOR } from '../../src/cli/statusWatch.js';
import { mainScript } from '../../src/paths.js';
import { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

describe('status --watch', () => {
  let tree: TestTree;
  beforeAll(async () => {
    tree = await TestTree.start({
      config: { actors: { prPoller: { enabled: false }, bridge: { enabled: false }, chat: { enabled: false } } },
    });
    await tree.waitForRunning(['watchdog', 'missions', 'runner-1']);
  }, 60_000);
  afterAll(async () => {
    await tree?.stop();
  }, 30_000);

  const args = ['status', '--watch', '--interval', '0.2', '--config', () => tree.configFile] as const;
  const argv = () => args.map((a) => (typeof a === 'function' ? a() : a));

  it('piped: frames one after another, each ended by a separator; SIGINT ends it with 0', async () => {
    let output = '';
    const watch = execa(process.execPath, [mainScript(), ...argv()], { reject: false, buffer: false, all: true });
    watch.all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await until(() => output.split(`${FRAME_SEPARATOR}\n`).length > 2, 'two frames', {
        timeoutMs: 20_000,
        detail: () => output,
      });
    } finally {
      watch.kill('SIGINT');
    }
    expect((await watch).exitCode, output).toBe(0);
    const frames = output.split(`${FRAME_SEPARATOR}\n`).filter((f) => f.trim());
    for (const frame of frames.slice(0, 2)) {
      expect(frame).toMatch(/^roshi status --watch/);
      expect(frame).toMatch(/^runner-1\s+running/m);
      expect(frame).toMatch(/^watchdog\s+running/m);
      expect(frame).toContain('RUNNING MISSIONS (0)');
      expect(frame).not.toContain('\x1b[');
    }
  }, 40_000);

  it('in a terminal: the alternate screen, redrawn in place, and q quits', async () => {
    const command = [process.execPath, mainScript(), ...argv()].map((a) => `'${a}'`).join(' ');
    let output = '';
    const pty = execa('script', ['-qfec', command, '/dev/null'], { reject: false, buffer: false, all: true });
    pty.all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const homes = () => output.split('\x1b[H').length - 1;
    try {
      await until(() => homes() >= 2 && /runner-1\s+running/.test(output), 'two frames drawn in place', {
        timeoutMs: 20_000,
        detail: () => JSON.stringify(output.slice(-2000)),
      });
      pty.stdin?.write('q');
      const result = await pty;
      expect(result.exitCode, JSON.stringify(output.slice(-2000))).toBe(0);
    } finally {
      pty.kill('SIGKILL');
    }
    expect(output).toContain('\x1b[?1049h'); // the alternate screen
    expect(output).toContain('\x1b[?1049l'); // and back, with the cursor shown again
    expect(output).toContain('\x1b[?25h');
    expect(output).not.toContain(FRAME_SEPARATOR);
  }, 40_000);
});
