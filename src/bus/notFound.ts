// "It does not exist" told apart from "it did not answer": a JetStream read that timed out must
// not pass for a missing stream, or the caller creates one that is already there.

/** The read's value, or undefined when JetStream says the stream or consumer does not exist. */
export async function unlessNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  const errCode = e.api_error?.err_code;
  return errCode === 10014 || errCode === 10059 || e.code === '404' || /not found/i.test(e.message ?? '');
}
