// GitHub's page-based pagination as the fakes serve it: per_page (default 30, capped) and page
// from the query, and a Link header naming prev, next, last and first when there are several pages.

/** One page of `list` and the headers GitHub would send with it, for a request to `pageUrl`. */
export function pageOf<T>(
  list: T[],
  query: URLSearchParams,
  pageUrl: string,
  maxPerPage = 100,
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(maxPerPage, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(list.length / perPage));
  const headers: Record<string, string> = {};
  if (list.length > perPage) {
    const link = (n: number, rel: string) => {
      const u = new URL(pageUrl);
      u.searchParams.set('page', String(n));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    headers.link = links.join(', ');
  }
  return { page: list.slice((page - 1) * perPage, page * perPage), headers };
}
