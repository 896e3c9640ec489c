// A usage limit with its reset time, as Claude Code words it for subscription logins: the older
// "Claude AI usage limit reached|<epoch seconds>" and the newer "… limit reached ∙ resets 3pm
// (Europe/Berlin)". With an API key the CLI reports a plain 429 instead (docs/claude-cli.md).
// The reset is honoured exactly: every runner holds claiming until then (dispatchHold.ts).

const EPOCH = /usage limit reached\|(\d{10,13})/i;
const TIME_OF_DAY = /limit[^\n]*?\breset(?:s|s at| at)?\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?:\s*\(([^)]+)\))?/i;
const DAY_MINUTES = 24 * 60;

/** Milliseconds from `now` until the reset a usage-limit message names; undefined for any other text. */
export function usageLimitResetMs(text: string, now: number): number | undefined {
  const epoch = EPOCH.exec(text);
  if (epoch?.[1]) {
    const value = Number(epoch[1]);
    const at = epoch[1].length > 10 ? value : value * 1000;
    return Math.max(0, at - now);
  }
  const clock = TIME_OF_DAY.exec(text);
  if (!clock?.[1]) return undefined;
  let hour = Number(clock[1]);
  const minute = Number(clock[2] ?? 0);
  const meridiem = clock[3]?.toLowerCase();
  if (meridiem === 'pm' && hour < 12) hour += 12;
  if (meridiem === 'am' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return undefined;
  const wall = wallClock(now, clock[4]);
  if (!wall) return undefined;
  // The next time the clock of that zone shows hour:minute (today, or tomorrow once past).
  let minutes = hour * 60 + minute - (wall.hour * 60 + wall.minute);
  if (minutes <= 0) minutes += DAY_MINUTES;
  return minutes * 60_000 - wall.second * 1000 - (now % 1000);
}

/** Hour, minute and second that `now` shows in `zone` (UTC when none); undefined for an unknown zone. */
function wallClock(
  now: number,
  zone: string | undefined,
): { hour: number; minute: number; second: number } | undefined {
  try {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone?.trim() || 'UTC',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(now));
    const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return { hour: part('hour'), minute: part('minute'), second: part('second') };
  } catch {
    return undefined; // a zone Intl does not know
  }
}
