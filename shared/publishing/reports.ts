import { type ArticleProblem, formatProblem } from '../core/article/article';
import { duplicateProblem } from '../core/verdict';
import type { DirEntry } from './state';

/** The report editors read for a rejected article (reports/<path>.json). */
export function reportBody(key: string, problems: readonly ArticleProblem[], at: number): string {
  const report = {
    article: key,
    rejectedAt: new Date(at).toISOString(),
    problems: problems.map((problem) => ({
      field: problem.field ?? null,
      message: problem.message,
      text: formatProblem(problem),
    })),
    help: 'Fix the article and upload it again; this report disappears when the article is accepted or deleted.',
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Why an article is not shown, or undefined when it is (or is a draft, scheduled or gone):
 * its own problems, or the article that owns its id.
 */
export function reportProblems(
  key: string,
  entry: DirEntry | undefined,
  owner: string | undefined,
): readonly ArticleProblem[] | undefined {
  if (entry?.status === 'rejected') return entry.problems ?? [];
  if (entry?.status === 'candidate' && entry.id !== undefined && owner !== undefined && owner !== key)
    return [duplicateProblem(key, entry.id, owner)];
  return undefined;
}

/** Which reports to write or delete after the commit; updates `reports` (key → report time). */
export function planReports(
  changes: ReadonlyMap<string, ReportChange>,
  reports: Record<string, number>,
  now: number,
): { key: string; body: string | undefined }[] {
  const writes: { key: string; body: string | undefined }[] = [];
  for (const [key, change] of changes) {
    if (!change.after) {
      if (key in reports) {
        delete reports[key];
        writes.push({ key, body: undefined });
      }
      continue;
    }
    const same = JSON.stringify(change.before) === JSON.stringify(change.after) && key in reports;
    const at = change.rejectedAt ?? (same ? (reports[key] ?? now) : now);
    if (same && reports[key] === at) continue;
    reports[key] = at;
    writes.push({ key, body: reportBody(key, change.after, at) });
  }
  return writes;
}

/** How an article's report changes in a batch: why it was and is not shown (undefined: no report). */
export interface ReportChange {
  readonly before: readonly ArticleProblem[] | undefined;
  readonly after: readonly ArticleProblem[] | undefined;
  /** The rejection's own time, for an article rejected for its content. */
  readonly rejectedAt: number | undefined;
}
