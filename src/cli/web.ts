// `roshi web login`: prints a login link to the live page (docs/observability.md#logging-in).
// The link holds a one-time code derived from the web token (<stateDir>/web.token), never the
// token itself; opening it sets the page's session cookie. `roshi web url` prints the address.
import { UsageError } from '../errors.js';
import { loginLink, newLoginCode, readWebToken, webTokenPath } from '../web/auth.js';
import { readWebUrl } from '../web/urlFile.js';
import type { CommandContext } from './context.js';

export const summary = 'web login | web url: a one-time login link to the live page, or its address';

export async function run(ctx: CommandContext): Promise<number> {
  const sub = ctx.args.positionals[0];
  const url = readWebUrl(ctx.config.stateDir);
  if (!url)
    throw new UsageError(
      `no live page is being served for ${ctx.config.stateDir} (no web.url file): is the supervisor running with actors.web.enabled?`,
    );
  if (sub === 'url') {
    ctx.print(ctx.args.json ? JSON.stringify({ url }) : url);
    return 0;
  }
  if (sub !== 'login') throw new UsageError(`web needs a subcommand: login or url (got ${JSON.stringify(sub ?? '')})`);
  const token = readWebToken(ctx.config.stateDir);
  if (!token)
    throw new UsageError(
      `${webTokenPath(ctx.config.stateDir)} is missing or unreadable (run as the user the supervisor runs as)`,
    );
  const code = newLoginCode(token);
  const link = loginLink(url, code);
  ctx.print(
    ctx.args.json
      ? JSON.stringify({ url, link, expires: code.expires })
      : `${link}\n(works once, until ${new Date(code.expires).toLocaleTimeString()})`,
  );
  return 0;
}
