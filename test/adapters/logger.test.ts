import { embeddedMetrics, jsonLogger } from '../../shared/adapters/logger';

describe('logs and metrics for CloudWatch', () => {
  it('writes one JSON object per line with level, message, service, time and details', () => {
    const lines: string[] = [];
    const log = jsonLogger('feedgen-publish', (line) => lines.push(line));
    log.info('published', { key: 'articles/a.md' });
    log.warn('article rejected');
    log.error('failed', { attempts: 3 });
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed).toEqual([
      {
        level: 'INFO',
        message: 'published',
        service: 'feedgen-publish',
        timestamp: expect.any(String),
        key: 'articles/a.md',
      },
      {
        level: 'WARN',
        message: 'article rejected',
        service: 'feedgen-publish',
        timestamp: expect.any(String),
      },
      {
        level: 'ERROR',
        message: 'failed',
        service: 'feedgen-publish',
        timestamp: expect.any(String),
        attempts: 3,
      },
    ]);
    expect(Number.isNaN(Date.parse(parsed[0].timestamp))).toBe(false);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('writes metrics in the embedded metric format', () => {
    const lines: string[] = [];
    const metrics = embeddedMetrics('feedgen', (line) => lines.push(line));
    metrics.count('RejectedArticles');
    metrics.count('FailedBatches', 3);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        RejectedArticles: 1,
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'feedgen',
              Dimensions: [[]],
              Metrics: [{ Name: 'RejectedArticles', Unit: 'Count' }],
            },
          ],
        },
      }),
      expect.objectContaining({ FailedBatches: 3 }),
    ]);
  });
});
