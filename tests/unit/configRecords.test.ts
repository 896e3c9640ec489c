// Named entries (projects.<name>, agent.roles.<kind>): merged key by key across layers, filled
// from the entry defaults, and blamed on the layer that named them (docs/configuration.md#values).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSources, ENTRY_DEFAULTS_SOURCE } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { expectRefused } from '../harness/configRefusal.js';
import { load, loadError, useConfigDir } from '../harness/configFiles.js';

const { writeConfig, refusal } = useConfigDir();

describe('records', () => {
  it('fill the keys an entry leaves out from the entry defaults', () => {
    const file = writeConfig(
      'projects:\n  app:\n    path: /src/app\n    qualityGate:\n      mode: strict\n      commands: [npm test]\n',
    );
    const { config, sources } = load({ file });
    expect(config.projects).toEqual({
      app: {
        path: '/src/app',
        url: '',
        baseBranch: 'main',
        remote: 'origin',
        pushRemote: 'origin',
        githubRepo: '',
        model: '',
        effort: '',
        qualityGate: { mode: 'strict', commands: ['npm test'], onFail: 'block' },
        lint: { mode: 'off', commands: [], onFail: 'block' },
        approval: '',
      },
    });
    expect(sources['projects.app.path']).toBe(file);
    expect(sources['projects.app.qualityGate.mode']).toBe(file);
    expect(sources['projects.app.baseBranch']).toBe(ENTRY_DEFAULTS_SOURCE);
    expect(sources['projects.app.lint.commands']).toBe(ENTRY_DEFAULTS_SOURCE);
  });

  it('keep the entries in file order and resolve their shorthands', () => {
    const file = writeConfig(
      'projects:\n  zeta:\n    url: https://x/z.git\n    remote: upstream\n  alpha:\n    path: rel/alpha\n    pushRemote: fork\n',
    );
    const { config } = load({ file });
    expect(Object.keys(config.projects)).toEqual(['zeta', 'alpha']);
    expect(config.projects.zeta?.pushRemote).toBe('upstream');
    expect(config.projects.alpha?.pushRemote).toBe('fork');
    expect(config.projects.alpha?.path).toBe(resolve(process.cwd(), 'rel/alpha'));
    expect(config.projects.zeta?.path).toBe('');
    // Two projects and no defaultProject: nothing to choose.
    expect(config.defaultProject).toBe('');
  });

  it('make the only project the default project', () => {
    expect(load({ file: writeConfig('projects:\n  app: { path: /a }\n') }).config.defaultProject).toBe('app');
  });

  it('accept an entry with nothing under it', () => {
    const { config } = load({ file: writeConfig('agent:\n  roles:\n    review:\n    fix: { model: m }\n') });
    expect(config.agent.roles).toEqual({ review: { model: '', effort: '' }, fix: { model: 'm', effort: '' } });
  });

  it('suggest the nearest key for an unknown key in an entry', () => {
    const file = writeConfig('projects:\n  app:\n    path: /a\n    baseBrnach: dev\n');
    const error = expectRefused({ file }, 'projects.app.baseBrnach');
    expect(error.message).toBe(
      `config: unknown key projects.app.baseBrnach (from ${file}); did you mean projects.app.baseBranch?`,
    );
    const nested = loadError({
      file: writeConfig('projects:\n  app:\n    qualityGate:\n      comands: [x]\n'),
    }).message;
    expect(nested).toContain('did you mean projects.app.qualityGate.commands?');
  });

  it('list the entry keys when nothing is close', () => {
    const message = refusal('projects:\n  app:\n    whatever: 1\n');
    expect(message).toContain('unknown key projects.app.whatever');
    expect(message).toContain('valid keys under projects.app: path, url, baseBranch');
  });

  it('check entry values with the types of sections', () => {
    const error = expectRefused(
      {
        file: writeConfig('projects:\n  app:\n    path: /a\n    lint: { mode: loud }\n'),
      },
      'projects.app.lint.mode',
    );
    expect(error.message).toContain('expected one of "off", "warn", "strict"');
    expect((loadError({ file: writeConfig('projects:\n  app: /src/app\n') }) as ConfigError).key).toBe('projects.app');
    expect(refusal('projects:\n  app: /src/app\n')).toContain('expected a mapping of keys');
    const notMapping = expectRefused({ file: writeConfig('projects: [app]\n') }, 'projects');
    expect(notMapping.message).toContain('expected a mapping from names to entries (path, url');
  });

  it('reject a bad entry name', () => {
    const file = writeConfig('projects:\n  "my app":\n    path: /a\n');
    const error = expectRefused({ file }, 'projects.my app');
    expect(error.message).toBe(
      `config: "my app" is not a valid name under projects (from ${file}); names under projects are letters, digits, ".", "_" and "-", starting with a letter or digit`,
    );
    expect(refusal('projects:\n  -app: { path: /a }\n')).toContain('"-app" is not a valid name');
  });

  it('allow only mission kinds under agent.roles, suggesting the nearest', () => {
    const message = refusal('agent:\n  roles:\n    reveiw: { model: m }\n');
    expect(message).toContain('"reveiw" is not a valid name under agent.roles');
    expect(message).toContain('did you mean agent.roles.review?');
    expect(message).toContain('free, rebase, ci_check, review, implement, fix');
  });

  it('create an entry from the environment alone, lower-casing its name', () => {
    const { config, sources } = load({
      env: {
        ROSHI_PROJECTS__APP__PATH: '/src/app',
        ROSHI_PROJECTS__APP__BASE_BRANCH: 'dev',
        ROSHI_AGENT__ROLES__CI_CHECK__MODEL: 'm',
      },
    });
    expect(config.projects.app).toMatchObject({ path: '/src/app', baseBranch: 'dev', remote: 'origin' });
    expect(config.agent.roles).toEqual({ ci_check: { model: 'm', effort: '' } });
    expect(sources['projects.app.path']).toBe('env ROSHI_PROJECTS__APP__PATH');
    expect(config.defaultProject).toBe('app');
  });

  it('merge the environment into an entry from a file key by key', () => {
    const file = writeConfig('projects:\n  app:\n    path: /a\n    baseBranch: dev\n');
    const { config } = load({
      file,
      env: { ROSHI_PROJECTS__APP__REMOTE: 'upstream', ROSHI_PROJECTS__APP__LINT__COMMANDS: '[make lint]' },
    });
    expect(config.projects.app).toMatchObject({
      path: '/a',
      baseBranch: 'dev',
      remote: 'upstream',
      lint: { mode: 'off', commands: ['make lint'] },
    });
  });

  it('suggest the nearest variable for a typo inside an entry', () => {
    const error = loadError({ env: { ROSHI_PROJECTS__APP__PAHT: '/a' } });
    expect(error.message).toContain(
      'ROSHI_PROJECTS__APP__PAHT is not a config key; did you mean ROSHI_PROJECTS__APP__PATH (projects.app.path)?',
    );
    expect(loadError({ env: { ROSHI_PROJECTS__APP: '/a' } }).message).toContain(
      'ROSHI_PROJECTS__APP is not a config key',
    );
    expect(loadError({ env: { ROSHI_PROJECTS: 'x' } }).message).toContain('ROSHI_PROJECTS is not a config key');
  });

  it('take overrides by dotted key, including entry names with dots', () => {
    const { config } = load({
      overrides: { 'projects.my.app.path': '/a', 'projects.web': { url: 'https://x/w.git' }, defaultProject: 'web' },
    });
    expect(Object.keys(config.projects)).toEqual(['my.app', 'web']);
    expect(config.projects['my.app']?.path).toBe('/a');
    expect(config.projects.web?.url).toBe('https://x/w.git');
    expect(loadError({ overrides: { 'projects.app.pth': '/a' } }).message).toContain('did you mean projects.app.path?');
  });

  it('are left out of describeSources where they took the entry defaults', () => {
    const file = writeConfig('projects:\n  app:\n    path: /a\n');
    expect(describeSources(load({ file })).slice(2)).toEqual([`projects.app.path from ${file}`]);
  });
});
