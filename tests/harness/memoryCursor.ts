// A provider cursor (offset, sync token, Slack ts) kept in memory, with every save recorded, so a
// test can restart a provider from where the last one left off and check what it saved.
import type { Cursor } from '../../src/adapters/messaging/types.js';

export class MemoryCursor implements Cursor {
  saves: string[] = [];
  constructor(public value?: string) {}
  async load() {
    return this.value;
  }
  async save(value: string) {
    this.value = value;
    this.saves.push(value);
  }
}
