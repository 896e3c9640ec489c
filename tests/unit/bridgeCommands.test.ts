// Command parsing, aliases, did-you-mean, and which plain text reads as a mission.
import { describe, expect, it } from 'vitest';
import { bridgeCommands } from '../../src/bridge/commands.js';
import { helpText } from '../../src/bridge/help.js';
import {
  classify,
  findCommand,
  missionFromText,
  missionOptions,
  parseCommand,
  suggest,
} from '../../src/bridge/intent.js';
import { describeError } from '../../src/errors.js';

const COMMANDS = bridgeCommands();

describe('parseCommand', () => {
  it('splits the command word from its arguments', () => {
    expect(parseCommand('/status')).toEqual({ name: 'status', args: '' });
    expect(parseCommand('  /Mission   fix the   test  ')).toEqual({ name: 'mission', args: 'fix the   test' });
    expect(parseCommand('/cancel 2')).toEqual({ name: 'cancel', args: '2' });
    expect(parseCommand('/ci_check https://github.com/o/r/pull/1')).toEqual({
      name: 'ci_check',
      args: 'https://github.com/o/r/pull/1',
    });
  });
  it('drops the @botname Telegram adds in groups', () => {
    expect(parseCommand('/status@roshi_bot')).toEqual({ name: 'status', args: '' });
    expect(parseCommand('/list@roshi_bot done')).toEqual({ name: 'list', args: 'done' });
  });
  it('keeps line breaks in the arguments', () => {
    expect(parseCommand('/mission fix it\nand test it')?.args).toBe('fix it\nand test it');
  });
  it('is not a command without a word right after the slash', () => {
    expect(parseCommand('/ status')).toBeUndefined();
    expect(parseCommand('status')).toBeUndefined();
    expect(parseCommand('//x')).toBeUndefined();
  });
});

describe('the registry', () => {
  it('has every command of the design, in its category, with a one-line usage', () => {
    const byCategory = (c: string) => COMMANDS.filter((x) => x.category === c).map((x) => x.name);
    expect(byCategory('missions')).toEqual([
      'mission',
      'list',
      'cancel',
      'priority',
      'live',
      'abort',
      'stop',
      'approve',
      'reject',
      'retry',
    ]);
    expect(byCategory('control')).toEqual(['pause', 'resume', 'status', 'restart', 'update', 'usage', 'budget']);
    expect(byCategory('PRs')).toEqual(['rebase', 'review', 'ci_check', 'implement', 'fix']);
    for (const c of COMMANDS) {
      expect(c.usage.startsWith(`/${c.name}`)).toBe(true);
      expect(c.usage).not.toContain('\n');
    }
  });
  it('has no name or alias twice', () => {
    const all = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
    expect(new Set(all).size).toBe(all.length);
  });
  it('finds commands by alias', () => {
    expect(findCommand('m', COMMANDS)?.name).toBe('mission');
    expect(findCommand('ls', COMMANDS)?.name).toBe('list');
    expect(findCommand('/LS', COMMANDS)?.name).toBe('list');
    expect(findCommand('ci', COMMANDS)?.name).toBe('ci_check');
    expect(findCommand('start', COMMANDS)?.name).toBe('help');
    expect(findCommand('nope', COMMANDS)).toBeUndefined();
  });
  it('groups /help all by category and explains one command', () => {
    const help = helpText('all', COMMANDS);
    expect(help.indexOf('Missions:')).toBeLessThan(help.indexOf('Control:'));
    expect(help.indexOf('Control:')).toBeLessThan(help.indexOf('Pull requests:'));
    expect(help).toContain('/mission [--now] [project:x] <text> (/m)');
    expect(help).toContain('/list [pending|running|done|failed|cancelled|all] (/ls');
    expect(helpText('ls', COMMANDS)).toMatch(/^\/list .* — /);
    expect(helpText('stauts', COMMANDS)).toContain('did you mean /status?');
  });
});

// editDistance itself (the same five cases and more) is tested in suggest.test.ts.
describe('did you mean', () => {
  it('suggests the nearest command for a typo', () => {
    expect(suggest('stauts', COMMANDS)).toBe('/status');
    expect(suggest('lsit', COMMANDS)).toBe('/list');
    expect(suggest('cancle', COMMANDS)).toBe('/cancel');
    expect(suggest('missoin', COMMANDS)).toBe('/mission');
    expect(suggest('resum', COMMANDS)).toBe('/resume');
    expect(suggest('prio', COMMANDS)).toBe('/priority'); // alias, exactly
    expect(suggest('priorty', COMMANDS)).toBe('/priority');
    expect(suggest('rebse', COMMANDS)).toBe('/rebase');
  });
  it('suggests a longer command from its beginning', () => {
    expect(suggest('stat', COMMANDS)).toBe('/status');
    expect(suggest('implem', COMMANDS)).toBe('/implement');
  });
  it('suggests nothing for words far from every command', () => {
    expect(suggest('xyzzy', COMMANDS)).toBeUndefined();
    expect(suggest('deploy', COMMANDS)).toBeUndefined();
  });
});

describe('missionFromText', () => {
  it('takes text after "mission:"', () => {
    expect(missionFromText('mission: tidy the README')).toBe('tidy the README');
    expect(missionFromText('Mission:look at the logs')).toBe('look at the logs');
    expect(missionFromText('mission:')).toBeUndefined();
  });
  it('takes text starting with a verb, case-insensitively, as it is', () => {
    for (const verb of [
      'fix',
      'add',
      'implement',
      'refactor',
      'write',
      'update',
      'remove',
      'rename',
      'make',
      'create',
      'build',
    ]) {
      expect(missionFromText(`${verb} the thing`)).toBe(`${verb} the thing`);
    }
    expect(missionFromText('Fix the flaky login test')).toBe('Fix the flaky login test');
    expect(missionFromText('FIX: the flaky login test')).toBe('FIX: the flaky login test');
    expect(missionFromText('[project:app] add dark mode')).toBe('[project:app] add dark mode');
  });
  it('leaves conversation alone', () => {
    expect(missionFromText('how are you')).toBeUndefined();
    expect(missionFromText('what is running?')).toBeUndefined();
    expect(missionFromText('fix')).toBeUndefined(); // one word
    expect(missionFromText('fix the build?')).toBeUndefined(); // a question
    expect(missionFromText('fixing things is fun')).toBeUndefined(); // not the verb itself
    expect(missionFromText('please fix the test')).toBeUndefined(); // first word only
  });
});

describe('classify', () => {
  it('tells commands, typos, missions and chat apart', () => {
    expect(classify('/status', COMMANDS)).toMatchObject({ type: 'command', name: 'status' });
    expect(classify('/ls', COMMANDS)).toMatchObject({ type: 'command', name: 'ls', command: { name: 'list' } });
    expect(classify('/stauts', COMMANDS)).toEqual({ type: 'unknown', name: 'stauts', suggestion: '/status' });
    expect(classify('/xyzzy', COMMANDS)).toEqual({ type: 'unknown', name: 'xyzzy' });
    expect(classify('add a greeting file', COMMANDS)).toEqual({ type: 'mission', text: 'add a greeting file' });
    expect(classify('hello there', COMMANDS)).toEqual({ type: 'chat', text: 'hello there' });
  });
});

describe('missionOptions', () => {
  it('reads --now and project:x before the text', () => {
    expect(missionOptions('--now project:app fix it')).toEqual({ text: 'fix it', project: 'app', now: true });
    expect(missionOptions('[project:lib] fix it')).toEqual({ text: 'fix it', project: 'lib', now: false });
    expect(missionOptions('fix it --now')).toEqual({ text: 'fix it --now', now: false });
    expect(missionOptions('')).toEqual({ text: '', now: false });
    expect(missionOptions('--now')).toEqual({ text: '', now: true });
  });
  it('keeps the line breaks of the text', () => {
    expect(missionOptions('project:app fix it\n\nthen test it').text).toBe('fix it\n\nthen test it');
  });
});

describe('describeError in chat', () => {
  it('drops the subject the bus puts before a refusal', () => {
    expect(describeError(new Error('roshi.missions.add: already queued as abc (pending)'))).toBe(
      'already queued as abc (pending)',
    );
    expect(describeError(new Error('plain words'))).toBe('plain words');
  });
});
