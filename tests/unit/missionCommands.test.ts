// The one table of mission commands: the mission text parser, the bridge's chat commands and
// /help, and GitHub mentions all read it, so a command added to it is recognised everywhere.
import { describe, expect, it } from 'vitest';
import { bridgeCommands } from '../../src/bridge/commands.js';
import { helpText } from '../../src/bridge/help.js';
import { classify } from '../../src/bridge/intent.js';
import { AGENT_ROLES } from '../../src/config/schema.js';
import {
  MISSION_COMMANDS,
  missionCommandNamed,
  targetPlaceholder,
  type CommandKind,
  type MissionCommand,
} from '../../src/missions/commands.js';
import { commandKindOf, parseMissionText } from '../../src/missions/parse.js';
import { ISSUE_COMMANDS, MENTION_COMMANDS, parseMention } from '../../src/prPoller/mentionParse.js';

const one = { names: ['app'], defaultProject: '' };
// A command that exists only in this test; kinds are a closed union, hence the cast.
const deploy: MissionCommand = {
  kind: 'deploy' as CommandKind,
  aliases: ['ship'],
  target: 'pr',
  summary: 'deploy a pull request',
};
const extended = [...MISSION_COMMANDS, deploy];

describe('the mission command table', () => {
  it('has every mission kind but free once, and agent.roles names exactly those plus free', () => {
    const kinds = MISSION_COMMANDS.map((c) => c.kind);
    expect(kinds).toEqual(['rebase', 'review', 'ci_check', 'implement', 'fix']);
    expect([...AGENT_ROLES].sort()).toEqual(['free', ...kinds].sort());
  });

  it('is what mentions accept, and what they accept on an issue', () => {
    expect(MENTION_COMMANDS).toEqual(MISSION_COMMANDS.map((c) => c.kind));
    expect(ISSUE_COMMANDS).toEqual(['implement', 'fix']);
  });

  it('names commands by kind in any case, not by chat alias', () => {
    expect(missionCommandNamed('CI_CHECK')?.kind).toBe('ci_check');
    expect(missionCommandNamed('ci')).toBeUndefined();
    expect(targetPlaceholder(missionCommandNamed('fix')!)).toBe('<issue>');
    expect(targetPlaceholder(missionCommandNamed('review')!)).toBe('<pr>');
  });

  it('drives the bridge: every entry is a PR command with its aliases and summary', () => {
    const prs = bridgeCommands().filter((c) => c.category === 'PRs');
    expect(prs.map((c) => ({ name: c.name, aliases: c.aliases, summary: c.summary }))).toEqual(
      MISSION_COMMANDS.map((c) => ({ name: c.kind, aliases: c.aliases, summary: c.summary })),
    );
  });
});

describe('a command added to the table', () => {
  it('is parsed from mission text, with the argument rule of its target', () => {
    expect(commandKindOf('/deploy https://github.com/o/r/pull/1', extended)).toBe('deploy');
    expect(commandKindOf('/deploy https://github.com/o/r/pull/1')).toBeUndefined();
    expect(parseMissionText('/deploy https://github.com/o/r/pull/1', one, undefined, extended)).toMatchObject({
      kind: 'deploy',
      url: 'https://github.com/o/r/pull/1',
    });
    expect(() => parseMissionText('/deploy now', one, undefined, extended)).toThrow(
      /\/deploy needs the URL of a pull request/,
    );
    expect(parseMissionText('/deploy now', one).kind).toBe('free');
  });

  it('is a chat command with its alias, listed in /help under Pull requests', () => {
    const commands = bridgeCommands(extended);
    expect(classify('/ship https://github.com/o/r/pull/1', commands)).toMatchObject({
      type: 'command',
      command: { name: 'deploy' },
    });
    expect(classify('/ship x', bridgeCommands())).toMatchObject({ type: 'unknown' });
    const help = helpText('all', commands);
    expect(help.indexOf('/deploy <pr> (/ship) — deploy a pull request')).toBeGreaterThan(
      help.indexOf('Pull requests:'),
    );
    expect(helpText('deploy', commands)).toBe('/deploy <pr> — deploy a pull request\naliases: /ship');
  });

  it('is a command in a GitHub mention', () => {
    expect(parseMention('@roshi-bot deploy please', 'roshi-bot', extended)).toEqual({
      command: 'deploy',
      args: 'please',
    });
    expect(parseMention('@roshi-bot deploy please', 'roshi-bot')).toEqual({ unknown: 'deploy' });
  });
});
