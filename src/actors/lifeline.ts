// How an actor notices that its supervisor is gone, even after SIGKILL: the supervisor holds
// the write end of the child's stdin. When the supervisor dies for any reason the kernel closes
// that pipe and the child reads end-of-file. No polling, no timers.

export const LIFELINE_ENV = 'ROSHI_LIFELINE';

export function watchLifeline(onLost: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (env[LIFELINE_ENV] !== '1') return;
  const stdin = process.stdin;
  let fired = false;
  const lost = () => {
    if (fired) return;
    fired = true;
    onLost();
  };
  stdin.on('end', lost);
  stdin.on('close', lost);
  stdin.on('error', lost);
  stdin.on('data', () => {}); // the supervisor never writes; reading keeps the stream flowing
  stdin.resume();
}
