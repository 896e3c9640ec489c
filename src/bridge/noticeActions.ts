// Buttons for the missions' own notices, read from the notice id the missions side gives them
// (src/missions/approval.ts approvalNoticeId, src/missions/notice.ts noticeId): an approval ask
// gets Approve / Reject. A failed mission's notice names its own Retry (missions/noticeDelivery.ts):
// a message that names its own actions keeps them. See docs/chat.md#replies-and-buttons.
import type { OutboxAction, OutboxMessage } from '../contracts/outboxMessage.js';

const APPROVAL_NOTICE = /^mission-([0-9a-z]{11})-approval-(push|merge)$/;

export function noticeActions(message: Pick<OutboxMessage, 'id' | 'actions'>): OutboxAction[] | undefined {
  if (message.actions) return message.actions;
  const approval = APPROVAL_NOTICE.exec(message.id ?? '');
  if (approval) {
    const id = approval[1];
    return [
      { label: '👍 Approve', command: `/approve ${id}` },
      { label: '👎 Reject', command: `/reject ${id}` },
    ];
  }
  return undefined;
}
