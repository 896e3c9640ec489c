// What a failed git command throws: the command as run (credentials masked) and its stderr tail.
import { RoshiError } from '../../errors.js';

/** A git command that failed (or could not start, or timed out). */
export class GitError extends RoshiError {
  override readonly code: string = 'git';
  constructor(
    message: string,
    /** The command as run, e.g. `git push --set-upstream origin …`, with URL credentials masked. */
    readonly command: string,
    /** The last lines of stderr (stdout when stderr was empty). */
    readonly stderrTail: string,
    /** git's exit code; undefined when it did not start or was killed. */
    readonly gitExitCode?: number,
  ) {
    super(message);
  }
}

/** A push the remote refused because the branch moved (non-fast-forward, stale lease). */
export class PushRejectedError extends GitError {
  override readonly code = 'push_rejected';
}

/** Mask user:password@ in URLs so a token in a remote URL never reaches an error or a log. */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}
