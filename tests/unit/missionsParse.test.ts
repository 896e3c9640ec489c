// Mission text intake: project tags and resolution, commands and their URLs.
import { describe, expect, it } from 'vitest';
import { InvalidMissionError, UnknownProjectError } from '../../src/missions/errors.js';
import {
  commandKindOf,
  normalizeUrl,
  parseMissionText,
  resolveProject,
  splitProjectTag,
} from '../../src/missions/parse.js';

const two = { names: ['app', 'lib'], defaultProject: '' };
const withDefault = { names: ['app', 'lib'], defaultProject: 'lib' };
const one = { names: ['app'], defaultProject: '' };
const none = { names: [], defaultProject: '' };

describe('parseMissionText', () => {
  it('reads a tagged command with its URL', () => {
    expect(parseMissionText('[project:app] /rebase https://github.com/o/r/pull/42', two)).toEqual({
      project: 'app',
      kind: 'rebase',
      url: 'https://github.com/o/r/pull/42',
      text: '/rebase https://github.com/o/r/pull/42',
    });
  });

  it('knows every command, in any case, and keeps the words after the URL', () => {
    for (const kind of ['rebase', 'ci_check', 'review', 'implement', 'fix'] as const) {
      const parsed = parseMissionText(`/${kind.toUpperCase()} http://example.com/x/1 please`, one);
      expect(parsed.kind).toBe(kind);
      expect(parsed.url).toBe('http://example.com/x/1');
      expect(parsed.text).toBe(`/${kind.toUpperCase()} http://example.com/x/1 please`);
    }
  });

  it('anything else is free text, unknown /words included', () => {
    expect(parseMissionText('fix the flaky login test', one)).toEqual({
      project: 'app',
      kind: 'free',
      text: 'fix the flaky login test',
    });
    expect(parseMissionText('/deploy to prod', one).kind).toBe('free');
    expect(parseMissionText('see https://x.org/a and https://x.org/b', one)).toEqual({
      project: 'app',
      kind: 'free',
      text: 'see https://x.org/a and https://x.org/b',
    });
  });

  it('a command without a URL, or with two, is refused with an example', () => {
    expect(() => parseMissionText('/rebase', one)).toThrow(InvalidMissionError);
    expect(() => parseMissionText('/rebase the branch', one)).toThrow(
      /\/rebase needs the URL of a pull request, e\.g\. \/rebase https:\/\/github\.com/,
    );
    expect(() => parseMissionText('/implement ftp://x/y', one)).toThrow(/\/implement needs the URL of an issue/);
    expect(() => parseMissionText('/fix https://a/1 https://a/2', one)).toThrow(/takes one URL, got 2/);
  });

  it('strips sentence punctuation from the URL', () => {
    expect(parseMissionText('/review https://github.com/o/r/pull/7.', one).url).toBe('https://github.com/o/r/pull/7');
  });

  it('empty text and an empty tag are refused', () => {
    expect(() => parseMissionText('   ', one)).toThrow(/empty/);
    expect(() => parseMissionText('[project:app]', one)).toThrow(/empty/);
    expect(() => parseMissionText('[project:] x', one)).toThrow(/names no project/);
  });

  it('an explicit project must agree with the tag', () => {
    expect(parseMissionText('x', two, 'lib').project).toBe('lib');
    expect(parseMissionText('[project:lib] x', two, 'lib').project).toBe('lib');
    expect(() => parseMissionText('[project:app] x', two, 'lib')).toThrow(
      /\[project:app\] but the project was given as "lib"/,
    );
  });
});

describe('resolveProject', () => {
  it('explicit, else default, else the only project', () => {
    expect(resolveProject('app', withDefault)).toBe('app');
    expect(resolveProject(undefined, withDefault)).toBe('lib');
    expect(resolveProject(undefined, one)).toBe('app');
  });

  it('an unknown project lists the configured ones', () => {
    expect(() => resolveProject('web', two)).toThrow(UnknownProjectError);
    expect(() => resolveProject('web', two)).toThrow(/unknown project "web"; configured: app, lib/);
    expect(() => resolveProject('web', none)).toThrow(/no projects are configured/);
  });

  it('no tag, no default and several projects: names the choices', () => {
    expect(() => resolveProject(undefined, two)).toThrow(/which project\? .*configured: app, lib/);
    expect(() => resolveProject(undefined, none)).toThrow(/no projects are configured/);
  });
});

describe('helpers', () => {
  it('splitProjectTag', () => {
    expect(splitProjectTag('  [project:a-b.c] do x ')).toEqual({ tag: 'a-b.c', rest: 'do x' });
    expect(splitProjectTag('do [project:a] x')).toEqual({ rest: 'do [project:a] x' });
  });

  it('commandKindOf', () => {
    expect(commandKindOf('/ci_check https://x')).toBe('ci_check');
    expect(commandKindOf('/rebased https://x')).toBeUndefined();
    expect(commandKindOf('rebase')).toBeUndefined();
  });

  it('normalizeUrl drops the fragment and a trailing slash, lower-cases the host', () => {
    expect(normalizeUrl('https://GitHub.com/o/r/pull/42/#issuecomment-1')).toBe('https://github.com/o/r/pull/42');
    expect(normalizeUrl('https://github.com/o/r/pull/42')).toBe('https://github.com/o/r/pull/42');
  });
});
