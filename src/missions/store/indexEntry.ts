// One mission as the index holds it: the value and the KV revision it was read or written at.
import type { Mission } from '../../contracts/index.js';

export interface IndexEntry {
  mission: Mission;
  revision: number;
}
