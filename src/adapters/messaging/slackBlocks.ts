// One outbound message as chat.postMessage takes it (https://docs.slack.dev/reference/methods/chat.postMessage):
// the text with Slack's escaping (&, <, > as &amp; &lt; &gt;; mrkdwn when the text is Markdown),
// `thread_ts` when it answers a message, and buttons as a Block Kit `actions` block under the text
// in `section` blocks, the plain `text` staying as the notification fallback. A press comes back
// as an `interactive` envelope carrying the button's value: the command. See docs/providers.md#slack.
import { escapeSlack, markdownToMrkdwn } from './slackText.js';
import type { MessageAction, OutboundMessage } from './types.js';

/** Block Kit limits: a section's text, a button's label and value, buttons in one actions block. */
const SECTION_MAX = 3_000;
const LABEL_MAX = 75;
const VALUE_MAX = 2_000;
const BUTTONS_PER_BLOCK = 25;
/** A button's action_id starts so: presses of other apps' buttons are not commands. */
export const ACTION_ID_PREFIX = 'roshi-action-';

export function postMessageParams(
  message: OutboundMessage,
  channel: string,
  threadTs: string | undefined,
): Record<string, unknown> {
  const markdown = message.format === 'markdown';
  const text = markdown ? markdownToMrkdwn(message.text) : escapeSlack(message.text);
  const buttons = (message.actions ?? []).filter((a) => a.label.trim() !== '' && a.command.length <= VALUE_MAX);
  return {
    channel,
    text,
    mrkdwn: markdown,
    unfurl_links: false,
    unfurl_media: false,
    ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
    ...(buttons.length > 0 ? { blocks: [...sections(text, markdown), ...actionBlocks(buttons)] } : {}),
  };
}

/** The (escaped) text in sections of at most SECTION_MAX characters, cut at line breaks where possible. */
function sections(text: string, markdown: boolean): unknown[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > SECTION_MAX) {
    let cut = rest.lastIndexOf('\n', SECTION_MAX);
    if (cut <= 0) cut = SECTION_MAX;
    // Never inside an entity (every '&' of escaped text starts one) nor a surrogate pair.
    const amp = rest.lastIndexOf('&', cut - 1);
    if (amp >= 0 && cut - amp < 5 && rest.indexOf(';', amp) >= cut) cut = amp;
    if (/[\uD800-\uDBFF]/.test(rest.charAt(cut - 1))) cut--;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.trim() !== '') pieces.push(rest);
  return pieces.map((piece) => ({ type: 'section', text: { type: 'mrkdwn', text: piece, verbatim: !markdown } }));
}

function actionBlocks(actions: MessageAction[]): unknown[] {
  const blocks: unknown[] = [];
  for (let i = 0; i < actions.length; i += BUTTONS_PER_BLOCK) {
    const elements = actions.slice(i, i + BUTTONS_PER_BLOCK).map((action, j) => ({
      type: 'button',
      action_id: `${ACTION_ID_PREFIX}${i + j}`,
      text: { type: 'plain_text', text: label(action.label), emoji: true },
      value: action.command,
    }));
    blocks.push({ type: 'actions', block_id: `roshi-actions-${i / BUTTONS_PER_BLOCK}`, elements });
  }
  return blocks;
}

function label(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= LABEL_MAX ? trimmed : `${trimmed.slice(0, LABEL_MAX - 1)}…`;
}
