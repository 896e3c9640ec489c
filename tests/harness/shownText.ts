// A message the bot sent as each chat app shows it to a person, so a test compares what the
// operator reads: the service's escapes undone, links shown by their label, HTML tags applied.
// Telegram's fake does this itself (its `shown`, parsed MarkdownV2); the others store what was
// sent. Paired emphasis marks (*bold*) are left as sent: the suite's texts pair none. And the
// labels of a message's buttons.

/** A posted text as Slack's app shows it: links by their label, the three escapes undone. */
export function slackShown(text: string): string {
  return text
    .replace(/<([^<>|]+)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** An HTML formatted_body as a Matrix client shows it: tags applied (dropped), entities decoded. */
export function matrixHtmlShown(html: string): string {
  return html
    .replace(/<mx-reply>[\s\S]*?<\/mx-reply>/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X'))
        return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

/** A sent event as a client shows it: the HTML body when there is one, else `body` without a reply's quote. */
export function matrixShown(content: Record<string, unknown>): string {
  if (content.format === 'org.matrix.custom.html' && typeof content.formatted_body === 'string')
    return matrixHtmlShown(content.formatted_body);
  const body = String(content.body ?? '');
  const isReply = (content['m.relates_to'] as { 'm.in_reply_to'?: unknown } | undefined)?.['m.in_reply_to'];
  return isReply ? body.replace(/^(> .*\n)+\n/, '') : body;
}

/** A Discord message as the app shows it: a backslash before a symbol shows that symbol. */
export function discordShown(content: string): string {
  return content.replace(/\\([^\sA-Za-z0-9])/g, '$1');
}

/** The labels of a Slack message's buttons (Block Kit `actions` blocks). */
export function slackButtons(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  return blocks
    .filter((b) => b?.type === 'actions')
    .flatMap((b) => (Array.isArray(b.elements) ? b.elements : []))
    .filter((e) => e?.type === 'button')
    .map((e) => String(e.text?.text ?? ''));
}

/** The labels of a Discord message's buttons (components of type 2 in action rows). */
export function discordButtons(components: unknown): string[] {
  if (!Array.isArray(components)) return [];
  return components
    .flatMap((row) => (Array.isArray(row?.components) ? row.components : []))
    .filter((c) => c?.type === 2)
    .map((c) => String(c.label ?? ''));
}
