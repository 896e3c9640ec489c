// Mission ids: short, sortable by creation time, safe as KV keys and in a terminal.
//
//   <time: 8 base36 digits of ms since the epoch><random: 3 base36 digits>   e.g. "mfx3k2a1q7z"
//
// 8 digits of base36 milliseconds last until 2059, and ids of one process never go backwards
// (a second id in the same millisecond takes the next one), so lexical order is creation order.
// The 3 random digits (46,656 values) keep two processes adding in the same millisecond apart;
// the store's create() is a compare-and-set, so a collision is refused, never overwritten.
import { randomInt } from 'node:crypto';

const TIME_DIGITS = 8;
const RANDOM_DIGITS = 3;
export const MISSION_ID_PATTERN = /^[0-9a-z]{11}$/;

let lastMs = 0;

export function newMissionId(now: number = Date.now()): string {
  const ms = Math.max(Math.floor(now), lastMs + 1);
  lastMs = ms;
  const time = ms.toString(36).padStart(TIME_DIGITS, '0').slice(-TIME_DIGITS);
  const random = randomInt(36 ** RANDOM_DIGITS)
    .toString(36)
    .padStart(RANDOM_DIGITS, '0');
  return time + random;
}

/** The creation time encoded in an id (to the millisecond, possibly nudged forward by one or two). */
export function missionIdTime(id: string): number {
  return parseInt(id.slice(0, TIME_DIGITS), 36);
}
