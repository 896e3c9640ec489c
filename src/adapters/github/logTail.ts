// The tail of an Actions job log as an agent or the operator should read it: GitHub's per-line
// timestamps and ANSI colour/cursor codes removed (Actions logs keep the tools' colours), very
// long lines cut. One rule for the /ci_check context and the /rebase logs. docs/github.md#ci
/** A log line longer than this is cut (minified output, progress bars). */
const MAX_LINE = 1_000;

// CSI sequences (colours, cursor moves: ESC [ … final byte) and OSC sequences (ESC ] … BEL or ESC \).
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
const LOG_TIMESTAMP = /^\uFEFF?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;

/** The last `lines` lines of a log (trailing blank lines dropped), without timestamps and ANSI codes. */
export function tailOfLog(text: string, lines: number): string {
  const clean = text
    .replace(/\r\n?/g, '\n')
    .replace(ANSI, '')
    .split('\n')
    .map((line) => line.replace(LOG_TIMESTAMP, ''))
    .map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} …` : line));
  while (clean.length > 0 && (clean[clean.length - 1] ?? '').trim() === '') clean.pop();
  return clean.slice(-Math.max(1, lines)).join('\n');
}
