// supervision.leaseTtl (docs/configuration.md): 15s by default, read as a duration, and a value
// under 1s refused naming the key and what was expected.
import { describe, expect, it } from 'vitest';
import { expectRefused } from '../harness/configRefusal.js';
import { load, useConfigDir } from '../harness/configFiles.js';

const { writeConfig } = useConfigDir();

describe('supervision.leaseTtl', () => {
  it('defaults to 15s and takes a duration', () => {
    expect(load().config.supervision.leaseTtl).toBe(15_000);
    expect(load({ file: writeConfig('supervision:\n  leaseTtl: 4s\n') }).config.supervision.leaseTtl).toBe(4_000);
  });

  it.each(['500ms', 'soon', '-1s'])('refuses %j, naming the key', (value) => {
    const file = writeConfig(`supervision:\n  leaseTtl: ${value}\n`);
    const error = expectRefused({ file }, 'supervision.leaseTtl');
    expect(error.message).toContain('supervision.leaseTtl');
    expect(error.message).toMatch(/expected a duration/);
  });
});
