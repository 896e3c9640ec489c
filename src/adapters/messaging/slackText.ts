// Slack's text rules (https://api.slack.com/reference/surfaces/formatting): escaping its control
// characters, ordinary Markdown → mrkdwn, received markup → plain text, and ordering message
// timestamps. See docs/providers.md#slack.

/** Escapes Slack's three control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Ordinary Markdown → Slack mrkdwn; code spans and blocks are kept (only escaped). */
export function markdownToMrkdwn(markdown: string): string {
  // Code first, so nothing inside it is converted.
  const parts = markdown.split(/(```[\s\S]*?```|`[^`\n]+`)/g);
  return parts
    .map((part, index) => {
      if (index % 2 === 1) {
        // ```lang\n…``` → ```\n…``` (Slack shows a language tag as code)
        return escapeSlack(part.startsWith('```') ? part.replace(/^```[\w-]+\n/, '```\n') : part);
      }
      // Italics before bold and headings, which both produce single stars.
      return escapeSlack(part)
        .replace(
          /\[([^\]\n]+)\]\(([^()\s]+)\)/g,
          (_m, label: string, url: string) => `<${url}|${label.replace(/\|/g, '¦')}>`,
        )
        .replace(/(?<![*\w])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![*\w])/g, '_$1_')
        .replace(/\*\*(?!\s)([^\n]+?)(?<!\s)\*\*/g, '*$1*')
        .replace(/(?<!\w)__(?!\s)([^\n]+?)(?<!\s)__(?!\w)/g, '*$1*')
        .replace(/~~(?!\s)([^\n]+?)(?<!\s)~~/g, '~$1~')
        .replace(/^#{1,6}\s+(.+?)\s*#*\s*$/gm, (_m, title: string) => `*${title.replace(/^\*(.+)\*$/, '$1')}*`);
    })
    .join('');
}

/** Slack's markup in a received message → the text a person typed. */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_m, inner: string) => {
      const [target = '', label] = inner.split('|', 2);
      if (target.startsWith('@')) return label ? `@${label}` : target;
      if (target.startsWith('#')) return label ? `#${label}` : target;
      if (target.startsWith('!')) return `@${target.slice(1).split('^')[0] ?? ''}`;
      return target.startsWith('mailto:') && label ? label : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Orders Slack timestamps ("1512085950.000216") without floating-point loss. */
export function compareTs(a: string, b: string): number {
  const key = (ts: string) => {
    const [seconds = '0', micros = ''] = ts.split('.');
    return `${seconds.padStart(12, '0')}.${micros.padEnd(6, '0')}`;
  };
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
